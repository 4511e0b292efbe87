#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# slice_boot.sh (TAP; /usr/share/cpc/slice_boot.sh in the host VM): Debian's own kernel (the one this host VM
# runs, /usr/lib/cpc/slice-vmlinuz) boots on a one-CPU slice's core and
# memory with the test bed's slice initramfs, three times in one host boot;
# each time its /init reports one CPU and about the slice's memory, then
# stop and destroy give every CPU and byte back. Afterwards nothing leaked:
# the host's CPUs, MemTotal, managed pages per zone and cpc_host's
# available/ files are what they were, and its free memory within 2 MiB.
. /usr/share/cpc/slice_lib.sh
tap_plan 38
sys=/sys/kernel/cpc_host
# The host's 8259 edge/level control registers (ports 0x4d0-0x4d1): a
# slice kernel that believes it has no I/O APIC rewrites them at boot.
elcr() { dd if=/dev/port bs=1 skip=$((0x4d0)) count=2 2>/dev/null | od -An -tx1 | tr -d ' \n'; }
# What must be the same before and after the rounds.
snapshot() {
	echo "CPUs online $(cat /sys/devices/system/cpu/online)"
	echo "MemTotal $(memtotal) kB"
	awk '/^Node/ { z = $4 } / managed / { print "zone " z " managed " $2 " pages" }' /proc/zoneinfo
	for f in cpus memory_blocks mem_bytes low_slots; do
		echo "cpc_host available/$f $(cat $sys/available/$f)"
	done
	echo "cpc_host slices $(ls $sys/slices | wc -l)"
}
# Free memory once the page cache is dropped (kB): MemFree plus the pages
# on the per-CPU free lists (/proc/zoneinfo "count:"), which MemFree leaves
# out and which change as CPUs go and come back.
memfree() {
	sync
	echo 3 > /proc/sys/vm/drop_caches
	awk '/^MemFree:/ { f = $2 } $1 == "count:" { p += $2 } END { print f + 4 * p }' \
		/proc/meminfo /proc/zoneinfo
}
# Free pages per zone (/proc/buddyinfo) and the kernel's own memory.
buddy() {
	awk '{ s = 0; p = 1; for (i = 5; i <= NF; i++) { s += $i * p; p *= 2 }; printf "%s=%d ", $4, s }' \
		/proc/buddyinfo
}
kmem() { grep -E '^(Slab|SUnreclaim|PageTables|KernelStack|Percpu|VmallocUsed):' /proc/meminfo | tr -s ' ' | tr '\n' ' '; }

cpus0=$(cat /sys/devices/system/cpu/online)
mem0=$(memtotal)
elcr0=$(elcr)
snapshot > /tmp/before
free0=$(memfree)
echo "# host: CPUs $cpus0, MemTotal $mem0 kB, free $free0 kB, free pages $(buddy), ELCR $elcr0"
echo "# $(kmem)"
for round in 1 2 3; do
	run "create ($round)" cpcctl slice create lx --cpus 3 --mem 256M
	t0=$(date +%s)
	run "boot ($round)" cpcctl slice boot lx --kernel /usr/lib/cpc/slice-vmlinuz \
		--initrd /usr/lib/cpc/slice-initrd.img --json
	r=0; grep -q '"state": "running"' $out || r=1; ok $r "running ($round)"
	r=0; slice_ring_wait lx 'CPC-SLICE: init' 240 || r=1
	ok $r "the slice kernel ran its /init ($round, $(($(date +%s) - t0)) s)"
	r=0; echo "$slice_line" | grep -q 'nproc=1 ' || r=1; ok $r "it sees one CPU ($round)"
	# The slice kernel's MemTotal: its 254 MiB of RAM less its own image.
	kb=$(echo "$slice_line" | sed -n 's/.*MemTotal: \([0-9]*\) kB.*/\1/p')
	r=0; [ -n "$kb" ] && [ "$kb" -gt 150000 ] && [ "$kb" -le 262144 ] || r=1
	ok $r "it sees the slice's memory (${kb:-?} kB) ($round)"
	r=0; [ "$(cat /sys/devices/system/cpu/online)" = 0-2 ] || r=1
	ok $r "CPU 3 is not the host's while the slice runs ($round)"
	r=0; [ -n "$elcr0" ] && [ "$(elcr)" = "$elcr0" ] || { echo "# host ELCR $(elcr), was $elcr0"; r=1; }
	ok $r "the host's ELCR is untouched ($round)"
	run "stop ($round)" cpcctl slice stop lx
	run "destroy ($round)" cpcctl slice destroy lx
	r=0; [ "$(cat /sys/devices/system/cpu/online)" = "$cpus0" ] || r=1; ok $r "every CPU back ($round)"
	r=0; taskset -c 3 sh -c 'exit 0' || r=1; ok $r "CPU 3 runs host tasks again ($round)"
	echo "# after round $round: free $(memfree) kB; free pages $(buddy); $(kmem)"
done
snapshot > /tmp/after
free1=$(memfree)
echo "# after 3 rounds: free $free1 kB ($((free1 - free0)) kB)"
r=0; cmp -s /tmp/before /tmp/after || { diff /tmp/before /tmp/after | sed 's/^/# /'; r=1; }
ok $r "CPUs, MemTotal, managed pages, cpc_host's available/ as before ($(wc -l < /tmp/after) values)"
r=0; [ $((free0 - free1)) -lt 2048 ] || r=1
ok $r "free memory within 2 MiB of before ($((free0 - free1)) kB less)"
tap_done
