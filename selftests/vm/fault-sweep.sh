# SPDX-License-Identifier: GPL-2.0
# Not a scripts/run-tests scenario yet (see Documentation/results.md,
# "Debug kernel"): on the
# debug kernel, every slab allocation of both modules' load is failed once
# through failslab's fail-nth (cpc-test-fault_sweep; it skips on a kernel
# without failslab):
#   testbed/run --kernel build/testbed-debug --host selftests/vm/fault-sweep.sh
# The sweep also fails the module loader's own vmalloc (module_alloc),
# whose failure report has a call trace the test bed fails on.
. /usr/bin/run-selftests.sh
run_tests cpc-test-fault_sweep
exit $failed
