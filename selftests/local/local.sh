# SPDX-License-Identifier: GPL-2.0
# Scenario local: testbed/run --guests 1 --qga --local selftests/local/local.sh
# --guest selftests/vm/local-guest.sh. The host end is this machine; the
# guest's key is the one selftests/vm/local-guest.sh provisions.
set -u
testbed-ctl wait 1 'local: guest ready' 120 || exit 1
echo 4f776e65722d6b65792d6f662d7468652d6c6f63616c2d746573742d2d2d2d21 > key.hex
export CPC_LOCAL_KEY=$PWD/key.hex
cpc-test-local_bus
