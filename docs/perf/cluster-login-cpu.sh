#!/usr/bin/env bash
# Where a login's CPU goes, every process counted (docs/performance.md,
# "Logins: where a login's CPU goes"): scripts/cluster.sh with NODES nodes
# (default 6; the home is node1, signed in to first), then CLIENTS clients
# (default 100,000) signed in at once by LOADERS load processes (default 6),
# each spread over every node. Each process's CPU (utime + stime from
# /proc/<pid>/stat) is read before the load starts and again the moment the
# last client is signed in, so the sign-in is counted and the leaving not.
# Prints CPU seconds per process group, the wall time and the logins/s.
#
# Environment: NODES, CLIENTS, LOADERS, HUDDLE_BIN (a huddle binary instead
# of building one). Raise the clients per node and per load process above
# 20,000 only where the open-file limit allows.
set -uo pipefail
cd "$(dirname "$0")/../.."
ulimit -n "$(ulimit -Hn)"
nodes=${NODES:-6} loaders=${LOADERS:-6} clients=${CLIENTS:-100000}
per=$((clients / loaders))
out=$(mktemp -d)
bin=${HUDDLE_BIN:-$out/huddle}
[ -n "${HUDDLE_BIN:-}" ] || CGO_ENABLED=0 go build -tags nogui -o "$bin" . || exit 1
HUDDLE_CLUSTER_NODES=$nodes HUDDLE_CLUSTER_PG_CONNS=32 HUDDLE_BIN=$bin scripts/cluster.sh -- --login-rate-per-app 1e6 --msg-rate 1e6 >"$out/cluster.out" 2>&1 &
cluster=$!
lpids=()
stop() {
	local l
	for l in "${lpids[@]}"; do kill -TERM "$l" 2>/dev/null; done
	kill -TERM $cluster 2>/dev/null
	wait $cluster
	rm -rf "$out"
}
trap stop EXIT
until grep -q "Ctrl-C stops" "$out/cluster.out"; do
	kill -0 $cluster 2>/dev/null || { cat "$out/cluster.out" >&2; exit 1; }
	sleep 1
done
urls=()
for ((n = 1; n <= nodes; n++)); do urls+=("ws://127.0.0.1:710$n/ws"); done
all=$(IFS=,; echo "${urls[*]}")
"$bin" bench --server "${urls[0]}" --scenario connections --clients 1 --user-prefix first- --duration 1ms >/dev/null

ticks() { # utime + stime of the processes given, in clock ticks
	local s=0 p
	for p in "$@"; do [ -r "/proc/$p/stat" ] && s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
	echo $s
}
secs() { echo "scale=2; $1 / $(getconf CLK_TCK)" | bc; }
sockets() {
	local v
	v=$(curl -fsS "http://127.0.0.1:720$1/metrics" | awk '$1 == "huddle_connections" {print $2}')
	echo "${v:-0}"
}
read -ra nodepids <<<"$(awk '/^  node[0-9]/ {print $NF}' "$out/cluster.out" | paste -sd' ')"
natspid=$(pgrep -f "nats-server .*-p 4222" | head -1)
pg() { pgrep -x postgres | paste -sd' '; } # by name: the nodes' command lines name PostgreSQL too
declare -A before
for ((i = 0; i < nodes; i++)); do before[$i]=$(ticks "${nodepids[$i]}"); done
nats0=$(ticks "$natspid")
read -ra pgpids <<<"$(pg)"
pg0=$(ticks "${pgpids[@]}")

start=$(date +%s.%N)
for ((i = 1; i <= loaders; i++)); do
	"$bin" bench --server "$all" --scenario connections --clients "$per" --user-prefix "l$i-" \
		--concurrency 32 --duration 10s --timeout 20m >"$out/load-$i.out" 2>&1 &
	lpids+=($!)
done
on=0
while ((on < per * loaders)); do
	sleep 0.2
	alive=0
	for l in "${lpids[@]}"; do kill -0 "$l" 2>/dev/null && alive=1; done
	((alive)) || { echo "cluster-login-cpu.sh: the load processes ended with $on clients on" >&2; cat "$out"/load-*.out >&2; exit 1; }
	on=0
	for ((n = 1; n <= nodes; n++)); do on=$((on + $(sockets $n))); done
done
end=$(date +%s.%N)
for ((i = 0; i < nodes; i++)); do echo "node$((i + 1)) cpu_s $(secs $(($(ticks "${nodepids[$i]}") - before[$i])))"; done
echo "nats-server cpu_s $(secs $(($(ticks "$natspid") - nats0)))"
read -ra pgpids <<<"$(pg)"
echo "postgresql cpu_s $(secs $(($(ticks "${pgpids[@]}") - pg0))) (backends that ended meanwhile are not counted)"
echo "load processes cpu_s $(secs "$(ticks "${lpids[@]}")")"
echo "wall $(echo "$end - $start" | bc) s; logins/s $(echo "$per * $loaders / ($end - $start)" | bc)"
wait "${lpids[@]}"
lpids=()
