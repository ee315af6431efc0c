package server

import (
	"encoding/binary"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
	"github.com/nats-io/nats.go"
)

// Frames between two nodes go through one nodeLink per destination node.
// Small frames are gathered and published several to a NATS message
// (kindBatch): a presence change to 6,000 subscribers whose clients are on
// another node was 6,000 NATS messages, each parsed and routed by
// nats-server and copied and dispatched by the receiving node's NATS
// client; gathered, it is a handful. A frame given alone still leaves at
// once, as a message of its own: nobody waits to fill a batch.
//
// Order: frames leave a link in the order they were given, whatever their
// size (a session's pushes, then its data frame, then its close), and NATS
// keeps one sender's order on a subject.
//
// A node of an older build does not read batches: every message says, in
// a header, that its sender reads them, and a link gathers only once the
// other node said so in its last message (a rolling upgrade, or back).

const (
	// batchFrameMax: frames up to this size are gathered; larger ones
	// (relayed chunks) go in a message of their own, without a copy.
	batchFrameMax = 16 << 10
	// linkPendingMax: gathered bytes beyond which a sender publishes them
	// itself, so that a congested NATS connection holds senders up as it
	// did before rather than letting the gathered frames grow.
	linkPendingMax = 4 << 20
	// entryHead: each gathered frame is preceded by its length.
	entryHead = 4
	// readsBatches is the header of every message a node sends: it reads
	// kindBatch.
	readsBatches = "Huddle-Batches"
)

// batchesHeader is the header every message carries (never modified).
var batchesHeader = nats.Header{readsBatches: []string{"1"}}

// nodeLink is this node's sending end towards one other node.
//
// Lock order: pubMu, then mu (a leaf).
type nodeLink struct {
	cl      *cluster
	subject string
	room    int // bytes of entries in one message: NATS's payload limit less the envelope
	// gathers: the other node said it reads batches (heard).
	gathers atomic.Bool

	pubMu sync.Mutex // held while publishing: frames leave in the order given

	mu       sync.Mutex
	pending  []byte // gathered entries: length (4 bytes), frame, kind, session
	spare    []byte // the previous pending's array, for reuse
	flushing bool   // a flusher goroutine runs
}

// link is the nodeLink towards subject, made on first use.
func (cl *cluster) link(subject string) *nodeLink {
	if v, ok := cl.links.Load(subject); ok {
		return v.(*nodeLink)
	}
	v, _ := cl.links.LoadOrStore(subject, &nodeLink{cl: cl, subject: subject, room: cl.room})
	return v.(*nodeLink)
}

// send sends one frame of session id. The frame may be reused once send
// returns. owned: frame's spare capacity is the caller's to write in (see
// cluster.sendOwned).
func (l *nodeLink) send(kind byte, id uint64, frame []byte, owned bool) error {
	if len(frame) > batchFrameMax || !l.gathers.Load() {
		l.pubMu.Lock()
		defer l.pubMu.Unlock()
		l.publishPending() // what was given before goes first
		l.cl.srv.metrics.clusterFrames.Inc()
		if owned && cap(frame)-len(frame) >= envelopeLen {
			return l.publish(withEnvelope(frame, kind, id))
		}
		bp := envelopes.Get().(*[]byte)
		defer envelopes.Put(bp)
		*bp = withEnvelope(append((*bp)[:0], frame...), kind, id)
		return l.publish(*bp)
	}
	l.mu.Lock()
	l.pending = binary.BigEndian.AppendUint32(l.pending, uint32(len(frame)))
	l.pending = withEnvelope(append(l.pending, frame...), kind, id)
	start := !l.flushing
	l.flushing = true
	full := len(l.pending) > linkPendingMax
	l.mu.Unlock()
	if start {
		go l.flush()
	}
	if full {
		l.pubMu.Lock()
		l.publishPending()
		l.pubMu.Unlock()
	}
	return nil
}

// flush publishes what is gathered until nothing is left. Before each
// message it lets the goroutines ready to run go first: in a fan-out they
// are write loops about to give this link frames (a presence change wakes
// thousands at once), and a flusher run at once was measured to take two
// frames a message. With nothing else ready it goes on at once.
func (l *nodeLink) flush() {
	for {
		runtime.Gosched()
		l.pubMu.Lock()
		l.publishPending()
		l.pubMu.Unlock()
		l.mu.Lock()
		if len(l.pending) == 0 {
			l.flushing = false
			l.mu.Unlock()
			return
		}
		l.mu.Unlock()
	}
}

// flushNow publishes what is gathered before returning (the node leaves).
func (l *nodeLink) flushNow() {
	l.pubMu.Lock()
	l.publishPending()
	l.pubMu.Unlock()
}

// publishPending publishes the gathered entries, as few messages as the
// payload limit allows; pubMu held. Sessions whose frames could not be
// published are closed, as when a frame of theirs failed before.
func (l *nodeLink) publishPending() {
	l.mu.Lock()
	all := l.pending
	l.pending, l.spare = l.spare[:0], nil
	l.mu.Unlock()
	defer l.reuse(all)
	for buf := all; len(buf) > 0; {
		n, count := cutEntries(buf, l.room)
		var err error
		switch {
		case count == 1: // alone: an ordinary message, as if never gathered
			err = l.publish(buf[entryHead:n])
		case n == len(buf): // the last: the envelope goes after it in place
			err = l.publish(withEnvelope(buf[:n], kindBatch, 0))
		default:
			bp := envelopes.Get().(*[]byte)
			*bp = withEnvelope(append((*bp)[:0], buf[:n]...), kindBatch, 0)
			err = l.publish(*bp)
			envelopes.Put(bp)
		}
		if err != nil {
			l.failed(buf[:n])
		}
		l.cl.srv.metrics.clusterFrames.Add(float64(count))
		buf = buf[n:]
	}
}

// reuse keeps buf's array for the next pending, unless it grew large in
// a burst.
func (l *nodeLink) reuse(buf []byte) {
	if cap(buf) > 1<<20 {
		return
	}
	l.mu.Lock()
	if l.spare == nil {
		l.spare = buf[:0]
	}
	l.mu.Unlock()
}

// publish hands one message, envelope included, to NATS, which copies it
// before returning.
func (l *nodeLink) publish(msg []byte) error {
	l.cl.srv.metrics.clusterMessages.Inc()
	return l.cl.nc.PublishMsg(&nats.Msg{Subject: l.subject, Reply: l.cl.subject, Data: msg, Header: batchesHeader})
}

// heard notes whether the other node reads batches, from the header of a
// message it sent.
func (l *nodeLink) heard(m *nats.Msg) {
	if reads := m.Header.Get(readsBatches) != ""; l.gathers.Load() != reads {
		l.gathers.Store(reads)
	}
}

// failed closes the sessions whose frames were in entries, which NATS
// refused (the link broke; cluster.disconnected closes the rest).
func (l *nodeLink) failed(entries []byte) {
	cl := l.cl
	eachEntry(entries, func(kind byte, id uint64, _ []byte) {
		cl.mu.Lock()
		c := cl.remotes[id]
		if kind < kindOut { // the client's frame, to its home
			c = cl.edges[id]
		}
		cl.mu.Unlock()
		if c != nil {
			c.close(websocket.CloseGoingAway, "the cluster link broke")
		}
	})
}

// withEnvelope appends the envelope (kind, session) to frame.
func withEnvelope(frame []byte, kind byte, id uint64) []byte {
	return binary.BigEndian.AppendUint64(append(frame, kind), id)
}

// cutEntries is how many bytes of whole entries at the start of buf fit
// in room (at least one), and how many entries that is.
func cutEntries(buf []byte, room int) (n, count int) {
	for n < len(buf) {
		size := entryHead + int(binary.BigEndian.Uint32(buf[n:])) + envelopeLen
		if count > 0 && n+size > room {
			break
		}
		n += size
		count++
	}
	return n, count
}

// eachEntry calls f with each entry of a batch: its kind, session and
// frame. The frame keeps the envelope's room after it (cluster.sendOwned
// may write there). A malformed batch stops at the first bad entry.
func eachEntry(batch []byte, f func(kind byte, id uint64, frame []byte)) {
	for len(batch) >= entryHead+envelopeLen {
		n := int(binary.BigEndian.Uint32(batch))
		end := entryHead + n + envelopeLen
		if n > len(batch) || end > len(batch) {
			return
		}
		e := batch[entryHead:end]
		f(e[n], binary.BigEndian.Uint64(e[n+1:]), e[:n:n+envelopeLen])
		batch = batch[end:]
	}
}
