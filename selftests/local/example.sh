# SPDX-License-Identifier: GPL-2.0
# Suite install (scripts/check-install): testbed/run --guests 1 --local
# selftests/local/example.sh --guest selftests/vm/local-guest.sh. What
# make install put into the stage, used against a real guest's bus as a
# KVM host would: the example built out of tree (pkg-config and CMake) on
# the staged libcpc.so, and the staged cpcctl. One line per check.
set -u
stage=$CPC_BUILD/install-check/stage
lib=$stage/lib
bus=bus:$CPC_BUSES
fail=0
check() {
	local name=$1
	shift
	if out=$("$@" 2>&1); then
		echo "ok install.$name: $(echo "$out" | tail -1)"
	else
		echo "not ok install.$name: exit $?: $out"
		fail=1
	fi
}
testbed-ctl wait 1 'local: guest ready' 120 || exit 1
check testbed-example-pkgconfig env LD_LIBRARY_PATH="$lib" "$CPC_BUILD/install-check/example-pc/cpc-ping" "$bus" 20
check testbed-example-cmake env LD_LIBRARY_PATH="$lib" "$CPC_BUILD/install-check/example-cmake/cpc-ping" "$bus" 20
check testbed-example-static "$CPC_BUILD/install-check/example-static/cpc-ping" "$bus" 20
check testbed-cpcctl "$stage/bin/cpcctl" call "$bus" ping
# A procedure the guest does not allow (default policy: ping only).
out=$("$stage/bin/cpcctl" call "$bus" ps 2>&1)
rc=$?
if [ "$rc" -ne 0 ] && [[ "$out" == *"Operation not permitted"* ]]; then
	echo "ok install.testbed-cpcctl-denied"
else
	echo "not ok install.testbed-cpcctl-denied: exit $rc: $out"
	fail=1
fi
exit $fail
