# The demo, guest VM side: the guest owner's view.
. /usr/share/cpc/demo-lib.sh

part "The guest VM (the guest owner's side)"
step "CPU $(cat /sys/devices/system/cpu/isolated) is isolated and is the maintenance vCPU; the owner's policy"
run 'cpcctl guest status'
served() { cat /sys/kernel/cpc_guest/served; }
start=$(served)
for part in /usr/share/cpc/demo-guest-*.sh; do
	[ -f "$part" ] && . "$part"
done
# Wait until the host has made its calls (ping, info, log, ps at least).
wait_for '[ $(( $(served) - start )) -ge 4 ]' || true
step "After the host's calls: wake-ups and requests served by the maintenance vCPU"
for f in maint_cpu wakeups served busy_ns; do
	printf '%-10s %s\n' "$f" "$(cat /sys/kernel/cpc_guest/$f)"
done
step "Only the maintenance vCPU took the CPC doorbell interrupts"
run "head -1 /proc/interrupts; grep cpc /proc/interrupts"
