# SPDX-License-Identifier: GPL-2.0
# Benchmark (host side): CPC ping calls at depth 1 (ioctl) and 64
# (io_uring) against the raw doorbell ping-pong between the same two VMs,
# measured in the same run by cpcctl bench; prints "bench:" lines and a
# table of the ratios call/raw.
calls=${CPC_BENCH_CALLS:-2000}
end=$(($(date +%s) + 120))
chan=
while [ -z "$chan" ] || [ "$(cat /sys/kernel/cpc_host/channels/$chan/state)" != ready ]; do
	[ "$(date +%s)" -lt "$end" ] || { echo "bench: no channel came up"; exit 1; }
	chan=$(ls /sys/kernel/cpc_host/channels 2>/dev/null | head -n1)
	sleep 0.2
done
pp=/sys/kernel/debug/cpc_host/ivshmem/${chan#ivshmem-}/pingpong
# The guest arms its reflector once it sees us: probe until it answers.
until echo 1 > "$pp" 2>/dev/null; do
	[ "$(date +%s)" -lt "$end" ] || { echo "bench: the guest's reflector never answered"; exit 1; }
	sleep 0.2
done

# Flattens cpcctl bench --json into "section.key value" lines.
flat() {
	awk '/"(latency|raw|ratio)": \{/ { sec = $1; gsub(/[":]/, "", sec); next }
	     /^  \}/ { sec = ""; next }
	     /:/ { k = $1; gsub(/[":]/, "", k); v = $2; gsub(/[",]/, "", v);
		   print (sec == "" ? "" : sec ".") k, v }'
}
get() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }

rc=0
for depth in 1 64; do
	out=/tmp/bench-$depth.json
	if ! cpcctl bench "$chan" --calls "$calls" --depth "$depth" --anchor --json > /tmp/raw-$depth.json; then
		rc=1
		continue
	fi
	flat < /tmp/raw-$depth.json > "$out"
	echo "bench: cpcctl bench $chan --calls $calls --depth $depth --anchor"
	sed 's/^/  /' "$out"
done
[ "$rc" -eq 0 ] || exit 1

us() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1000 }'; }
echo "bench: CPC ping calls vs raw doorbell ping-pong ($calls calls each, same run)"
printf 'bench: %-22s %12s %12s %12s %14s\n' "" "median us" "p99 us" "min us" "per second"
for depth in 1 64; do
	f=/tmp/bench-$depth.json
	printf 'bench: %-22s %12s %12s %12s %14.0f\n' "raw ping-pong (d=$depth)" \
		"$(us "$(get raw.median_ns "$f")")" "$(us "$(get raw.p99_ns "$f")")" \
		"$(us "$(get raw.min_ns "$f")")" "$(get raw.roundtrips_per_s "$f")"
	printf 'bench: %-22s %12s %12s %12s %14.0f\n' "call depth $depth" \
		"$(us "$(get latency.median_ns "$f")")" "$(us "$(get latency.p99_ns "$f")")" \
		"$(us "$(get latency.min_ns "$f")")" "$(get calls_per_s "$f")"
	printf 'bench: %-22s %11.2fx %11.2fx %11.2fx %13.2fx\n' "ratio call/raw" \
		"$(get ratio.median "$f")" "$(get ratio.p99 "$f")" "$(get ratio.min "$f")" \
		"$(get ratio.throughput "$f")"
done
