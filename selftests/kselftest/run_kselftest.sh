#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# run_kselftest.sh DIR TEST...: kselftest's runner format (TAP 13) for
# cpc's tests: each DIR/TEST under the timeout of ./settings ("timeout=S",
# as the kernel's kselftest/runner.sh reads it), its output indented with
# "# ". Exit status 1 if any failed or timed out; exit 4 from a test is a
# skip.
dir=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
timeout=$(sed -n 's/^timeout=//p' "$here/settings" 2>/dev/null)
timeout=${timeout:-45}
status=$(mktemp)
trap 'rm -f "$status"' EXIT
echo "TAP version 13"
echo "1..$#"
n=0 rc=0
for t in "$@"; do
	n=$((n + 1))
	echo "# selftests: cpc: $t"
	{ timeout "$timeout" "$dir/$t" 2>&1; echo $? > "$status"; } | sed 's/^/# /'
	st=$(cat "$status")
	case $st in
	0) echo "ok $n selftests: cpc: $t" ;;
	4) echo "ok $n selftests: cpc: $t # SKIP" ;;
	124) echo "not ok $n selftests: cpc: $t # TIMEOUT $timeout seconds"; rc=1 ;;
	*) echo "not ok $n selftests: cpc: $t # exit=$st"; rc=1 ;;
	esac
done
exit $rc
