# SPDX-License-Identifier: GPL-2.0
# The demo, host VM side: core slicing, then confidential procedure calls
# into the guest VM.
. /usr/share/cpc/demo-lib.sh
fail=0

part "cpc demo: the host VM runs Debian's kernel $(uname -r) with cpc_host.ko loaded"
run 'cpcctl version'
run 'ls -l /dev/cpc_host; ls /sys/kernel/cpc_host'

part "Part 1: core slicing"
sh /usr/share/cpc/demo-slices.sh || fail=1

part "Part 2: confidential procedure calls into the guest VM"
step "The guest's channel comes up with its cpc_guest end (an ivshmem slice bus)"
wait_for 'cpcctl channel list --json | grep -q "\"ready\""' || { echo "the guest never came up"; exit 1; }
run 'cpcctl channel list'
ch=$(cpcctl channel list --json | sed -n 's/.*"name": *"\([^"]*\)".*/\1/p' | head -1)

step "ping: the host rings, the dormant maintenance vCPU wakes, answers and sleeps again"
run "cpcctl call $ch ping value=42" || fail=1

step "info: facts the guest chooses to report (uptime, memory, load, kernel, counters)"
run "cpcctl call $ch info" || fail=1

step "log: the tail of the guest's kernel log, bounded"
run "cpcctl call $ch log bytes=400" || fail=1

step "ps: the guest owner did not allow it (cpc_guest allow=info,log,reclaim,return,snapshot; only ping is allowed by default), so the guest refuses"
run_fails "cpcctl call $ch ps" || fail=1

for part in /usr/share/cpc/demo-host-*.sh; do
	[ -f "$part" ] && . "$part"
done

step "The host's view of the channel: calls, completions, errors"
for f in state calls completed errors timeouts broken; do
	[ -f "/sys/kernel/cpc_host/channels/$ch/$f" ] && printf '%-10s %s\n' "$f" "$(cat "/sys/kernel/cpc_host/channels/$ch/$f")"
done
exit $fail
