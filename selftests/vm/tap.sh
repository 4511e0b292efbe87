# SPDX-License-Identifier: GPL-2.0
# Sourced by the VM scripts that print TAP themselves (installed with every
# selftests/vm/*.sh as /usr/share/cpc/tap.sh): a plan, one numbered line a
# check, and the kselftest totals line scripts/run-tests adds up.
# The caller sets $out and $err (files) before tap_run.

# tap_plan N: the header of N checks.
tap_plan() {
	n=0 pass=0 fail=0
	echo "TAP version 13"
	echo "1..$1"
}

# ok RC NAME: check NAME, passed when RC is 0.
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		pass=$((pass + 1))
		echo "ok $n $2"
	else
		fail=$((fail + 1))
		echo "not ok $n $2"
	fi
}

# tap_run WANT NAME cmd...: runs cmd, stdout to $out, stderr to $err; NAME
# passes when it exits WANT (a number, or "fail": any non-zero); if not,
# its exit code and stderr are printed as comments.
tap_run() {
	want=$1 name=$2
	shift 2
	"$@" > "$out" 2> "$err"
	rc=$?
	if [ "$want" = fail ]; then [ "$rc" -ne 0 ] && r=0 || r=1; else [ "$rc" = "$want" ] && r=0 || r=1; fi
	[ "$r" = 0 ] || { echo "# $*: exit $rc"; sed 's/^/# /' "$err"; }
	ok $r "$name"
}

# tap_done: the totals line; true when no check failed.
tap_done() {
	echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:0 error:0"
	[ "$fail" = 0 ]
}
