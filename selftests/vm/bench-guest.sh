# SPDX-License-Identifier: GPL-2.0
# Scenario: host VM + one guest VM; functional tests of the CPC benchmark,
# guest side: the mailbox agent serves the host test until it is done.
. /usr/bin/run-selftests.sh
run_tests cpc-test-chan_agent
exit $failed
