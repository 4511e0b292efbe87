# SPDX-License-Identifier: GPL-2.0
# Scenario: host VM + one guest VM; CPC channel, guest side: the agent
# until the host is done, then the guest's own checks.
. /usr/bin/run-selftests.sh
run_tests cpc-test-chan_agent cpc-test-chan_guest
exit $failed
