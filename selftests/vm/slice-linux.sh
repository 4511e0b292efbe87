# SPDX-License-Identifier: GPL-2.0
# Scenario: Linux on a slice in the host VM alone - the Linux load path's
# errnos and low-memory slots, then Debian's kernel booted on a slice twice.
. /usr/bin/run-selftests.sh
run_tests cpc-test-slice_linux
echo "### slice_boot.sh"
sh /usr/share/cpc/slice_boot.sh || failed=1
host_view_restored "the Linux slices" 0-3
exit $failed
