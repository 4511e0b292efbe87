# SPDX-License-Identifier: GPL-2.0
# Scenario: Linux on a slice in the host VM alone - the Linux load path's
# errnos and low-memory slots; Debian's kernel booted on a slice three times
# with no leak; a 1-CPU and a 2-CPU slice at once, one panicked and one
# busy, stopped and destroyed; then one serving CPC over the slice bus;
# one running the procedure kselftests (slice_procs.sh).
. /usr/bin/run-selftests.sh
run_tests cpc-test-slice_linux
echo "### slice_boot.sh"
sh /usr/share/cpc/slice_boot.sh || failed=1
echo "### slice_life.sh"
sh /usr/share/cpc/slice_life.sh || failed=1
echo "### slice_cpc.sh"
sh /usr/share/cpc/slice_cpc.sh || failed=1
echo "### slice_procs.sh"
sh /usr/share/cpc/slice_procs.sh || failed=1
host_view_restored "the Linux slices" 0-3
exit $failed
