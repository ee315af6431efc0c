//go:build linux

package clustertest

import (
	"bufio"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Nodes is how many `huddle serve` nodes a cluster has: the three
// server lines of packaging/cluster/haproxy.cfg.
const Nodes = 3

// Cluster is nats-server, PostgreSQL, Nodes nodes and HAProxy, each a real
// process, in a scratch folder removed when the test ends.
type Cluster struct {
	URL                  string // ws://HAProxy/ws: where clients connect
	Nodes                []*Node
	dir                  string
	nats                 *proc
	pg                   *postgres
	lb                   *proc
	lbAdm                string // HAProxy's admin socket
	natsURL, natsMonitor string
}

// Node is one `huddle serve`.
type Node struct {
	Name string
	Addr string // its client listener, which HAProxy forwards to
	p    *proc
}

// Options shape a cluster.
type Options struct {
	// Grace is the nodes' --grace: how long a dropped user's session is
	// kept for a resume. Zero: the default (20 s).
	Grace time.Duration
	// NodeTimeouts are the nodes' --node-timeout, by index; zero or
	// missing: the default (server.NodeTimeout).
	NodeTimeouts []time.Duration
}

// Start runs a cluster and stops it when the test ends. Nodes are started
// in order: the first to serve an application is its home.
func Start(t testing.TB, o Options) *Cluster {
	t.Helper()
	natsServer, haproxy, pgBin := requireTools(t)
	huddle := huddleBinary(t)
	dir, err := os.MkdirTemp("", "huddle-clustertest-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{dir: dir}
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			t.Log(c.logs())
		}
		os.RemoveAll(dir)
	})

	natsPort, monPort := freePort(t), freePort(t)
	c.natsURL, c.natsMonitor = "nats://"+addr(natsPort), "http://"+addr(monPort)
	c.nats = newProc(dir, "nats-server", natsServer, "-a", "127.0.0.1", "-p", strconv.Itoa(natsPort),
		"-m", strconv.Itoa(monPort), "--server_name", "clustertest", "-js", "-sd", filepath.Join(dir, "jetstream"))
	c.StartNATS(t)

	c.pg = startPostgres(t, pgBin, dir)

	// One server.key, the same file in every node's data folder
	// (docs/cluster.md): JWT secrets sealed by one node open on the others.
	key := make([]byte, 32)
	rand.Read(key)
	for i := range Nodes {
		n := &Node{Name: fmt.Sprintf("node%d", i+1), Addr: addr(freePort(t))}
		data := filepath.Join(dir, n.Name)
		if err := os.MkdirAll(data, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(data, "server.key"), key, 0o600); err != nil {
			t.Fatal(err)
		}
		args := []string{huddle, "serve", "--addr", n.Addr, "--data", data, "--metrics-addr", "off",
			"--nats", c.natsURL, "--postgres", c.pg.DSN, "--node", n.Name,
			// Every client comes from 127.0.0.1 (HAProxy's address).
			"--conns-per-ip", "1000000", "--login-rate-per-ip", "1000000"}
		if o.Grace > 0 {
			args = append(args, "--grace", o.Grace.String())
		}
		if i < len(o.NodeTimeouts) && o.NodeTimeouts[i] > 0 {
			args = append(args, "--node-timeout", o.NodeTimeouts[i].String())
		}
		n.p = newProc(dir, n.Name, args...)
		c.Nodes = append(c.Nodes, n)
	}
	app := exec.Command(huddle, "app", "add", "--postgres", c.pg.DSN, "--data", filepath.Join(dir, "node1"),
		"--id", "demo", "--secret", "demo")
	if out, err := app.CombinedOutput(); err != nil {
		t.Fatalf("huddle app add: %v\n%s", err, out)
	}
	for _, n := range c.Nodes {
		c.StartNode(t, n)
	}

	lbPort := freePort(t)
	c.URL = "ws://" + addr(lbPort) + "/ws"
	c.lbAdm = filepath.Join(dir, "haproxy.sock")
	admin := filepath.Join(dir, "haproxy-admin.cfg")
	if err := os.WriteFile(admin, []byte("global\n\tstats socket "+c.lbAdm+" mode 600 level admin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c.lb = newProc(dir, "haproxy", haproxy, "-db", "-f", haproxyCfg(t), "-f", admin)
	c.lb.env = []string{"HUDDLE_LB_ADDR=" + addr(lbPort), "HUDDLE_LB_STATS_ADDR=" + addr(freePort(t))}
	for i, n := range c.Nodes {
		c.lb.env = append(c.lb.env, fmt.Sprintf("HUDDLE_NODE%d_ADDR=%s", i+1, n.Addr))
	}
	c.lb.start(t)
	c.lb.waitOK(t, "http://"+addr(lbPort)+"/readyz")
	c.AwaitUp(t, c.Nodes...)
	return c
}

// StartNATS starts nats-server (again, on the same port and JetStream
// folder) and waits until JetStream is up.
func (c *Cluster) StartNATS(t testing.TB) {
	t.Helper()
	c.nats.start(t)
	c.nats.waitOK(t, c.natsMonitor+"/healthz?js-enabled-only=true")
}

// KillNATS ends nats-server with kill -9.
func (c *Cluster) KillNATS(t testing.TB) { c.nats.kill9(t) }

// StopPostgres shuts PostgreSQL down (fast: connections cut); StartPostgres
// starts it again on the same data.
func (c *Cluster) StopPostgres()              { c.pg.stop() }
func (c *Cluster) StartPostgres(t testing.TB) { c.pg.start(t) }

// StartNode starts n (again) and waits until it is ready.
func (c *Cluster) StartNode(t testing.TB, n *Node) {
	t.Helper()
	n.p.start(t)
	n.p.waitOK(t, "http://"+n.Addr+"/readyz")
}

// Kill9 ends n with kill -9: its clients' connections are reset, the
// other nodes hear nothing more from it.
func (n *Node) Kill9(t testing.TB) { n.p.kill9(t) }

// Pause stops n (SIGSTOP) as a VM pause, a long swap or GC stall would:
// its sockets stay open, it does nothing at all until Continue.
func (n *Node) Pause(t testing.TB) { n.p.signal(t, syscall.SIGSTOP) }

// Continue wakes n up after Pause (SIGCONT).
func (n *Node) Continue(t testing.TB) { n.p.signal(t, syscall.SIGCONT) }

// Ready tells whether n's /readyz answers 200 now.
func (n *Node) Ready() bool { return pollOnce("http://" + n.Addr + "/readyz") }

// Place sends the next connections to n only (the others drained in
// HAProxy) until Unplace: tests put users on the nodes they need.
func (c *Cluster) Place(t testing.TB, n *Node) {
	t.Helper()
	c.admin(t, "set server nodes/"+n.Name+" state ready") // first: never none
	for _, o := range c.Nodes {
		if o != n {
			c.admin(t, "set server nodes/"+o.Name+" state drain")
		}
	}
}

// Unplace lets HAProxy balance over every node again.
func (c *Cluster) Unplace(t testing.TB) {
	t.Helper()
	for _, o := range c.Nodes {
		c.admin(t, "set server nodes/"+o.Name+" state ready")
	}
}

// AwaitUp waits until HAProxy's health checks have marked nodes up.
func (c *Cluster) AwaitUp(t testing.TB, nodes ...*Node) {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for {
		states := c.serverStates(t)
		up := 0
		for _, n := range nodes {
			if strings.HasPrefix(states[n.Name], "UP") {
				up++
			}
		}
		if up == len(nodes) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("HAProxy did not mark the nodes up within %v: %v", readyTimeout, states)
		}
		<-time.After(100 * time.Millisecond) // HAProxy checks each second
	}
}

// serverStates is HAProxy's view of each node: UP, DOWN, MAINT...
func (c *Cluster) serverStates(t testing.TB) map[string]string {
	t.Helper()
	out := c.admin(t, "show stat")
	states := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		if len(f) > 17 && f[0] == "nodes" && strings.HasPrefix(f[1], "node") {
			states[f[1]] = f[17]
		}
	}
	return states
}

// admin sends one command to HAProxy's admin socket and returns its answer.
func (c *Cluster) admin(t testing.TB, cmd string) string {
	t.Helper()
	conn, err := net.Dial("unix", c.lbAdm)
	if err != nil {
		t.Fatalf("HAProxy admin socket: %v", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(cmd + "\n")); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	sc := bufio.NewScanner(conn)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		b.WriteString(sc.Text() + "\n")
	}
	return b.String()
}

func (c *Cluster) stop() {
	if c.lb != nil {
		c.lb.stop(5 * time.Second)
	}
	var wg sync.WaitGroup
	for _, n := range c.Nodes {
		wg.Go(func() { n.p.stop(15 * time.Second) })
	}
	wg.Wait()
	if c.pg != nil {
		c.pg.stop()
	}
	if c.nats != nil {
		c.nats.stop(5 * time.Second)
	}
}

func (c *Cluster) logs() string {
	var b strings.Builder
	for _, p := range c.procs() {
		b.WriteString(p.tail() + "\n")
	}
	return b.String()
}

func (c *Cluster) procs() []*proc {
	ps := []*proc{c.nats}
	if c.pg != nil {
		ps = append(ps, c.pg.p)
	}
	for _, n := range c.Nodes {
		ps = append(ps, n.p)
	}
	if c.lb != nil {
		ps = append(ps, c.lb)
	}
	return ps
}

// haproxyCfg is packaging/cluster/haproxy.cfg: the tests run the file
// that ships.
func haproxyCfg(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", "packaging", "cluster", "haproxy.cfg")
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

var (
	buildOnce sync.Once
	built     string
	buildErr  error
)

// EnvBin names a huddle binary to run instead of building this tree's
// (a release, or a build of another tree).
const EnvBin = "HUDDLE_CLUSTERTEST_BIN"

// huddleBinary builds the headless huddle once per test process, into a
// folder removed by TestMain.
func huddleBinary(t testing.TB) string {
	t.Helper()
	if b := os.Getenv(EnvBin); b != "" {
		return b
	}
	buildOnce.Do(func() {
		built = filepath.Join(binDir, "huddle")
		cmd := exec.Command("go", "build", "-tags", "nogui", "-o", built, "huddle")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build huddle: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built
}

// binDir holds the built binary; TestMain makes and removes it.
var binDir string

// Stop stops n as an operator or systemd would (SIGTERM), waiting for it
// to finish its shutdown.
func (n *Node) Stop() { n.p.stop(readyTimeout) }
