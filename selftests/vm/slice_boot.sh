#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# slice_boot.sh (TAP; /usr/share/cpc/slice_boot.sh in the host VM): Debian's own kernel (the one this host VM
# runs, /usr/lib/cpc/slice-vmlinuz) boots on a one-CPU slice's core and
# memory with the test bed's slice initramfs, twice in one host boot;
# each time its /init reports one CPU and about the slice's memory, then
# stop and destroy give every CPU and byte back.
. /usr/share/cpc/slice_lib.sh
. /usr/share/cpc/tap.sh
tap_plan 26
out=/tmp/lx.out err=/tmp/lx.err
run() { tap_run 0 "$@"; }	# NAME cmd...: expects exit 0
memtotal() { sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
# The host's 8259 edge/level control registers (ports 0x4d0-0x4d1): a
# slice kernel that believes it has no I/O APIC rewrites them at boot.
elcr() { dd if=/dev/port bs=1 skip=$((0x4d0)) count=2 2>/dev/null | od -An -tx1 | tr -d ' \n'; }

cpus0=$(cat /sys/devices/system/cpu/online)
mem0=$(memtotal)
elcr0=$(elcr)
echo "# host: CPUs $cpus0, MemTotal $mem0 kB, ELCR $elcr0"
for round in 1 2; do
	run "create ($round)" cpcctl slice create lx --cpus 3 --mem 256M
	t0=$(date +%s)
	run "boot ($round)" cpcctl slice boot lx --kernel /usr/lib/cpc/slice-vmlinuz \
		--initrd /usr/lib/cpc/slice-initrd.img --json
	r=0; grep -q '"state": "running"' $out || r=1; ok $r "running ($round)"
	r=0; slice_console_wait 'CPC-SLICE: init' 240 || r=1
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
	r=0; [ "$(memtotal)" = "$mem0" ] || { echo "# MemTotal $(memtotal) kB, was $mem0"; r=1; }
	ok $r "MemTotal back ($round)"
	r=0; taskset -c 3 sh -c 'exit 0' || r=1; ok $r "CPU 3 runs host tasks again ($round)"
done
tap_done
