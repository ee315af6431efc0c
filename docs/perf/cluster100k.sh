#!/usr/bin/env bash
# Reproduces the 100,000-client run of docs/performance.md ("Cluster"):
# scripts/cluster.sh with six nodes, one application (demo, homed on
# node1), then
#   1. presence: one status change to 10,000 subscribers on three nodes;
#   2. calls: cross-node call setups at 500/s;
#   3. 100,000 clients signed in at once by six load processes (each 1/6
#      of the clients, spread over all six nodes, so every node holds about
#      16,700 sockets, under the 20,000 open-file limit of every process
#      here), held idle while each node's memory is read; the clients
#      connected are polled every half second.
# The same presence, calls and logins (18,000) against one server first:
# the baseline.
# Writes docs/perf/cluster100k.csv (huddle bench rows; one server's in
# cluster100k-single.csv), cluster100k-nodes.csv
# (each node's sockets and memory), cluster100k-ramp.csv (clients connected
# over time) and draws docs/perf/cluster100k.png. About five minutes.
#
# Environment: CLIENTS (default 100000), LOADERS (load processes, default
# 6), HUDDLE_BIN (a huddle binary instead of building one).
set -euo pipefail
cd "$(dirname "$0")/../.."
ulimit -n "$(ulimit -Hn)" # every client is a socket, in a load process and in a node
clients=${CLIENTS:-100000}
loaders=${LOADERS:-6}
per=$((clients / loaders))
clients=$((per * loaders))
if ((per + 500 > $(ulimit -n))); then
	echo "cluster100k.sh: $per clients per load process need more than the open-file limit $(ulimit -n): raise LOADERS" >&2
	exit 1
fi
scratch=$(mktemp -d)
bin=${HUDDLE_BIN:-$scratch/huddle}
[ -n "${HUDDLE_BIN:-}" ] || CGO_ENABLED=0 go build -tags nogui -o "$bin" .
out=docs/perf
rm -f "$out"/cluster100k.csv "$out"/cluster100k-single.csv "$out"/cluster100k-nodes.csv "$out"/cluster100k-ramp.csv

# The baseline, in the same run: presence and calls against one server
# (bench's child process), before the cluster starts.
"$bin" bench --scenario presence --subscribers 10000 --changers 1 --duration 10s --csv "$out/cluster100k-single.csv" ||
	echo "one server: presence failed" >&2
"$bin" bench --scenario calls --pairs 200 --rates 500 --duration 10s --csv "$out/cluster100k-single.csv" ||
	echo "one server: calls failed" >&2
# Logins into one server, as many as one process may hold, with the same
# logins in flight per load process as below.
"$bin" bench --scenario connections --clients 18000 --concurrency 32 --duration 1s --csv "$out/cluster100k-single.csv" ||
	echo "one server: connections failed" >&2

# The nodes' application limits lifted, as bench does for its own child:
# the load tool is one application signing in thousands at once.
# Every login asks the store on its home (the application, then the user
# record): pgx's default pool of 4 connections held a home to about 450
# logins/s here, so each node gets 32 (6 x 32 within PostgreSQL's 300).
HUDDLE_CLUSTER_NODES=6 HUDDLE_CLUSTER_PG_CONNS=32 HUDDLE_BIN=$bin scripts/cluster.sh -- --login-rate-per-app 1e6 --msg-rate 1e6 >"$scratch/cluster.out" 2>&1 &
cluster=$!
loads=()
stop() {
	local l
	for l in "${loads[@]}"; do kill -TERM "$l" 2>/dev/null || true; done
	kill -TERM $cluster 2>/dev/null || true
	wait $cluster || true
	rm -rf "$scratch"
}
trap stop EXIT
until grep -q "Ctrl-C stops" "$scratch/cluster.out"; do
	kill -0 $cluster 2>/dev/null || { cat "$scratch/cluster.out" >&2; exit 1; }
	sleep 1
done
urls=() pids=()
for n in 1 2 3 4 5 6; do urls+=("ws://127.0.0.1:710$n/ws"); done
read -ra pids <<<"$(awk '/^  node[0-9]/ {print $NF}' "$scratch/cluster.out" | paste -sd' ')"
all=$(IFS=,; echo "${urls[*]}")
three=$(IFS=,; echo "${urls[*]:0:3}")

rss() { awk '/^VmRSS:/ {print $2 * 1024}' "/proc/$1/status"; }
sockets() { curl -fsS "http://127.0.0.1:720$1/metrics" | awk '$1 == "huddle_connections" {print $2}'; }

# The application's home is node1: one client signs in there first, so
# every run puts the application's logic on the same node.
"$bin" bench --server "${urls[0]}" --scenario connections --clients 1 --user-prefix first- --duration 1ms >/dev/null

idle=()
for p in "${pids[@]}"; do idle+=("$(rss "$p")"); done

# Presence and calls first, on the quiet cluster: after 100,000 clients
# leave at once the home is busy for a while ending their sessions.
"$bin" bench --server "$three" --scenario presence --subscribers 10000 --changers 1 --duration 10s --csv "$out/cluster100k.csv" ||
	echo "presence failed" >&2
"$bin" bench --server "$three" --scenario calls --pairs 200 --rates 500 --duration 10s --csv "$out/cluster100k.csv" ||
	echo "calls failed" >&2

echo "t_s,clients,node1,node2,node3,node4,node5,node6" >"$out/cluster100k-ramp.csv"
start=$(date +%s.%N)
for ((i = 1; i <= loaders; i++)); do
	# Held long enough for the slowest process to finish signing in and
	# the memory to be read with everybody on.
	"$bin" bench --server "$all" --scenario connections --clients "$per" --user-prefix "l$i-" \
		--concurrency 32 --duration 60s --timeout 20m --csv "$scratch/conn-$i.csv" >"$scratch/load-$i.out" 2>&1 &
	loads+=($!)
done
on=0
while ((on < clients)); do
	sleep 0.5
	per_node=()
	for n in 1 2 3 4 5 6; do per_node+=("$(sockets "$n")"); done
	on=$(IFS=+; echo $((${per_node[*]})))
	now=$(date +%s.%N)
	echo "$(echo "$now - $start" | bc),$on,$(IFS=,; echo "${per_node[*]}")" >>"$out/cluster100k-ramp.csv"
	alive=0
	for l in "${loads[@]}"; do kill -0 "$l" 2>/dev/null && alive=1; done
	((alive)) || { echo "cluster100k.sh: the load processes ended with $on of $clients on" >&2; cat "$scratch"/load-*.out >&2; exit 1; }
done
took=$(echo "$now - $start" | bc)
sleep 10 # settle, then read every node's memory
# Growth over the idle node (read before presence and calls: memory they
# freed and the nodes kept is counted here too), and all of it.
echo "node,sockets,rss_idle_mib,rss_mib,bytes_per_socket,rss_per_socket" >"$out/cluster100k-nodes.csv"
for i in 0 1 2 3 4 5; do
	n=$((i + 1)) r=$(rss "${pids[$i]}") s=$(sockets $((i + 1)))
	echo "node$n,$s,$((idle[i] >> 20)),$((r >> 20)),$(((r - idle[i]) / s)),$((r / s))" >>"$out/cluster100k-nodes.csv"
done
for l in "${loads[@]}"; do wait "$l" || echo "a load process failed: $(cat "$scratch"/load-*.out)" >&2; done
loads=()
cat "$scratch"/conn-*.csv | awk '!/^scenario/' >>"$out/cluster100k.csv"
printf 'all,%d clients,%.1f,logins (all six processes together),,,,%d clients in %.1fs\n' \
	"$clients" "$(echo "$clients / $took" | bc -l)" "$clients" "$took" >>"$out/cluster100k.csv"

column -s, -t "$out/cluster100k-nodes.csv"
cat "$out/cluster100k.csv"
if command -v gnuplot >/dev/null; then
	gnuplot docs/perf/cluster100k.gp # docs/perf/cluster100k.png
else
	echo "no gnuplot (apt-get install gnuplot-nox): docs/perf/cluster100k.png not drawn" >&2
fi
