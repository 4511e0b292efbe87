# SPDX-License-Identifier: GPL-2.0
# Part of the demo (host VM): the procedures that change or export guest
# state. Sourced by demo-host.sh with $ch set and demo-lib.sh loaded.

step "reclaim: the host asks for 32 MiB back; the guest frees it and reports where"
run "cpcctl job reclaim $ch --size 32M" || fail=1

step "return: the host gives it back"
run "cpcctl job return $ch" || fail=1

step "snapshot: the guest encrypts 1 MiB of its memory under a key only its owner holds"
echo "(waiting for the guest owner to provision the snapshot key...)"
wait_for "cpcctl job snapshot $ch --start 0x2000000 --size 1M --out /tmp/snap.1 --force >/dev/null 2>&1" ||
	{ echo "no snapshot key in the guest"; fail=1; }
run "cpcctl job snapshot $ch --start 0x2000000 --size 1M --out /tmp/snap.1 --force --json" || fail=1
echo "What the host holds is ciphertext and tags; without the owner's key it cannot read it:"
run "od -A x -t x1 -N 64 -j 4096 /tmp/snap.1"
step "An incremental export against the first sends only the pages that changed since"
run "cpcctl job snapshot $ch --start 0x2000000 --size 1M --out /tmp/snap.2 --base /tmp/snap.1 --json" || fail=1
