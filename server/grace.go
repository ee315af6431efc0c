package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"huddle/protocol"
)

// A user whose connection drops is not gone at once: for the grace period
// (Config.GracePeriod) a parked peer stands in for the session. It keeps
// the user's calls, meetings and online status, and keeps the pushes meant
// for them in the session's replay stream (replay.go). When the user signs
// in again with the session's resume token and the number of the last push
// they processed (the SDK does so by itself), the new connection takes over
// everything and receives every push after that one; nobody else notices
// the drop. Past the grace period, or if a push the client may not have
// seen had to be dropped, the session ends as any other would, and
// everyone involved is told.

// parked is a dropped session waiting for its user to come back.
type parked struct {
	srv                    *Server
	app, user, nick, token string
	version                int       // of the protocol the client spoke
	until                  time.Time // when the grace period ends

	replay *replay // the session's pushes, kept for the resume

	mu    sync.Mutex
	state parkState
	timer *timer
}

type parkState int

const (
	parkWaiting parkState = iota
	parkResumed
	parkExpired
)

// Send keeps msg for the user's return (after a resume it goes on to the
// new connection). Too many to keep means the promise of losing nothing
// cannot be kept: the session ends now.
func (p *parked) Send(msg []byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch p.state {
	case parkExpired:
		return false
	case parkResumed:
		p.replay.push(msg)
		return true
	}
	if p.replay.push(msg) {
		go p.expire() // Send may be called under appCalls.mu, which expire takes
		return false
	}
	return true
}

// Kick: the user signed in again without the resume token (another device,
// a restarted app); the dropped session ends for good.
func (p *parked) Kick(int, string) { go p.expire() }

// claim hands the parked session over to c, a new connection that
// presents token and has processed the pushes up to seq: answer (the
// login's reply) goes out, then the pushes after seq. False, with nothing
// sent, if it is too late, the token is wrong or a push after seq is gone.
func (p *parked) claim(c *conn, token string, seq uint64, answer func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != parkWaiting || token == "" || token != p.token || !p.replay.deliverTo(c, seq, answer) {
		return false
	}
	p.state = parkResumed
	p.timer.Stop()
	return true
}

// expire ends the session once the grace period is over.
func (p *parked) expire() {
	p.mu.Lock()
	if p.state != parkWaiting {
		p.mu.Unlock()
		return
	}
	p.state = parkExpired
	p.timer.Stop()
	p.mu.Unlock()
	if p.srv.isClosing() {
		return // the store is closed or closing; nobody is left to tell
	}
	p.srv.endSession(p.app, p.user, p)
}

// abandon ends the wait without ending the session: it lives on at its
// application's new home (Server.leaveApp).
func (p *parked) abandon() {
	p.mu.Lock()
	if p.state == parkWaiting {
		p.state = parkExpired
		p.timer.Stop()
	}
	p.mu.Unlock()
}

func newResumeToken() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// parks tells whether a closed, signed-in connection is worth waiting for:
// not if the user logged out or was replaced, nor when the server is
// going down, nor with the grace period turned off.
func (s *Server) parks(c *conn) bool {
	if s.cfg.GracePeriod < 0 || c.token == "" {
		return false
	}
	switch c.closeCode {
	case protocol.CloseLoggedOut, protocol.CloseKickedOut, websocket.CloseGoingAway:
		return false
	}
	return !s.isClosing()
}

func (s *Server) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// park puts a parked peer in the place of the dropped connection c; false
// if c is no longer the user's session.
func (s *Server) park(c *conn) bool {
	p := &parked{srv: s, app: c.app, user: c.user, nick: c.nick, token: c.token, version: c.version, replay: c.replay,
		until: time.Now().Add(s.cfg.GracePeriod)}
	c.replay.detach(c)
	cs := s.calls.of(c.app)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if !s.router.Replace(c.app, c.user, c, p) {
		return false
	}
	s.presence.Rebind(c.app, c.user, c, p)
	cs.rebind(c.user, c, p)
	p.mu.Lock()
	p.timer = s.timers.afterFunc(s.cfg.GracePeriod, p.expire)
	p.mu.Unlock()
	cs.saveSession(c.user)
	return true
}

// resume makes c, a connection that just signed in, take over the
// session old (parked after a drop, or a connection whose drop the server
// has not noticed yet) if c presents its resume token and every push after
// seq, the last one the client processed, is still kept. It answers the
// login, then replays those pushes in order, before any new one; c is
// then the user's peer. Its application's appCalls.mu must be held, so no
// push to the user's calls
// slips in between.
func (s *Server) resume(c *conn, old Peer, token string, seq, loginID uint64) bool {
	// c becomes the user's peer before the answer goes out: a client that
	// hears it is back is reachable at once (a SendCmd right after found
	// the session still parked). Pushes through the router then wait on the
	// stream's lock and follow the replay.
	answer := func(rp *replay) func() {
		return func() {
			c.replay = rp
			s.router.Attach(c.app, c.user, c)
			// Its new resume token is written before the reply carries it.
			s.calls.of(c.app).saveSession(c.user)
			// Resumed only to clients that know it: an older one decodes
			// the reply strictly.
			c.reply(loginID, protocol.NoErr, protocol.LoginReply{User: c.user, Resume: c.token, Resumed: c.version >= protocol.ReplaySince})
		}
	}
	switch old := old.(type) {
	case *parked:
		if !old.claim(c, token, seq, answer(old.replay)) {
			return false
		}
	case *conn:
		if token == "" || token != old.token || !old.replay.deliverTo(c, seq, answer(old.replay)) {
			return false
		}
		// The old connection is dead but not yet noticed: close it quietly.
		old.close(protocol.CloseKickedOut, "resumed on a new connection")
	default:
		return false
	}
	s.presence.Rebind(c.app, c.user, old, c)
	s.calls.of(c.app).rebind(c.user, old, c)
	return true
}

// endSession releases what a session held once it is over for good:
// offline (unless a newer session took over) and out of every call.
func (s *Server) endSession(app, user string, p Peer) {
	if s.router.Detach(app, user, p) {
		s.presence.Offline(app, user, p)
		if err := s.store.SetLastSeen(context.Background(), app, user, time.Now()); err != nil {
			s.log.Warn("record last seen", "user", user, "err", err)
		}
	}
	// After Offline, so a user who left is not shown idle on the way out.
	cs := s.calls.of(app)
	cs.sessionEnded(user, p)
	cs.saveSession(user) // deleted, unless a newer session took over
}

// rebind moves user's calls and room membership from peer old to peer
// new; mu held.
func (cs *appCalls) rebind(user string, old, new Peer) {
	cs.rebindMember(user, old, new)
	for l := range cs.byUser[user] {
		if l.from == user && l.fromPeer == old {
			l.fromPeer = new
		}
		if l.to == user && l.toPeer == old {
			l.toPeer = new
		}
	}
}
