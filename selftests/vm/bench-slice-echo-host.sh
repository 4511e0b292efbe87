# SPDX-License-Identifier: GPL-2.0
# Benchmark (host side, with one guest VM started with --guest-reboot
# --disk and bench-slice-guest.sh): code on a slice's own CPU against the
# other transports, all in one run of one host VM, on the same slice CPU
# (3): the raw IPI ping-pong host CPU <-> slice CPU (debugfs ipi_pingpong,
# slice-echo; median of single rounds), CPC ping over the slice bus to slice-echo (slice:e1) and to
# Debian's kernel booted on the slice (cpc_guest, slice:lx), CPC ping over
# ivshmem to the guest VM (cpcctl bench ivshmem-...); and boot-to-first-
# CPC-answer times: slice-echo's start, Debian's kernel on the slice
# (cpcctl slice boot to the first answered ping) and the same kernel in the
# guest VM under QEMU (its channel's reset, as the guest reboots itself, to
# the first answered ping). Prints "bench:" lines.
calls=${CPC_BENCH_CALLS:-2000}
end=$(($(date +%s) + 120))
chan=
while [ -z "$chan" ] || [ "$(cat /sys/kernel/cpc_host/channels/$chan/state)" != ready ]; do
	[ "$(date +%s)" -lt "$end" ] || { echo "bench: no ivshmem channel came up"; exit 1; }
	chan=$(ls /sys/kernel/cpc_host/channels 2>/dev/null | grep '^ivshmem-' | head -n1)
	sleep 0.2
done
cdir=/sys/kernel/cpc_host/channels/$chan
# stats: "median_ns p99_ns calls_per_s" of cpcctl bench --json.
stats() {
	awk '/"latency": \{/ { l = 1 } /\}/ { l = 0 }
	     l && /"median_ns"/ { gsub(/[",]/, "", $2); m = $2 }
	     l && /"p99_ns"/ { gsub(/[",]/, "", $2); p = $2 }
	     /"calls_per_s"/ { gsub(/[",]/, "", $2); c = $2 }
	     END { if (m != "" && p != "" && c != "") print m, p, c }'
}
# kmark WORD: a line in the host's kernel log; ksince WORD TEXT: seconds
# (printk clock) from mark WORD to the last line with TEXT (the host end
# logs "NAME: channel up" when a peer's end comes up).
kmark() { echo "cpc-bench: $1" > /dev/kmsg; }
ktime() { dmesg | grep -F "$1" | tail -n1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/'; }
ksince() { awk -v a="$(ktime "cpc-bench: $1")" -v b="$(ktime "$2")" 'BEGIN { if (a == "" || b == "") print "nan"; else printf "%.2f", b - a }'; }
# answer CHANNEL: pings CHANNEL every 0.1 s until it answers (by $end).
answer() {
	until cpcctl call "$1" ping --timeout 100 > /dev/null 2>&1; do
		[ "$(date +%s)" -lt "$end" ] || { echo "bench: $1 never answered"; return 1; }
		sleep 0.1
	done
}

# The guest VM boots its kernel again: it reboots itself once the host has
# called it; timed from the reset its channel shows (a new generation or
# a state other than ready) to the first answer of the new boot.
end=$(($(date +%s) + 60))
answer "$chan" || exit 1
gen=$(cat $cdir/generation)
while [ "$(cat $cdir/generation)" = "$gen" ] && [ "$(cat $cdir/state)" = ready ]; do
	[ "$(date +%s)" -lt "$end" ] || { echo "bench: the guest never rebooted"; exit 1; }
	sleep 0.1
done
read -r v0 _ < /proc/uptime
kmark vm-reset
end=$(($(date +%s) + 300))
answer "$chan" || exit 1
read -r v1 _ < /proc/uptime
vup=$(ksince vm-reset "$chan: channel up")

end=$(($(date +%s) + 120))
cpcctl slice create e1 --cpus 3 --mem 128M > /dev/null || exit 1
read -r t0 _ < /proc/uptime
cpcctl slice run e1 /usr/lib/cpc/slice-echo > /dev/null || exit 1
answer slice:e1 || exit 1
read -r t1 _ < /proc/uptime
start_ns=$(cat /sys/kernel/cpc_host/slices/e1/start_ns)
# The raw ping-pong one round per write (the file gives a run's average and
# maximum only): 2000 single rounds, timed in the kernel, for a median and a
# p99 like cpcctl bench's; then one run of 2000 for its average.
pp=/sys/kernel/debug/cpc_host/slices/e1/ipi_pingpong
i=0
while [ $i -lt 2000 ]; do
	echo 1 > $pp || exit 1
	read -r _ ns _ < $pp
	echo "$ns"
	i=$((i + 1))
done | sort -n > /tmp/raw.ns
raw_med=$(sed -n 1000p /tmp/raw.ns)
raw_p99=$(sed -n 1980p /tmp/raw.ns)
echo 2000 > $pp || exit 1
read -r rounds raw_avg raw_max < $pp
set -- $(cpcctl bench slice:e1 --calls "$calls" --no-anchor --json | stats)
echo_med=${1:-}
cpcctl slice destroy e1 > /dev/null || exit 1

# Debian's kernel on the same CPU: boot to the first answer, then its ping.
cpcctl slice create lx --cpus 3 --mem 256M > /dev/null || exit 1
end=$(($(date +%s) + 300))
read -r l0 _ < /proc/uptime
kmark slice-boot
cpcctl slice boot lx --kernel /usr/lib/cpc/slice-vmlinuz \
	--initrd /usr/lib/cpc/slice-initrd.img > /dev/null || exit 1
read -r lb _ < /proc/uptime
answer slice:lx || exit 1
read -r l1 _ < /proc/uptime
lup=$(ksince slice-boot "slice:lx: channel up")
lx=$(cpcctl bench slice:lx --calls "$calls" --no-anchor --json | stats)
ivs=$(cpcctl bench "$chan" --calls "$calls" --no-anchor --json | stats)
cpcctl slice destroy lx > /dev/null || exit 1
[ -n "$echo_med" ] && [ -n "$lx" ] && [ -n "$ivs" ] || { echo "bench: a bench failed"; exit 1; }
awk -v a="$raw_avg" -v m="$raw_max" -v n="$rounds" -v r="$raw_med" -v r99="$raw_p99" \
    -v e="$echo_med" -v lx="$lx" -v iv="$ivs" -v c="$calls" -v st="$start_ns" \
    -v t0="$t0" -v t1="$t1" -v l0="$l0" -v lb="$lb" -v l1="$l1" \
    -v v0="$v0" -v v1="$v1" -v vup="$vup" -v lup="$lup" 'BEGIN {
	split(lx, s); split(iv, i)
	printf "bench: raw IPI ping-pong host<->slice CPU: median %.1f us, p99 %.1f us (2000 single rounds); one run of %d: avg %.1f us, max %.1f us\n", r / 1e3, r99 / 1e3, n, a / 1e3, m / 1e3
	printf "bench: CPC ping over the slice bus to slice-echo: median %.1f us = %.2fx raw\n", e / 1e3, e / r
	printf "bench: CPC ping over the slice bus to Linux (cpc_guest): median %.1f us, p99 %.1f us, %.0f calls/s = %.2fx raw, %.2fx slice-echo\n", s[1] / 1e3, s[2] / 1e3, s[3], s[1] / r, s[1] / e
	printf "bench: CPC ping over ivshmem (guest VM): median %.1f us, p99 %.1f us, %.0f calls/s = %.2fx raw, %.2fx the slice bus to Linux\n", i[1] / 1e3, i[2] / 1e3, i[3], i[1] / r, i[1] / s[1]
	printf "bench: (cpcctl bench CHANNEL --calls %d --no-anchor --json, depth 1; raw: debugfs slices/e1/ipi_pingpong)\n", c
	printf "bench: slice-echo start (INIT to entry) %.1f ms; start to first answer %.0f ms\n", st / 1e6, (t1 - t0) * 1e3
	printf "bench: Linux on the slice: cpcctl slice boot to first answer %.2f s (the boot command returned after %.2f s)\n", l1 - l0, lb - l0
	printf "bench: Linux in the guest VM (QEMU TCG): reset to first answer %.2f s = %.2fx the slice\n", v1 - v0, (v1 - v0) / (l1 - l0)
	printf "bench: the host end logged channel up %.2f s after the slice boot began, %.2f s after the VM reset was seen (host printk clock)\n", lup, vup
}'
