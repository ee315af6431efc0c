#!/usr/bin/env bash
# Reproduces the "Cluster" section of docs/performance.md: the same load
# against one server (the baseline, measured in the same run) and against
# scripts/cluster.sh's three nodes, reached directly (clients spread over
# the nodes, every pair across two) and through HAProxy. Writes
# docs/perf/cluster-{single,direct,haproxy}.csv and draws docs/perf/cluster.png.
# About five minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
ulimit -n "$(ulimit -Hn)" # every client is a socket, here and in the servers
scratch=$(mktemp -d)
bin=$scratch/huddle
CGO_ENABLED=0 go build -tags nogui -o "$bin" .
out=docs/perf
rm -f "$out"/cluster-{single,direct,haproxy}.csv

# The nodes' application limits lifted, as bench does for its own child:
# the load tool is one application signing in thousands at once.
HUDDLE_BIN=$bin scripts/cluster.sh -- --login-rate-per-app 1e6 --msg-rate 1e6 >"$scratch/cluster.out" 2>&1 &
cluster=$!
trap 'kill -TERM $cluster 2>/dev/null; wait $cluster || true; rm -rf "$scratch"' EXIT
until grep -q "Ctrl-C stops" "$scratch/cluster.out"; do
	kill -0 $cluster 2>/dev/null || { cat "$scratch/cluster.out" >&2; exit 1; }
	sleep 1
done
nodes=ws://127.0.0.1:7101/ws,ws://127.0.0.1:7102/ws,ws://127.0.0.1:7103/ws
pids=$(awk '/^  node[0-9]/ {print $NF}' "$scratch/cluster.out" | paste -sd,)

# Each process holds at most ulimit -n sockets: the tool one per client, a
# node one per client of its own, HAProxy two per client.
clients=$(( $(ulimit -n) - 1500 ))
run() { # run NAME ARGS...: every scenario against one target; a failed one is reported and the rest run
	local csv=$out/cluster-$1.csv name=$1
	shift
	"$bin" bench "$@" --scenario connections --clients "$clients" --csv "$csv" || echo "$name: connections failed" >&2
	"$bin" bench "$@" --scenario presence --subscribers 3000 --changers 1,4 --duration 5s --csv "$csv" || echo "$name: presence failed" >&2
	"$bin" bench "$@" --scenario calls --pairs 200 --rates 100,250,500 --duration 5s --csv "$csv" || echo "$name: calls failed" >&2
	"$bin" bench "$@" --scenario transfer --file-mib 64 --duration 5s --csv "$csv" || echo "$name: transfer failed" >&2
}
run single
run direct --server "$nodes" --server-pid "$pids"
clients=$(( $(ulimit -n) / 2 - 1000 ))
run haproxy --server ws://127.0.0.1:7090/ws
if command -v gnuplot >/dev/null; then
	gnuplot docs/perf/cluster.gp # docs/perf/cluster.png
else
	echo "no gnuplot (apt-get install gnuplot-nox): docs/perf/cluster.png not drawn" >&2
fi
