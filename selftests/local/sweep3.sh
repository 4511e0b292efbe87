# SPDX-License-Identifier: GPL-2.0
# Scenario local3: testbed/run --guests 3 --local selftests/local/sweep3.sh
# --guest selftests/vm/local-guest.sh. Three guests swept at once from this
# machine, jobs across them, one killed.
set -u
for i in 1 2 3; do
	testbed-ctl wait "$i" 'local: guest ready' 180 || exit 1
done
cpc-test-local_sweep
