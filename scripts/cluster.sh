#!/usr/bin/env bash
# A whole Huddle cluster on this machine, for trying it out and for load
# tests (docs/cluster.md): nats-server with JetStream, a scratch PostgreSQL,
# three `huddle serve` nodes sharing both and one server.key, and HAProxy
# on 127.0.0.1:7090 in front of them, where the desktop app, `huddle bot`
# and `huddle bench` look by default. Everything lives in one scratch
# folder; Ctrl-C stops it all and removes it.
#
#   scripts/cluster.sh                    build huddle, start, wait for Ctrl-C
#   scripts/cluster.sh -- --msg-rate 500  flags after -- go to every node
#
# Environment: HUDDLE_BIN (a huddle binary to use instead of building one),
# HUDDLE_CLUSTER_KEEP=1 (keep the scratch folder and its logs at the end),
# HUDDLE_CLUSTER_NODES=N (N nodes instead of three, at most 9: HAProxy
# still balances the first three, the others are reached directly; for
# load tests such as docs/perf/cluster100k.sh), HUDDLE_CLUSTER_PG_CONNS=N
# (each node's pool of PostgreSQL connections, pgx's pool_max_conns).
# Fixed ports, each checked free first: 7090 (HAProxy), 7099 (its status
# page), 4222 and 8222 (NATS, its monitoring), 7101-7103 (nodes' clients),
# 7201-7203 (nodes' /metrics), 710N/720N for more nodes; PostgreSQL takes
# a free port.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
node_args=()
if [ "${1:-}" = -- ]; then
	shift
	node_args=("$@")
elif [ $# -gt 0 ]; then
	sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
fi

LB_ADDR=127.0.0.1:7090
LB_STATS_ADDR=127.0.0.1:7099
NATS_PORT=4222
NATS_MONITOR_PORT=8222
nodes=${HUDDLE_CLUSTER_NODES:-3}
[[ $nodes =~ ^[3-9]$ ]] || { echo "cluster.sh: HUDDLE_CLUSTER_NODES is 3 to 9" >&2; exit 2; }
NODES=()
for ((i = 1; i <= nodes; i++)); do NODES+=("node$i"); done
node_port() { echo $((7100 + ${1#node})); }
metrics_port() { echo $((7200 + ${1#node})); }

"$ROOT/scripts/install-deps.sh" cluster
source "$ROOT/scripts/postgres.sh"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in 7090 7099 $NATS_PORT $NATS_MONITOR_PORT $(for n in "${NODES[@]}"; do echo "$(node_port "$n") $(metrics_port "$n")"; done); do
	port_free "$port" || { echo "cluster.sh: port $port is taken (another cluster.sh or huddle serve?)" >&2; exit 1; }
done

SCRATCH=$(mktemp -d /tmp/huddle-cluster.XXXXXX)
pids=()  # every process started here, stopped in reverse order
names=() # and what each is, for messages

# stop_all runs once, on any exit: Ctrl-C, an error, or a process that died.
stop_all() {
	trap - EXIT INT TERM
	local i
	echo
	echo "stopping..."
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill -TERM "${pids[$i]}" 2>/dev/null || true
		# Nodes tell their clients they are going away (up to 10 s).
		timeout 15 tail --pid="${pids[$i]}" -f /dev/null 2>/dev/null || kill -KILL "${pids[$i]}" 2>/dev/null || true
	done
	pg_stop
	if [ "${HUDDLE_CLUSTER_KEEP:-}" = 1 ]; then
		echo "logs kept in $SCRATCH"
	else
		rm -rf "$SCRATCH"
	fi
	echo "stopped"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

# start NAME LOG CMD... runs CMD in the background, logging to LOG.
start() {
	local name=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 &
	pids+=($!)
	names+=("$name")
}

# wait_ok NAME URL waits up to 30 s for URL to answer 200.
wait_ok() {
	local name=$1 url=$2 i
	for ((i = 0; i < 300; i++)); do
		curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
		kill -0 "${pids[-1]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "cluster.sh: $name did not come up ($url); its log:" >&2
	tail -n 20 "$3" >&2
	exit 1
}

if [ -n "${HUDDLE_BIN:-}" ]; then
	huddle=$HUDDLE_BIN
else
	echo "building huddle (headless)"
	huddle=$SCRATCH/huddle
	(cd "$ROOT" && CGO_ENABLED=0 go build -tags nogui -o "$huddle" .)
fi

# NATS: routing, fan-out, the online directory; JetStream keeps what must
# outlive a node (its data in the scratch folder).
start nats-server "$SCRATCH/nats.log" nats-server -a 127.0.0.1 -p $NATS_PORT -m $NATS_MONITOR_PORT \
	--server_name huddle-local -js -sd "$SCRATCH/jetstream"
wait_ok nats-server "http://127.0.0.1:$NATS_MONITOR_PORT/healthz?js-enabled-only=true" "$SCRATCH/nats.log"
NATS_URL=nats://127.0.0.1:$NATS_PORT

# PostgreSQL: applications, users, meetings. pg_start runs it as an
# unprivileged user in its own scratch folder; database "huddle" is the
# cluster's.
pg_start >/dev/null
psql -q "$HUDDLE_TEST_POSTGRES" -c "CREATE DATABASE huddle" >/dev/null
POSTGRES_DSN=${HUDDLE_TEST_POSTGRES/\/postgres\?/\/huddle?}
# Each node's pool of store connections (pgx's default: 4). Every login
# asks the store, so a home taking thousands of logins a second needs more.
if [ -n "${HUDDLE_CLUSTER_PG_CONNS:-}" ]; then
	POSTGRES_DSN+="&pool_max_conns=$HUDDLE_CLUSTER_PG_CONNS"
fi

# One server.key for every node: it seals JWT applications' secrets in the
# shared store, so a secret sealed by one node must open on every other.
# Here it is one file copied into each node's data folder; in production,
# the same file installed on each machine (docs/cluster.md).
head -c 32 /dev/urandom >"$SCRATCH/server.key"
chmod 600 "$SCRATCH/server.key"
for n in "${NODES[@]}"; do
	install -d -m700 "$SCRATCH/$n"
	install -m600 "$SCRATCH/server.key" "$SCRATCH/$n/server.key"
done
# The application the desktop app, bots and bench sign in with by default.
# Only this machine reaches it: HAProxy listens on loopback.
"$huddle" app add --postgres "$POSTGRES_DSN" --data "$SCRATCH/node1" --id demo --secret demo >/dev/null

# The nodes. Every client reaches them from HAProxy's address, so the
# per-address limits would treat all users as one: lifted here, where
# nothing but this machine connects.
for n in "${NODES[@]}"; do
	start "$n" "$SCRATCH/$n.log" "$huddle" serve --addr "127.0.0.1:$(node_port "$n")" \
		--metrics-addr "127.0.0.1:$(metrics_port "$n")" --data "$SCRATCH/$n" \
		--nats "$NATS_URL" --postgres "$POSTGRES_DSN" --node "$n" \
		--conns-per-ip 1000000 --login-rate-per-ip 1000000 "${node_args[@]}"
	wait_ok "$n" "http://127.0.0.1:$(node_port "$n")/readyz" "$SCRATCH/$n.log"
done

HUDDLE_LB_ADDR=$LB_ADDR HUDDLE_LB_STATS_ADDR=$LB_STATS_ADDR \
	HUDDLE_NODE1_ADDR=127.0.0.1:$(node_port node1) HUDDLE_NODE2_ADDR=127.0.0.1:$(node_port node2) \
	HUDDLE_NODE3_ADDR=127.0.0.1:$(node_port node3) \
	start haproxy "$SCRATCH/haproxy.log" haproxy -db -f "$ROOT/packaging/cluster/haproxy.cfg"
wait_ok haproxy "http://$LB_ADDR/readyz" "$SCRATCH/haproxy.log"

cat <<EOF

Huddle cluster running (scratch folder $SCRATCH):
  HAProxy      ws://$LB_ADDR/ws      status page http://$LB_STATS_ADDR/   pid ${pids[-1]}
  nats-server  $NATS_URL   JetStream in $SCRATCH/jetstream   pid ${pids[0]}
  PostgreSQL   $POSTGRES_DSN
EOF
for i in "${!NODES[@]}"; do
	n=${NODES[$i]}
	echo "  $n        ws://127.0.0.1:$(node_port "$n")/ws   metrics http://127.0.0.1:$(metrics_port "$n")/metrics   pid ${pids[$((i + 1))]}"
done
cat <<EOF
  application  demo, secret demo; every node's server.key is a copy of $SCRATCH/server.key
  logs         $SCRATCH/*.log

Try it (the defaults point at $LB_ADDR):
  go run . --nick Alice --user alice --auto-login
  go run . bot --name ada
  go run . bench --server ws://$LB_ADDR/ws --scenario connections --clients 2000
     (start this script with -- --login-rate-per-app 1e6 --msg-rate 1e6 for heavy load)
Ctrl-C stops everything.
EOF

# Until Ctrl-C, or until one of them exits by itself: then say which and
# stop the rest (a half-running cluster would only confuse).
set +e
wait -n "${pids[@]}"
for i in "${!pids[@]}"; do
	kill -0 "${pids[$i]}" 2>/dev/null || { echo "cluster.sh: ${names[$i]} exited; its log:" >&2; tail -n 20 "$SCRATCH/${names[$i]}.log" >&2; }
done
exit 1
