package session

import (
	"time"

	"huddle/protocol"
)

// Lossless resume (docs/protocol.md, *Resuming after a drop*).
//
// The server numbers every push of a session (calls, invites, presence,
// meetings) and keeps it until this SDK acknowledges it. When the session
// signs in again after a drop, it names the last push it handled; the
// server replays the ones after it, in order, before anything new, so a
// push written into a dying link is delivered once, not lost. If the
// server can no longer do that (its grace period passed, it restarted, or
// more pushes came than it keeps) the sign-in starts a new session, and
// Reconnected says so with StateLost: the application must drop what it
// knew of calls and read the rest again.

// ackDelay is how long handled pushes wait before they are acknowledged:
// one ack covers every push of that time. Each ack is a message the server
// reads (twice a second per subscriber slowed a presence storm through
// 2,000 of them visibly), and the replay buffer holds what came since the
// last one.
const ackDelay = 2 * time.Second

// numberedPush records push seq as handled; false if it should not be
// handled: it came on a link that is no longer the session's (it will be
// replayed on the new one), or it was handled already.
func (s *Session) numberedPush(l *link, seq uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Lines of one push (a presence round) share a number: equal is new.
	if s.link != l || seq < s.pushSeq {
		return false
	}
	s.pushSeq = seq
	if !s.ackDue {
		s.ackDue = true
		time.AfterFunc(ackDelay, s.sendAck)
	}
	return true
}

// sendAck tells the server which pushes it no longer needs to keep.
func (s *Session) sendAck() {
	s.mu.Lock()
	s.ackDue = false
	l, seq := s.link, s.pushSeq
	if s.state != stateOnline || seq <= s.ackedSeq || s.serverVersion < protocol.ReplaySince {
		s.mu.Unlock()
		return
	}
	s.ackedSeq = seq
	s.mu.Unlock()
	if msg, err := protocol.Request(protocol.OpAck, 0, protocol.Ack{Seq: seq}); err == nil {
		l.send(msg)
	}
}
