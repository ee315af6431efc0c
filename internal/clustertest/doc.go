// Package clustertest runs a Huddle cluster of real processes on this
// machine (nats-server, PostgreSQL, `huddle serve` nodes built from this
// tree, HAProxy with packaging/cluster/haproxy.cfg) for tests that break
// its parts the way production breaks them: kill -9, restarts. Nothing is
// mocked and nothing runs in the test's own process but the clients.
//
// It needs nats-server, haproxy and PostgreSQL's binaries
// (scripts/install-deps.sh installs them). Without them its tests skip,
// except under ./test.sh, which sets HUDDLE_REQUIRE_CLUSTER=1.
package clustertest
