# SPDX-License-Identifier: GPL-2.0
# Scenario: host VM + one guest VM; the guest owner provisions the snapshot
# key (the same one jobs-host.sh hands to the host test), then the agent
# serves the host test's mailbox until it is done.
. /usr/bin/run-selftests.sh
echo 4f776e65722d6b65792d6f662d7468652d6a6f62732d746573742d2d2d2d2d21 \
	> /sys/kernel/cpc_guest/snapshot_key || exit 1
run_tests cpc-test-chan_agent
exit $failed
