# SPDX-License-Identifier: GPL-2.0
# Benchmark: slice create/destroy vs sysfs by hand, scrub vs memset.
cpc-bench-slice "${CPC_BENCH_ROUNDS:-5}"
