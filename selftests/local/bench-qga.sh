# SPDX-License-Identifier: GPL-2.0
# make bench, third part: CPC through the user-space host end against
# qemu-guest-agent in the same guest, in one run (testbed/run --guests 1
# --qga --local selftests/local/bench-qga.sh --guest
# selftests/vm/local-guest.sh). Writes DIR = $CPC_BENCH_OUT (default
# build/bench-qga): the phases' JSON, the CDFs, results.md (the table in
# Documentation/results.md) and cpc-vs-qga.png. Sizes: CPC_BENCH_PINGS (1000), CPC_BENCH_QCALLS
# (100), CPC_BENCH_RAW (2000), CPC_BENCH_IDLE and CPC_BENCH_LOAD (60 s),
# CPC_BENCH_SPIN (10 s).
set -u
testbed-ctl wait 1 'local: guest ready' 120 || exit 1
bus=${CPC_BUSES%% *} qga=${CPC_QGA%% *} pid=${CPC_GUEST_PIDS%% *}
out=${CPC_BENCH_OUT:-$CPC_BUILD/bench-qga}
rm -rf "$out" && mkdir -p "$out" || exit 1
step() { echo "== $*"; "$@" || { echo "bench: FAILED: $*"; exit 1; }; }

step cpc-bench-compare latency --bus "$bus" --qga "$qga" --out "$out" \
	--pings "${CPC_BENCH_PINGS:-1000}" --calls "${CPC_BENCH_QCALLS:-100}" \
	--raw "${CPC_BENCH_RAW:-2000}" --blocks 10
step cpc-bench-compare dormant --bus "$bus" --qemu-pid "$pid" --out "$out" \
	--idle "${CPC_BENCH_IDLE:-60}" --load "${CPC_BENCH_LOAD:-60}"
spin=${CPC_BENCH_SPIN:-10}
step cpc-bench-compare spin --qga "$qga" --seconds "$spin" --label idle --out "$out"
# Snapshot jobs (16 MiB each) back to back while cpc-spin runs again.
rm -f stop
(
	n=0
	while [ ! -e stop ]; do
		rm -f snap.snp
		cpcctl job snapshot "bus:$bus" --out snap.snp --start 0x100000 --size 16M \
			--chunk 64K > /dev/null 2>> "$out/snapshot.err" || exit 1
		n=$((n + 1))
		echo "16 MiB snapshot jobs completed: $n" > "$out/snapshot-jobs.txt"
	done
) &
jobs_pid=$!
sleep 1
step cpc-bench-compare spin --qga "$qga" --seconds "$spin" --label snapshot --out "$out"
touch stop
wait "$jobs_pid" || { echo "bench: snapshot jobs failed: $(cat "$out/snapshot.err")"; exit 1; }
[ -s "$out/snapshot-jobs.txt" ] || { echo "bench: no snapshot job completed during cpc-spin"; exit 1; }
step cpc-bench-compare report --out "$out"
step gnuplot -e "dir='$out'" "$CPC_SRC/scripts/plot-cdf.gp"
