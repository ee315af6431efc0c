# Latency on one server against the three nodes of scripts/cluster.sh
# (direct and through HAProxy), from docs/perf/cluster-*.csv
# (docs/perf/cluster.sh). Run from the repository root:
#   gnuplot docs/perf/cluster.gp     (Debian/Ubuntu: apt-get install gnuplot-nox)
set datafile separator ","
set terminal pngcairo size 1100,460 font ",10"
set output "docs/perf/cluster.png"
set multiplot layout 1,2 title "Huddle cluster: every process on one shared 2-core machine"
set grid
set key top left
set logscale y
load(s) = real(word(s, 1))   # "4 changers" -> 4, "500 calls/s" -> 500
only(s, want, v) = (s eq want ? v : NaN)

set title "Call setup p99 (caller and callee on different nodes)"
set xlabel "call setups per second"
set ylabel "p99 (ms)"
set xrange [50:550]
plot "docs/perf/cluster-single.csv"  skip 1 using (load(strcol(2))):(only(strcol(1), "calls", $6)) with linespoints title "one server", \
     "docs/perf/cluster-direct.csv"  skip 1 using (load(strcol(2))):(only(strcol(1), "calls", $6)) with linespoints title "3 nodes, direct", \
     "docs/perf/cluster-haproxy.csv" skip 1 using (load(strcol(2))):(only(strcol(1), "calls", $6)) with linespoints title "3 nodes, HAProxy", \
     20 with lines dashtype 2 title "target p99 at 500/s"

set title "Status change to 3,000 subscribers: p99 until all have it"
set xlabel "status changes in flight (changers)"
set xrange [0.5:4.5]
set yrange [50:5000]
plot "docs/perf/cluster-single.csv"  skip 1 using (load(strcol(2))):(only(strcol(1), "presence", $6)) with linespoints title "one server", \
     "docs/perf/cluster-direct.csv"  skip 1 using (load(strcol(2))):(only(strcol(1), "presence", $6)) with linespoints title "3 nodes, direct", \
     "docs/perf/cluster-haproxy.csv" skip 1 using (load(strcol(2))):(only(strcol(1), "presence", ($6 > 0 ? $6 : NaN))) with linespoints title "3 nodes, HAProxy (home taken for dead)", \
     150 with lines dashtype 2 title "target p99 (10,000 subscribers)"
unset multiplot
