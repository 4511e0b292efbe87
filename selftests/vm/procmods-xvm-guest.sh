# SPDX-License-Identifier: GPL-2.0
# Scenario procmods-xvm, guest side: the host reboots this guest once with
# the shutdown procedure. The test bed allows a reboot only when asked
# (testbed/run --guest-reboot): say so, then wait. The disk keeps a note
# across the reboot, so the second boot just ends.
if [ -e /mnt/disk/rebooted ]; then
	echo "procmods-xvm: booted again after the host's shutdown procedure"
	exit 0
fi
touch /mnt/disk/rebooted && sync
echo "CPC-TESTBED: reboot requested (by the host's shutdown procedure)"
sleep 600
