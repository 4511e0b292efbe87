# SPDX-License-Identifier: GPL-2.0
# Scenario: host VM + two guest VMs at once; CPC channels, host side.
. /usr/bin/run-selftests.sh
run_tests cpc-test-chan_multi
exit $failed
