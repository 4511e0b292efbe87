# SPDX-License-Identifier: GPL-2.0
# The demo, guest VM side: the guest owner's view.
. /usr/share/cpc/demo-lib.sh

part "The guest VM (the guest owner's side)"
step "CPU $(cat /sys/devices/system/cpu/isolated) is isolated and is the maintenance vCPU; the owner's policy"
run 'cpcctl guest status'
step "The owner provisions the snapshot key (root only, write-only; the host never sees it)"
run 'cpcctl snapshot keygen --out /tmp/owner.key && cpcctl guest key set /tmp/owner.key'
served() { cat /sys/kernel/cpc_guest/served; }
start=$(served)
for part in /usr/share/cpc/demo-guest-*.sh; do
	[ -f "$part" ] && . "$part"
done
# Wait until the host has made its calls (ping, info, log, ps, reclaim,
# return, snapshots: 9 at least), then until they stop for 3 s (at most 60 s).
wait_for '[ $(( $(served) - start )) -ge 9 ]' || true
last=-1 quiet=0 n=0
while [ $quiet -lt 3 ] && [ $n -lt 60 ]; do
	now=$(served)
	if [ "$now" = "$last" ]; then quiet=$((quiet + 1)); else quiet=0; fi
	last=$now n=$((n + 1))
	sleep 1
done
step "After the host's calls: wake-ups and requests served by the maintenance vCPU"
for f in maint_cpu wakeups served busy_ns; do
	printf '%-10s %s\n' "$f" "$(cat /sys/kernel/cpc_guest/$f)"
done
step "Only the maintenance vCPU took the CPC doorbell interrupts"
run "head -1 /proc/interrupts; grep cpc /proc/interrupts"
