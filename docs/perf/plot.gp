# Latency against load, from `huddle bench --csv docs/perf/results.csv`.
# Run from the repository root: gnuplot docs/perf/plot.gp
# (Debian/Ubuntu: apt-get install gnuplot-nox)
set datafile separator ","
set terminal pngcairo size 1100,460 font ",10"
set output "docs/perf/latency.png"
set multiplot layout 1,2 title "Huddle server, load tool and server on one shared 2-core machine"
set grid
set key top left
set logscale y
set ylabel "latency (ms)"

set title "Presence fan-out, 9,900 subscribers"
set xlabel "notifications delivered per second"
plot "docs/perf/results.csv" skip 1 using (strcol(1) eq "presence" ? $3 : NaN):5 with linespoints title "p50", \
     ""                      skip 1 using (strcol(1) eq "presence" ? $3 : NaN):6 with linespoints title "p99", \
     100 with lines dashtype 2 title "target p99 (one change)"

set title "Call setup (Call → NotifyCallIn), 200 pairs"
set xlabel "call setups per second"
plot "docs/perf/results.csv" skip 1 using (strcol(1) eq "calls" ? $3 : NaN):5 with linespoints title "p50", \
     ""                      skip 1 using (strcol(1) eq "calls" ? $3 : NaN):6 with linespoints title "p99", \
     10 with lines dashtype 2 title "target p99"
unset multiplot
