#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# slice_procs.sh (TAP; /usr/share/cpc/slice_procs.sh in the host VM): the
# procedure kselftests the guest VMs run (cpc-test-procs: reclaim, return,
# snapshot through cpc_guest's debugfs invoke hook, cpcctl key and decrypt,
# cpc_guest reloaded) inside a Linux slice, against the slice kernel's
# cpc_guest (testbed/slice-init cpc_test=procs). Their TAP lines and the
# summary are read from the slice's console ring (cpcctl slice console);
# each failed or skipped test is named. The
# channel slice:pr serves again after the tests reloaded cpc_guest; then
# stop and destroy give every CPU and byte back.
. /usr/share/cpc/slice_lib.sh
. /usr/share/cpc/chan_lib.sh
tap_plan 12
ch=slice:pr
cpus0=$(cat /sys/devices/system/cpu/online)
mem0=$(memtotal)
run "create" cpcctl slice create pr --cpus 3 --mem 256M
run "boot with cpc_test=procs" cpcctl slice boot pr \
	--kernel /usr/lib/cpc/slice-vmlinuz --initrd /usr/lib/cpc/slice-initrd.img \
	--cmdline "cpc_test=procs"
booted=$r
r=1; [ "$booted" = 0 ] && chan_state_wait $ch ready 300 && r=0
ok $r "cpc_guest ready in the slice ($ch)"
r=1; [ "$booted" = 0 ] && slice_ring_wait pr "CPC-SLICE: procs done" 600 && r=0
ok $r "the procedure kselftests finished in the slice"
# Their TAP lines, once each (a cpc_guest reload replays the log).
cpcctl slice console pr 2> /dev/null | grep -o "CPC-SLICE: procs: .*" | awk '!seen[$0]++' | sed 's/^/# /'
# "procs done: plan=N pass=N fail=N skip=N exit=RC failed=A,B"
field() { echo "$slice_line" | sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }
# (not $pass and $fail: tap.sh's counters)
nplan=$(field plan) npass=$(field pass) nfail=$(field fail) nskip=$(field skip)
r=0; [ -n "$nplan" ] && [ "$nplan" -gt 0 ] &&
	[ $((npass + nfail + nskip)) = "$nplan" ] || r=1
ok $r "every one of the ${nplan:-?} tests reported (${npass:-?} passed, ${nskip:-?} skipped, ${nfail:-?} failed)"
r=0; [ "$nfail" = 0 ] && [ "$(field exit)" = 0 ] && [ "${npass:-0}" -gt 0 ] || r=1
ok $r "no procedure kselftest failed in the slice (failed: $(field failed))"
# cpc_guest, reloaded by the tests with the slice's slice_info=, serves again.
r=0; chan_state_wait $ch ready 60 || r=1; ok $r "$ch ready after the tests"
run "ping the slice kernel after the tests" cpcctl call $ch ping value=5
run "stop" cpcctl slice stop pr
run "destroy" cpcctl slice destroy pr
r=0; [ "$(cat /sys/devices/system/cpu/online)" = "$cpus0" ] || r=1; ok $r "every CPU back"
r=0; [ "$(memtotal)" = "$mem0" ] || { echo "# MemTotal $(memtotal) kB, was $mem0"; r=1; }
ok $r "MemTotal back"
tap_done && [ "$n" = 12 ]
