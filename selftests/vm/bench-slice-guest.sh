# SPDX-License-Identifier: GPL-2.0
# Benchmark (guest side of bench-slice-echo-host.sh; testbed/run
# --guest-reboot --disk N): the guest VM's boot-to-first-CPC-answer. On its
# first boot the guest waits until the host has pinged it (the ping
# procedure's calls counter: the host end's own requests at bring-up are
# not pings), then reboots itself once (vm-reboot: a clean reboot,
# the same kernel and initramfs booted again by QEMU); the host times the
# boot from the reset its channel sees to the first answered ping. The disk
# (/mnt/disk) tells the second boot from the first.
mark=/mnt/disk/bench-rebooted
[ -d /mnt/disk ] || { echo "bench: no /mnt/disk (testbed/run --disk)"; exit 1; }
if [ -e $mark ]; then
	echo "bench: second boot: serving the host's pings; $(dmesg | grep -m1 'channel up')"
	exit 0
fi
end=$(($(date +%s) + 120))
until [ "$(cat /sys/kernel/cpc_guest/procs/ping/calls 2>/dev/null || echo 0)" -gt 0 ]; do
	[ "$(date +%s)" -lt "$end" ] || { echo "bench: the host never pinged"; exit 1; }
	sleep 0.1
done
touch $mark && sync || exit 1
echo "bench: first boot: the host pinged; rebooting"
exec vm-reboot
