package server

import (
	"errors"
	"io"
	"sync"
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
	qmu   sync.Mutex
	queue [][]byte
	wake  chan struct{} // a message was queued; capacity 1
	done  chan struct{} // closed once the connection is shutting down

	// Bulk data frames waiting for the write loop (see sendBulk).
	bulkMu     sync.Mutex
	bulk       []bulkFrame
	bulkClosed bool
	bulkWake   chan struct{}

	closeOnce   sync.Once
	closeCode   int
	closeReason string
	readerDone  chan struct{}

	ip    string // the client's address, for per-IP limits
	token string // resume token, set at login (before the router publishes c)

	// Owned by the read loop.
	limiter    connLimiter
	helloDone  bool
	app, user  string // set at login
	nick       string
	loggedIn   bool
	subscribed bool
}

func newConn(s *Server, ws *websocket.Conn) *conn {
	return &conn{
		srv:        s,
		ws:         ws,
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		readerDone: make(chan struct{}),
		limiter:    newConnLimiter(s.cfg.Limits),
		bulkWake:   make(chan struct{}, 1),
	}
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
	select {
	case c.bulkWake <- struct{}{}:
	default:
	}
	return true
}

// readMessage is ws.ReadMessage, except that a binary frame lands in a
// pooled buffer of chunk size that travels to the receiver and back to the
// pool once written: no allocation, no growing copies per chunk.
func (c *conn) readMessage() (int, []byte, error) {
	typ, r, err := c.ws.NextReader()
	if err != nil {
		return 0, nil, err
	}
	if typ != websocket.BinaryMessage {
		// The socket's read limit admits a data chunk; control messages
		// get the smaller MaxFrame.
		data, err := io.ReadAll(io.LimitReader(r, c.srv.cfg.Limits.MaxFrame+1))
		if err == nil && int64(len(data)) > c.srv.cfg.Limits.MaxFrame {
			err = websocket.ErrReadLimit
		}
		return typ, data, err
	}
	buf := getFrame(c.srv.cfg.Limits.Chunk + protocol.FrameHeader)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // over a chunk: handleBinary refuses it
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return typ, buf, nil
		}
		if err != nil {
			return 0, nil, err
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

// Send queues msg for the write loop. A full queue means the client cannot
// keep up; it is disconnected so it cannot hold server memory hostage.
func (c *conn) Send(msg []byte) bool {
	select {
	case <-c.done:
		return false
	default:
	}
	c.qmu.Lock()
	if len(c.queue) >= c.srv.cfg.Limits.SendQueue {
		c.qmu.Unlock()
		c.close(protocol.CloseSlowConsumer, "send queue full: client too slow")
		return false
	}
	c.queue = append(c.queue, msg)
	c.qmu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

// takeQueued empties the queue and returns what was in it.
func (c *conn) takeQueued() [][]byte {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	q := c.queue
	c.queue = nil
	return q
}

// Kick pushes a LineOff with the matching SDK code, then closes.
func (c *conn) Kick(closeCode int, reason string) {
	if msg, err := protocol.Push(protocol.EvLineOff, protocol.LineOff{Code: protocol.LineOffCode(closeCode)}); err == nil {
		c.Send(msg)
	}
	c.close(closeCode, reason)
}

// close starts shutting the connection down; the first reason wins.
func (c *conn) close(code int, reason string) {
	c.closeOnce.Do(func() {
		c.closeCode, c.closeReason = code, reason
		close(c.done)
	})
}

func (c *conn) reply(id uint64, code protocol.ErrCode, payload any) {
	if id == 0 {
		return // a one-way message: nobody waits for an answer
	}
	msg, err := protocol.Reply(id, code, payload)
	if err != nil {
		c.srv.log.Error("encode reply", "err", err)
		msg = protocol.ErrorReply(id, protocol.InnerErr, "encode reply")
	}
	c.Send(msg)
}

func (c *conn) fail(id uint64, code protocol.ErrCode, reason string) {
	if id == 0 {
		c.pushError(code, reason)
		return
	}
	c.Send(protocol.ErrorReply(id, code, reason))
}

// pushError reports a problem with a message that has no request ID to answer.
func (c *conn) pushError(code protocol.ErrCode, reason string) {
	if msg, err := protocol.Push(protocol.EvError, protocol.ErrorInfo{Code: code, Msg: reason}); err == nil {
		c.Send(msg)
	}
}

// readLoop runs until the connection fails or is closed, then cleans up
// everything the session held.
func (c *conn) readLoop() {
	lim := c.srv.cfg.Limits
	defer func() {
		c.close(websocket.CloseNormalClosure, "")
		c.srv.sessionEnded(c)
		close(c.readerDone)
	}()
	c.ws.SetReadLimit(max(lim.MaxFrame, int64(lim.Chunk)+protocol.FrameHeader))
	c.ws.SetReadDeadline(time.Now().Add(lim.LoginTimeout))
	c.ws.SetPongHandler(func(string) error {
		if c.loggedIn {
			c.ws.SetReadDeadline(time.Now().Add(lim.PongWait))
		}
		return nil
	})
	for {
		typ, data, err := c.readMessage()
		if err != nil {
			c.readFailed(err)
			return
		}
		switch typ {
		case websocket.TextMessage:
			err = protocol.DecodeFrame(data, c.admit)
		case websocket.BinaryMessage:
			err = c.handleBinary(data)
		}
		// After handling, so the login message itself lifts the login
		// deadline: a client that signs in and then stays quiet lives on
		// pings, not LoginTimeout.
		if c.loggedIn {
			c.ws.SetReadDeadline(time.Now().Add(lim.PongWait))
		}
		if err != nil && err != errRateClosed {
			c.pushError(protocol.ErrData, err.Error())
		}
		select {
		case <-c.done:
			return
		default:
		}
	}
}

func (c *conn) readFailed(err error) {
	var ne interface{ Timeout() bool }
	switch {
	case errors.As(err, &ne) && ne.Timeout() && !c.loggedIn:
		c.close(protocol.CloseLoginTimeout, "no login in time")
	case errors.Is(err, websocket.ErrReadLimit):
		c.close(websocket.CloseMessageTooBig, "frame larger than the server's limit")
	default:
		c.close(websocket.CloseNormalClosure, "")
	}
}

// writeLoop owns the socket's write side. Control messages waiting in the
// queue are coalesced into one text frame, separated by newlines, so a burst
// of presence changes costs one syscall, not one per message. Control goes
// before bulk data: between two data frames the loop always sends whatever
// control is waiting, so a big transfer delays a SendCmd by one chunk at most.
func (c *conn) writeLoop() {
	lim := c.srv.cfg.Limits
	ping := time.NewTicker(lim.PingInterval)
	defer ping.Stop()
	defer c.dropBulk()
	fail := func(reason string) {
		c.close(websocket.CloseAbnormalClosure, reason)
		c.ws.Close()
	}
	// handle runs one wake-up; false when the loop must end.
	handle := func(closing, pinged, queued bool) bool {
		switch {
		case closing:
			c.flushAndClose()
			return false
		case pinged:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(lim.WriteTimeout)); err != nil {
				fail("ping failed")
				return false
			}
		case queued:
			if err := c.writeQueued(); err != nil {
				fail("write failed")
				return false
			}
		}
		return true
	}
	for {
		// Control first: whatever is waiting goes out before the next data frame.
		var closing, pinged, queued bool
		select {
		case <-c.done:
			closing = true
		case <-ping.C:
			pinged = true
		case <-c.wake:
			queued = true
		default:
		}
		if closing || pinged || queued {
			if !handle(closing, pinged, queued) {
				return
			}
			continue
		}
		if data, ok := c.nextBulk(); ok {
			c.ws.SetWriteDeadline(time.Now().Add(lim.WriteTimeout))
			err := c.ws.WriteMessage(websocket.BinaryMessage, data)
			c.srv.relay.queued.Add(-int64(len(data)))
			putFrame(data)
			if err != nil {
				fail("write failed")
				return
			}
			continue
		}
		select {
		case <-c.done:
			closing = true
		case <-ping.C:
			pinged = true
		case <-c.wake:
			queued = true
		case <-c.bulkWake:
		}
		if !handle(closing, pinged, queued) {
			return
		}
	}
}

// writeQueued writes everything queued, as few frames as MaxBatch allows.
func (c *conn) writeQueued() error {
	for q := c.takeQueued(); len(q) > 0; q = c.takeQueued() {
		for len(q) > 0 {
			n, err := c.writeBatch(q)
			if err != nil {
				return err
			}
			q = q[n:]
		}
	}
	return nil
}

// writeBatch writes msgs[0] and as many after it as fit in MaxBatch bytes
// into one text frame, and returns how many it wrote.
func (c *conn) writeBatch(msgs [][]byte) (int, error) {
	lim := c.srv.cfg.Limits
	c.ws.SetWriteDeadline(time.Now().Add(lim.WriteTimeout))
	w, err := c.ws.NextWriter(websocket.TextMessage)
	if err != nil {
		return 0, err
	}
	w.Write(msgs[0])
	i, n := 1, len(msgs[0])
	for ; i < len(msgs) && n < lim.MaxBatch; i++ {
		w.Write([]byte{'\n'})
		w.Write(msgs[i])
		n += len(msgs[i]) + 1
	}
	return i, w.Close()
}

// flushAndClose sends what is already queued (a LineOff, say), then the close
// frame, and gives the reader a moment to see the peer's answer.
func (c *conn) flushAndClose() {
	lim := c.srv.cfg.Limits
	c.writeQueued()
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
