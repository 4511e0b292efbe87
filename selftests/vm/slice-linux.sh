# SPDX-License-Identifier: GPL-2.0
# Scenario: Linux on a slice in the host VM alone - the Linux load path's
# errnos and low-memory slots, then Debian's kernel booted on a slice twice,
# then once more serving CPC over the slice bus.
. /usr/bin/run-selftests.sh
run_tests cpc-test-slice_linux
echo "### slice_boot.sh"
sh /usr/share/cpc/slice_boot.sh || failed=1
echo "### slice_cpc.sh"
sh /usr/share/cpc/slice_cpc.sh || failed=1
echo "### host view after the Linux slices"
cat /sys/devices/system/cpu/online
grep MemTotal /proc/meminfo
[ "$(cat /sys/devices/system/cpu/online)" = 0-3 ] || failed=1
[ -z "$(ls /sys/kernel/cpc_host/slices)" ] || failed=1
exit $failed
