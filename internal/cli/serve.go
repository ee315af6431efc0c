// Package cli holds Huddle's sub-commands; main.go only dispatches to them.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"huddle/internal/buildinfo"
	"huddle/server"
	"huddle/server/store"
)

// DefaultAddr is where `huddle serve` listens and the desktop app looks.
const DefaultAddr = "127.0.0.1:7090"

// DefaultDataDir is the per-user folder the server keeps its data in.
func DefaultDataDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "huddle", "server")
}

// serveOptions are `huddle serve`'s flags.
type serveOptions struct {
	addr, data, cert, key, origins string
	postgres                       string
	nats, node                     string // cluster: NATS URL and this node's name
	metricsAddr                    string // "" (main listener if loopback), an address, or metricsOff
	web                            string // folder of pages served at /, or ""
	turnAddr, publicIPs            string // voice: TURN listener, announced addresses
	demo                           bool
	cpuProfile                     string // write a CPU profile here until shutdown
	grace                          time.Duration
	nodeTimeout                    time.Duration // cluster: how long a silent node is taken for alive
	limits                         server.Limits
}

// parseServe reads the flags, each also settable by its environment
// variable (flags.go).
func parseServe(args []string) (serveOptions, error) {
	var o serveOptions
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&o.addr, "addr", DefaultAddr, "listen address")
	fs.StringVar(&o.data, "data", DefaultDataDir(), "data folder (the key file; the database too without -postgres)")
	fs.StringVar(&o.postgres, "postgres", "", postgresUsage)
	fs.StringVar(&o.nats, "nats", "", "URL of the NATS server(s) (JetStream on) joining this server to a cluster of nodes, e.g. nats://127.0.0.1:4222; needs -postgres, shared by every node (docs/cluster.md)")
	fs.StringVar(&o.node, "node", "", "this node's name in the cluster: unique, letters, digits, '-' or '_' (default: host name and -addr's port)")
	fs.DurationVar(&o.nodeTimeout, "node-timeout", server.NodeTimeout, fmt.Sprintf("cluster: how long another node may stay silent before this one takes it for dead (%v to %v; the same on every node; longer spares loaded nodes false deaths, shorter moves a dead node's applications sooner: docs/cluster.md)", server.MinNodeTimeout, server.MaxNodeTimeout))
	fs.StringVar(&o.cert, "tls-cert", "", "TLS certificate file; with -tls-key serves wss://")
	fs.StringVar(&o.key, "tls-key", "", "TLS key file")
	fs.StringVar(&o.metricsAddr, "metrics-addr", "", `address of a separate listener for /metrics, /healthz and /readyz (e.g. 127.0.0.1:7091); "off" for no /metrics; empty: /metrics beside /ws if -addr is loopback, else nowhere`)
	fs.StringVar(&o.origins, "allowed-origins", "", "comma-separated browser origins allowed besides this server's own host, e.g. https://chat.example.com")
	fs.StringVar(&o.web, "web", "", "folder of web pages to serve at / beside /ws (index.html for folders; no listings, hidden files or symlinks out of it)")
	fs.StringVar(&o.turnAddr, "turn-addr", "", "address of the embedded TURN/STUN server for voice, UDP and TCP (e.g. :3478); empty: none")
	fs.StringVar(&o.publicIPs, "public-ip", "", "comma-separated public addresses of this machine, announced for voice and TURN relays when it sits behind a 1:1 NAT")
	fs.BoolVar(&o.demo, "demo", false, `create application "demo" with secret "demo" if missing (loopback -addr only; for trying Huddle out)`)
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the server here, from start to shutdown (go tool pprof; huddle bench --server-cpuprofile)")
	fs.DurationVar(&o.grace, "grace", 20*time.Second, "how long a dropped user keeps calls and meetings while reconnecting")
	def := server.DefaultLimits()
	fs.IntVar(&o.limits.ConnsPerIP, "conns-per-ip", def.ConnsPerIP, "simultaneous connections from one IP address (raise behind a reverse proxy)")
	fs.Float64Var(&o.limits.LoginRatePerIP, "login-rate-per-ip", def.LoginRatePerIP, "logins per second from one IP address (raise behind a reverse proxy)")
	fs.Float64Var(&o.limits.LoginRatePerApp, "login-rate-per-app", def.LoginRatePerApp, "logins per second into one application")
	fs.Float64Var(&o.limits.MsgRate, "msg-rate", def.MsgRate, "control messages per second one connection may send")
	fs.IntVar(&o.limits.MeetingsPerCreator, "meetings-per-creator", def.MeetingsPerCreator, "meetings one user may have at once")
	fs.IntVar(&o.limits.RoomMembers, "room-members", def.RoomMembers, "users in one meeting at once")
	fs.DurationVar(&o.limits.MeetingIdleExpiry, "meeting-idle-expiry", def.MeetingIdleExpiry, "how long a meeting nobody is in lasts before the server destroys it")
	if err := parseWithEnv(fs, args); err != nil {
		return o, err
	}
	if (o.cert == "") != (o.key == "") {
		return o, errors.New("give both -tls-cert and -tls-key, or neither")
	}
	if o.nats != "" && o.postgres == "" {
		return o, errors.New("-nats needs -postgres: a cluster's nodes share one store")
	}
	if o.nodeTimeout < server.MinNodeTimeout || o.nodeTimeout > server.MaxNodeTimeout {
		return o, fmt.Errorf("-node-timeout %v: give %v to %v", o.nodeTimeout, server.MinNodeTimeout, server.MaxNodeTimeout)
	}
	if o.node != "" && o.nats == "" {
		return o, errors.New("-node names a node of a cluster: give -nats too")
	}
	if o.nats != "" && o.node == "" {
		_, port, err := net.SplitHostPort(o.addr)
		if err != nil {
			return o, fmt.Errorf("-addr: %w", err)
		}
		o.node = server.DefaultNodeName(port)
	}
	return o, nil
}

// Serve runs `huddle serve`.
func Serve(args []string) error {
	o, err := parseServe(args)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var st store.Store // nil: the server opens SQLite in the data folder
	if o.postgres != "" {
		if st, err = openStore(o.postgres, o.data, true); err != nil {
			return err
		}
	}
	srv, err := server.New(server.Config{
		DataDir: o.data, Store: st, Demo: o.demo, Version: buildinfo.String(), Logger: log,
		AllowedOrigins: server.ParseOrigins(o.origins), GracePeriod: o.grace, Limits: o.limits,
		MetricsElsewhere: o.metricsAddr != "", WebDir: o.web, NATS: o.nats, Node: o.node, NodeTimeout: o.nodeTimeout,
		Media: server.MediaConfig{TURNAddr: o.turnAddr, PublicIPs: splitList(o.publicIPs)},
	})
	if err != nil {
		if st != nil {
			st.Close()
		}
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	if o.metricsAddr != "" && o.metricsAddr != metricsOff {
		ops, err := serveOps(srv, o.metricsAddr, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer ops.Close() // after Shutdown: /readyz says 503 while it runs
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		if o.cert != "" {
			errc <- srv.ServeTLS(ln, o.cert, o.key)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// metricsOff as --metrics-addr serves /metrics nowhere.
const metricsOff = "off"

// serveOps serves /metrics, /healthz and /readyz on a listener of their
// own, which an operator keeps off the public network (docs/security.md).
func serveOps(srv *server.Server, addr string, log *slog.Logger) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener: %w", err)
	}
	ops := &http.Server{Handler: srv.OpsHandler(), ReadHeaderTimeout: 10 * time.Second}
	go ops.Serve(ln)
	log.Info("metrics listening", "url", "http://"+ln.Addr().String()+"/metrics")
	return ops, nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
