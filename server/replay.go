package server

import (
	"sync"

	"huddle/protocol"
)

// replay is one session's stream of pushes. Every push meant for the
// session (calls, invites, presence, meetings) gets the next sequence
// number and is kept until the client acknowledges it (op ack), so a
// resume can hand over what a dropped connection may never have delivered:
// pushes written into a half-open link, and those sent after the read loop
// ended. It outlives connections: a parked session holds it, and the
// connection that resumes takes it over, numbers continuing.
//
// What it keeps is bounded by Limits.ReplayBuffer (pushes) and
// ReplayBufferBytes; past either the oldest unacknowledged push is dropped,
// and a resume from before it cannot be served (the client is told its
// state is lost). Transfer and SendCmd pushes are not in it: they belong to
// a connection, and end with it.
//
// A client older than protocol.ReplaySince neither sees numbers nor
// acknowledges: its pushes are forgotten once queued on a live connection,
// and a resume hands over whatever was kept since it dropped.
type replay struct {
	maxPushes, maxBytes int

	mu    sync.Mutex
	seq   uint64     // the last number given out
	kept  []keptPush // not acknowledged, oldest first
	bytes int        // of kept
	// gone is the newest push no longer kept (acknowledged, or dropped
	// for room): a resume must start at or after it.
	gone uint64
	out  *conn // where pushes go now; nil until the login is answered
	// unnumbered: out is a client older than protocol.ReplaySince.
	unnumbered bool

	// In a cluster, the application's state writer (resumestate.go) hears
	// of every push and acknowledgement of the session, known there as sid
	// (random: a user's earlier sessions have pushes numbered alike);
	// nil alone.
	saved *appState
	sid   string
	// reloaded: read back by a node that took the application over. A
	// client may have seen pushes the stream no longer holds (older than
	// pushesMaxAge): its resume names them and numbering goes on after.
	reloaded bool
}

type keptPush struct {
	seq uint64
	msg []byte
}

func newReplay(lim Limits) *replay {
	return &replay{maxPushes: lim.ReplayBuffer, maxBytes: lim.ReplayBufferBytes}
}

// push numbers msg, keeps it and queues it on the live connection, if any.
// It reports whether keeping it dropped a push the client had not
// acknowledged.
func (r *replay) push(msg []byte) (overflowed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	if r.unnumbered && r.out != nil && r.out.enqueue(0, msg) {
		r.gone = r.seq // it cannot tell what it processed: queued is done
		if r.saved != nil {
			r.saved.acked(r.sid, r.seq)
		}
		return false
	}
	if r.saved != nil {
		r.saved.pushed(r.sid, r.seq, msg)
	}
	for len(r.kept) > 0 && (len(r.kept) >= r.maxPushes || r.bytes+len(msg) > r.maxBytes) {
		r.drop()
		overflowed = true
	}
	if len(msg) <= r.maxBytes {
		r.kept = append(r.kept, keptPush{r.seq, msg})
		r.bytes += len(msg)
	} else {
		r.gone, overflowed = r.seq, true
	}
	if r.out != nil {
		r.out.enqueue(r.seq, msg)
	}
	return overflowed
}

// drop forgets the oldest kept push; mu held.
func (r *replay) drop() {
	p := r.kept[0]
	r.kept[0] = keptPush{}
	r.kept = r.kept[1:]
	r.bytes -= len(p.msg)
	r.gone = max(r.gone, p.seq)
	if len(r.kept) == 0 {
		r.kept = nil // an idle session keeps no array
	}
}

// ack forgets the pushes up to seq; false if seq was never sent.
func (r *replay) ack(seq uint64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if seq > r.seq {
		return false
	}
	r.forget(seq)
	if r.saved != nil {
		r.saved.acked(r.sid, seq)
	}
	return true
}

// forget drops the kept pushes up to seq; mu held.
func (r *replay) forget(seq uint64) {
	n := 0
	for n < len(r.kept) && r.kept[n].seq <= seq {
		r.bytes -= len(r.kept[n].msg)
		r.kept[n] = keptPush{}
		n++
	}
	r.kept = r.kept[n:]
	if len(r.kept) == 0 {
		r.kept = nil
	}
	r.gone = max(r.gone, seq)
}

// detach stops queueing on c, a connection that ended.
func (r *replay) detach(c *conn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.out == c {
		r.out = nil
	}
}

// deliverTo makes c the stream's connection: answer (the login's reply)
// is queued first, then every kept push after seq in order, then whatever
// comes next. Nothing pushed meanwhile can come between them. False, with
// nothing queued, if a push after seq has been dropped meanwhile. A client
// older than protocol.ReplaySince gets everything kept, unnumbered.
func (r *replay) deliverTo(c *conn, seq uint64, answer func()) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unnumbered = c.version < protocol.ReplaySince
	if r.unnumbered {
		seq = r.gone
	}
	if r.reloaded && seq > r.seq {
		r.seq = seq
	}
	r.reloaded = false
	if seq > r.seq || seq < r.gone {
		return false
	}
	r.forget(seq)
	if r.saved != nil {
		r.saved.acked(r.sid, seq)
	}
	answer()
	for _, p := range r.kept {
		c.enqueue(p.numberFor(r.unnumbered), p.msg)
	}
	if r.unnumbered {
		r.forget(r.seq)
		if r.saved != nil {
			r.saved.acked(r.sid, r.seq)
		}
	}
	r.out = c
	return true
}

// numberFor is the number p is written with: none for an older client.
func (p keptPush) numberFor(unnumbered bool) uint64 {
	if unnumbered {
		return 0
	}
	return p.seq
}
