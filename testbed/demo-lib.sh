# SPDX-License-Identifier: GPL-2.0
# Helpers for the demo scripts (sourced inside the VMs).
demo_step=0
part() { demo_step=0; printf '\n######## %s\n' "$*"; }
step() { demo_step=$((demo_step + 1)); printf '\n==== %s. %s\n' "$demo_step" "$*"; }
run() { printf '$ %s\n' "$*"; sh -c "$*"; }
# run_fails CMD: show a command that is meant to be refused.
run_fails() {
	printf '$ %s\n' "$*"
	sh -c "$*"
	rc=$?
	if [ "$rc" -eq 0 ]; then echo "(unexpected: it succeeded)"; return 1; fi
	echo "(refused, as it should be: exit status $rc)"
}
wait_for() { i=0; while ! eval "$1"; do i=$((i + 1)); [ $i -gt 1200 ] && return 1; sleep 0.1; done; }
