#!/usr/bin/env bash
# Reproduces docs/performance.md: builds huddle, runs each scenario against
# a child server (so its memory is its own), collects docs/perf/results.csv
# and draws docs/perf/latency.png. About two minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
ulimit -n "$(ulimit -Hn)"   # every client is a socket, here and in the server
bin=$(mktemp -d)/huddle
CGO_ENABLED=0 go build -tags nogui -o "$bin" .
csv=docs/perf/results.csv
rm -f "$csv"
# Each process can hold ulimit -n sockets; stay just under it.
max=$(( $(ulimit -n) - 500 ))
"$bin" bench --scenario connections --clients "$(( max < 100000 ? max : 100000 ))" --csv "$csv"
"$bin" bench --scenario presence --subscribers "$(( max < 10000 ? max : 10000 ))" --changers 1,2,4,8,16,32 --duration 5s --csv "$csv"
"$bin" bench --scenario calls --pairs 200 --rates 100,250,500,1000,2000 --duration 5s --csv "$csv"
"$bin" bench --scenario cmd --pairs 200 --rates 100,500,1000,2000 --duration 5s --csv "$csv"
"$bin" bench --scenario transfer --file-mib 256 --duration 5s --csv "$csv"
gnuplot docs/perf/plot.gp
