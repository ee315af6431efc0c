#!/usr/bin/env bash
# Reproduces the "Voice" section of docs/performance.md: two-party calls
# at 1 to 500 at once, then one 50-member meeting with 3 speakers, Opus
# through the SFU of a child `huddle serve`; writes docs/perf/voice.csv and
# draws docs/perf/voice.png. About four minutes on 2 cores.
#
# On a machine other work shares, the kernel gives each session an equal
# share of the CPU (autogroup), however many threads it runs: as root the
# run takes a session of its own at autogroup nice -20, so that the server
# and the load tool get the cores they need while they are measured.
set -euo pipefail
cd "$(dirname "$0")/../.."
ulimit -n "$(ulimit -Hn)" # every peer is a websocket and a UDP port in the server
bin=$(mktemp -d)/huddle
# With cgo: the peers send Opus, and the server (the same executable) only
# negotiates the codecs its build has (README, "Voice").
go build -tags nogui -o "$bin" .
csv=docs/perf/voice.csv
rm -f "$csv"
run=("$bin" bench --scenario voice --calls 1,25,100,250,500 --members 50 --speakers 3 --duration 5s --csv "$csv" "$@")
if [ "$(id -u)" = 0 ] && [ -w /proc/self/autogroup ]; then
	setsid bash -c 'echo -20 >/proc/self/autogroup; exec "$@"' bash "${run[@]}"
else
	"${run[@]}"
fi
gnuplot docs/perf/voice.gp
