#!/usr/bin/env bash
# Huddle's test command: installs what it needs on Debian/Ubuntu, then
# checks formatting and vet, builds and starts the Linux package, and runs
# every test with the race detector.
set -euo pipefail
cd "$(dirname "$0")"

./scripts/install-deps.sh
# install-deps.sh installed chromium: the web SDK's browser tests must run
# here, not skip.
export HUDDLE_REQUIRE_BROWSER=1
# The store's tests, and the end-to-end test of a server on it, run on a
# real PostgreSQL: a scratch cluster started here (unless the caller gave
# one), stopped on exit. Here they must run, not skip.
if [ -z "${HUDDLE_TEST_POSTGRES:-}" ]; then
	source ./scripts/postgres.sh
	pg_start
	trap pg_stop EXIT
fi
export HUDDLE_REQUIRE_POSTGRES=1
# The cluster's failure tests (internal/clustertest) start and kill their
# own nats-server, PostgreSQL, nodes and HAProxy (install-deps.sh installed
# them); here they must run, not skip.
export HUDDLE_REQUIRE_CLUSTER=1

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
echo "== go vet"
go vet -tags ci ./...
# The Windows package is built elsewhere (packaging/windows.sh, 7 min with
# mingw); Unix-only calls must not creep into code it compiles.
echo "== go vet for Windows"
GOOS=windows go vet -tags ci ./...
echo "== Linux package: build, install, run"
./packaging/smoke-linux.sh
echo "== fuzz (short run of each target; seeds in */testdata/fuzz)"
# Budgets are counts of inputs (about 10 s each here), not durations: with a
# duration, Go 1.26's fuzzing coordinator can report "context deadline
# exceeded" at the deadline with no failing input (golang/go#75804, fixed in
# 1.27), which a loaded machine hits. FUZZTIME overrides every budget.
for target in protocol:FuzzDecodeFrame:200000x protocol:FuzzDecode:60000x server:FuzzAuthenticate:20000x; do
	pkg="./${target%%:*}/"
	rest="${target#*:}"
	name="${rest%%:*}"
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "${FUZZTIME:-${rest#*:}}" "$pkg"
done
echo "== benchmarks (smoke: each once; docs/performance.md has the real runs)"
go test -tags ci -run '^$' -bench . -benchtime=1x ./protocol/ ./server/ ./session/
echo "== end-to-end suites again, each on a cluster (two nodes behind a balancer, NATS, PostgreSQL)"
HUDDLE_TEST_CLUSTER=1 go test -race -tags ci -count=1 -timeout 20m ./session/ ./app/
# Last, so that its summary closes the output.
echo "== go test -race"
go test -race -tags ci -count=1 -timeout 20m ./...
