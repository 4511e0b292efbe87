# SPDX-License-Identifier: GPL-2.0
# Scenario: host VM + one guest VM; functional tests of the CPC benchmark
# (raw doorbell ping-pong knobs, cpcctl bench), host side.
. /usr/bin/run-selftests.sh
run_tests cpc-test-bench_host
exit $failed
