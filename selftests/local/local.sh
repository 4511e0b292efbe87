# SPDX-License-Identifier: GPL-2.0
# Scenario local: testbed/run --guests 1 --qga --disk 16 --local
# selftests/local/local.sh --guest selftests/vm/local-guest.sh. The host end
# is this machine; the guest's key is the one selftests/vm/local-guest.sh
# provisions. local_shutdown powers the guest off and halts it: it runs last.
set -u
testbed-ctl wait 1 'local: guest ready' 120 || exit 1
echo 4f776e65722d6b65792d6f662d7468652d6c6f63616c2d746573742d2d2d2d21 > key.hex
export CPC_LOCAL_KEY=$PWD/key.hex
rc=0
cpc-test-local_bus || rc=1
cpc-test-local_shutdown || rc=1
exit $rc
