# SPDX-License-Identifier: GPL-2.0
# Scenario: the host VM alone, cpc_host loaded with loopback_mib=4 (see
# scripts/run-tests); the tests load cpc_guest with loopback=1 maint_cpu=3
# into the same kernel.
. /usr/bin/run-selftests.sh
run_tests cpc-test-loopback cpc-test-chan_local cpc-test-lb_mutate
exit $failed
