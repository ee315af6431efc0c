package testkit

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"

	"huddle/internal/pgtest"
	"huddle/server"
	"huddle/server/store"
)

// EnvCluster, set to 1 (./test.sh does, for a second run of the end-to-end
// suites), makes StartServer start a cluster of two nodes behind a
// round-robin balancer instead of one server: clients signing in one
// after the other land on different nodes.
const EnvCluster = "HUDDLE_TEST_CLUSTER"

// InCluster tells whether StartServer starts clusters (EnvCluster).
var InCluster = os.Getenv(EnvCluster) == "1"

// Cluster is nodes of one Huddle cluster in this process: a real
// nats-server (embedded, JetStream in a temporary folder), a database of
// its own on the test PostgreSQL (pgtest), and real servers on loopback
// ports, all stopped when the test ends.
type Cluster struct {
	Nodes    []*Server
	NATS     *natsserver.Server
	NATSURL  string
	DSN      string
	Balancer *Proxy // round-robin over the nodes
	URL      string // ws:// through Balancer
}

// StartCluster starts n nodes. Without PostgreSQL the test is skipped
// (failed under HUDDLE_REQUIRE_POSTGRES=1), as pgtest says.
func StartCluster(t testing.TB, n int, opts ...Option) *Cluster {
	t.Helper()
	c := &Cluster{DSN: pgtest.DSN(t)}
	c.NATS, c.NATSURL = StartNATS(t)
	dir := t.TempDir() // one data folder: the nodes share the key file
	addrs := make([]string, n)
	for i := range n {
		c.Nodes = append(c.Nodes, c.startNode(t, dir, fmt.Sprintf("node%d", i+1), opts))
		addrs[i] = c.Nodes[i].Addr
	}
	c.Balancer = StartBalancer(t, addrs...)
	c.URL = "ws://" + c.Balancer.Addr() + "/ws"
	return c
}

// asServer is the cluster as StartServer returns it (InCluster).
func (c *Cluster) asServer() *Server {
	return &Server{Server: c.Nodes[0].Server, URL: c.URL, Addr: c.Balancer.Addr(), DataDir: c.Nodes[0].DataDir, cluster: c}
}

// NodeAddrs are the address of every node: the server's own, or each of
// the cluster's (for what each process counts, as /metrics).
func (s *Server) NodeAddrs() []string {
	if s.cluster == nil {
		return []string{s.Addr}
	}
	var out []string
	for _, n := range s.cluster.Nodes {
		out = append(out, n.Addr)
	}
	return out
}

// RelayBuffered is what every node holds of transfers.
func (s *Server) RelayBuffered() int64 {
	if s.cluster == nil {
		return s.Server.RelayBuffered()
	}
	var n int64
	for _, node := range s.cluster.Nodes {
		n += node.Server.RelayBuffered()
	}
	return n
}

// restart stops every node and starts them again on the same store and
// NATS, behind the same balancer: the cluster restarted.
func (c *Cluster) restart(t testing.TB, opts []Option) *Server {
	t.Helper()
	dir := c.Nodes[0].DataDir
	for _, n := range c.Nodes {
		n.Stop(t)
	}
	addrs := make([]string, len(c.Nodes))
	for i := range c.Nodes {
		c.Nodes[i] = c.startNode(t, dir, fmt.Sprintf("node%d", i+1), opts)
		addrs[i] = c.Nodes[i].Addr
	}
	c.Balancer.setTargets(addrs)
	return c.asServer()
}

// StartNode adds a node to the cluster.
func (c *Cluster) StartNode(t testing.TB, name string, opts ...Option) *Server {
	t.Helper()
	s := c.startNode(t, c.Nodes[0].DataDir, name, opts)
	c.Nodes = append(c.Nodes, s)
	return s
}

func (c *Cluster) startNode(t testing.TB, dir, name string, opts []Option) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.OpenPostgres(ctx, c.DSN)
	if err != nil {
		t.Fatalf("open PostgreSQL: %v", err)
	}
	// opts last: a test may reach NATS its own way (through a Proxy, say).
	all := []Option{WithStore(st), func(cfg *server.Config) { cfg.NATS, cfg.Node = c.NATSURL, name }}
	return StartServerIn(t, dir, append(all, opts...)...)
}

// RestartNATS stops the nats-server and starts a new one, with nothing of
// the old (JetStream's state included), on the same port.
func (c *Cluster) RestartNATS(t testing.TB) {
	t.Helper()
	port := c.NATS.Addr().(*net.TCPAddr).Port
	c.NATS.Shutdown()
	c.NATS.WaitForShutdown()
	c.NATS = startNATS(t, port)
}

// StartNATS runs a nats-server with JetStream on a free loopback port
// until the test ends, and returns it with its client URL.
func StartNATS(t testing.TB) (*natsserver.Server, string) {
	t.Helper()
	ns := startNATS(t, -1)
	return ns, ns.ClientURL()
}

func startNATS(t testing.TB, port int) *natsserver.Server {
	t.Helper()
	ns, err := natsserver.NewServer(&natsserver.Options{
		Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: t.TempDir(),
		NoLog: true, NoSigs: true,
	})
	if err != nil {
		t.Fatalf("nats-server: %v", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server did not start")
	}
	t.Cleanup(func() { ns.Shutdown(); ns.WaitForShutdown() })
	return ns
}
