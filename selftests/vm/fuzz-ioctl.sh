# SPDX-License-Identifier: GPL-2.0
# Scenario fuzz-ioctl: cpc-fuzz-ioctl in the host VM (cpc_host with
# loopback_mib=4; it loads cpc_guest on the loopback channel itself), then
# the ioctl paths' allocation failures swept with fail-nth
# (cpc-test-fault_ioctl; it skips on a kernel without failslab and
# fail_page_alloc, like Debian's), then both modules must unload. On the debug kernel (kmemleak present: /init
# then scans for leaks) 10,000 calls, on Debian's kernel a short run of
# 5,000. TAP, so scripts/run-tests counts it. To replay a seed:
#   printf 'cpc-fuzz-ioctl --seed S --calls N\n' > f.sh
#   testbed/run [--kernel build/testbed-debug] --host-modargs loopback_mib=4 --host f.sh
calls=5000 secs=120
if [ -e /sys/kernel/debug/kmemleak ]; then
	calls=10000 secs=1800
fi
echo "### cpc-fuzz-ioctl"
. /usr/share/cpc/tap.sh
tap_plan 3
cpus=$(cat /sys/devices/system/cpu/online)
mem=$(grep MemTotal /proc/meminfo)
cpc-fuzz-ioctl --calls "$calls" --seconds "$secs"
ok $? "fuzz-ioctl.run ($calls calls)"
[ "$(cat /sys/devices/system/cpu/online)" = "$cpus" ] && [ "$(grep MemTotal /proc/meminfo)" = "$mem" ] &&
	[ -z "$(ls /sys/kernel/cpc_host/slices)" ]
ok $? "fuzz-ioctl.host_view_restored"
# After the fuzzer: on the debug kernel the slice sweep may not end (open).
echo "### cpc-test-fault_ioctl"
cpc-test-fault_ioctl
fault=$?
for m in $(grep -o '^cpc_proc_[a-z_]*' /proc/modules); do rmmod "$m"; done
rmmod cpc_guest && rmmod cpc_host && [ ! -d /sys/module/cpc_host ]
ok $? "fuzz-ioctl.modules_unload"
tap_done && [ "$fault" = 0 ]
