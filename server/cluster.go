package server

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/singleflight"

	"huddle/protocol"
)

// A cluster is several servers (nodes) joined through NATS, sharing one
// store (PostgreSQL), usually behind a load balancer. docs/cluster.md,
// "Inside a cluster", describes the subjects and messages.
//
// Each application has one home node at a time, holding its live state:
// presence, calls, invites, the meeting cache, transfers, parked sessions
// and the login limits. A client may connect to any node: when it signs in
// to an application homed elsewhere, its node (the edge) opens a session
// on the home and from then on only carries frames: the client's frames to
// the home, the home's frames to the client. On the home the session is a
// conn like any other (remote.go), so every function behaves exactly as on
// a single server, whichever nodes the users are on, and every limit that
// defends an application (login rate, failed-login lock-out, subscriber
// cap) is cluster-wide by construction. Per-address connection caps stay
// per node: the edge counts sockets.
//
// Who is home is a lease in JetStream KV (bucket homesBucket, key: the
// application): created by the first node that needs it, renewed every
// homeRenew by its holder, gone homeTTL after the holder stops renewing,
// or taken over at once from a node that stopped sending heartbeats.
// Nodes heartbeat on aliveSubject; a node silent for NodeTimeout is dead:
// edges close the clients it was home for (they sign in again and land on
// a new home, which read the application's live state from JetStream:
// resumestate.go, so they resume) and homes close the sessions whose edge
// it was (they are parked for the grace period and resume through another
// node). A node taken for dead that was not (paused, or starved on a
// loaded machine) finds out and joins again as a new instance (rejoin).

// Cluster timings.
const (
	// NodeTimeout is how long a node may stay silent before the others
	// take it for dead, unless Config.NodeTimeout says otherwise; within
	// MinNodeTimeout and MaxNodeTimeout. Longer spares a loaded node being
	// taken for dead (and its clients a reconnect); shorter moves the
	// applications of a node killed sooner, and a client of a killed node
	// that does not come back shows offline NodeTimeout after its grace
	// (the bound: 10 s).
	NodeTimeout    = 3 * time.Second
	MinNodeTimeout = 2 * heartbeat
	MaxNodeTimeout = 8 * time.Second
	heartbeat      = time.Second
	homeTTL        = 5 * time.Second // a lease nobody renews lasts this long
	homeRenew      = time.Second
	// natsTimeout bounds one request to NATS or JetStream.
	natsTimeout = 2 * time.Second
)

// Subjects and the lease bucket.
const (
	nodeSubjectPrefix = "huddle.node."     // + node name: frames for that node
	aliveSubject      = "huddle.alive"     // heartbeats: "node instance"
	askSubject        = "huddle.homes.ask" // who is home of an application? (payload: its ID)
	deadSubject       = "huddle.dead"      // "node instance": you were taken for dead (heard from a dead instance)
	leavingSubject    = "huddle.leaving"   // "node instance": it shuts down; its leases are about to be given back
	homesBucket       = "huddle_homes"
)

// cluster is this node's part of a cluster.
//
// Lock order: cluster.mu is a leaf; nothing is called while it is held.
// A conn's home or edge link is set before the conn is put in edges or
// remotes (under mu) and never changes after.
type cluster struct {
	srv     *Server
	node    string
	me      atomic.Pointer[identity] // changed (under mu) by rejoin alone
	timeout time.Duration            // NodeTimeout or Config.NodeTimeout
	subject string                   // where the others reach this node
	nc      *nats.Conn               // frames, leases, questions
	beats   *nats.Conn               // heartbeats alone
	kv      jetstream.KeyValue       // under mu: bucket()
	// Where homes write their applications' state (resumestate.go); under
	// mu: jetStream().
	js       jetstream.JetStream
	resumeKV jetstream.KeyValue
	pushes   jetstream.Stream
	takes    singleflight.Group // finding or taking an application's home, by application
	found    homeCache          // other nodes' leases, as logins here found them
	log      *slog.Logger
	started  time.Time
	// When the loop last ran (since started, ns): a node whose loop did
	// not run for the timeout may be taken for dead, and writes nothing
	// as a home until it knows (stoodStill).
	ticked atomic.Int64
	// When the link to NATS last broke and came back (unix ns): after a
	// NATS restart every node needs a moment to make its leases again.
	downAt, upAt atomic.Int64

	mu      sync.Mutex
	homes   map[string]uint64   // applications homed here → the lease's KV revision
	alive   map[string]nodeSeen // other nodes by name
	edges   map[uint64]*conn    // clients here whose session lives on another node
	remotes map[uint64]*conn    // sessions here whose client is on another node
	dead    map[string]struct{} // node instances found dead (their late frames are refused)
	frames  sync.Map            // a node's subject → when it last sent a frame here (*atomic.Int64, unix ns)
	links   sync.Map            // a node's subject → *nodeLink, the frames on their way there
	room    int                 // bytes of frames in one NATS message: its payload limit less the envelope
	stop    chan struct{}       // closed by releaseHomes: the loop ends
	wg      sync.WaitGroup
	release sync.Once
	leave   sync.Once
}

// identity is this node's instance: random per process, and new when the
// node joins again after being taken for dead (rejoin), so that the
// others tell it from the instance they buried.
type identity struct {
	instance string
	value    []byte // "node instance": heartbeats, lease values
}

func (cl *cluster) newIdentity() {
	var b [8]byte
	rand.Read(b[:])
	inst := hex.EncodeToString(b[:])
	cl.me.Store(&identity{inst, []byte(cl.node + " " + inst)})
}

// self is this node's instance now.
func (cl *cluster) self() *identity { return cl.me.Load() }

type nodeSeen struct {
	instance string
	at       time.Time
}

// envelopeLen is the trailer of every frame between nodes: its kind, then
// the session's number. A trailer, not a header: a frame whose buffer has
// room after it (a relayed chunk, read with that room) goes out without a
// copy (sendOwned), and one received leaves that room behind it for the
// next node.
const envelopeLen = 9

// Kinds of frames between nodes.
const (
	// edge → home
	kindOpen     byte = iota + 1 // a client signs in; payload: openPayload
	kindIn                       // a text frame from the client
	kindInBinary                 // a binary frame from the client
	kindClosed                   // the client's connection ended; payload: close code
	// home → edge
	kindOut       // a text frame for the client
	kindOutBinary // a binary frame for the client
	kindLoggedIn  // the login succeeded: the edge keeps the link alive on pings from now on
	kindClose     // close the client's connection; payload: close code, reason
	kindGone      // the home has no such session (it restarted, or lost the application)
	// either way
	kindBatch // several frames gathered (nodelink.go); payload: entries, each its length, frame and envelope
)

// validNodeName: the name is one NATS subject token.
func validNodeName(n string) bool {
	if n == "" || len(n) > 64 {
		return false
	}
	for _, r := range n {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

// DefaultNodeName is the host's name with port, made one subject token.
func DefaultNodeName(port string) string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "node"
	}
	n := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '-'
	}, host+"-"+port)
	return n[:min(len(n), 64)]
}

// joinCluster connects to NATS, opens the lease bucket and starts
// listening and heartbeating. It lowers cfg.Limits so that every frame
// fits in one NATS message.
func joinCluster(s *Server, cfg *Config) (*cluster, error) {
	if cfg.Node == "" {
		var b [4]byte
		rand.Read(b[:])
		cfg.Node = DefaultNodeName(hex.EncodeToString(b[:]))
	}
	if !validNodeName(cfg.Node) {
		return nil, fmt.Errorf("node name %q: use 1-64 letters, digits, '-' or '_'", cfg.Node)
	}
	timeout := cfg.NodeTimeout
	if timeout == 0 {
		timeout = NodeTimeout
	}
	if timeout < MinNodeTimeout || timeout > MaxNodeTimeout {
		return nil, fmt.Errorf("node timeout %v: give %v to %v", timeout, MinNodeTimeout, MaxNodeTimeout)
	}
	cl := &cluster{
		srv: s, node: cfg.Node, timeout: timeout, subject: nodeSubjectPrefix + cfg.Node,
		log: cfg.Logger.With("node", cfg.Node), started: time.Now(),
		homes: make(map[string]uint64), alive: make(map[string]nodeSeen),
		edges: make(map[uint64]*conn), remotes: make(map[uint64]*conn), dead: make(map[string]struct{}),
		stop: make(chan struct{}),
	}
	cl.newIdentity()
	nc, err := nats.Connect(cfg.NATS,
		nats.Name("huddle "+cfg.Node),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { cl.disconnected(err) }),
		nats.ReconnectHandler(func(*nats.Conn) { cl.upAt.Store(time.Now().UnixNano()); go cl.reconnected() }),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			cl.log.Error("NATS", "subject", subjectOf(sub), "err", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", cfg.NATS, err)
	}
	cl.nc = nc
	// Heartbeats have a connection of their own: on the frames' one they
	// waited behind floods of frames (presence to thousands, relayed
	// files) long enough for a live node to be taken for dead.
	cl.beats, err = nats.Connect(cfg.NATS, nats.Name("huddle "+cfg.Node+" heartbeats"), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("connect to NATS at %s: %w", cfg.NATS, err)
	}
	fail := func(err error) (*cluster, error) { nc.Close(); cl.beats.Close(); return nil, err }
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.openBucket(ctx); err != nil {
		return fail(err)
	}
	if err := cl.openResume(ctx); err != nil {
		return fail(err)
	}
	// Every frame between nodes fits one NATS message.
	room := nc.MaxPayload() - envelopeLen
	cl.room = int(room)
	cfg.Limits.MaxFrame = min(cfg.Limits.MaxFrame, room)
	cfg.Limits.Chunk = min(cfg.Limits.Chunk, int(room)-protocol.FrameHeader)
	cfg.Limits.Window = max(cfg.Limits.Window, int64(cfg.Limits.Chunk))
	cfg.Limits.MaxBatch = min(cfg.Limits.MaxBatch, int(room))

	sub, err := nc.Subscribe(cl.subject, cl.receive)
	if err == nil {
		// Frames are handed on without waiting (remote.go), so the
		// subscription keeps up; a node that still falls behind must not
		// lose frames in the middle of a session.
		err = sub.SetPendingLimits(-1, -1)
	}
	if err == nil {
		_, err = cl.beats.Subscribe(aliveSubject, cl.heard)
	}
	if err == nil {
		_, err = cl.beats.Subscribe(deadSubject, cl.toldDead)
	}
	if err == nil {
		_, err = nc.Subscribe(askSubject, cl.answerAsk)
	}
	if err == nil {
		_, err = nc.Subscribe(leavingSubject, cl.heardLeaving)
	}
	if err == nil {
		err = nc.Flush()
	}
	if err == nil {
		err = cl.beats.Flush()
	}
	if err != nil {
		return fail(err)
	}
	cl.wg.Add(1)
	go cl.loop()
	cl.beat()
	return cl, nil
}

func subjectOf(sub *nats.Subscription) string {
	if sub == nil {
		return ""
	}
	return sub.Subject
}

// loop heartbeats and looks for dead nodes, and (on a goroutine of its
// own: each renewal is a JetStream request that may wait natsTimeout)
// renews leases, until releaseHomes. A heartbeat behind renewals came
// late enough, on a loaded machine, for a serving home to be taken for
// dead (docs/performance.md, "Cluster").
//
// A loop that did not run for the timeout means the whole node stood
// still (paused, swapping, starved): the others have taken it for dead,
// and it joins again before anything else. What it knows of them is as
// old, so it judges nobody on it.
func (cl *cluster) loop() {
	defer cl.wg.Done()
	cl.wg.Add(1)
	go cl.renewLoop()
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	last := time.Since(cl.started)
	for {
		select {
		case <-cl.stop:
			return
		case <-t.C:
		}
		now := time.Since(cl.started)
		if now-last > cl.timeout {
			cl.rejoin(cl.self(), fmt.Sprintf("this node stood still for %v", (now-last).Round(time.Millisecond)))
		}
		last = now
		cl.ticked.Store(int64(now))
		cl.beat()
		cl.findDead(time.Now())
	}
}

// stoodStill tells whether the loop has not run for the timeout: the
// node may have been taken for dead, and its applications taken over.
func (cl *cluster) stoodStill() bool {
	return time.Since(cl.started)-time.Duration(cl.ticked.Load()) > cl.timeout
}

func (cl *cluster) renewLoop() {
	defer cl.wg.Done()
	t := time.NewTicker(homeRenew)
	defer t.Stop()
	for {
		select {
		case <-cl.stop:
			return
		case <-t.C:
		}
		cl.renew()
	}
}

func (cl *cluster) beat() { cl.beats.Publish(aliveSubject, cl.self().value) }

// heard records another node's heartbeat. A node back under a new
// instance restarted: what the old one held is gone. One heard under an
// instance found dead was not: it is told so (toldDead).
func (cl *cluster) heard(m *nats.Msg) {
	node, inst, ok := strings.Cut(string(m.Data), " ")
	if !ok || node == cl.node {
		return
	}
	cl.mu.Lock()
	if _, dead := cl.dead[string(m.Data)]; dead {
		cl.mu.Unlock()
		cl.beats.Publish(deadSubject, m.Data)
		return
	}
	old, known := cl.alive[node]
	cl.alive[node] = nodeSeen{inst, time.Now()}
	cl.mu.Unlock()
	if known && old.instance != inst {
		cl.nodeDied(node, old.instance)
	}
}

// toldDead: another node heard this one under an instance it found dead.
func (cl *cluster) toldDead(m *nats.Msg) {
	if me := cl.self(); string(m.Data) == string(me.value) {
		cl.rejoin(me, "the other nodes took this node for dead")
	}
}

// rejoin: the other nodes took this node, as instance was, for dead. They
// refuse its frames, closed the sessions it carried, and took its
// applications over from the state it wrote. So it stops acting as their
// home at once (leaveApp: nothing more written, nothing not written
// told, its sessions closed without ending anything), closes every
// client connection it carried (its clients come back and resume), drops
// what it heard of the others before (stale) and goes on as a new
// instance, as a restarted node would, without restarting.
func (cl *cluster) rejoin(was *identity, why string) {
	cl.mu.Lock()
	if cl.self() != was {
		cl.mu.Unlock()
		return // done already
	}
	cl.newIdentity()
	homes := cl.homes
	cl.homes = make(map[string]uint64)
	cl.alive = make(map[string]nodeSeen)
	edges, remotes := slices.Collect(maps.Values(cl.edges)), slices.Collect(maps.Values(cl.remotes))
	cl.mu.Unlock()
	cl.log.Warn("taken for dead: joining again as a new instance", "why", why, "was", was.instance, "now", cl.self().instance, "applications", len(homes))
	for app := range homes {
		cl.srv.leaveApp(app, "this node lost the application")
	}
	closeCarried(edges, remotes, "this node was taken for dead", "this node was taken for dead")
	cl.beat()
	// Leases still in the old instance's name are given back: the next
	// node to need the application takes it over at once.
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), natsTimeout)
		defer cancel()
		for app, rev := range homes {
			cl.bucket().Delete(ctx, leaseKey(app), jetstream.LastRevision(rev))
		}
	}()
}

// talking notes that this node now depends on instance of node (its
// sessions' home, or their edge). One not heard from yet counts as heard
// now, so that findDead finds it if it dies before its first heartbeat
// arrives: a home killed that early was otherwise never found dead, and
// the clients carried for it waited on it forever (clustertest's
// TestHomeNodeKilledClientsResumeOnTheNewHome).
func (cl *cluster) talking(node, instance string) {
	cl.mu.Lock()
	if _, ok := cl.alive[node]; !ok {
		cl.alive[node] = nodeSeen{instance, time.Now()}
	}
	cl.mu.Unlock()
}

// framed notes a frame from the node whose subject is from: a node that
// sends frames is alive, whatever became of its heartbeats (behind a flood
// of frames on a congested link, say).
func (cl *cluster) framed(from string) {
	v, ok := cl.frames.Load(from)
	if !ok {
		v, _ = cl.frames.LoadOrStore(from, new(atomic.Int64))
	}
	v.(*atomic.Int64).Store(time.Now().UnixNano())
}

// lastFrame is when node last sent this node a frame.
func (cl *cluster) lastFrame(node string) time.Time {
	if v, ok := cl.frames.Load(nodeSubjectPrefix + node); ok {
		return time.Unix(0, v.(*atomic.Int64).Load())
	}
	return time.Time{}
}

// findDead ends what depended on nodes silent for NodeTimeout.
func (cl *cluster) findDead(now time.Time) {
	var gone []nodeSeen
	var names []string
	cl.mu.Lock()
	for n, s := range cl.alive {
		if now.Sub(s.at) > cl.timeout && now.Sub(cl.lastFrame(n)) > cl.timeout {
			delete(cl.alive, n)
			gone, names = append(gone, s), append(names, n)
		}
	}
	cl.mu.Unlock()
	for i, n := range names {
		cl.nodeDied(n, gone[i].instance)
	}
}

// nodeDied: instance of node is gone. Clients here whose home it was are
// closed as by a restarting server (they sign in again, to a new home);
// sessions here whose client was there are closed as dropped (parked for
// the grace period: the client comes back through another node).
func (cl *cluster) nodeDied(node, instance string) {
	cl.log.Warn("node gone", "gone", node, "instance", instance)
	var edges, remotes []*conn
	cl.mu.Lock()
	cl.dead[node+" "+instance] = struct{}{}
	for _, c := range cl.edges {
		if c.home.node == node && c.home.instance == instance {
			edges = append(edges, c)
		}
	}
	for _, c := range cl.remotes {
		if c.edge.node == node && c.edge.instance == instance {
			remotes = append(remotes, c)
		}
	}
	cl.mu.Unlock()
	closeCarried(edges, remotes, "the node holding the session is gone", "the node of the client's connection is gone")
	go cl.adopt(node, instance)
}

// adopt takes over the applications whose home was instance of node, now
// dead, unless another node is quicker: their sessions' grace then runs
// (and ends) even if no client of theirs comes back to ask.
func (cl *cluster) adopt(node, instance string) {
	ctx, cancel := context.WithTimeout(context.Background(), natsTimeout)
	defer cancel()
	keys, err := cl.bucket().ListKeys(ctx)
	if err != nil {
		return
	}
	var apps []string
	for k := range keys.Keys() {
		if app, ok := appOfLeaseKey(k); ok {
			apps = append(apps, app)
		}
	}
	for _, app := range apps {
		e, err := cl.bucket().Get(ctx, leaseKey(app))
		if err == nil && string(e.Value()) == node+" "+instance {
			if _, err := cl.homeOf(app, nil); err != nil {
				cl.log.Warn("take over an application of a node gone", "app", app, "err", err)
			}
		}
	}
}

// closeCarried ends the links a cluster fault broke: clients here whose
// session is elsewhere are closed (they sign in again and resume), and
// sessions here whose client is elsewhere are parked.
func closeCarried(edges, remotes []*conn, edgeReason, remoteReason string) {
	for _, c := range edges {
		c.close(websocket.CloseGoingAway, edgeReason)
	}
	for _, c := range remotes {
		c.edge.lost()
		c.close(websocket.CloseAbnormalClosure, remoteReason)
	}
}

// isDead tells whether node (holding a lease as instance) is known dead:
// silent for NodeTimeout while this node has been up long enough to know.
func (cl *cluster) isDead(node, instance string) bool {
	if node == cl.node {
		return instance != cl.self().instance // a lease of this node's previous run, or life
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if _, dead := cl.dead[node+" "+instance]; dead {
		return true
	}
	s, ok := cl.alive[node]
	if ok {
		return s.instance != instance
	}
	return time.Since(cl.started) > 2*cl.timeout
}

// disconnected: the link to NATS broke. Frames sent meanwhile may be lost,
// so no session carried between nodes may go on as if nothing happened.
func (cl *cluster) disconnected(err error) {
	select {
	case <-cl.stop:
		return
	default:
	}
	cl.downAt.Store(time.Now().UnixNano())
	cl.log.Warn("NATS disconnected", "err", err)
	cl.mu.Lock()
	edges, remotes := slices.Collect(maps.Values(cl.edges)), slices.Collect(maps.Values(cl.remotes))
	cl.mu.Unlock()
	closeCarried(edges, remotes, "the cluster link broke", "the cluster link broke")
}

// homeRef is the node an application lives on.
type homeRef struct {
	node, instance string
}

func parseHome(v []byte) homeRef {
	n, i, _ := strings.Cut(string(v), " ")
	return homeRef{n, i}
}

// errNoHome: the application's home cannot be found or taken now.
var errNoHome = errors.New("the cluster cannot settle which node serves this application")

// homeOf finds app's home node, becoming it if it has none (or a dead
// one). A home here is ready: its lease is held. Unless exists is nil, it
// says first whether app may be taken (errUnknownApp: there is no such
// application); it is asked only then, as a lease held says so already.
func (cl *cluster) homeOf(app string, exists func() error) (homeRef, error) {
	cl.mu.Lock()
	_, mine := cl.homes[app]
	cl.mu.Unlock()
	if mine {
		return homeRef{cl.node, cl.self().instance}, nil
	}
	// One search at a time per application: a caller that finds the lease
	// just taken by this node must wait until its state is loaded.
	v, err, _ := cl.takes.Do(app, func() (any, error) { return cl.findHome(app, exists) })
	return v.(homeRef), err
}

// findHome is homeOf's search: the lease's holder, or this node, having
// taken it and loaded the application's state.
func (cl *cluster) findHome(app string, exists func() error) (homeRef, error) {
	me := cl.self()
	if cl.isHome(app) {
		return homeRef{cl.node, me.instance}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), natsTimeout)
	defer cancel()
	mayTake := func() error {
		if exists == nil {
			return nil
		}
		err := exists()
		if err == nil {
			exists = nil // once is enough
		}
		return err
	}
	for range 3 {
		e, err := timed(cl, func() (jetstream.KeyValueEntry, error) { return cl.bucket().Get(ctx, leaseKey(app)) })
		switch {
		case errors.Is(err, jetstream.ErrKeyNotFound):
			// Before asking: a name made up is refused without waiting
			// askWait for an answer that does not come.
			if err := mayTake(); err != nil {
				return homeRef{}, err
			}
			// No lease, but perhaps a home all the same: NATS restarted
			// and its holder has not made it again yet.
			if h, ok := cl.ask(ctx, app); ok {
				return h, nil
			}
			if cl.settling() {
				// The home may not be back on NATS yet: taking the lease
				// now would end every session it holds.
				return homeRef{}, fmt.Errorf("%w: NATS came back moments ago", errNoHome)
			}
			rev, err := timed(cl, func() (uint64, error) { return cl.bucket().Create(ctx, leaseKey(app), me.value) })
			if err == nil {
				// A lease that expired was last renewed at least homeTTL ago.
				return cl.becameHome(app, me, rev, time.Now().Add(-homeTTL))
			}
			if !errors.Is(err, jetstream.ErrKeyExists) {
				return homeRef{}, fmt.Errorf("%w: %v", errNoHome, err)
			}
			continue // another node was quicker
		case err != nil:
			// A NATS restarted without the bucket: make it again.
			if berr := cl.openBucket(ctx); berr != nil {
				return homeRef{}, fmt.Errorf("%w: %v", errNoHome, errors.Join(err, berr))
			}
			continue
		}
		h := parseHome(e.Value())
		if !cl.isDead(h.node, h.instance) {
			return h, nil
		}
		if err := mayTake(); err != nil {
			return homeRef{}, err
		}
		rev, err := timed(cl, func() (uint64, error) { return cl.bucket().Update(ctx, leaseKey(app), me.value, e.Revision()) })
		if err == nil {
			cl.log.Info("took over an application from a node gone", "app", app, "from", h.node)
			return cl.becameHome(app, me, rev, e.Created()) // the last renewal: the old home's last sign of life
		}
	}
	return homeRef{}, errNoHome
}

// settling tells whether this node's link to NATS is down, or came back
// less than the node timeout ago: other nodes may not be back yet.
func (cl *cluster) settling() bool {
	down, up := cl.downAt.Load(), cl.upAt.Load()
	return down != 0 && (up < down || time.Since(time.Unix(0, up)) < cl.timeout)
}

// askWait is how long a node waits for a home to answer ask.
const askWait = 250 * time.Millisecond

// ask asks the other nodes whether one of them is app's home.
func (cl *cluster) ask(ctx context.Context, app string) (homeRef, bool) {
	ctx, cancel := context.WithTimeout(ctx, askWait)
	defer cancel()
	m, err := timed(cl, func() (*nats.Msg, error) { return cl.nc.RequestWithContext(ctx, askSubject, []byte(app)) })
	if err != nil {
		return homeRef{}, false // nobody is: no responders, or no answer
	}
	h := parseHome(m.Data)
	return h, h.node != "" && !cl.isDead(h.node, h.instance)
}

// answerAsk answers for an application homed here, and makes its lease
// again at once.
func (cl *cluster) answerAsk(m *nats.Msg) {
	if !cl.isHome(string(m.Data)) {
		return
	}
	m.Respond(cl.self().value)
	go cl.renew()
}

// becameHome starts holding app's lease, taken as instance me.
// Whatever this node remembers of the application from an earlier time
// as its home is stale: it is read afresh from the store, and its live
// state as the last home wrote it (resumestate.go; that home was last
// heard at since). A state that cannot be read leaves the sessions lost,
// as if none were written: their clients sign in afresh. A node that
// joined again meanwhile (rejoin) does not keep a lease taken before.
func (cl *cluster) becameHome(app string, me *identity, rev uint64, since time.Time) (homeRef, error) {
	cl.srv.forgetApp(app)
	ctx, cancel := context.WithTimeout(context.Background(), 10*natsTimeout)
	defer cancel()
	if err := cl.loadState(ctx, app, since); err != nil {
		cl.log.Error("read the state of an application taken over: its sessions are lost", "app", app, "err", err)
	}
	cl.mu.Lock()
	same := cl.self() == me
	if same {
		cl.homes[app] = rev
	}
	cl.mu.Unlock()
	if !same {
		cl.srv.leaveApp(app, "this node lost the application")
		cl.bucket().Delete(ctx, leaseKey(app), jetstream.LastRevision(rev))
		return homeRef{}, fmt.Errorf("%w: this node joined again meanwhile", errNoHome)
	}
	cl.log.Info("home of application", "app", app)
	return homeRef{cl.node, me.instance}, nil
}

// isHome tells whether this node holds app's lease.
func (cl *cluster) isHome(app string) bool {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	_, ok := cl.homes[app]
	return ok
}

// renew extends every lease held. A lease found held by another node is
// lost: the application's sessions here are closed (their clients sign in
// again, at the new home) and its state forgotten. One found missing (it
// expired in a long pause, or a restarted NATS lost the bucket) is taken
// again.
func (cl *cluster) renew() {
	cl.mu.Lock()
	me := cl.self()
	held := make(map[string]uint64, len(cl.homes))
	for app, rev := range cl.homes {
		held[app] = rev
	}
	cl.mu.Unlock()
	for app, rev := range held {
		if !cl.nc.IsConnected() {
			return // the next tick after the reconnect
		}
		ctx, cancel := context.WithTimeout(context.Background(), natsTimeout)
		// On the revision last written: a lease another node took over
		// meanwhile is not written over.
		next, err := timed(cl, func() (uint64, error) { return cl.bucket().Update(ctx, leaseKey(app), me.value, rev) })
		if err != nil {
			next, err = cl.retake(ctx, app, me)
		}
		cancel()
		switch {
		case errors.Is(err, errTaken):
			cl.lostHome(app, err)
		case err != nil:
			cl.log.Warn("renew the lease of an application", "app", app, "err", err) // again next tick
		default:
			cl.mu.Lock()
			if _, ok := cl.homes[app]; ok && cl.self() == me {
				cl.homes[app] = next
			}
			cl.mu.Unlock()
		}
	}
}

// errTaken: another node holds the lease.
var errTaken = errors.New("the application's lease is held by another node")

// retake finds out why a renewal failed: the lease is still this node's
// (its revision is returned), gone (created again), or taken (errTaken).
func (cl *cluster) retake(ctx context.Context, app string, me *identity) (uint64, error) {
	e, err := timed(cl, func() (jetstream.KeyValueEntry, error) { return cl.bucket().Get(ctx, leaseKey(app)) })
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		rev, err := timed(cl, func() (uint64, error) { return cl.bucket().Create(ctx, leaseKey(app), me.value) })
		if errors.Is(err, jetstream.ErrKeyExists) {
			return 0, errTaken
		}
		return rev, err
	case err != nil:
		if berr := cl.openBucket(ctx); berr != nil {
			return 0, errors.Join(err, berr)
		}
		return 0, err
	case string(e.Value()) == string(me.value):
		return e.Revision(), nil
	}
	return 0, fmt.Errorf("%w: %s", errTaken, parseHome(e.Value()).node)
}

// leaseKey is app's key in the lease bucket: the ID itself where it is a
// JetStream key as it stands (so a lease stays where nodes of earlier
// versions look for it), else '=' and its token: '@', and a dot at either
// end or twice in a row, are allowed in an ID and not in a key. No ID
// holds '=', so the two kinds of key never meet.
func leaseKey(app string) string {
	if strings.Contains(app, "@") || strings.HasPrefix(app, ".") || strings.HasSuffix(app, ".") || strings.Contains(app, "..") {
		return encodedLeaseKey + token(app)
	}
	return app
}

const encodedLeaseKey = "="

// appOfLeaseKey is the application whose lease is under key k.
func appOfLeaseKey(k string) (string, bool) {
	if t, ok := strings.CutPrefix(k, encodedLeaseKey); ok {
		return untoken(t)
	}
	return k, true
}

// bucket is the lease bucket (replaced after a NATS restart).
func (cl *cluster) bucket() jetstream.KeyValue {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.kv
}

// openBucket opens the lease bucket, creating it if NATS does not have it
// (the first node, or a NATS restarted without it).
func (cl *cluster) openBucket(ctx context.Context) error {
	js, err := jetstream.New(cl.nc)
	if err != nil {
		return err
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: homesBucket, Description: "Huddle: the node each application lives on",
		History: 1, TTL: homeTTL, Storage: jetstream.MemoryStorage,
	})
	if err != nil {
		return fmt.Errorf("JetStream key-value bucket %s (is JetStream on? nats-server -js): %w", homesBucket, err)
	}
	cl.mu.Lock()
	cl.kv = kv
	cl.mu.Unlock()
	return nil
}

// reconnected: NATS is back (perhaps a new server, with nothing of the
// old): the bucket and the leases held are made sure of at once.
func (cl *cluster) reconnected() {
	cl.log.Info("NATS reconnected")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := errors.Join(cl.openBucket(ctx), cl.openResume(ctx)); err != nil {
		cl.log.Warn("after the NATS reconnect", "err", err)
	}
	cl.renew()
}

// lostHome: another node is app's home now.
func (cl *cluster) lostHome(app string, why error) {
	cl.log.Warn("no longer home of application", "app", app, "err", why)
	cl.mu.Lock()
	_, held := cl.homes[app]
	delete(cl.homes, app)
	cl.mu.Unlock()
	if held {
		cl.srv.leaveApp(app, "the application moved to another node")
	}
}

// receive dispatches a message from another node: a frame, or a batch of
// them. NATS delivers a subscription's messages one at a time, in the
// order each sender sent them; nothing here waits.
func (cl *cluster) receive(m *nats.Msg) {
	n := len(m.Data) - envelopeLen
	if n < 0 {
		return
	}
	cl.framed(m.Reply)
	if m.Reply != "" {
		cl.link(m.Reply).heard(m)
	}
	kind, id, payload := m.Data[n], binary.BigEndian.Uint64(m.Data[n+1:]), m.Data[:n:n+envelopeLen]
	if kind == kindBatch {
		eachEntry(payload, func(kind byte, id uint64, frame []byte) { cl.dispatch(m.Reply, kind, id, frame) })
		return
	}
	cl.dispatch(m.Reply, kind, id, payload)
}

// dispatch hands one frame from the node at from to its session.
func (cl *cluster) dispatch(from string, kind byte, id uint64, payload []byte) {
	switch kind {
	case kindOpen:
		cl.openRemote(id, from, payload)
	case kindIn, kindInBinary, kindClosed:
		cl.mu.Lock()
		c := cl.remotes[id]
		cl.mu.Unlock()
		if c == nil {
			if kind != kindClosed && from != "" {
				cl.send(from, kindGone, id, nil)
			}
			return
		}
		c.edge.deliver(kind, payload)
	default:
		cl.mu.Lock()
		c := cl.edges[id]
		cl.mu.Unlock()
		if c == nil {
			if kind != kindClose && kind != kindGone && from != "" {
				cl.send(from, kindClosed, id, closePayload(websocket.CloseGoingAway, ""))
			}
			return
		}
		c.home.deliver(kind, payload)
	}
}

// send sends one frame to the node at subject; payload may be reused
// once it returns.
func (cl *cluster) send(subject string, kind byte, id uint64, payload []byte) error {
	return cl.link(subject).send(kind, id, payload, false)
}

// sendOwned is send of a frame whose buffer the caller owns whole: a
// frame too large to be gathered gets its envelope in the spare capacity
// after it when there is room (every relayed chunk has), so it is not
// copied on its way.
func (cl *cluster) sendOwned(subject string, kind byte, id uint64, frame []byte) error {
	return cl.link(subject).send(kind, id, frame, true)
}

var envelopes = sync.Pool{New: func() any { return new([]byte) }}

func closePayload(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

func parseClose(p []byte) (int, string) {
	if len(p) < 2 {
		return websocket.CloseAbnormalClosure, ""
	}
	return int(binary.BigEndian.Uint16(p)), string(p[2:])
}

// timed runs one request to NATS, observed in huddle_nats_request_seconds.
func timed[T any](cl *cluster, req func() (T, error)) (T, error) {
	start := time.Now()
	v, err := req()
	cl.srv.metrics.natsRequest.Observe(time.Since(start).Seconds())
	return v, err
}

// Connected tells whether this node's link to NATS is up (/readyz).
func (cl *cluster) connected() bool { return cl.nc.IsConnected() }

// releaseHomes stops heartbeats and renewals and hands the applications
// homed here over, so that other nodes take them over at once: this node
// is shutting down. The others are told first (heardLeaving). Each
// application's state is written a last time and kept (resumestate.go),
// then its lease is given back; its sessions here then end without ending
// anything (Server.sessionEnded), and their clients, told the server is
// going away, come back through another node and resume there, as after a
// kill -9 of their home.
func (cl *cluster) releaseHomes() {
	cl.release.Do(func() {
		// Said first: the others have the whole hand-over to hear it,
		// before this node is gone and a session opened here is lost.
		cl.nc.Publish(leavingSubject, cl.self().value)
		close(cl.stop)
		cl.wg.Wait()
		cl.mu.Lock()
		homes := cl.homes
		cl.homes = map[string]uint64{}
		cl.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 2*natsTimeout)
		defer cancel()
		for app, rev := range homes {
			if v, ok := cl.srv.calls.apps.Load(app); ok {
				if err := v.(*appCalls).saved.handOver(ctx); err != nil {
					cl.log.Warn("write the state of an application handed over", "app", app, "err", err)
				}
			}
			cl.bucket().Delete(ctx, leaseKey(app), jetstream.LastRevision(rev))
		}
	})
}

// heardLeaving: another node shuts down, its leases about to be given
// back. What logins here found of them is forgotten (homeCache): the next
// login into one of its applications reads the lease again (and, once
// given back, takes it) instead of being sent to a node that may be gone.
func (cl *cluster) heardLeaving(m *nats.Msg) {
	if h := parseHome(m.Data); h.node != cl.node {
		cl.found.leaving(h, time.Now())
	}
}

// close leaves the cluster once every session here has ended and told
// the other nodes so.
func (cl *cluster) close() {
	cl.releaseHomes()
	cl.leave.Do(func() {
		cl.links.Range(func(_, l any) bool { l.(*nodeLink).flushNow(); return true })
		cl.beats.Close()
		cl.nc.Drain()
	})
}
