# SPDX-License-Identifier: GPL-2.0
# Scenario: slices in the host VM alone - lifecycle, filters, every errno,
# and the cpcctl slice front end.
. /usr/bin/run-selftests.sh
run_tests cpc-test-slice_lifecycle cpc-test-slice_filters cpc-test-slice_errors cpc-test-slice_run cpc-test-slice_echo cpc-test-slice_cli
# Whatever happened above, the host must have all its CPUs and memory back.
host_view_restored "the slice tests" 0-3
exit $failed
