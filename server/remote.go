package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"huddle/protocol"
	"huddle/server/store"
)

// Sessions split between two nodes (cluster.go): the client's socket on
// its edge, the session on its application's home.
//
// On the edge the client's conn has a homeLink: until the login it is an
// ordinary conn (hello is answered here); a login into an application
// homed elsewhere opens the session there (kindOpen), and from then on
// every frame the client sends is carried to the home unread, and every
// frame the home sends is queued on the socket as it is (already numbered
// and batched). The edge still owns the socket: pings, read limits,
// deadlines, its send queue's limits.
//
// On the home the session is a conn without a socket and with an
// edgeLink: its frames are run one at a time in arrival order, as a read
// loop would (by a goroutine that exists only while there is something to
// run), and its write loop publishes to the edge instead of writing to a
// socket. Everything else (router, presence, calls, relay, replay,
// grace) sees an ordinary conn.

// homeLink is an edge's end of a session whose home is another node.
// Set once, before the conn is in cluster.edges; never changes.
type homeLink struct {
	cl             *cluster
	c              *conn
	id             uint64
	app            string // the login's
	subject        string // the home's
	node, instance string
	loggedIn       atomic.Bool // the home said the login succeeded
	closedByHome   atomic.Bool // the home closed the session: nothing to tell it
}

// edgeLink is a home's end of a session whose client is on another node.
type edgeLink struct {
	cl             *cluster
	c              *conn
	id             uint64
	subject        string // the edge's
	node, instance string
	gone           atomic.Bool // the edge's end is closed or lost: nothing more to send

	mu      sync.Mutex // a leaf
	inbox   []inFrame  // frames from the client, not yet run
	inBytes int
	running bool // a goroutine runs the inbox
	ended   bool // the session has ended; frames are dropped
}

type inFrame struct {
	kind byte
	data []byte
}

// openPayload is what kindOpen carries: the edge's end and what the edge
// learnt of the client before its login.
type openPayload struct {
	Node     string `json:"node"`
	Instance string `json:"instance"`
	IP       string `json:"ip"`
	Version  int    `json:"version"`
	// The connection's message rate so far: the session goes on with it.
	Tokens  float64 `json:"tokens"`
	Strikes int     `json:"strikes"`
}

// errUnknownApp: no such application; the login is refused where it is.
var errUnknownApp = errors.New("no such application")

// beforeLogin runs a text frame of a connection not yet signed in. A login
// into an application homed on another node takes the connection there:
// that message and the rest of the frame are the home's to run.
func (cl *cluster) beforeLogin(c *conn, frame []byte) error {
	for len(frame) > 0 {
		line, rest := frame, []byte(nil)
		if i := bytes.IndexByte(frame, '\n'); i >= 0 {
			line, rest = frame[:i], frame[i+1:]
		}
		var home *homeRef
		var app string
		err := protocol.DecodeFrame(line, func(m protocol.Message) error {
			if m.Op == protocol.OpLogin && c.helloDone && c.home == nil {
				var l protocol.Login
				if protocol.Decode(m.D, &l) == nil {
					h, err := cl.homeFor(l.App)
					switch {
					case err == nil && h.node != cl.node:
						home, app = &h, l.App
						return nil
					case err != nil && !errors.Is(err, errUnknownApp):
						cl.log.Warn("find the application's home", "app", l.App, "err", err)
						c.fail(m.ID, protocol.ServerException, "the cluster cannot find the application's node now; try again")
						return nil
					}
				}
			}
			return c.admit(m)
		})
		if err != nil {
			return err
		}
		if home != nil {
			cl.proxy(c, app, *home)
			return cl.toHome(c, websocket.TextMessage, frame)
		}
		frame = rest
	}
	return nil
}

// homeFor is homeOf for a login: the home found moments ago while it is
// alive (homeCache), else the lease's holder. A lease exists only for an
// application that exists, so the store is asked only before one is
// taken: no lease for a name a client made up.
func (cl *cluster) homeFor(app string) (homeRef, error) {
	if !validID(app, DefaultLimits().MaxIDLen) {
		// No application has such an ID (addApp), and the name must not
		// reach a NATS subject: nats-server closes a connection whose
		// subject passes its control-line limit (a 100 KB name cut this
		// node off NATS: TestHostileInputs under HUDDLE_TEST_CLUSTER=1).
		return homeRef{}, errUnknownApp
	}
	if cl.isHome(app) {
		return homeRef{cl.node, cl.self().instance}, nil
	}
	// Not while the link to NATS settles: a session opened on what was
	// found before may be lost on the way (cluster.settling).
	if h, ok := cl.found.get(app, time.Now()); ok && !cl.settling() && !cl.isDead(h.node, h.instance) {
		return h, nil
	}
	h, err := cl.homeOf(app, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), natsTimeout)
		defer cancel()
		_, err := cl.srv.store.App(ctx, app)
		if errors.Is(err, store.ErrNotFound) {
			return errUnknownApp
		}
		return err
	})
	if err == nil && h.node != cl.node {
		cl.found.put(app, h, time.Now())
	}
	return h, err
}

// proxy opens c's session, a login into app, on home.
func (cl *cluster) proxy(c *conn, app string, h homeRef) {
	var b [8]byte
	rand.Read(b[:])
	c.home = &homeLink{cl: cl, c: c, id: binary.BigEndian.Uint64(b[:]), app: app,
		subject: nodeSubjectPrefix + h.node, node: h.node, instance: h.instance}
	cl.talking(h.node, h.instance)
	cl.mu.Lock()
	cl.edges[c.home.id] = c
	cl.mu.Unlock()
	p, _ := json.Marshal(openPayload{Node: cl.node, Instance: cl.self().instance, IP: c.ip, Version: c.version,
		Tokens: c.limiter.msgs.Tokens(), Strikes: c.limiter.strikes})
	cl.send(c.home.subject, kindOpen, c.home.id, p)
}

// toHome carries one of the client's frames to its session's home.
func (cl *cluster) toHome(c *conn, typ int, data []byte) error {
	kind := kindIn
	if typ == websocket.BinaryMessage {
		kind = kindInBinary
	}
	err := cl.sendOwned(c.home.subject, kind, c.home.id, data)
	if typ == websocket.BinaryMessage {
		putFrame(data)
	}
	if err != nil {
		c.close(websocket.CloseGoingAway, "the cluster link broke")
	}
	return nil
}

// deliver runs a frame the home sent for the client (NATS's goroutine:
// nothing here waits).
func (h *homeLink) deliver(kind byte, p []byte) {
	c := h.c
	switch kind {
	case kindOut:
		c.enqueue(0, p) // each NATS message has its own copy of the data
	case kindOutBinary:
		c.sendBulk(nil, p)
	case kindLoggedIn:
		h.loggedIn.Store(true)
		c.ws.SetReadDeadline(time.Now().Add(c.srv.cfg.Limits.PongWait)) // safe beside the read loop
	case kindClose:
		code, reason := parseClose(p)
		h.closedByHome.Store(true)
		if code == websocket.CloseGoingAway || !h.loggedIn.Load() {
			h.forgetHome()
		}
		c.close(code, reason)
	case kindGone:
		h.closedByHome.Store(true)
		h.forgetHome()
		c.close(websocket.CloseGoingAway, "the session was lost; sign in again")
	}
}

// forgetHome: the home is going away, lost the application, or refused
// the session before its login (homeCache): the client, signing in again,
// is not sent back to it on what this node found before.
func (h *homeLink) forgetHome() {
	h.cl.found.drop(h.app, homeRef{h.node, h.instance})
}

// edgeEnded: the client's connection here has ended; the home hears how,
// unless it closed the session itself.
func (cl *cluster) edgeEnded(c *conn) {
	cl.mu.Lock()
	delete(cl.edges, c.home.id)
	cl.mu.Unlock()
	if c.home.closedByHome.Load() {
		return
	}
	code := c.closeCode
	if code == websocket.CloseGoingAway {
		// This node is going away, or lost its link: for the session
		// that is a dropped connection, parked until the client is back.
		code = websocket.CloseAbnormalClosure
	}
	cl.send(c.home.subject, kindClosed, c.home.id, closePayload(code, c.closeReason))
}

// openRemote starts a session here for a client on another node.
func (cl *cluster) openRemote(id uint64, reply string, payload []byte) {
	var p openPayload
	if json.Unmarshal(payload, &p) != nil || reply == "" {
		return
	}
	s := cl.srv
	c := newConn(s, nil)
	c.helloDone, c.version, c.ip = true, p.Version, p.IP
	if spent := int(math.Round(float64(s.cfg.Limits.MsgBurst) - p.Tokens)); spent > 0 {
		c.limiter.msgs.AllowN(time.Now(), spent)
	}
	c.limiter.strikes = p.Strikes
	c.edge = &edgeLink{cl: cl, c: c, id: id, subject: reply, node: p.Node, instance: p.Instance}
	cl.mu.Lock()
	_, dead := cl.dead[p.Node+" "+p.Instance]
	if !dead {
		cl.remotes[id] = c
	}
	cl.mu.Unlock()
	if !dead {
		cl.talking(p.Node, p.Instance)
	}
	if dead {
		// Its edge was taken for dead and does not know yet: its client
		// is closed, and comes back (through a node alive, or this one
		// joined again: cluster.rejoin).
		cl.send(reply, kindGone, id, nil)
		return
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		cl.mu.Lock()
		delete(cl.remotes, id)
		cl.mu.Unlock()
		cl.send(reply, kindClose, id, closePayload(websocket.CloseGoingAway, "server shutting down"))
		return
	}
	s.conns[c] = struct{}{}
	s.sessions.Add(1)
	s.mu.Unlock()
}

// maxInbox bounds the bytes of a remote client's frames waiting to be
// run: a window of data and a burst of control messages, which a client
// keeping to its limits never passes.
func (e *edgeLink) maxInbox() int {
	lim := e.c.srv.cfg.Limits
	return int(lim.Window) + lim.MsgBurst*int(lim.MaxFrame)
}

// deliver queues a frame from the client and makes sure it is run.
func (e *edgeLink) deliver(kind byte, p []byte) {
	e.mu.Lock()
	if e.ended {
		e.mu.Unlock()
		return
	}
	if kind != kindClosed && e.inBytes+len(p) > e.maxInbox() {
		e.mu.Unlock()
		e.c.close(protocol.CloseRateLimited, "far above the message rate limit")
		return
	}
	e.inbox = append(e.inbox, inFrame{kind, p})
	e.inBytes += len(p)
	e.startLocked()
	e.mu.Unlock()
}

// wake makes the runner look again: the conn is closing.
func (e *edgeLink) wake() {
	e.mu.Lock()
	e.startLocked()
	e.mu.Unlock()
}

func (e *edgeLink) startLocked() {
	if !e.running && !e.ended {
		e.running = true
		go e.run()
	}
}

// run is the session's read loop: it runs the frames in order, and ends
// the session once the conn is closing.
func (e *edgeLink) run() {
	c := e.c
	for {
		e.mu.Lock()
		select {
		case <-c.done:
			e.ended, e.running, e.inbox, e.inBytes = true, false, nil, 0
			e.mu.Unlock()
			e.cl.remoteEnded(c)
			return
		default:
		}
		if len(e.inbox) == 0 {
			e.running = false
			e.mu.Unlock()
			return
		}
		f := e.inbox[0]
		e.inbox[0] = inFrame{}
		e.inbox = e.inbox[1:]
		e.inBytes -= len(f.data)
		e.mu.Unlock()
		c.runRemote(f)
	}
}

// runRemote runs one frame as handleMessage would.
func (c *conn) runRemote(f inFrame) {
	var err error
	switch f.kind {
	case kindIn:
		err = protocol.DecodeFrame(f.data, c.admit)
	case kindInBinary:
		err = c.handleBinary(f.data)
	case kindClosed:
		c.edge.gone.Store(true)
		code, reason := parseClose(f.data)
		c.close(code, reason)
		return
	}
	if err != nil && err != errRateClosed {
		c.pushError(protocol.ErrData, err.Error())
	}
}

// remoteEnded releases a remote session once its runner has stopped.
func (cl *cluster) remoteEnded(c *conn) {
	cl.mu.Lock()
	if cl.remotes[c.edge.id] == c {
		delete(cl.remotes, c.edge.id)
	}
	cl.mu.Unlock()
	c.dropBulk()
	c.srv.sessionEnded(c)
	close(c.readerDone)
	c.srv.sessions.Done()
}

// lost: the edge is gone; nothing more is sent to it.
func (e *edgeLink) lost() { e.gone.Store(true) }

// loggedIn tells the edge the login succeeded.
func (e *edgeLink) loggedIn() { e.cl.send(e.subject, kindLoggedIn, e.id, nil) }

// write is a write turn of a remote session: its control messages in
// batches, as writeBatch makes them, then its data frame.
func (e *edgeLink) write(q []queued, data []byte) error {
	if e.gone.Load() {
		return nil
	}
	maxBatch := e.c.srv.cfg.Limits.MaxBatch
	bp := batchBufs.Get().(*bytes.Buffer)
	defer batchBufs.Put(bp)
	nbp := numberedBufs.Get().(*[]byte)
	defer numberedBufs.Put(nbp)
	for len(q) > 0 {
		bp.Reset()
		i := 0
		for ; i < len(q) && (i == 0 || bp.Len() < maxBatch); i++ {
			if i > 0 {
				bp.WriteByte('\n')
			}
			*nbp = writeNumbered(bp, q[i], *nbp)
		}
		q = q[i:]
		if err := e.cl.sendOwned(e.subject, kindOut, e.id, bp.Bytes()); err != nil {
			return err
		}
	}
	if data != nil {
		return e.cl.sendOwned(e.subject, kindOutBinary, e.id, data)
	}
	return nil
}

var batchBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// closeEdge tells the edge to close the client's connection.
func (e *edgeLink) closeEdge(code int, reason string) {
	if e.gone.Load() {
		return
	}
	e.cl.send(e.subject, kindClose, e.id, closePayload(code, reason))
}

// leaveApp gives app up: another node is its home now (or is about to be,
// from the state written: resumestate.go). Nothing more is written, and
// nothing not written is told; its sessions here are closed without
// ending anything (no hang-up, no offline: as after a hand-over), so
// their clients come back, reach the new home and resume; its meetings'
// clocks stop; and what this node held of it is forgotten.
func (s *Server) leaveApp(app, reason string) {
	if v, ok := s.calls.apps.Load(app); ok {
		ac := v.(*appCalls)
		ac.saved.fence()
		ac.mu.Lock()
		ac.stopped = true
		ac.mu.Unlock()
	}
	for _, p := range s.router.(*memRouter).peersOf(app) {
		switch p := p.(type) {
		case *conn:
			s.router.Detach(app, p.user, p)
			p.close(websocket.CloseGoingAway, reason)
		case *parked:
			s.router.Detach(app, p.user, p)
			p.abandon()
		}
	}
	s.presence.Forget(app)
}

// forgetApp drops what this node remembers of app's live state: it is
// read from the store again when next needed.
func (s *Server) forgetApp(app string) {
	s.presence.Forget(app)
	if v, ok := s.calls.apps.LoadAndDelete(app); ok {
		ac := v.(*appCalls)
		ac.saved.stop()
		ac.mu.Lock()
		ac.stopped = true
		for _, m := range ac.meetings {
			ac.busy(m)
		}
		ac.mu.Unlock()
	}
}

// admitsLogin tells whether a login into app may be run here: this node
// is its home (taking the lease if nobody holds it), or there is no such
// application (the login is refused as anywhere).
func (cl *cluster) admitsLogin(app string) bool {
	h, err := cl.homeFor(app)
	if errors.Is(err, errUnknownApp) {
		return true
	}
	if err != nil {
		cl.log.Warn("find the application's home", "app", app, "err", err)
		return false
	}
	return h.node == cl.node
}
