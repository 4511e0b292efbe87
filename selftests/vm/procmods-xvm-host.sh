#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Scenario procmods-xvm, host side (TAP): procedure modules in a guest VM
# called from cpcctl over the ivshmem channel, by name: fsinfo, fsfreeze,
# fsfreeze-status, fsthaw (the guest's ext4 disk, testbed/run --disk),
# time-get, vcpus, and shutdown (reboot): answered first, then the guest
# goes down (the host sees the channel reset) and comes back ready with
# a new generation. The guest's script announces the reboot to the test bed.
. /usr/share/cpc/tap.sh
. /usr/share/cpc/chan_lib.sh
tap_plan 15
out=/tmp/x.out err=/tmp/x.err
run() { tap_run 0 "$@"; }	# NAME cmd...: must exit 0
has() { grep -q -- "$1" $out || { echo "# missing $1 in:"; sed 's/^/# /' $out; return 1; }; }
ch=$(ls /sys/kernel/cpc_host/channels | grep '^ivshmem-' | head -1)
gen() { chan_gen "$ch"; }
wait_state() { chan_state_wait "$ch" "$@"; }	# STATE SECONDS
wait_state ready 120; ok $? "channel $ch ready"

# The guest's /init loads the procedure modules and mounts its disk after
# cpc_guest is up, so the channel can be ready first: wait up to 60 s for
# fsinfo to list the disk.
i=0
until cpcctl call "$ch" fsinfo 2> /dev/null | grep -q '"mountpoint": "/mnt/disk"' ||
	[ $i -ge 60 ]; do
	sleep 1; i=$((i + 1))
done
run "fsinfo by name" cpcctl call "$ch" fsinfo
r=0; has '"mountpoint": "/mnt/disk"' && has '"type": "ext4"' || r=1; ok $r "fsinfo lists the guest's disk"
run "fsfreeze by name" cpcctl call "$ch" fsfreeze arg0=15 --json
r=0; has '"frozen": 1' && has '"/mnt/disk"' || r=1; ok $r "fsfreeze froze the disk"
run "fsfreeze-status" cpcctl call "$ch" fsfreeze-status
r=0; has '"status": "frozen"' || r=1; ok $r "status frozen"
run "fsthaw" cpcctl call "$ch" fsthaw
r=0; has '^ret 1 0$' || r=1; ok $r "fsthaw thawed one"
run "time-get" cpcctl call "$ch" time-get
run "vcpus" cpcctl call "$ch" vcpus --json
r=0; has '"maintenance": true' || r=1; ok $r "vcpus shows the maintenance vCPU"
g0=$(gen)
run "shutdown reboot answers" cpcctl call "$ch" shutdown arg0=2
wait_state waiting 60; ok $? "the guest went away (channel waiting)"
wait_state ready 180; r=$?; [ "$(gen)" -gt "$g0" ] || r=1; ok $r "the guest came back (generation $g0 -> $(gen))"
tap_done
