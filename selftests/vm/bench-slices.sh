# Benchmark: slice create/destroy vs sysfs by hand, scrub vs memset.
cpc-bench-slice "${CPC_BENCH_ROUNDS:-5}"
