# SPDX-License-Identifier: GPL-2.0
# Scenario: host VM + one guest VM; cpcctl's io_uring maintenance jobs
# (reclaim, return, snapshot) through the real channel. The owner's key is
# the one jobs-guest.sh provisions in the guest; the host test decrypts
# with it, as the owner would (the channel never carries it).
. /usr/bin/run-selftests.sh
key=/tmp/owner.key
echo 4f776e65722d6b65792d6f662d7468652d6a6f62732d746573742d2d2d2d2d21 > $key
chmod 600 $key
CPC_JOBS_KEY=$key run_tests cpc-test-jobs_host
exit $failed
