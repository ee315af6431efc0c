# Voice through the SFU against the number of two-party calls, from
# docs/perf/voice.csv (docs/perf/voice.sh). Run from the repository root:
#   gnuplot docs/perf/voice.gp     (Debian/Ubuntu: apt-get install gnuplot-nox)
# The CSV's note column holds loss, jitter and CPU as text; sed takes them
# out as columns: calls, trip p50, trip p99, jitter p99, loss %, server CPU %,
# tool CPU %, packets sent as % of the 50/s every talker should send.
calls = "< sed -n 's/^voice,\\([0-9]*\\) calls ([0-9]* streams),[^,]*,[^,]*,\\([^,]*\\),\\([^,]*\\),.*(\\([0-9]*\\)% of 50\\/s.*loss \\([0-9.]*\\)%.*jitter p99 \\([0-9.]*\\) ms.*server CPU \\([0-9.]*\\)%.*load tool CPU \\([0-9.]*\\)%.*/\\1 \\2 \\3 \\6 \\5 \\7 \\8 \\4/p' docs/perf/voice.csv"
set terminal pngcairo size 1100,460 font ",10"
set output "docs/perf/voice.png"
set multiplot layout 1,2 title "Huddle voice: Opus two-party calls through the SFU; server and load tool on one shared 2-core machine"
set grid
set key top left
set xlabel "two-party calls at once (2 streams each)"
set logscale x
set xrange [0.8:650]
set xtics (1, 25, 100, 250, 500)

set title "Trip through the SFU (sender's WebRTC stack to receiver's)"
set logscale y
set ylabel "ms"
set yrange [0.1:2000]
plot calls using 1:2 with linespoints title "trip p50", \
     ""    using 1:3 with linespoints title "trip p99", \
     ""    using 1:4 with linespoints title "added jitter p99", \
     20 with lines dashtype 2 title "target: jitter p99 < 20 ms"

set title "CPU, load actually offered, loss"
unset logscale y
set yrange [0:160]
set ylabel "%: of one core (CPU); of 50 packets/s per talker (sent)"
set y2label "loss (%)"
set y2range [0:1.6]
set y2tics
set ytics nomirror
plot calls using 1:6 with linespoints title "server CPU", \
     ""    using 1:7 with linespoints title "load tool CPU", \
     ""    using 1:8 with linespoints dashtype 4 title "packets sent", \
     ""    using 1:5 axes x1y2 with linespoints dashtype 3 title "loss (right)", \
     0.1 axes x1y2 with lines dashtype 2 title "target: loss < 0.1% (right)"
unset multiplot
