# SPDX-License-Identifier: GPL-2.0
# Benchmark (host side, with one guest VM): code on a slice's own CPU
# against the other transports, all in one run of one host VM: the raw IPI
# ping-pong host CPU <-> slice CPU (debugfs ipi_pingpong), CPC ping over the
# slice bus (cpcctl bench slice:e1), CPC ping over ivshmem to the guest VM
# (cpcctl bench ivshmem-...), and a slice's start-to-first-answer time.
# Prints "bench:" lines.
calls=${CPC_BENCH_CALLS:-2000}
end=$(($(date +%s) + 120))
chan=
while [ -z "$chan" ] || [ "$(cat /sys/kernel/cpc_host/channels/$chan/state)" != ready ]; do
	[ "$(date +%s)" -lt "$end" ] || { echo "bench: no ivshmem channel came up"; exit 1; }
	chan=$(ls /sys/kernel/cpc_host/channels 2>/dev/null | grep '^ivshmem-' | head -n1)
	sleep 0.2
done
median() { awk '/"latency": \{/ { l = 1 } l && /"median_ns"/ { gsub(/[",]/, "", $2); print $2; exit }'; }

cpcctl slice create e1 --cpus 3 --mem 128M > /dev/null || exit 1
read -r t0 _ < /proc/uptime
cpcctl slice run e1 /usr/lib/cpc/slice-echo > /dev/null || exit 1
until cpcctl call slice:e1 ping --timeout 100 > /dev/null 2>&1; do
	[ "$(date +%s)" -lt "$end" ] || { echo "bench: slice-echo never answered"; exit 1; }
done
read -r t1 _ < /proc/uptime
start_ns=$(cat /sys/kernel/cpc_host/slices/e1/start_ns)
echo 2000 > /sys/kernel/debug/cpc_host/slices/e1/ipi_pingpong || exit 1
read -r rounds raw_avg raw_max < /sys/kernel/debug/cpc_host/slices/e1/ipi_pingpong
slice_med=$(cpcctl bench slice:e1 --calls "$calls" --json | median)
ivs_med=$(cpcctl bench "$chan" --calls "$calls" --json | median)
cpcctl slice destroy e1 > /dev/null || exit 1
[ -n "$slice_med" ] && [ -n "$ivs_med" ] || { echo "bench: a bench failed"; exit 1; }
awk -v r="$raw_avg" -v m="$raw_max" -v n="$rounds" -v s="$slice_med" -v i="$ivs_med" \
    -v st="$start_ns" -v t0="$t0" -v t1="$t1" 'BEGIN {
	printf "bench: raw IPI ping-pong host<->slice CPU: avg %.1f us, max %.1f us (%d rounds)\n", r / 1e3, m / 1e3, n
	printf "bench: CPC ping over the slice bus: median %.1f us = %.2fx raw\n", s / 1e3, s / r
	printf "bench: CPC ping over ivshmem (guest VM): median %.1f us = %.2fx the slice bus\n", i / 1e3, i / s
	printf "bench: slice start (INIT to entry) %.1f ms; start to first answer %.0f ms (cpcctl run + pings, /proc/uptime: 10 ms steps)\n", st / 1e6, (t1 - t0) * 1e3
}'
