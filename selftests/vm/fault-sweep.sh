# SPDX-License-Identifier: GPL-2.0
# Scenario: on the debug kernel, every slab allocation of both modules' load
# from their parameters on is failed once through failslab's fail-nth
# (cpc-test-fault_sweep); on a kernel without failslab (Debian's) it skips.
. /usr/bin/run-selftests.sh
run_tests cpc-test-fault_sweep
exit $failed
