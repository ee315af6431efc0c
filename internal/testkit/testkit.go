// Package testkit starts real Huddle servers on loopback and drives real
// session clients for end-to-end tests.
package testkit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"huddle/server"
	"huddle/server/store"
	"huddle/session"
)

// WaitTimeout bounds every wait for an event; a test that hits it fails
// and prints what did arrive.
const WaitTimeout = 10 * time.Second

// Server is a running in-process server.
type Server struct {
	*server.Server
	URL     string // ws://127.0.0.1:port/ws
	Addr    string
	DataDir string
	done    chan error
	stopped bool
	cluster *Cluster // InCluster: the whole cluster, which Stop and Restart act on
}

// Option adjusts a test server's config.
type Option func(*server.Config)

// StartServer runs a server with the demo application on a free loopback port in a fresh data folder, and stops it when the test ends.
// With InCluster it is a cluster of two nodes behind a round-robin
// balancer: URL and Addr are the balancer's, Server is the first node's.
func StartServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	if InCluster {
		return StartCluster(t, 2, opts...).asServer()
	}
	return StartServerIn(t, t.TempDir(), opts...)
}

// StartSingle is one server even InCluster: for tests of what is per
// process (its metrics, per-address connection caps, its store object).
func StartSingle(t testing.TB, opts ...Option) *Server {
	t.Helper()
	return StartServerIn(t, t.TempDir(), opts...)
}

// StartServerIn is StartServer on an existing data folder (restart tests).
func StartServerIn(t testing.TB, dataDir string, opts ...Option) *Server {
	t.Helper()
	srv, err := server.New(testConfig(dataDir, opts))
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	return serveOn(t, srv, dataDir, "127.0.0.1:0")
}

func testConfig(dataDir string, opts []Option) server.Config {
	cfg := server.Config{
		DataDir:  dataDir,
		Demo:     true, // every test client signs in to demo/demo
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		HashCost: bcrypt.MinCost, // real hashing, minus seconds per test under -race
		// Every test client comes from 127.0.0.1: per-address limits sized
		// for an office behind one NAT would throttle the suite. Tests of
		// those limits set their own.
		Limits: server.Limits{LoginRatePerIP: 1e6, LoginBurst: 1e6, ConnsPerIP: 1e6, MaxFailedLogins: 1e6},
	}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

func serveOn(t testing.TB, srv *server.Server, dataDir, addr string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s := &Server{Server: srv, Addr: ln.Addr().String(), URL: "ws://" + ln.Addr().String() + "/ws", DataDir: dataDir, done: make(chan error, 1)}
	go func() { s.done <- srv.Serve(ln) }()
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// Restart stops the server and starts a new one on the same data folder and
// address, as an operator restarting it would; clients keep their URL.
func (s *Server) Restart(t testing.TB, opts ...Option) *Server {
	t.Helper()
	if s.cluster != nil {
		return s.cluster.restart(t, opts)
	}
	s.Stop(t)
	cfg := testConfig(s.DataDir, opts)
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatalf("restart server: %v", err)
	}
	return serveOn(t, srv, s.DataDir, s.Addr)
}

// Stop shuts the server down gracefully; safe to call twice.
func (s *Server) Stop(t testing.TB) {
	if s.cluster != nil {
		for _, n := range s.cluster.Nodes {
			n.Stop(t)
		}
		return
	}
	if s.stopped {
		return
	}
	s.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("shutdown: %v", err)
	}
	<-s.done
}

// Client is a session whose events are recorded so tests can wait for them.
type Client struct {
	*session.Session
	t      testing.TB
	mu     sync.Mutex
	events []session.Event
	used   []bool
	change chan struct{}
}

// NewClient makes a session against url (not yet logged in).
func NewClient(t testing.TB, url string, tweak ...func(*session.Config)) *Client {
	t.Helper()
	// Files arrive in the test's own folder: in the shared default one, a
	// sign-in of the same user in a test running in parallel (another
	// package's process) removes this one's partial files as a crash's.
	cfg := session.Config{ServerURL: url, TempDir: t.TempDir()}
	for _, f := range tweak {
		f(&cfg)
	}
	c := &Client{Session: session.New(cfg), t: t, change: make(chan struct{})}
	go func() {
		for ev := range c.Events() {
			c.mu.Lock()
			c.events = append(c.events, ev)
			c.used = append(c.used, false)
			close(c.change)
			c.change = make(chan struct{})
			c.mu.Unlock()
		}
	}()
	t.Cleanup(c.Close)
	return c
}

// Login signs a client in to the demo application as user (with nickname
// nick) and waits for success.
func Login(t testing.TB, url, user string) *Client {
	t.Helper()
	c := NewClient(t, url)
	c.Login(server.DemoAppID, server.PasswordFor(server.DemoAppSecret), "Nick "+user, user, "", "login")
	ok := Await[session.LoginSuccess](t, c, nil)
	if user != "" && ok.UsrID != user {
		t.Fatalf("logged in as %q, want %q", ok.UsrID, user)
	}
	return c
}

// Await waits for the first not-yet-awaited event of type T that match
// accepts (nil accepts any), marks it used and returns it.
func Await[T session.Event](t testing.TB, c *Client, match func(T) bool) T {
	t.Helper()
	deadline := time.After(WaitTimeout)
	for {
		c.mu.Lock()
		for i, ev := range c.events {
			if c.used[i] {
				continue
			}
			if e, ok := ev.(T); ok && (match == nil || match(e)) {
				c.used[i] = true
				c.mu.Unlock()
				return e
			}
		}
		change := c.change
		c.mu.Unlock()
		select {
		case <-change:
		case <-deadline:
			var zero T
			t.Fatalf("no %T within %v; events so far:\n%s", zero, WaitTimeout, c.Dump())
			return zero
		}
	}
}

// Changed is closed at the next event; for goroutines other than the test's
// that wait for events without failing the test (take it before looking).
func (c *Client) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.change
}

// Unused returns the events of type T not yet awaited.
func Unused[T session.Event](c *Client) []T {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []T
	for i, ev := range c.events {
		if e, ok := ev.(T); ok && !c.used[i] {
			out = append(out, e)
		}
	}
	return out
}

// All returns every event of type T received so far, awaited or not.
func All[T session.Event](c *Client) []T {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []T
	for _, ev := range c.events {
		if e, ok := ev.(T); ok {
			out = append(out, e)
		}
	}
	return out
}

// Dump lists the events received, for failure messages.
func (c *Client) Dump() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var b strings.Builder
	for i, ev := range c.events {
		fmt.Fprintf(&b, "  %d %T %+v (used=%v)\n", i, ev, ev, c.used[i])
	}
	return b.String()
}

// Sync makes a round trip to the server and waits for it: every push the
// server queued for this client before the round trip has arrived after it.
func Sync(t testing.TB, c *Client) {
	t.Helper()
	cookie := fmt.Sprintf("sync-%d", time.Now().UnixNano())
	c.GetUserStatus(cookie)
	Await[session.GetUserStatusSuccess](t, c, func(e session.GetUserStatusSuccess) bool { return e.Cookie == cookie })
}

// WithLimits adjusts a test server's limits.
func WithLimits(f func(*server.Limits)) Option {
	return func(c *server.Config) { f(&c.Limits) }
}

// WithStore runs the server on st instead of SQLite in its data folder. The
// server closes its store when it stops: a Restart needs a new one (on the
// same database, for a restart test).
func WithStore(st store.Store) Option {
	return func(c *server.Config) { c.Store = st }
}

// Pump hands f every event of c, those already received and those to
// come, in order, on a goroutine of its own, until the test ends; events f
// takes (returns true) are marked awaited. For code that consumes a
// session's events itself (media.Call) beside a test that awaits others.
func Pump(t testing.TB, c *Client, f func(session.Event) bool) {
	stop := make(chan struct{})
	done := make(chan struct{})
	t.Cleanup(func() { close(stop); <-done })
	go func() {
		defer close(done)
		next := 0
		for {
			c.mu.Lock()
			var batch []session.Event
			first := next
			batch = append(batch, c.events[next:]...)
			next = len(c.events)
			change := c.change
			c.mu.Unlock()
			for i, ev := range batch {
				if f(ev) {
					c.mu.Lock()
					c.used[first+i] = true
					c.mu.Unlock()
				}
			}
			select {
			case <-change:
			case <-stop:
				return
			}
		}
	}()
}
