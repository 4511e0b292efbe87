# SPDX-License-Identifier: GPL-2.0
# Demo (host VM): a slice is created, filtered, locked and destroyed with
# cpcctl, with the host's CPU and memory view before and after. Called by
# testbed/demo; runs on its own too: testbed/run --host selftests/vm/demo-slices.sh
set -u
step() { printf '\n=== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
host_view() {
	printf 'nproc: %s   online CPUs: %s\n' "$(nproc)" "$(cat /sys/devices/system/cpu/online)"
	grep MemTotal /proc/meminfo
	printf '%-10s %-20s %-8s %s\n' BLOCK RANGE STATE ZONES
	bs=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
	for d in /sys/devices/system/memory/memory*; do
		n=${d##*memory}
		printf '%s %s %s %s\n' "$n" "$(printf '0x%09x' $((n * bs)))" "$(cat "$d/state")" "$(cat "$d/valid_zones" 2>/dev/null)"
	done | sort -n | awk '{ printf "memory%-4s %-20s %-8s %s\n", $1, $2, $3, $4 }'
}
fail=0

step "1. The host before: 4 CPUs, 1 GiB + a 256 MiB hot-pluggable DIMM (blocks 32-33, movable)"
host_view
show cpcctl slice list

step "2. Create slice 'demo': CPUs 2-3 and 256 MiB are taken away from the host"
show cpcctl slice create demo --cpus 2-3 --mem 256M || fail=1
host_view

step "3. Filters: a memory window inside the slice, IPIs only to CPU 2 and the manager, cache ways, a PCI device"
show cpcctl slice filter demo --mem-window 0x100000000:16M --ipi 2,manager --cache-ways 0xf0 --device 00:1f.3 || fail=1

step "4. Mediation: every send toward the slice is checked against its IPI mask"
for t in 2 3 manager; do
	if echo "$t" > /sys/kernel/debug/cpc_host/slices/demo/send 2>/dev/null; then r=allowed; else r=refused; fi
	printf 'send to %-8s -> %s\n' "$t" "$r"
done

step "4b. Run code on the slice's own CPU: slice-echo, a bare-metal CPC guest end, over the slice bus"
show cpcctl slice run demo /usr/lib/cpc/slice-echo || fail=1
for _ in $(seq 50); do
	[ "$(cat /sys/kernel/cpc_host/channels/slice:demo/state 2>/dev/null)" = ready ] && break
	sleep 0.1
done
show cpcctl channel list
echo "ping is answered by the slice's CPU (cpu = its APIC id, 2):"
show cpcctl call slice:demo ping value=7 --json || fail=1
show cpcctl call slice:demo info || fail=1
echo "Without the manager in the IPI mask, the host may not ring the slice's CPU:"
show cpcctl slice filter demo --ipi 2 > /dev/null || fail=1
if show cpcctl call slice:demo ping --timeout 500; then fail=1; fi
show cpcctl slice filter demo --ipi 2,manager > /dev/null || fail=1
printf 'IPIs sent/refused: %s/%s\n' "$(cat /sys/kernel/cpc_host/slices/demo/filters/ipi_sent)" \
	"$(cat /sys/kernel/cpc_host/slices/demo/filters/ipi_refused)"
echo "Stop: INIT to the slice's CPUs"
show cpcctl slice stop demo || fail=1

step "4c. Linux on the slice: Debian's own kernel boots on CPUs 2-3 and serves CPC over the slice bus"
echo "Both CPUs must be in the IPI mask: the slice kernel starts its second CPU itself."
show cpcctl slice filter demo --ipi 2-3,manager > /dev/null || fail=1
show cpcctl slice boot demo --kernel /usr/lib/cpc/slice-vmlinuz --initrd /usr/lib/cpc/slice-initrd.img \
	--cmdline "cpc.modargs=allow=info,ps" || fail=1
show cat /sys/kernel/cpc_host/slices/demo/image
echo "Waiting for the slice kernel's cpc_guest to answer (its maintenance CPU, over real IPIs):"
t0=$(date +%s)
until cpcctl call slice:demo ping > /dev/null 2>&1; do
	[ $(($(date +%s) - t0)) -lt 240 ] || { fail=1; break; }
	sleep 0.2
done
echo "first answer $(($(date +%s) - t0)) s after boot"
show cpcctl call slice:demo info || fail=1
show cpcctl call slice:demo ps || fail=1
echo "The slice kernel's console, from a ring in the bus window (its last lines):"
cpcctl slice console demo > /tmp/demo-console && tail -n 4 /tmp/demo-console || fail=1
echo "The host's view meanwhile (CPUs 2-3 and the DIMM are the slice's):"
printf 'online CPUs: %s\n' "$(cat /sys/devices/system/cpu/online)"
echo "The manager leaves the IPI mask: the next doorbell toward the slice kernel is refused."
show cpcctl slice filter demo --ipi 2-3 > /dev/null || fail=1
if show cpcctl call slice:demo ping --timeout 500; then fail=1; fi
show cpcctl slice filter demo --ipi 2-3,manager > /dev/null || fail=1
show cpcctl call slice:demo ping || fail=1
printf 'IPIs sent/refused: %s/%s\n' "$(cat /sys/kernel/cpc_host/slices/demo/filters/ipi_sent)" \
	"$(cat /sys/kernel/cpc_host/slices/demo/filters/ipi_refused)"
echo "Stop: INIT to both CPUs; the slice kernel is gone, the slice stays."
show cpcctl slice stop demo || fail=1

step "5. Lock: the filter set is frozen until destroy"
show cpcctl slice lock demo || fail=1
echo "A change after lock is refused:"
if show cpcctl slice filter demo --ipi 2,manager; then fail=1; fi
echo "Bringing CPU 3 back behind cpc's back is refused too:"
echo '$ echo 1 > /sys/devices/system/cpu/cpu3/online'
if echo 1 > /sys/devices/system/cpu/cpu3/online; then fail=1; fi

step "6. The slice as JSON"
show cpcctl slice show demo --json || fail=1

step "7. Destroy: memory scrubbed, re-added, CPUs back"
show cpcctl slice destroy demo || fail=1
# The re-added blocks are onlined by the kernel's auto-online policy.
for _ in $(seq 50); do
	grep -q offline /sys/devices/system/memory/memory3[23]/state 2>/dev/null || break
	sleep 0.1
done
host_view
show cpcctl slice list
exit $fail
