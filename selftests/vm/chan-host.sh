# Scenario: host VM + one guest VM; CPC channel, host side (drives the
# guest's chan_agent through the mailbox).
. /usr/bin/run-selftests.sh
run_tests cpc-test-chan_host
exit $failed
