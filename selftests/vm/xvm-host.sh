# SPDX-License-Identifier: GPL-2.0
# Scenario: host VM + one guest VM over ivshmem; the host side.
. /usr/bin/run-selftests.sh
run_tests cpc-test-ivshmem_xvm
exit $failed
