# SPDX-License-Identifier: GPL-2.0
# Scenario: host VM + two guest VMs at once; each guest's agent.
. /usr/bin/run-selftests.sh
run_tests cpc-test-chan_agent
exit $failed
