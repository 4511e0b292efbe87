#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# slice_life.sh (TAP; /usr/share/cpc/slice_life.sh in the host VM): a
# one-CPU and a two-CPU Linux slice up at once (booted one after the other:
# they share one console), each seeing its own CPUs; the one-CPU kernel
# panics and the two-CPU one spins on both CPUs (testbed/slice-init's
# cpc_test= knob); stop and destroy end both cleanly: CPUs back and running
# host tasks, MemTotal back, the pattern each left in its memory gone. Both
# kernels entered with page tables in their low-memory slots.
. /usr/share/cpc/slice_lib.sh
tap_plan 39
sys=/sys/kernel/cpc_host
pattern=cpc-slice-pattern-42	# what testbed/slice-init writes
boot() {	# NAME KNOB
	run "boot $1 ($2)" cpcctl slice boot "$1" --kernel /usr/lib/cpc/slice-vmlinuz \
		--initrd /usr/lib/cpc/slice-initrd.img --cmdline "cpc_test=$2"
}
cpus0=$(cat /sys/devices/system/cpu/online)
mem0=$(memtotal)
echo "# host: CPUs $cpus0, MemTotal $mem0 kB"
run "create lx1 (CPU 3)" cpcctl slice create lx1 --cpus 3 --mem 128M
run "create lx2 (CPUs 1-2)" cpcctl slice create lx2 --cpus 1-2 --mem 128M

# The kernel starts its second CPU itself: the IPI mask must let it.
run "IPI mask: CPU 1 only" cpcctl slice filter lx2 --ipi 1
r=0; cpcctl slice boot lx2 --kernel /usr/lib/cpc/slice-vmlinuz > $out 2> $err && r=1
sed 's/^/# /' $err
grep -q 'Operation not permitted' $err || r=1
ok $r "a 2-CPU Linux slice whose IPI mask lacks CPU 2 does not start (EPERM)"
run "IPI mask back to both CPUs" cpcctl slice filter lx2 --ipi 1-2

boot lx1 panic
r=0; slice_ring_wait lx1 'CPC-SLICE: init' 240 || r=1; ok $r "lx1 ran its /init"
r=0; echo "$slice_line" | grep -q 'nproc=1 ' || r=1; ok $r "lx1 sees one CPU"
r=0; slice_ring_wait lx1 'Kernel panic - not syncing: sysrq triggered crash$' 120 &&
	slice_ring_wait lx1 'end Kernel panic' 60 || r=1
ok $r "lx1 panicked as asked (panic=0: it does not restart)"
img=$(cat $sys/slices/lx1/image)
echo "# image: $img"
# Debian's kernel, the one the host VM runs (the debug test bed's host
# VM runs its own build, -cpc-debug: then any release).
rel=$(uname -r); case "$rel" in *-cpc-debug) rel='[0-9]*' ;; esac
r=0; case "$img" in "linux "$rel" "*) ;; *) r=1 ;; esac
ok $r "sysfs image: a Linux kernel and its version"

boot lx2 spin
r=0; slice_ring_wait lx2 'CPC-SLICE: init' 240 || r=1; ok $r "lx2 ran its /init"
r=0; echo "$slice_line" | grep -q 'nproc=2 ' || r=1; ok $r "lx2 brought up its second CPU (nproc=2)"
r=0; slice_ring_wait lx2 'CPC-SLICE: spinning on 2 CPUs' 60 || r=1; ok $r "lx2 spins on both CPUs"
# While it runs, its IPI mask may not drop one of its CPUs (EBUSY); the
# manager may still leave it.
r=0; cpcctl slice filter lx2 --ipi 1,manager > $out 2> $err && r=1
sed 's/^/# /' $err
grep -q 'Device or resource busy' $err || r=1
[ "$(cat $sys/slices/lx2/filters/ipi_cpus)" = 1-2 ] || r=1
ok $r "the running 2-CPU kernel's IPI mask cannot drop CPU 2 (EBUSY, mask $(cat $sys/slices/lx2/filters/ipi_cpus))"
run "the manager can still leave its IPI mask" cpcctl slice filter lx2 --ipi 1-2
run "and come back" cpcctl slice filter lx2 --ipi 1-2,manager

for s in lx1 lx2; do
	r=0; [ "$(cat $sys/slices/$s/state)" = running ] || r=1; ok $r "$s running"
done
r=0; [ "$(cat /sys/devices/system/cpu/online)" = 0 ] || r=1; ok $r "the host keeps CPU 0 only"
# Each kernel entered with page tables in its own low-memory slot, below
# 1 MiB (a CR3 that 32-bit code keeps must be below 4 GiB).
for s in lx1 lx2; do
	cr3=$(cat /sys/kernel/debug/cpc_host/slices/$s/entry_cr3)
	r=0; [ $((cr3)) -ge $((0x70000)) ] && [ $((cr3)) -lt $((0xa0000)) ] || r=1
	ok $r "$s entered with page tables in its low-memory slot (CR3 $cr3)"
done
for s in lx1 lx2; do
	c=$(slice_mem_count $s $pattern)
	r=0; [ "$c" -gt 0 ] || r=1; ok $r "$s left its pattern in its memory ($c copies)"
done

run "stop the busy lx2" cpcctl slice stop lx2
run "stop the panicked lx1" cpcctl slice stop lx1
for s in lx2 lx1; do
	run "destroy $s" cpcctl slice destroy $s
	r=0; [ "$(cut -d' ' -f1 $sys/last_scrub)" = 134217728 ] || r=1
	ok $r "destroy $s scrubbed its 128 MiB ($(cat $sys/last_scrub))"
done
r=0; [ "$(cat /sys/devices/system/cpu/online)" = "$cpus0" ] || r=1; ok $r "every CPU back"
for c in 1 2 3; do
	r=0; taskset -c $c sh -c 'exit 0' || r=1; ok $r "CPU $c runs host tasks again"
done
r=0; [ "$(memtotal)" = "$mem0" ] || { echo "# MemTotal $(memtotal) kB, was $mem0"; r=1; }
ok $r "MemTotal back"
r=0; [ "$(cat $sys/available/low_slots)" = 2 ] || r=1; ok $r "both low-memory slots free"
# The same two blocks again: nothing either kernel left is there.
run "re-slice both blocks" cpcctl slice create scan --cpus 3 --mem 256M
c=$(slice_mem_count scan $pattern)
r=0; [ "$c" = 0 ] || r=1; ok $r "the pattern is gone ($c copies)"
run "destroy the re-slice" cpcctl slice destroy scan
tap_done
