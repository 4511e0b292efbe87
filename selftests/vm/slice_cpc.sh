#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# slice_cpc.sh (TAP; /usr/share/cpc/slice_cpc.sh in the host VM): CPC into
# a Linux slice. Debian's kernel boots on a one-CPU slice; its initramfs
# loads cpc_guest, which finds the slice bus through the info page
# cpc_host names on its command line (cpc_guest.slice_info=) and serves
# the channel slice:lx on the slice's CPU 0 over real IPIs. From the host,
# with cpcctl: ping, info (the slice's CPUs and MemTotal), ps (its /init),
# log, vcpus, reclaim and return (ranges of the slice's memory), a
# snapshot of the slice's testbuf decrypted with the owner's key; the cost
# of a ping over the slice bus (cpcctl bench, printed); the IPI
# mask without the manager (EPERM, counted; calls work again once it is
# back); stopped and booted again (a new bus) with a policy that denies
# log (EPERM); cpc_guest unloaded and loaded again inside that slice
# (ENOTCONN meanwhile, a new generation); then destroy gives everything back.
# The slice's console ring (cpcctl slice console): the kernel's banner
# replayed from before cpc_guest loaded and /init's lines after it;
# --follow ends by itself when the slice stops; ENOENT/ENXIO from cpcctl.
. /usr/share/cpc/slice_lib.sh
. /usr/share/cpc/chan_lib.sh
tap_plan 63
ch=slice:lx
sdir=/sys/kernel/cpc_host/slices/lx
dir=/tmp/slice-cpc key=/tmp/slice-cpc/owner.key
allow=info,ps,log,reclaim,return,snapshot,time-get,vcpus
uptime_cs() { tr -d . < /proc/uptime | cut -d' ' -f1; }
# first_answer SECONDS: pings $ch until it answers; t1 = when.
first_answer() {
	end=$(($(date +%s) + $1))
	until cpcctl call $ch ping > $out 2> $err; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
	t1=$(uptime_cs)
}
# slice_log_wait WORD SECONDS: polls the slice kernel's log over CPC until
# a line "CPC-SLICE: WORD..." of its /init is there (kept in $slice_line).
# Through CPC itself (the log procedure), not the console ring that
# slice_ring_wait reads: this is a test of the slice's cpc_guest.
slice_log_wait() {
	end=$(($(date +%s) + $2))
	while :; do
		slice_line=
		cpcctl call $ch log > $dir/log 2> /dev/null &&
			slice_line=$(grep -o "CPC-SLICE: $1[^\"\\]*" $dir/log | tail -1)
		[ -z "$slice_line" ] || { echo "# $slice_line"; return 0; }
		[ "$(date +%s)" -lt "$end" ] || { echo "# no 'CPC-SLICE: $1' in the slice's log"; return 1; }
		sleep 1
	done
}
# in_slice NUM: 0 when physical address NUM is in one of the slice's blocks.
in_slice() {
	while IFS=- read -r lo hi; do
		[ "$1" -ge $((lo)) ] && [ "$1" -le $((hi)) ] && return 0
	done < $sdir/memory
	return 1
}
# fails NAME WANT cmd...: one test point, passed when cmd exits 1 with
# exactly WANT on stderr.
fails() {
	name=$1 want=$2
	shift 2
	"$@" > $out 2> $err
	rc=$?
	r=0
	[ "$rc" = 1 ] && [ "$(cat $err)" = "$want" ] || { echo "# $*: exit $rc"; sed 's/^/# /' $err; r=1; }
	ok $r "$name"
}

rm -rf $dir
mkdir -p $dir
cpus0=$(cat /sys/devices/system/cpu/online)
mem0=$(memtotal)
run "the owner makes a snapshot key" cpcctl snapshot keygen --out $key
run "create" cpcctl slice create lx --cpus 3 --mem 256M
t0=$(uptime_cs)
run "boot with cpc_guest's policy and the owner's key" cpcctl slice boot lx \
	--kernel /usr/lib/cpc/slice-vmlinuz --initrd /usr/lib/cpc/slice-initrd.img \
	--cmdline "cpc.modargs=allow=$allow cpc.procs=log,time,vcpus cpc.key=$(cat $key)"
# The first answer: the host channel comes up when the slice's end does.
r=0; first_answer 240 || r=1
ok $r "first CPC answer from the slice kernel $((t1 - t0))0 ms after boot"
# What the slice's /init printed, read over CPC (the log procedure).
r=0; slice_log_wait 'init' 60 || r=1; ok $r "the slice kernel ran its /init"
kb=$(echo "$slice_line" | sed -n 's/.*MemTotal: \([0-9]*\) kB.*/\1/p')
r=0; slice_log_wait 'cpc_guest' 60 || r=1
echo "$slice_line" | grep -q "ready: $ch maint_cpu=0 " || r=1
ok $r "cpc_guest serves $ch on the slice's CPU 0"
r=0; echo "$slice_line" | grep -q " params=refused " || r=1
ok $r "cpc_guest refused slice_info= unaligned, naming RAM, and with loopback=1"
tb=$(echo "$slice_line" | sed -n 's/.*testbuf=\(0x[0-9a-f]*\) 65536.*/\1/p')
# The console ring: cpc_guest's console replays the log from before it
# loaded (CON_PRINTBUFFER) and copies every later line.
run "console" cpcctl slice console lx
cp $out $dir/console
r=0; has '^\[ *0\.0+\] Linux version ' || r=1
ok $r "console: the kernel's banner, from before cpc_guest loaded"
r=0; has "CPC-SLICE: cpc_guest ready: $ch " || r=1
ok $r "console: /init's line after cpc_guest loaded"
r=0; [ -s $dir/console ] && [ "$(cat $sdir/console_lost)" = 0 ] && [ "$(cat $sdir/console_bad)" = 0 ] || r=1
ok $r "console: nothing lost or bad (ring of 64 KiB, $(wc -c < $dir/console) bytes read)"
cpcctl slice console lx --follow > $dir/follow 2> $dir/follow.err &
follow=$!
fails "console of no such slice: ENOENT" \
	"cpcctl: console of slice nosuch: No such file or directory" cpcctl slice console nosuch
run "channel list shows it ready" cpcctl channel list --json
r=0; has "\"name\": \"$ch\"" && has '"state": "ready"' && has '"transport": "slice"' || r=1
ok $r "$ch: ready, transport slice"

run "ping" cpcctl call $ch ping value=7 --json
r=0; has '7' || r=1; ok $r "ping echoes its value"
run "info" cpcctl call $ch info --json
r=0; has '"cpus": 1' && has '"maint_cpu": 0' && has "\"mem_total_kb\": ${kb:-x}[,}]" || r=1
ok $r "info: the slice kernel's one CPU, maintenance CPU 0, MemTotal ${kb:-?} kB"
run "ps" cpcctl call $ch ps --json
r=0; grep -A1 '"comm": "init",' $out | grep -q '"pid": 1,' && has '"comm": "cpc_maint/0"' || r=1
ok $r "ps lists the slice's /init (pid 1) and its maintenance thread"
run "log" cpcctl call $ch log --json
r=0; has 'CPC-SLICE: init nproc=1' && has "$ch: bus window" || r=1
ok $r "log: the slice kernel's log"
run "vcpus" cpcctl call $ch vcpus --json
r=0; has '"maintenance": true' || r=1; ok $r "vcpus: CPU 0 is the maintenance vCPU"

run "reclaim 16M" cpcctl job reclaim $ch --size 16M --json
r=0; has '"bytes": 16777216' || r=1
starts=$(grep -oE '"start": [0-9]+' $out | sed 's/.*: //')
[ -n "$starts" ] || r=1
for a in $starts; do in_slice "$a" || { echo "# range at $a is not the slice's"; r=1; }; done
ok $r "reclaim: 16 MiB in ranges of the slice's memory"
run "return" cpcctl job return $ch

r=0; [ -n "$tb" ] || r=1; ok $r "the slice's testbuf is at ${tb:-?}"
run "snapshot of the slice's testbuf" cpcctl job snapshot $ch --out $dir/s.snp \
	--start "${tb:-0}" --size 64K --json
r=0; has '"pages": 16' || r=1; ok $r "snapshot: 16 pages"
r=0; in_slice $((tb)) || r=1; ok $r "the testbuf is in the slice's memory"
run "the owner decrypts it" cpcctl snapshot decrypt --key $key --in $dir/s.snp --out $dir/s.img
head -c 65536 /bin/busybox > $dir/want
r=0; cmp $dir/want $dir/s.img || r=1; ok $r "the image is what the slice's /init wrote there"
fails "a range that is not the slice's RAM: ERANGE" \
	"cpcctl: call snapshot on $ch: Numerical result out of range" \
	cpcctl job snapshot $ch --out $dir/x.snp --start 0x1000000 --size 64K

# What a call over the slice bus costs (TCG: slow, but the numbers of one run compare).
run "bench: 500 pings, one at a time" cpcctl bench $ch --calls 500 --depth 1 --no-anchor --json
echo "# slice bus: $(grep -E '"(calls_per_s|median_ns|p99_ns)"' $out | tr -d ' ,\n')"

# The IPI mask without the manager: no doorbell to the slice (before lock).
ref0=$(cat $sdir/filters/ipi_refused)
run "IPI mask: the slice's CPU only" cpcctl slice filter lx --ipi 3
fails "ping: EPERM" "cpcctl: call ping on $ch: Operation not permitted" cpcctl call $ch ping
r=0; [ "$(cat $sdir/filters/ipi_refused)" -gt "$ref0" ] || r=1
ok $r "the refused doorbell is counted (ipi_refused $ref0 -> $(cat $sdir/filters/ipi_refused))"
run "IPI mask: the manager again" cpcctl slice filter lx --ipi 3,manager
run "ping works again" cpcctl call $ch ping value=9
r=0; [ "$(cat $sdir/doorbells_in)" -gt 0 ] && [ "$(cat $sdir/bad_doorbell)" = 0 ] || r=1
ok $r "doorbells from the slice: $(cat $sdir/doorbells_in), bad ones: $(cat $sdir/bad_doorbell)"

# A stopped slice boots again, on a new bus, with a policy that denies log.
run "stop" cpcctl slice stop lx
r=0; cpcctl channel list | grep -q "$ch" && r=1; ok $r "$ch is gone while stopped"
r=0; wait $follow || r=1
grep -q 'Linux version' $dir/follow && cmp -s /dev/null $dir/follow.err || r=1
ok $r "console --follow printed the log and ended (exit 0) when the slice stopped"
fails "console of a stopped slice: ENXIO" \
	"cpcctl: console of slice lx: no console ring (not running, or no cpc_guest in it yet): No such device or address" \
	cpcctl slice console lx
t0=$(uptime_cs)
run "boot again, the owner's policy without log" cpcctl slice boot lx \
	--kernel /usr/lib/cpc/slice-vmlinuz --initrd /usr/lib/cpc/slice-initrd.img \
	--cmdline "cpc.modargs=allow=info cpc.procs=log cpc_test=reload"
r=0; first_answer 240 || r=1; ok $r "the new slice kernel answers ($((t1 - t0))0 ms after boot)"
run "channel list" cpcctl channel list --json
r=0; has "\"name\": \"$ch\"" && has '"state": "ready"' || r=1; ok $r "$ch is ready again"
fails "log: denied by the owner's policy in the slice" \
	"cpcctl: call log on $ch: Operation not permitted" cpcctl call $ch log
run "info is allowed" cpcctl call $ch info --json

# cpc_guest unloaded and loaded again inside the slice (its /init does it,
# cpc_test=reload: 15 s after it is ready, then 10 s away): the host end
# waits, new calls fail with ENOTCONN, the slice kernel lives on, and the
# channel comes back with a new generation.
gen0=$(chan_gen $ch)
r=0; chan_state_wait $ch waiting 60 || r=1; ok $r "cpc_guest unloaded in the slice: $ch waiting"
fails "ping while it is away: ENOTCONN" \
	"cpcctl: call ping on $ch: Transport endpoint is not connected" cpcctl call $ch ping
r=0; chan_state_wait $ch ready 60 || r=1; ok $r "cpc_guest loaded again: $ch ready"
r=0; [ "$(chan_gen $ch)" -gt "$gen0" ] || r=1
ok $r "a new generation ($gen0 -> $(chan_gen $ch))"
run "ping after the reload" cpcctl call $ch ping value=11
# (log is denied by this boot's policy: info tells the kernel's age)
run "info after the reload" cpcctl call $ch info --json
up=$(sed -n 's/.*"uptime_s": *\([0-9]*\).*/\1/p' $out)
r=0; [ "${up:-0}" -ge 25 ] || r=1; ok $r "the same slice kernel lived on (up ${up:-?} s: 15 + 10 s of the reload)"

run "destroy" cpcctl slice destroy lx
r=0; cpcctl channel list | grep -q "$ch" && r=1; ok $r "$ch is gone"
r=0; [ "$(cat /sys/devices/system/cpu/online)" = "$cpus0" ] || r=1; ok $r "every CPU back"
r=0; [ "$(memtotal)" = "$mem0" ] || { echo "# MemTotal $(memtotal) kB, was $mem0"; r=1; }
ok $r "MemTotal back"
r=0; taskset -c 3 sh -c 'exit 0' || r=1; ok $r "CPU 3 runs host tasks again"
tap_done && [ "$n" = 63 ]
