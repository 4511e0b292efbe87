#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# cpc-test-slice_cli: the cpcctl slice front end in the host VM (TAP):
# create/list/show/filter/lock/load/start/stop/run/destroy, --json keys,
# and errors printed as "cpcctl: <what>: <why>" with a non-zero exit.
. /usr/share/cpc/tap.sh
tap_plan 48
out=/tmp/cli.out err=/tmp/cli.err
run() { tap_run "$@"; }	# WANT_RC NAME cmd...: WANT_RC a number or "fail"
has() { grep -q -- "$1" "$2"; }

run 0 create cpcctl slice create demo --cpus 2-3 --mem 128M --json
r=0; for k in '"name": "demo"' '"state": "created"' '"cpus": "2-3"' '"mem_bytes": 134217728' '"locked": false' '"filters":'; do has "$k" $out || { echo "# missing $k"; r=1; }; done
ok $r "create --json keys"
r=0; cpc-json-check slice < $out || r=1; ok $r "create --json matches the schema"
run 0 list cpcctl slice list
r=0; has '^NAME' $out && has '^demo .*created' $out && has '^available: CPUs 1' $out || r=1; ok $r "list table"
run 0 "list --json" cpcctl slice list --json
r=0; head -1 $out | grep -q '^\[' && has '"name": "demo"' $out || r=1; ok $r "list --json is an array"
r=0; cpc-json-check slice_list < $out || r=1; ok $r "list --json matches the schema"
run 0 filter cpcctl slice filter demo --mem-window 0x108000000:1M --ipi 2,manager --cache-ways 0xf --device 00:1f.3 --json
r=0; for k in '"ipi_cpus": "2"' '"ipi_manager": true' '"cache_ways": "0xf"' '"0000:00:1f.3"' '"addr": "0x108000000"'; do has "$k" $out || { echo "# missing $k"; r=1; }; done
ok $r "filter --json shows the filters"
r=0; cpc-json-check slice < $out || r=1; ok $r "filter --json matches the schema"
# Some changes applied, then one refused: partial success (64), as chcpu.
run 64 "filter partly applied" cpcctl slice filter demo --cache-ways 0x3 --device 00:1f.3
r=0; grep -q ' (1 of 2 changes applied)$' $err && has '^Cache ways: *0x3' $out || { sed 's/^/# got: /' $err; r=1; }; ok $r "partial filter says what was applied"
run 0 lock cpcctl slice lock demo
run fail "filter after lock fails" cpcctl slice filter demo --cache-ways 0x3
r=0; grep -q '^cpcctl: slice demo: cache ways 0x3: filters are locked: Operation not permitted$' $err || { sed 's/^/# got: /' $err; r=1; }; ok $r "locked error message"
run 0 "show --json locked" cpcctl slice show demo --json
r=0; has '"locked": true' $out && has '"state": "locked"' $out || r=1; ok $r "show says locked"
run 2 "create with a bad CPU list" cpcctl slice create x --cpus 3-2 --mem 128M
r=0; grep -q "^cpcctl: --cpus '3-2': range goes backwards$" $err || { sed 's/^/# got: /' $err; r=1; }; ok $r "bad list message"
run fail "create on a CPU in use" cpcctl slice create x --cpus 2 --mem 128M
r=0; grep -q '^cpcctl: create slice x: Device or resource busy$' $err || { sed 's/^/# got: /' $err; r=1; }; ok $r "busy message"
run 1 "show of a missing slice" cpcctl slice show nosuch
run 0 destroy cpcctl slice destroy demo --json
r=0; cpc-json-check slice_destroyed < $out || r=1; ok $r "destroy --json matches the schema"
run 2 "bad size" cpcctl slice create x --cpus 1 --mem 12Q
# --multi-node only allows more: on this one-node host it changes nothing.
run 0 "create --multi-node" cpcctl slice create mn --cpus 1 --mem 128M --multi-node --json
r=0; has '"cpus": "1"' $out || r=1; ok $r "create --multi-node took CPU 1"
run 0 "destroy it" cpcctl slice destroy mn
# A 68-byte slice image: header (linux/cpc_slice.h) + "cli; hlt; jmp .-1".
img=/tmp/hlt.img
printf 'CPCSLICE\001\000\000\000\100\000\000\000\100\000\000\000\000\000\000\000' > $img
printf '\104\000\000\000\000\000\000\000\104\000\000\000\000\000\000\000' >> $img
printf '\000\000\040\000\000\000\000\000' >> $img
printf '\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000\000' >> $img
printf '\372\364\353\375' >> $img
head -c 60 $img > /tmp/short.img
run 0 "create for load" cpcctl slice create run1 --cpus 3 --mem 128M
run 0 load cpcctl slice load run1 $img --json
r=0; has '"image": "loaded"' $out && has '"state": "created"' $out || r=1; ok $r "load --json: image loaded"
run 0 start cpcctl slice start run1 --json
r=0; has '"state": "running"' $out && has '"starts": 1' $out || r=1; ok $r "start --json: running"
run fail "load while running" cpcctl slice load run1 $img
r=0; grep -q "^cpcctl: load $img into slice run1: Device or resource busy$" $err || { sed 's/^/# got: /' $err; r=1; }; ok $r "busy load message"
run 0 stop cpcctl slice stop run1 --json
r=0; has '"state": "stopped"' $out && has '"image": "none"' $out || r=1; ok $r "stop --json: stopped, image gone"
run fail "start without an image" cpcctl slice start run1
r=0; grep -q '^cpcctl: start slice run1: no image loaded: Exec format error$' $err || { sed 's/^/# got: /' $err; r=1; }; ok $r "no image message"
run fail "stop when stopped" cpcctl slice stop run1
r=0; grep -q '^cpcctl: stop slice run1: not running: Invalid argument$' $err || { sed 's/^/# got: /' $err; r=1; }; ok $r "not running message"
run fail "load a short image" cpcctl slice load run1 /tmp/short.img
r=0; grep -q '^cpcctl: load /tmp/short.img into slice run1: Invalid argument$' $err || { sed 's/^/# got: /' $err; r=1; }; ok $r "short image message"
run 0 "run (load + start)" cpcctl slice run run1 $img --json
r=0; has '"state": "running"' $out && has '"starts": 2' $out || r=1; ok $r "run --json: running again"
run 0 "destroy a running slice" cpcctl slice destroy run1
[ "$(cat /sys/devices/system/cpu/online)" = 0-3 ] && r=0 || r=1
ok $r "all CPUs back online"
tap_done
