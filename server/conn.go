package server

import (
	"errors"
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

	closeOnce   sync.Once
	closeCode   int
	closeReason string
	readerDone  chan struct{}

	// Owned by the read loop.
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
	}
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
	c.ws.SetReadLimit(lim.MaxFrame)
	c.ws.SetReadDeadline(time.Now().Add(lim.LoginTimeout))
	c.ws.SetPongHandler(func(string) error {
		if c.loggedIn {
			c.ws.SetReadDeadline(time.Now().Add(lim.PongWait))
		}
		return nil
	})
	for {
		typ, data, err := c.ws.ReadMessage()
		if err != nil {
			c.readFailed(err)
			return
		}
		if c.loggedIn {
			c.ws.SetReadDeadline(time.Now().Add(lim.PongWait))
		}
		switch typ {
		case websocket.TextMessage:
			err = protocol.DecodeFrame(data, c.handle)
		case websocket.BinaryMessage:
			err = c.handleBinary(data)
		}
		if err != nil {
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
// of presence changes costs one syscall, not one per message.
func (c *conn) writeLoop() {
	lim := c.srv.cfg.Limits
	ping := time.NewTicker(lim.PingInterval)
	defer ping.Stop()
	for {
		select {
		case <-c.wake:
			if err := c.writeQueued(); err != nil {
				c.close(websocket.CloseAbnormalClosure, "write failed")
				c.ws.Close()
				return
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(lim.WriteTimeout)); err != nil {
				c.close(websocket.CloseAbnormalClosure, "ping failed")
				c.ws.Close()
				return
			}
		case <-c.done:
			c.flushAndClose()
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
