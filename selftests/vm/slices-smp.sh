# SPDX-License-Identifier: GPL-2.0
# Scenario slices-smp: slices on a host with SMT cores, two NUMA nodes and
# virtio-mem memory (see scripts/run-tests) - whole cores, one node, memory
# only the host may give, and what cpcctl says about each.
. /usr/bin/run-selftests.sh
run_tests cpc-test-slice_topology
echo "### host view after the slice tests"
cat /sys/devices/system/cpu/online
[ "$(cat /sys/devices/system/cpu/online)" = 0-5 ] || failed=1
[ -z "$(ls /sys/kernel/cpc_host/slices)" ] || failed=1
exit $failed
