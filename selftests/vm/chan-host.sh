# SPDX-License-Identifier: GPL-2.0
# Scenario: host VM + one guest VM (may reboot: --guest-reboot); CPC
# channel, host side. Both drive the guest's chan_agent through the
# mailbox; chan_reboot reboots the guest twice, chan_flood floods it (and
# reboots it once more), chan_mutate writes at random into the region,
# chan_host tells the agent it is done.
. /usr/bin/run-selftests.sh
run_tests cpc-test-chan_reboot cpc-test-chan_flood cpc-test-chan_mutate cpc-test-chan_host
exit $failed
