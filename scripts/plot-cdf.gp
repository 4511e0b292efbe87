# SPDX-License-Identifier: GPL-2.0
# gnuplot -e "dir='DIR'" scripts/plot-cdf.gp: DIR/cpc-vs-qga.png, the
# latency CDFs of CPC vs qemu-guest-agent from cpc-bench-compare latency
# (DIR/cdf-<pair>-<system>.dat: microseconds, cumulative fraction).
set terminal pngcairo size 1500,450 font ",10"
set output dir.'/cpc-vs-qga.png'
set multiplot layout 1,3 title "CPC (user-space host end) vs qemu-guest-agent, same guest, same run (TCG)"
set logscale x
set xlabel "latency (µs, log)"
set ylabel "fraction of calls"
set yrange [0:1]
set grid
set key bottom right
set format x "10^{%T}"
cpc = "lc rgb '#1f5fbf'"; qga = "lc rgb '#d2691e'"; raw = "lc rgb '#808080'"
set title "ping vs guest-ping"
plot dir.'/cdf-ping-raw.dat' using 1:2 with steps lw 2 dt 2 @raw title "raw doorbell ping-pong", \
     dir.'/cdf-ping-cpc.dat' using 1:2 with steps lw 2 @cpc title "CPC ping", \
     dir.'/cdf-ping-qga.dat' using 1:2 with steps lw 2 @qga title "qemu-ga guest-ping"
set title "info vs guest-get-osinfo"
plot dir.'/cdf-info-cpc.dat' using 1:2 with steps lw 2 @cpc title "CPC info", \
     dir.'/cdf-info-qga.dat' using 1:2 with steps lw 2 @qga title "qemu-ga guest-get-osinfo"
set title "ps vs guest-exec ps + guest-exec-status"
plot dir.'/cdf-ps-cpc.dat' using 1:2 with steps lw 2 @cpc title "CPC ps", \
     dir.'/cdf-ps-qga.dat' using 1:2 with steps lw 2 @qga title "qemu-ga guest-exec + status"
unset multiplot
