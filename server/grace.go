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
// the user's calls, meetings and online status, and holds the pushes meant
// for them. When the user signs in again with the session's resume token
// (the SDK does so by itself), the new connection takes over everything
// and receives the held pushes; nobody else notices the drop. Past the
// grace period the session ends as any other would, and everyone involved
// is told.

// parked is a dropped session waiting for its user to come back.
type parked struct {
	srv                    *Server
	app, user, nick, token string

	mu    sync.Mutex
	state parkState
	held  [][]byte
	bytes int // of held
	timer *time.Timer
}

type parkState int

const (
	parkWaiting parkState = iota
	parkResumed
	parkExpired
)

// Send holds msg for the user's return. Too many to hold means the promise
// of losing nothing cannot be kept: the session ends now.
func (p *parked) Send(msg []byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != parkWaiting {
		return false
	}
	lim := p.srv.cfg.Limits
	if len(p.held) >= lim.SendQueue || p.bytes+len(msg) > lim.SendQueueBytes {
		go p.expire() // Send may be called under calls.mu, which expire takes
		return false
	}
	p.held = append(p.held, msg)
	p.bytes += len(msg)
	return true
}

// Kick: the user signed in again without the resume token (another device,
// a restarted app); the dropped session ends for good.
func (p *parked) Kick(int, string) { go p.expire() }

// claim takes the parked session over for a new connection that presents
// token; false if it is too late or the token is wrong.
func (p *parked) claim(token string) ([][]byte, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != parkWaiting || token == "" || token != p.token {
		return nil, false
	}
	p.state = parkResumed
	p.timer.Stop()
	held := p.held
	p.held, p.bytes = nil, 0
	return held, true
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
	p.held, p.bytes = nil, 0
	p.mu.Unlock()
	if p.srv.isClosing() {
		return // the store is closed or closing; nobody is left to tell
	}
	p.srv.endSession(p.app, p.user, p)
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
	p := &parked{srv: s, app: c.app, user: c.user, nick: c.nick, token: c.token}
	cs := s.calls
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if !s.router.Replace(c.app, c.user, c, p) {
		return false
	}
	s.presence.Rebind(c.app, c.user, c, p)
	cs.rebind(c.app, c.user, c, p)
	p.mu.Lock()
	p.timer = time.AfterFunc(s.cfg.GracePeriod, p.expire)
	p.mu.Unlock()
	return true
}

// resume makes c, a connection that just signed in, take over the session
// replaced (parked after a drop, or a connection whose drop the server has
// not noticed yet) if c presents its resume token. It answers the login
// and hands over the held pushes, in order. cs.mu must be held, so no push
// to the user's calls slips in between.
func (s *Server) resume(c *conn, replaced Peer, token string, loginID uint64) bool {
	var held [][]byte
	switch old := replaced.(type) {
	case *parked:
		var ok bool
		if held, ok = old.claim(token); !ok {
			return false
		}
	case *conn:
		if token == "" || token != old.token {
			return false
		}
		// The old connection is dead but not yet noticed: close it quietly.
		old.close(protocol.CloseKickedOut, "resumed on a new connection")
	default:
		return false
	}
	s.presence.Rebind(c.app, c.user, replaced, c)
	s.calls.rebind(c.app, c.user, replaced, c)
	c.reply(loginID, protocol.NoErr, protocol.LoginReply{User: c.user, Resume: c.token})
	for _, msg := range held {
		c.Send(msg)
	}
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
	s.calls.sessionEnded(app, user, p)
}

// rebind moves user's calls from peer old to peer new; mu held.
func (cs *calls) rebind(app, user string, old, new Peer) {
	for l := range cs.byUser[userKey{app, user}] {
		if l.from == user && l.fromPeer == old {
			l.fromPeer = new
		}
		if l.to == user && l.toPeer == old {
			l.toPeer = new
		}
	}
}
