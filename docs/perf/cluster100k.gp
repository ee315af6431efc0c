# The 100,000-client run of docs/perf/cluster100k.sh: clients connected
# over time, in all and on each of the six nodes, and each node's memory
# per socket. Run from the repository root:
#   gnuplot docs/perf/cluster100k.gp     (Debian/Ubuntu: apt-get install gnuplot-nox)
set datafile separator ","
set terminal pngcairo size 1100,460 font ",10"
set output "docs/perf/cluster100k.png"
set multiplot layout 1,2 title "Huddle: 100,000 clients of one application on six nodes, one shared 2-core machine"
set grid
set key top left

set title "Clients connected (six load processes at once)"
set xlabel "seconds since the start"
set ylabel "clients"
set yrange [0:105000]
plot "docs/perf/cluster100k-ramp.csv" skip 1 using 1:2 with lines lw 2 title "all nodes", \
     for [n=3:8] "" skip 1 using 1:n with lines title sprintf("node%d (lines overlap)", n-2), \
     2000*x with lines dashtype 2 title "target 2,000 logins/s"

set title "Memory per socket, each node (node1 is the application's home)"
set xlabel ""
set ylabel "KB per socket (RSS growth / sockets)"
set style fill solid 0.6
set boxwidth 0.6
set yrange [0:30]
set xtics rotate by 0
plot "docs/perf/cluster100k-nodes.csv" skip 1 using 0:($5/1000):xtic(1) with boxes notitle, \
     20 with lines dashtype 2 title "target 20 KB"
unset multiplot
