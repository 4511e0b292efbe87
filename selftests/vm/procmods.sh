# SPDX-License-Identifier: GPL-2.0
# Scenario: procedure modules over the loopback channel in the host VM
# alone (cpc_host loaded with loopback_mib=4, an ext4 disk on /mnt/disk:
# see scripts/run-tests); the tests load cpc_guest with loopback=1 and the
# procedure modules into the same kernel.
. /usr/bin/run-selftests.sh
run_tests cpc-test-procmods
exit $failed
