# SPDX-License-Identifier: GPL-2.0
# Scenario slices-smp: slices on a host with SMT cores, two NUMA nodes and
# virtio-mem memory (see scripts/run-tests) - whole cores, one node, memory
# only the host may give, and what cpcctl says about each.
. /usr/bin/run-selftests.sh
run_tests cpc-test-slice_topology
host_view_restored "the slice tests" 0-5
exit $failed
