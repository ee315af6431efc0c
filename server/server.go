// Package server is Huddle's server: applications, users, presence and
// (in the files beside this one) meetings, calls and data relay, spoken over
// WebSocket as docs/protocol.md describes.
//
// State is partitioned by application: each has its own calls, invites
// and meetings (appCalls) and its own presence (appPresence), so one
// application's load never waits for another's locks.
//
// Lock order, outermost first: Server.mu, then appCalls.mu, then
// appPresence.fanMu, then appPresence.mu, then parked.mu, then replay.mu,
// then conn.qmu, then conn.bulkMu. An appCalls.mu is held while pushing
// call events and setting statuses so both arrive in the order of the
// calls' state; nothing under presence calls back into calls. A status
// change may wait (under its application's appCalls.mu) for a fan-out round
// of the same application that another goroutine leads; a round takes only
// presence, replay and conn locks and its Sends never block, so it always
// finishes. No lock is held across a store read or write: users and
// meetings are read outside every lock (memPresence.app, calls.loaded).
// Pushes (Peer.Send: replay.mu, then qmu) happen under any of the outer
// locks; the write loop takes bulkMu inside qmu to keep control ahead of
// data. Leaves, under which nothing else is locked (but timers.mu):
// memRouter.mu, guard.mu, a transfer's mu and a conn's relayIndex.mu (the
// relay never holds two of them; transfer.go). Applications and transfers are found in
// sync.Maps, not under a server-wide lock.
// Parking and resuming a session (grace.go) hold the application's
// appCalls.mu around the router and presence changes so no call push slips
// in between; a push to a session takes parked.mu (if parked), then
// replay.mu, then conn.qmu of the connection it is queued on. timers.mu
// (timers.go) is innermost: taken under any of the others, it takes none
// and calls nothing.
// A conn's other fields are owned by its read loop (for a session whose
// client is on another cluster node, the edgeLink's runner, remote.go);
// everyone else talks to it through Send (and the relay through sendBulk).
// In a cluster, cluster.mu and an edgeLink's mu are leaves too: taken
// under none of the above but a conn's close (which wakes the runner), and
// nothing is called under them; so is an appState's mu (resumestate.go),
// taken under appCalls.mu and replay.mu; its write round takes appCalls.mu
// alone, and a write loop waits for a round holding nothing; NATS delivers frames from other nodes on
// its own goroutine, which only queues them (cluster.go).
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sync/singleflight"

	"huddle/protocol"
	"huddle/server/store"
	"huddle/web"
)

// Config sets up a Server. Only DataDir is required.
type Config struct {
	// DataDir holds the database and the key file; created if missing.
	DataDir string
	// Store replaces the SQLite store in DataDir (tests, other databases).
	Store store.Store
	// Limits; zero fields take DefaultLimits.
	Limits Limits
	// HashCost is the bcrypt cost for application secrets (tests lower it).
	HashCost int
	// CallTimeout is how long a call or invite rings before it ends as
	// unanswered (604); default 30 s.
	CallTimeout time.Duration
	// AllowedOrigins are the browser origins (e.g. "https://chat.example.com",
	// or "*") allowed to open a WebSocket besides this server's own host;
	// clients that send no Origin (native apps) are always allowed.
	AllowedOrigins []string
	// GracePeriod is how long a user whose connection dropped keeps their
	// calls, meetings and online status, waiting to sign in again; default
	// 20 s, negative for none.
	GracePeriod time.Duration
	// Demo makes sure the demo application (DemoAppID, DemoAppSecret)
	// exists, for the desktop app's built-in server, ./run.sh and tests.
	// Never on by default: a loopback server may sit behind a reverse proxy
	// (docs/security.md). Serve refuses a listener that is not loopback.
	Demo bool
	// MetricsElsewhere keeps /metrics off the main listener: the caller
	// serves OpsHandler on a listener of its own (huddle serve
	// --metrics-addr), or nowhere. Otherwise a loopback listener serves
	// /metrics beside /ws, and any other never does (docs/security.md).
	MetricsElsewhere bool
	// WebDir, if set, is a folder of web pages served at / beside /ws
	// (huddle serve --web; web.Site says what it refuses).
	WebDir string
	// NATS, if set, is the URL of the NATS server(s) through which this
	// server is one node of a cluster (cluster.go; JetStream must be on).
	// The nodes must share Store and the key file. Empty: a server alone.
	NATS string
	// Node names this node in the cluster: unique, 1-64 letters, digits,
	// '-' or '_'. Default: the host name and a random suffix.
	Node string
	// NodeTimeout is how long another node may stay silent before this one
	// takes it for dead (cluster.go); zero: NodeTimeout (3 s). Give every
	// node the same.
	NodeTimeout time.Duration
	// Media configures the voice SFU's and TURN's network side.
	Media MediaConfig
	// Version is reported to clients in the hello reply.
	Version string
	Logger  *slog.Logger
}

// MediaConfig is where voice travels (server/sfu.go, server/turn.go).
type MediaConfig struct {
	// PublicIPs are the addresses clients reach this server's media at,
	// when it sits behind a 1:1 NAT; empty uses its interfaces' addresses.
	PublicIPs []string
	// PortMin and PortMax bound the UDP ports of media connections (for a
	// firewall); zero for any port.
	PortMin, PortMax uint16
	// TURNAddr, if set, is where the embedded TURN/STUN server listens,
	// UDP and TCP (huddle serve --turn-addr; server/turn.go).
	TURNAddr string
}

// Server is one Huddle server process.
type Server struct {
	cfg        Config
	log        *slog.Logger
	store      store.Store
	apps       *appCache // the applications logins read, kept appCacheTTL
	key        []byte
	router     Router
	presence   Presence
	calls      *calls
	sfu        *sfu
	direct     *directMetrics
	turn       *turnServer // nil without Config.Media.TURNAddr
	guard      *guard
	relay      relay
	metrics    *metrics
	cluster    *cluster           // nil for a server alone
	verified   sync.Map           // app ID → verifiedPassword: the last password bcrypt accepted
	bcryptOnce singleflight.Group // one bcrypt at a time per app and password

	upgrader websocket.Upgrader
	ready    atomic.Bool
	site     *web.Site // Config.WebDir's pages, or nil

	mu       sync.Mutex
	conns    map[*conn]struct{}
	closing  bool
	sessions sync.WaitGroup
	httpSrv  *http.Server
	writers  *writers

	// beforePark, if set (tests), runs after a connection's read loop has
	// ended and before its session is parked.
	beforePark func(*conn)
	timers     *timers // ring, grace, meeting-expiry and SendCmd timers, stopped at Shutdown
}

// New opens the store and prepares a server; call Serve to accept clients.
func New(cfg Config) (*Server, error) {
	cfg.Limits = withDefaults(cfg.Limits)
	if cfg.HashCost == 0 {
		cfg.HashCost = bcrypt.DefaultCost
	}
	if cfg.GracePeriod == 0 {
		cfg.GracePeriod = 20 * time.Second
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 30 * time.Second
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data folder: %w", err)
	}
	key, err := loadOrCreateKey(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	var site *web.Site
	if cfg.WebDir != "" {
		if site, err = web.NewSite(cfg.WebDir); err != nil {
			return nil, err
		}
	}
	st := cfg.Store
	if st == nil {
		if st, err = store.OpenSQLite(filepath.Join(cfg.DataDir, "huddle.db")); err != nil {
			if site != nil {
				site.Close()
			}
			return nil, err
		}
	}
	s := &Server{
		cfg:   cfg,
		log:   cfg.Logger,
		store: st,
		apps:  newAppCache(st),
		key:   key,
		site:  site,
		conns: make(map[*conn]struct{}),
	}
	s.metrics = newMetrics()
	s.relay.metrics = s.metrics
	if cfg.NATS != "" {
		// First: it fits the limits to NATS's message size.
		if s.cluster, err = joinCluster(s, &s.cfg); err != nil {
			st.Close()
			if site != nil {
				site.Close()
			}
			return nil, err
		}
		cfg = s.cfg
	}
	s.router = newMemRouter()
	mp := newMemPresence(st, cfg.Limits)
	mp.metrics = s.metrics
	s.presence = mp
	s.calls = newCalls(s)
	s.direct = newDirectMetrics(s.metrics.reg)
	if s.sfu, err = newSFU(s); err == nil && cfg.Media.TURNAddr != "" {
		s.turn, err = startTURN(s)
	}
	if err != nil {
		if s.cluster != nil {
			s.cluster.close()
		}
		st.Close()
		if site != nil {
			site.Close()
		}
		return nil, err
	}
	s.writers = newWriters(writerIdle)
	s.timers = newTimers()
	s.guard = newGuard(cfg.Limits)
	// Buffers are most of an idle connection's memory. ReadBufferSize 0
	// reuses the 4 KB reader net/http already has; writes borrow a buffer
	// from the pool only while a frame is being written (docs/performance.md).
	s.upgrader = websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 32 << 10, WriteBufferPool: &sync.Pool{}, CheckOrigin: s.checkOrigin}
	if cfg.Demo {
		// Before Serve, so a client or a test adding its own applications
		// never races it.
		if err := s.ensureDemoApp(); err != nil {
			if s.cluster != nil {
				s.cluster.close()
			}
			st.Close()
			if site != nil {
				site.Close()
			}
			return nil, err
		}
	}
	return s, nil
}

// Handler serves /ws (the protocol), the browser SDK at web.SDKPath,
// /healthz and /readyz (health.go), and at / Config.WebDir's pages if set,
// else the web client; not /metrics (OpsHandler).
func (s *Server) Handler() http.Handler { return s.handler(false) }

func (s *Server) handler(withMetrics bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ws", s.serveWS)
	mux.HandleFunc(web.SDKPath, web.ServeSDK)
	s.handleOps(mux, withMetrics)
	if s.site != nil {
		// The folder gets what the server does not answer itself: /sdk/ and
		// /metrics stay the server's even where it serves nothing there.
		mux.Handle("/", s.site)
		mux.Handle("/sdk/", http.NotFoundHandler())
		if !withMetrics {
			mux.Handle("/metrics", http.NotFoundHandler())
		}
	} else {
		// No folder of its own: the web client built on the SDK.
		mux.Handle("/", web.ClientHandler())
	}
	return mux
}

// Serve accepts clients on ln until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	return s.serve(ln, "ws", func(h *http.Server) error { return h.Serve(ln) })
}

// ServeTLS is Serve over TLS with the given certificate and key files.
func (s *Server) ServeTLS(ln net.Listener, certFile, keyFile string) error {
	return s.serve(ln, "wss", func(h *http.Server) error { return h.ServeTLS(ln, certFile, keyFile) })
}

func (s *Server) serve(ln net.Listener, scheme string, run func(*http.Server) error) error {
	if tcp, ok := ln.Addr().(*net.TCPAddr); s.cfg.Demo && (!ok || !tcp.IP.IsLoopback()) {
		return fmt.Errorf("the demo application (secret %q) is for loopback only, not %s", DemoAppSecret, ln.Addr())
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return http.ErrServerClosed
	}
	tcp, _ := ln.Addr().(*net.TCPAddr)
	withMetrics := !s.cfg.MetricsElsewhere && tcp != nil && tcp.IP.IsLoopback()
	s.httpSrv = &http.Server{Handler: s.handler(withMetrics), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)} // TLS handshake failures and the like
	srv := s.httpSrv
	s.mu.Unlock()
	s.ready.Store(true)
	s.log.Info("huddle server listening", "addr", ln.Addr().String(), "url", scheme+"://"+ln.Addr().String()+"/ws")
	return run(srv)
}

func (s *Server) ensureDemoApp() error {
	err := s.AddApp(context.Background(), DemoAppID, DemoAppSecret, store.UserAuthNone)
	if errors.Is(err, store.ErrExists) {
		return nil
	}
	if err == nil {
		s.log.Info("created application \"demo\" with secret \"demo\", as asked (demo mode)")
	}
	return err
}

// Shutdown stops the server's timers and accepting, tells every client the
// server is going away, waits for their sessions to end (or ctx), and
// closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	s.ready.Store(false)
	s.mu.Lock()
	s.closing = true
	srv := s.httpSrv
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	s.calls.stopClocks() // no meeting expires into a closing store
	// Before the sessions end: a timer must not fire into a server going
	// away (a call ringing out, a parked session expiring), nor after it,
	// nor into the state a cluster home hands over.
	s.timers.stop()
	if s.cluster != nil {
		s.cluster.releaseHomes() // other nodes take the applications over now
	}

	var err error
	if srv != nil {
		err = srv.Shutdown(ctx)
	}
	for _, c := range conns {
		c.close(websocket.CloseGoingAway, "server shutting down")
	}
	s.sfu.closeAll()
	if s.turn != nil {
		err = errors.Join(err, s.turn.close())
	}
	waited := make(chan struct{})
	go func() { s.sessions.Wait(); s.writers.stop(); close(waited) }()
	select {
	case <-waited:
	case <-ctx.Done():
		err = errors.Join(err, ctx.Err())
	}
	if s.cluster != nil {
		s.cluster.close() // after the sessions: their ends are told to other nodes
	}
	if s.site != nil {
		s.site.Close() // a read-only folder: nothing to report
	}
	return errors.Join(err, s.store.Close())
}

func (s *Server) serveWS(w http.ResponseWriter, r *http.Request) {
	ip := clientIP(r)
	if !s.guard.openConn(ip) {
		http.Error(w, "too many connections from your address", http.StatusTooManyRequests)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.guard.closeConn(ip)
		return // the upgrader has answered the HTTP request
	}
	c := newConn(s, ws)
	c.ip = ip
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		s.guard.closeConn(ip)
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down"), time.Now().Add(time.Second))
		ws.Close()
		return
	}
	c.startPinging()
	s.conns[c] = struct{}{}
	s.sessions.Add(1)
	s.mu.Unlock()
	s.metrics.connections.Inc()
	go func() { defer s.sessions.Done(); c.readLoop() }()
}

// signIn makes c the user's session: recorded in the store, reachable
// through the router, online in presence, and answers the login (id). An
// older session of the same user is pushed off, unless c presents its
// resume token and the pushes after seq are still kept: then c takes that
// session over (grace.go).
func (s *Server) signIn(c *conn, app, user, nick, resume string, seq, id uint64) error {
	if _, err := s.store.TouchUser(context.Background(), app, user, nick, time.Now()); err != nil {
		return err
	}
	c.app, c.user, c.nick, c.loggedIn = app, user, nick, true
	c.token = newResumeToken()
	cs := s.calls.of(app)
	c.held.Store(cs.saved != nil)
	cs.mu.Lock()
	old, _ := s.router.Lookup(app, user)
	if old != nil && s.resume(c, old, resume, seq, id) {
		cs.mu.Unlock()
		return nil
	}
	// A new session. Pushes that come before the answer wait in its stream
	// and follow the answer.
	c.replay = newReplay(s.cfg.Limits)
	c.replay.saved, c.replay.sid = cs.saved, newResumeToken()
	replaced := s.router.Attach(app, user, c)
	cs.saveSession(user)
	cs.mu.Unlock()
	if replaced != nil {
		replaced.Kick(protocol.CloseKickedOut, "signed in elsewhere")
	}
	if err := s.presence.Online(app, user, nick, c); err != nil {
		return err
	}
	c.replay.deliverTo(c, 0, func() { c.reply(id, protocol.NoErr, protocol.LoginReply{User: user, Resume: c.token}) })
	return nil
}

// sessionEnded releases everything a closed connection held, or parks it
// for the grace period if its user may be back shortly.
func (s *Server) sessionEnded(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	if c.edge == nil { // a socket here (remote sessions have theirs elsewhere)
		s.metrics.connections.Dec()
		s.guard.closeConn(c.ip)
	}
	if c.home != nil {
		s.cluster.edgeEnded(c)
		return
	}
	if !c.loggedIn {
		return
	}
	if c.subscribed {
		s.presence.Unsubscribe(c.app, c)
	}
	s.relay.connEnded(c)
	if s.calls.handedOver(c.app) {
		return // its next home resumes it (cluster.releaseHomes)
	}
	if s.beforePark != nil {
		s.beforePark(c)
	}
	if s.parks(c) && s.park(c) {
		return
	}
	s.endSession(c.app, c.user, c)
}
