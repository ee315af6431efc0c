# Latency against load, from docs/perf/results.csv (huddle bench --csv).
# Run from the repository root: gnuplot docs/perf/plot.gp
# (Debian/Ubuntu: apt-get install gnuplot-nox)
set datafile separator ","
set terminal pngcairo size 1100,460 font ",10"
set output "docs/perf/latency.png"
set multiplot layout 1,2 title "Huddle: server and load tool on one shared 2-core machine"
set grid
set key top left
set logscale y
set ylabel "latency (ms)"
set yrange [10:5000]
load(s) = real(word(s, 1))   # "8 changers" -> 8, "500 calls/s" -> 500

set title "Presence fan-out to every subscriber"
set xlabel "status changes in flight (changers)"
set logscale x 2
set y2label "notifications delivered per second"
set y2tics
set ytics nomirror
plot "docs/perf/results.csv" skip 1 using (strcol(1) eq "presence" ? load(strcol(2)) : NaN):5 with linespoints title "p50", \
     ""                      skip 1 using (strcol(1) eq "presence" ? load(strcol(2)) : NaN):6 with linespoints title "p99", \
     ""                      skip 1 using (strcol(1) eq "presence" ? load(strcol(2)) : NaN):3 axes x1y2 with linespoints dashtype 3 title "notifications/s (right)", \
     100 with lines dashtype 2 title "target p99", \
     300000 axes x1y2 with lines dashtype 4 title "target notifications/s (right)"
unset logscale x
set yrange [*:*]
unset y2label
unset y2tics
set ytics mirror

set title "Call setup (Call → NotifyCallIn), 200 pairs"
set xlabel "offered call setups per second"
set yrange [0.1:100]
plot "docs/perf/results.csv" skip 1 using (strcol(1) eq "calls" ? load(strcol(2)) : NaN):5 with linespoints title "p50", \
     ""                      skip 1 using (strcol(1) eq "calls" ? load(strcol(2)) : NaN):6 with linespoints title "p99", \
     10 with lines dashtype 2 title "target p99"
unset multiplot
