#!/usr/bin/env bash
# Compares builds of huddle on the cluster, alternating them in one run so
# that the machine's drift falls on each (docs/performance.md, "Presence
# across nodes"). For each binary given, in order (e.g. old new new old):
# presence to 10,000 subscribers against one server (bench's child: the
# baseline), then on a fresh 3-node scripts/cluster.sh with the
# application's home on node1: presence to the same 10,000 spread over the
# three nodes, the frames and NATS messages each node sent, and a 64 MiB
# cross-node transfer. Rows go to OUT/ab-<n>-<name>-{single,cluster}.csv.
#
#   docs/perf/cluster-ab.sh /tmp/huddle-old /tmp/huddle-new /tmp/huddle-new /tmp/huddle-old
#
# Environment: OUT (default a scratch folder, printed), SUBS (subscribers).
set -uo pipefail
cd "$(dirname "$0")/../.."
ulimit -n "$(ulimit -Hn)"
out=${OUT:-$(mktemp -d)}
subs=${SUBS:-10000}
three=ws://127.0.0.1:7101/ws,ws://127.0.0.1:7102/ws,ws://127.0.0.1:7103/ws
i=0
for bin in "$@"; do
	i=$((i + 1))
	csv=$out/ab-$i-$(basename "$bin")-cluster.csv
	"$bin" bench --scenario presence --subscribers "$subs" --changers 1,4 --duration 10s --csv "${csv%-cluster.csv}-single.csv" >/dev/null ||
		echo "$bin: one server, presence failed" >&2
	scratch=$(mktemp -d)
	HUDDLE_BIN=$bin scripts/cluster.sh -- --login-rate-per-app 1e6 --msg-rate 1e6 >"$scratch/cluster.out" 2>&1 &
	cluster=$!
	until grep -q "Ctrl-C stops" "$scratch/cluster.out"; do
		kill -0 $cluster 2>/dev/null || { cat "$scratch/cluster.out" >&2; exit 1; }
		sleep 1
	done
	# The application's home is node1: one client signs in there first.
	"$bin" bench --server ws://127.0.0.1:7101/ws --scenario connections --clients 1 --user-prefix first- --duration 1ms >/dev/null
	"$bin" bench --server "$three" --scenario presence --subscribers "$subs" --changers 1,4 --duration 10s --csv "$csv" >/dev/null ||
		echo "$bin: cluster presence failed" >&2
	for n in 1 2 3; do
		curl -fsS "http://127.0.0.1:720$n/metrics" | awk -v run="$i $bin node$n" '/^huddle_cluster_(frames|messages)_sent_total/ {print run, $1, $2}'
	done
	"$bin" bench --server "$three" --scenario transfer --file-mib 64 --duration 8s --csv "$csv" >/dev/null ||
		echo "$bin: cluster transfer failed" >&2
	kill -TERM $cluster
	wait $cluster
	rm -rf "$scratch"
done
echo "rows in $out" >&2
