# SPDX-License-Identifier: GPL-2.0
# Sourced by host VM scripts (installed as /usr/share/cpc/chan_lib.sh): a
# cpc_host channel's sysfs state and generation, and waiting for a state.

# chan_state CH / chan_gen CH: what /sys/kernel/cpc_host/channels/CH shows.
chan_state() { cat "/sys/kernel/cpc_host/channels/$1/state" 2>/dev/null; }
chan_gen() { cat "/sys/kernel/cpc_host/channels/$1/generation" 2>/dev/null; }

# chan_state_wait CH STATE SECONDS: 0 once CH is in STATE, polled every
# 0.1 s; else 1 after SECONDS, with the state it was in as a TAP comment.
# One read per poll decides: a second read could find a state that has
# moved on (slice_procs.sh: the tests in the slice reload cpc_guest at once).
chan_state_wait() {
	i=0
	while csw_state=$(chan_state "$1"); [ "$csw_state" != "$2" ]; do
		[ $i -lt $(($3 * 10)) ] || { echo "# $1: $csw_state, not $2"; return 1; }
		sleep 0.1
		i=$((i + 1))
	done
}
