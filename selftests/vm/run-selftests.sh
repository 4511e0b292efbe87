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
