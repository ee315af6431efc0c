package server

import (
	"bytes"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"huddle/protocol"
)

// conn is one client connection: a read loop that runs the client's
// requests in order, and a write loop that owns all writes to the socket.
// Everything else reaches the client through Send, which never blocks: a
// client whose queue is full is disconnected rather than buffered without
// bound.
type conn struct {
	srv *Server
	ws  *websocket.Conn

	// Control messages waiting for the write loop, at most Limits.SendQueue.
	// A slice grown on demand, not a channel: an idle connection's queue
	// then costs nothing (a channel of 1,024 is 24 KB per connection).
	qmu        sync.Mutex
	queue      []queued
	queueBytes int
	// writing: a write loop is running (it exits when nothing is left to
	// write, so an idle connection has no writer goroutine and no stack);
	// pingDue: the ping timer asked for a ping. Both under qmu.
	writing bool
	pingDue bool
	pinger  *time.Timer   // a timer, not a ticker in a goroutine: no stack
	done    chan struct{} // closed once the connection is shutting down

	// Bulk data frames waiting for the write loop (see sendBulk).
	bulkMu     sync.Mutex
	bulk       []bulkFrame
	bulkClosed bool

	closeOnce   sync.Once
	closeCode   int
	closeReason string
	readerDone  chan struct{}

	relayed relayIndex // the transfers and SendCmds it takes part in (transfer.go)

	// In a cluster (remote.go), at most one is set: home on the node with
	// the socket of a session living on another node (set by the read loop
	// before the login leaves), edge on the node with the session of a
	// client on another node (set before the conn is published; ws is nil).
	home *homeLink
	edge *edgeLink

	ip    string // the client's address, for per-IP limits
	token string // resume token, set at login (before the router publishes c)
	// replay numbers and keeps the session's pushes (replay.go); set at
	// login before the router publishes c, handed on at a resume.
	replay *replay

	// Owned by the read loop.
	limiter   connLimiter
	version   int    // of the protocol, as the client's hello said
	app, user string // set at login
	nick      string
	// The flags together: a conn is 352 bytes, the size class it had
	// before the cluster's two links (a bool between fields padded it).
	helloDone  bool
	loggedIn   bool
	subscribed bool
	// held: a session of an application this cluster node is home of; its
	// writes wait until the application's state is written (resumestate.go).
	// Set at login; in the padding after the flags, so the size holds.
	held atomic.Bool
}

func newConn(s *Server, ws *websocket.Conn) *conn {
	return &conn{
		srv:        s,
		ws:         ws,
		done:       make(chan struct{}),
		readerDone: make(chan struct{}),
		limiter:    newConnLimiter(s.cfg.Limits),
	}
}

// queued is a control message waiting for the write loop; seq numbers a
// push of the session's stream, 0 for anything else (answers, line_off,
// transfer pushes).
type queued struct {
	seq uint64
	msg []byte
}

type bulkFrame struct {
	t    *transfer
	data []byte
}

// sendBulk queues one binary frame of transfer t. Unlike control messages
// it is never refused for size: the relay's window already bounds what each
// transfer may have queued here.
func (c *conn) sendBulk(t *transfer, data []byte) bool {
	c.bulkMu.Lock()
	if c.bulkClosed {
		c.bulkMu.Unlock()
		putFrame(data)
		return false
	}
	c.bulk = append(c.bulk, bulkFrame{t, data})
	c.srv.relay.queued.Add(int64(len(data)))
	c.bulkMu.Unlock()
	c.qmu.Lock()
	c.startWriterLocked()
	c.qmu.Unlock()
	return true
}

// startWriterLocked starts a write loop unless one is running; qmu held.
// Whatever was queued before this call is seen by the loop: it only exits
// after finding nothing left, under the same lock.
func (c *conn) startWriterLocked() {
	if c.writing {
		return
	}
	c.writing = true
	c.srv.sessions.Add(1) // Done when the loop returns (writers.serve)
	c.srv.writers.run(c)
}

// startPinging pings the client every PingInterval until the connection
// closes; the read loop's deadline then catches a client that stopped
// answering.
func (c *conn) startPinging() {
	c.pinger = time.AfterFunc(c.srv.cfg.Limits.PingInterval, c.ping)
}

func (c *conn) ping() {
	select {
	case <-c.done:
		return
	default:
	}
	c.qmu.Lock()
	c.pingDue = true
	c.startWriterLocked()
	c.qmu.Unlock()
	c.pinger.Reset(c.srv.cfg.Limits.PingInterval)
}

// readPayload reads the message NextReader returned. A binary frame lands
// in a pooled buffer of chunk size that travels to the receiver and back to
// the pool once written: no allocation, no growing copies per chunk. The
// buffer has room for a cluster envelope after the frame, so a chunk
// relayed to another node is not copied (cluster.sendOwned).
func (c *conn) readPayload(typ int, r io.Reader) ([]byte, error) {
	if typ != websocket.BinaryMessage {
		// The socket's read limit admits a data chunk; control messages
		// get the smaller MaxFrame.
		data, err := io.ReadAll(io.LimitReader(r, c.srv.cfg.Limits.MaxFrame+1))
		if err == nil && int64(len(data)) > c.srv.cfg.Limits.MaxFrame {
			err = websocket.ErrReadLimit
		}
		return data, err
	}
	buf := getFrame(c.srv.cfg.Limits.Chunk + protocol.FrameHeader + envelopeLen)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // over a chunk: handleBinary refuses it
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

var framePool sync.Pool

func getFrame(size int) []byte {
	if p, ok := framePool.Get().(*[]byte); ok && cap(*p) >= size {
		return (*p)[:0]
	}
	return make([]byte, 0, size)
}

func putFrame(b []byte) { framePool.Put(&b) }

// nextBulk takes the next frame of a transfer still running; frames of
// ended (cancelled) transfers are dropped here. The frame counts as handed
// to the receiver from now on (see transfer.handed).
func (c *conn) nextBulk() ([]byte, bool) {
	c.bulkMu.Lock()
	defer c.bulkMu.Unlock()
	for len(c.bulk) > 0 {
		f := c.bulk[0]
		c.bulk[0] = bulkFrame{}
		c.bulk = c.bulk[1:]
		if len(c.bulk) == 0 {
			c.bulk = nil
		}
		if f.t == nil { // relayed by a home node (remote.go), which keeps the count
			return f.data, true
		}
		if !f.t.ended.Load() {
			if f.data[0] == protocol.FrameData {
				f.t.handed.Add(int64(len(f.data) - protocol.FrameHeader))
			}
			return f.data, true
		}
		c.srv.relay.queued.Add(-int64(len(f.data)))
		putFrame(f.data)
	}
	return nil, false
}

// dropBulk discards what is queued once the connection is closing.
func (c *conn) dropBulk() {
	c.bulkMu.Lock()
	defer c.bulkMu.Unlock()
	c.bulkClosed = true
	for _, f := range c.bulk {
		c.srv.relay.queued.Add(-int64(len(f.data)))
		putFrame(f.data)
	}
	c.bulk = nil
}

// Send pushes msg to the session: numbered and kept for a resume
// (replay.go), and queued on whichever connection the session has now. A
// push to a connection that has ended is kept all the same: the session may
// be parked and resumed.
func (c *conn) Send(msg []byte) bool {
	if c.replay == nil { // not signed in
		return c.enqueue(0, msg)
	}
	c.replay.push(msg)
	return true
}

// sendNow queues msg on this connection alone, unnumbered: transfer and
// SendCmd pushes, which end with the connection and are never replayed.
func (c *conn) sendNow(msg []byte) bool { return c.enqueue(0, msg) }

// pushNow is sendNow of an event.
func (c *conn) pushNow(ev string, payload any) {
	if msg, err := protocol.Push(ev, payload); err == nil {
		c.srv.metrics.messageOut(ev)
		c.sendNow(msg)
	}
}

// enqueue queues msg (numbered seq, or 0) for the write loop. A full queue
// means the client cannot keep up; it is disconnected so it cannot hold
// server memory hostage.
func (c *conn) enqueue(seq uint64, msg []byte) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	lim := c.srv.cfg.Limits
	c.qmu.Lock()
	if len(c.queue) >= lim.SendQueue || c.queueBytes+len(msg) > lim.SendQueueBytes {
		c.qmu.Unlock()
		c.srv.metrics.slowConsumerDisconnect.Inc()
		c.close(protocol.CloseSlowConsumer, "send queue full: client too slow")
		return false
	}
	c.queue = append(c.queue, queued{seq, msg})
	c.queueBytes += len(msg)
	c.startWriterLocked()
	c.qmu.Unlock()
	return true
}

// takeQueued empties the queue and returns what was in it.
func (c *conn) takeQueued() []queued {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	q := c.queue
	c.queue, c.queueBytes = nil, 0
	return q
}

// Kick pushes a LineOff with the matching SDK code, then closes.
func (c *conn) Kick(closeCode int, reason string) {
	c.pushNow(protocol.EvLineOff, protocol.LineOff{Code: protocol.LineOffCode(closeCode)})
	c.close(closeCode, reason)
}

// close starts shutting the connection down; the first reason wins.
func (c *conn) close(code int, reason string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeReason = code, reason
		close(c.done)
		if c.pinger != nil {
			c.pinger.Stop()
		}
		if c.edge != nil {
			c.edge.wake() // its runner ends the session
		}
		c.qmu.Lock()
		c.startWriterLocked() // it sends the close frame
		c.qmu.Unlock()
	})
}

func (c *conn) reply(id uint64, code protocol.ErrCode, payload any) {
	if id == 0 {
		return // a one-way message: nobody waits for an answer
	}
	msg, err := protocol.Reply(id, code, payload)
	if err != nil {
		c.srv.log.Error("encode reply", "err", err)
		msg, code = protocol.ErrorReply(id, protocol.InnerErr, "encode reply"), protocol.InnerErr
	}
	c.srv.metrics.outReply.Inc()
	c.srv.metrics.errorSent(code)
	c.sendNow(msg)
}

func (c *conn) fail(id uint64, code protocol.ErrCode, reason string) {
	if id == 0 {
		c.pushError(code, reason)
		return
	}
	c.srv.metrics.outReply.Inc()
	c.srv.metrics.errorSent(code)
	c.sendNow(protocol.ErrorReply(id, code, reason))
}

// pushError reports a problem with a message that has no request ID to answer.
func (c *conn) pushError(code protocol.ErrCode, reason string) {
	c.srv.metrics.errorSent(code)
	c.pushNow(protocol.EvError, protocol.ErrorInfo{Code: code, Msg: reason})
}

// readLoop runs until the connection fails or is closed, then cleans up
// everything the session held.
//
// It waits for the next message in NextReader, called right here, and does
// the rest in callees: most connections sit idle in that wait, and the
// runtime halves a goroutine's stack at GC only while under a quarter of it
// is in use. Kept shallow, an idle reader's stack shrinks from 8 to 4 KB:
// 4 KB less for every idle connection (docs/performance.md).
func (c *conn) readLoop() {
	defer func() {
		c.close(websocket.CloseNormalClosure, "")
		c.srv.sessionEnded(c)
		close(c.readerDone)
	}()
	c.prepareRead()
	for {
		typ, r, err := c.ws.NextReader()
		if err != nil {
			c.readFailed(err)
			return
		}
		if !c.handleMessage(typ, r) {
			return
		}
	}
}

func (c *conn) prepareRead() {
	lim := c.srv.cfg.Limits
	c.ws.SetReadLimit(max(lim.MaxFrame, int64(lim.Chunk)+protocol.FrameHeader))
	c.ws.SetReadDeadline(time.Now().Add(lim.LoginTimeout))
	c.ws.SetPongHandler(func(string) error {
		if c.signedIn() {
			c.ws.SetReadDeadline(time.Now().Add(lim.PongWait))
		}
		return nil
	})
}

// handleMessage reads and runs one message; false once the connection is
// closing.
func (c *conn) handleMessage(typ int, r io.Reader) bool {
	data, err := c.readPayload(typ, r)
	if err != nil {
		c.readFailed(err)
		return false
	}
	switch {
	case c.home != nil: // its session lives on another node
		err = c.srv.cluster.toHome(c, typ, data)
	case typ == websocket.TextMessage && c.srv.cluster != nil && !c.loggedIn:
		err = c.srv.cluster.beforeLogin(c, data)
	case typ == websocket.TextMessage:
		err = protocol.DecodeFrame(data, c.admit)
	case typ == websocket.BinaryMessage:
		err = c.handleBinary(data)
	}
	// After handling, so the login message itself lifts the login
	// deadline: a client that signs in and then stays quiet lives on
	// pings, not LoginTimeout.
	if c.signedIn() {
		c.ws.SetReadDeadline(time.Now().Add(c.srv.cfg.Limits.PongWait))
	}
	if err != nil && err != errRateClosed {
		c.pushError(protocol.ErrData, err.Error())
	}
	select {
	case <-c.done:
		return false
	default:
		return true
	}
}

// signedIn tells whether the client has signed in, here or (cluster) on
// its session's home; read loop only.
func (c *conn) signedIn() bool {
	return c.loggedIn || (c.home != nil && c.home.loggedIn.Load())
}

func (c *conn) readFailed(err error) {
	var ne interface{ Timeout() bool }
	switch {
	case errors.As(err, &ne) && ne.Timeout() && !c.signedIn():
		c.close(protocol.CloseLoginTimeout, "no login in time")
	case errors.Is(err, websocket.ErrReadLimit):
		c.close(websocket.CloseMessageTooBig, "frame larger than the server's limit")
	default:
		c.close(websocket.CloseNormalClosure, "")
	}
}

// writeLoop owns the socket's write side while there is something to write,
// and ends when there is not: an idle connection costs no goroutine here.
// At most one runs per connection (conn.writing). Control messages waiting
// in the queue are coalesced into one text frame, separated by newlines, so
// a burst of presence changes costs one syscall, not one per message.
// Control goes before bulk data: between two data frames the loop sends
// whatever control is waiting, so a big transfer delays a SendCmd by one
// chunk at most.
func (c *conn) writeLoop() {
	for {
		c.qmu.Lock()
		select {
		case <-c.done:
			// writing stays true: no loop starts after this one.
			c.qmu.Unlock()
			c.dropBulk()
			c.flushAndClose()
			return
		default:
		}
		q, pinged := c.queue, c.pingDue
		c.queue, c.queueBytes, c.pingDue = nil, 0, false
		// The data frame is taken in the same step as the control queue:
		// control queued before the frame (a transfer's start, say) is
		// then surely in q and goes out first.
		data, hasData := c.nextBulk()
		if len(q) == 0 && !pinged && !hasData {
			c.writing = false
			c.qmu.Unlock()
			return
		}
		c.qmu.Unlock()
		if len(q) > 0 && c.held.Load() && !c.srv.calls.awaitSaved(c.app) { // what it tells the client is durable first
			q = nil // or never told: the next home resumes without it
		}
		err := c.writeTurn(q, pinged, data)
		if hasData {
			c.srv.relay.queued.Add(-int64(len(data)))
			putFrame(data)
		}
		if err != nil {
			c.close(websocket.CloseAbnormalClosure, "write failed")
			if c.ws != nil {
				c.ws.Close()
			}
			c.dropBulk()
			return
		}
	}
}

// writeTurn is one turn of the write loop: a ping, the control messages
// and a data frame, each if there is one.
func (c *conn) writeTurn(q []queued, pinged bool, data []byte) error {
	if c.edge != nil {
		return c.edge.write(q, data)
	}
	lim := c.srv.cfg.Limits
	if pinged {
		if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(lim.WriteTimeout)); err != nil {
			return err
		}
	}
	for len(q) > 0 {
		n, err := c.writeBatch(q)
		if err != nil {
			return err
		}
		q = q[n:]
	}
	if data == nil {
		return nil
	}
	c.ws.SetWriteDeadline(time.Now().Add(lim.WriteTimeout))
	return c.ws.WriteMessage(websocket.BinaryMessage, data)
}

// writeQueued writes everything queued, as few frames as MaxBatch allows.
func (c *conn) writeQueued() error {
	for q := c.takeQueued(); len(q) > 0; q = c.takeQueued() {
		if c.held.Load() && !c.srv.calls.awaitSaved(c.app) {
			continue // as in writeLoop
		}
		if err := c.writeTurn(q, false, nil); err != nil {
			return err
		}
	}
	return nil
}

// writeBatch writes msgs[0] and as many after it as fit in MaxBatch bytes
// into one text frame, and returns how many it wrote. A message is never
// split between frames: the lines of one numbered push (a presence round
// carries several) reach the client together.
func (c *conn) writeBatch(msgs []queued) (int, error) {
	lim := c.srv.cfg.Limits
	c.ws.SetWriteDeadline(time.Now().Add(lim.WriteTimeout))
	w, err := c.ws.NextWriter(websocket.TextMessage)
	if err != nil {
		return 0, err
	}
	bp := numberedBufs.Get().(*[]byte)
	defer numberedBufs.Put(bp)
	i, n := 0, 0
	for ; i < len(msgs) && (i == 0 || n < lim.MaxBatch); i++ {
		if i > 0 {
			w.Write([]byte{'\n'})
		}
		*bp = writeNumbered(w, msgs[i], *bp)
		n += len(msgs[i].msg) + 1
	}
	return i, w.Close()
}

// numberedBufs hold the numbered copies writeNumbered makes, shared by
// every write loop: a batch borrows one only while it is written.
var numberedBufs = sync.Pool{New: func() any { return new([]byte) }}

// writeNumbered writes q.msg, each of its lines (JSON objects) numbered
// q.seq if it has one: {"seq":N, takes the place of the opening brace.
// The numbered copy is built in buf (returned for reuse) and written at
// once: a write per line would cost many times the copy.
func writeNumbered(w io.Writer, q queued, buf []byte) []byte {
	if q.seq == 0 {
		w.Write(q.msg)
		return buf
	}
	var pre [32]byte
	prefix := protocol.AppendSeqPrefix(pre[:0], q.seq)
	buf = buf[:0]
	for rest := q.msg; ; {
		line := rest
		i := bytes.IndexByte(rest, '\n')
		if i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		}
		if len(line) > 0 && line[0] == '{' {
			buf = append(buf, prefix...)
			line = line[1:]
		}
		buf = append(buf, line...)
		if i < 0 {
			break
		}
	}
	w.Write(buf)
	return buf
}

// flushAndClose sends what is already queued (a LineOff, say), then the close
// frame, and gives the reader a moment to see the peer's answer.
func (c *conn) flushAndClose() {
	lim := c.srv.cfg.Limits
	c.writeQueued()
	if c.edge != nil {
		c.edge.closeEdge(c.closeCode, c.closeReason)
		return
	}
	if c.closeCode != websocket.CloseAbnormalClosure {
		c.ws.WriteControl(websocket.CloseMessage,
			websocket.FormatCloseMessage(c.closeCode, c.closeReason), time.Now().Add(lim.WriteTimeout))
	}
	select {
	case <-c.readerDone:
	case <-time.After(time.Second):
	}
	c.ws.Close()
}
