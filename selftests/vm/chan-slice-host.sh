# SPDX-License-Identifier: GPL-2.0
# Scenario: host VM + one guest VM; the guest's ivshmem channel attached to
# a slice of the host VM (the guest runs no script: it stays up until the
# host script ends).
. /usr/bin/run-selftests.sh
run_tests cpc-test-chan_slice
exit $failed
