# SPDX-License-Identifier: GPL-2.0
# Scenario: the reclaim, return and snapshot procedures in a guest VM,
# driven through the debugfs invoke hook (no channel needed).
. /usr/bin/run-selftests.sh
run_tests cpc-test-procs
exit $failed
