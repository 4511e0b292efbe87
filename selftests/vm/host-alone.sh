# SPDX-License-Identifier: GPL-2.0
# Scenario: the host VM alone (no guests).
. /usr/bin/run-selftests.sh
run_tests cpc-test-host_module
exit $failed
