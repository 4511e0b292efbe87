# SPDX-License-Identifier: GPL-2.0
# Sourced by the scenario scripts: run_tests BIN... runs each kselftest
# binary (TAP on stdout) and remembers whether any failed.
failed=0
run_tests() {
	for t in "$@"; do
		echo "### $t"
		"$t" || failed=1
	done
}
# host_view_restored WHAT CPULIST: after the slice tests (WHAT), prints the
# host's online CPUs and MemTotal and remembers a failure unless CPULIST is
# online and no slice is left.
host_view_restored() {
	echo "### host view after $1"
	cat /sys/devices/system/cpu/online
	grep MemTotal /proc/meminfo
	[ "$(cat /sys/devices/system/cpu/online)" = "$2" ] || failed=1
	[ -z "$(ls /sys/kernel/cpc_host/slices)" ] || failed=1
}
