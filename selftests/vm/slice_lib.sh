# SPDX-License-Identifier: GPL-2.0
# Sourced by scenario scripts in the host VM (installed as
# /usr/share/cpc/slice_lib.sh): TAP helpers and waiting for what a Linux
# slice prints.

. /usr/share/cpc/tap.sh
# TAP (tap.sh): tap_plan N, ok RC NAME, tap_done. run NAME cmd...: one
# check, passed when cmd exits 0 (its output in $out, its errors in $err).
out=/tmp/lx.out err=/tmp/lx.err
run() { tap_run 0 "$@"; }
# has REGEX: 0 when the last run's output matches (else it is shown).
has() { grep -qE -- "$1" $out || { echo "# missing '$1' in:"; sed 's/^/# /' $out | head -20; return 1; }; }
memtotal() { sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo; }

# slice_ring_wait NAME REGEX SECONDS: polls slice NAME's console ring
# (cpcctl slice console: the slice kernel's log as its cpc_guest's console
# wrote it, the latest 64 KiB) until a line matches REGEX (the last such
# line is printed and kept in $slice_line); 1 if none did within SECONDS.
# The ring is read from the host's memory: nothing forwards it. (The test
# bed once copied the slice's COM2 lines to the host VM's console input;
# that stalled for minutes in loaded runs.) It fills once the slice's
# cpc_guest is loaded (testbed/slice-init loads it first thing; its
# console replays the log from boot on).
slice_ring_wait() {
	end=$(($(date +%s) + $3))
	while :; do
		slice_line=$(cpcctl slice console "$1" 2> /dev/null | grep -E -- "$2" | tail -1)
		[ -z "$slice_line" ] || { echo "# $slice_line"; return 0; }
		[ "$(date +%s)" -lt "$end" ] || { echo "# no '$2' on slice $1's console ring"; return 1; }
		sleep 2
	done
}
# slice_mem_count NAME STRING: how often STRING occurs in slice NAME's
# memory, read through cpc_host's debugfs test hook (zero bytes dropped).
slice_mem_count() {
	tr -d '\000' < "/sys/kernel/debug/cpc_host/slices/$1/mem" | grep -aoF -- "$2" | wc -l
}

