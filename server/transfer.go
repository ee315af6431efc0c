package server

import (
	"fmt"
	"sync"
	"sync/atomic"

	"huddle/protocol"
)

// relay is the server half of the transparent channel. It forwards SendCmd
// payloads and the binary frames of buffer and file transfers from sender to
// receiver, and enforces each transfer's window: a sender may have at most
// Limits.Window bytes the receiver has not acknowledged, so what the server
// holds of a transfer never exceeds the window, however big the file or slow
// the receiver.
//
// The relay reaches a receiver's connection directly (*conn). A multi-node
// version would carry frames over its bus like Router carries Peers.
type relay struct {
	mu     sync.Mutex
	stream uint32 // last stream number handed out (one numbering per server)
	cmdSeq uint64
	xfers  map[uint32]*transfer
	cmds   map[uint64]*pendingCmd
	active map[*conn]int // transfers each connection takes part in
	// incoming sums the declared sizes of the transfers each connection is
	// receiving (Limits.MaxIncoming).
	incoming map[*conn]int64
	queued   atomic.Int64 // bytes of data frames waiting in receivers' queues
}

type transfer struct {
	stream           uint32
	sender, receiver *conn
	task             string
	size             int64
	received, acked  int64 // bytes forwarded to, and acknowledged by, the receiver
	sealed           bool  // the end frame went out: too late to cancel
	ended            atomic.Bool
	// handed counts data bytes the receiver's write loop has given to the
	// socket. An acknowledgement beyond it is a lie that would let a
	// receiver which never reads make the server queue without bound.
	handed atomic.Int64
}

type pendingCmd struct {
	sender, receiver *conn
	id               uint64
}

func (r *relay) init() {
	r.xfers = make(map[uint32]*transfer)
	r.cmds = make(map[uint64]*pendingCmd)
	r.active = make(map[*conn]int)
	r.incoming = make(map[*conn]int64)
}

// RelayBuffered reports the bytes of transfer data the server holds in
// memory right now, waiting to be written to receivers.
func (s *Server) RelayBuffered() int64 { return s.relay.queued.Load() }

// target finds the signed-in connection of user in c's application.
func (c *conn) target(user string) (*conn, bool) {
	p, ok := c.srv.router.Lookup(c.app, user)
	if !ok {
		return nil, false
	}
	rc, ok := p.(*conn)
	return rc, ok
}

func (c *conn) handleSendCmd(m protocol.Message) {
	var req protocol.SendCmd
	if !c.decode(m, &req) {
		return
	}
	if m.ID == 0 {
		c.pushError(protocol.ErrData, "send_cmd needs a request id for its result")
		return
	}
	if len(req.Data) > protocol.MaxCmd {
		c.fail(m.ID, protocol.SendCmdLarge, fmt.Sprintf("SendCmd data is %d bytes; at most %d", len(req.Data), protocol.MaxCmd))
		return
	}
	rc, ok := c.target(req.To)
	if !ok {
		c.fail(m.ID, protocol.SendDataTargetInvalid, "target user is offline or unknown")
		return
	}
	r := &c.srv.relay
	r.mu.Lock()
	r.cmdSeq++
	n := r.cmdSeq
	r.cmds[n] = &pendingCmd{sender: c, receiver: rc, id: m.ID}
	r.mu.Unlock()
	msg, err := protocol.Push(protocol.EvCmdData, protocol.CmdData{From: c.user, N: n, Data: req.Data})
	if err == nil && rc.Send(msg) {
		return
	}
	r.mu.Lock()
	delete(r.cmds, n)
	r.mu.Unlock()
	c.fail(m.ID, protocol.SendDataTargetInvalid, "target user went offline")
}

// handleCmdAck: the receiver's SDK has the command; now the sender hears.
func (c *conn) handleCmdAck(m protocol.Message) {
	var a protocol.CmdAck
	if !c.decode(m, &a) {
		return
	}
	r := &c.srv.relay
	r.mu.Lock()
	p := r.cmds[a.N]
	if p == nil || p.receiver != c {
		r.mu.Unlock()
		return // the sender left already, or a confused client: nobody waits
	}
	delete(r.cmds, a.N)
	r.mu.Unlock()
	p.sender.reply(p.id, protocol.NoErr, nil)
}

func (c *conn) handleXferStart(m protocol.Message) {
	var req protocol.XferStart
	if !c.decode(m, &req) {
		return
	}
	lim := c.srv.cfg.Limits
	switch {
	case m.ID == 0:
		c.pushError(protocol.ErrData, "xfer_start needs a request id")
		return
	case req.Kind != protocol.KindBuffer && req.Kind != protocol.KindFile:
		c.fail(m.ID, protocol.MeetParamErr, "kind must be buffer or file")
		return
	case req.Size < 0 || len(req.Task) > 128 || len(req.Name) > 1024:
		c.fail(m.ID, protocol.MeetParamErr, "bad size, task or name")
		return
	case req.Kind == protocol.KindBuffer && req.Size > lim.MaxBuffer:
		c.fail(m.ID, protocol.SendBufferLarge, fmt.Sprintf("buffer of %d bytes; this server takes at most %d", req.Size, lim.MaxBuffer))
		return
	case req.Kind == protocol.KindFile && req.Size > lim.MaxFile:
		c.fail(m.ID, protocol.SendFileFileInError, fmt.Sprintf("file of %d bytes; this server takes at most %d", req.Size, lim.MaxFile))
		return
	}
	rc, ok := c.target(req.To)
	if !ok {
		c.fail(m.ID, protocol.SendDataTargetInvalid, "target user is offline or unknown")
		return
	}
	r := &c.srv.relay
	r.mu.Lock()
	if r.active[c] >= lim.MaxTransfers || r.active[rc] >= lim.MaxTransfers {
		r.mu.Unlock()
		c.fail(m.ID, protocol.SendFail, fmt.Sprintf("at most %d transfers at once per user", lim.MaxTransfers))
		return
	}
	if r.incoming[rc]+req.Size > lim.MaxIncoming {
		r.mu.Unlock()
		c.fail(m.ID, protocol.SendFail, fmt.Sprintf("the receiver has too much incoming data in progress (at most %d bytes at once)", lim.MaxIncoming))
		return
	}
	r.stream++
	for r.xfers[r.stream] != nil || r.stream == 0 {
		r.stream++
	}
	t := &transfer{stream: r.stream, sender: c, receiver: rc, task: req.Task, size: req.Size}
	r.xfers[t.stream] = t
	r.active[c]++
	r.active[rc]++
	r.incoming[rc] += req.Size
	r.mu.Unlock()
	offer, err := protocol.Push(protocol.EvXferOffer, protocol.XferOffer{
		From: c.user, Stream: t.stream, Task: req.Task, Kind: req.Kind, Size: req.Size, Name: req.Name,
	})
	if err != nil || !rc.Send(offer) {
		r.finish(t)
		c.fail(m.ID, protocol.SendDataTargetInvalid, "target user went offline")
		return
	}
	c.reply(m.ID, protocol.NoErr, protocol.XferStartReply{Stream: t.stream, Chunk: lim.Chunk, Window: lim.Window})
}

// finish forgets t; false if it had ended already.
func (r *relay) finish(t *transfer) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.finishLocked(t)
}

func (r *relay) finishLocked(t *transfer) bool {
	if r.xfers[t.stream] != t {
		return false
	}
	delete(r.xfers, t.stream)
	for _, c := range []*conn{t.sender, t.receiver} {
		if r.active[c]--; r.active[c] <= 0 {
			delete(r.active, c)
		}
	}
	if r.incoming[t.receiver] -= t.size; r.incoming[t.receiver] <= 0 {
		delete(r.incoming, t.receiver)
	}
	t.ended.Store(true) // frames still queued for the receiver are dropped
	return true
}

// abort ends t on both sides: the sender gets code, the receiver a cancel.
func (r *relay) abort(t *transfer, code protocol.ErrCode, reason string) {
	if !r.finish(t) {
		return
	}
	push(t.sender, protocol.EvXferResult, protocol.XferResult{Stream: t.stream, Code: code, Msg: reason})
	push(t.receiver, protocol.EvXferCancel, protocol.XferCancel{Stream: t.stream})
}

// handleBinary forwards one data or end frame of a transfer this connection
// sends. Frames of a transfer that just ended (cancelled, say) may still be
// in flight; they are dropped. data is a pooled buffer: forwarded, it goes
// back to the pool once written to the receiver; otherwise right away.
func (c *conn) handleBinary(data []byte) error {
	forwarded := false
	defer func() {
		if !forwarded {
			putFrame(data)
		}
	}()
	if !c.loggedIn {
		c.close(protocol.CloseProtocolError, "binary frame before login")
		return nil
	}
	f, err := protocol.ParseFrame(data)
	if err != nil {
		return err
	}
	r := &c.srv.relay
	window := c.srv.cfg.Limits.Window
	r.mu.Lock()
	t := r.xfers[f.Stream]
	if t == nil {
		r.mu.Unlock()
		return nil
	}
	if t.sender != c {
		r.mu.Unlock()
		return fmt.Errorf("stream %d is not yours to send on", f.Stream)
	}
	var violation string
	n := int64(len(f.Payload))
	switch {
	case t.sealed:
		violation = "frame after the end frame"
	case n > int64(c.srv.cfg.Limits.Chunk):
		violation = fmt.Sprintf("a data frame carries at most %d bytes", c.srv.cfg.Limits.Chunk)
	case f.Kind == protocol.FrameData && f.Offset != t.received:
		violation = fmt.Sprintf("data at offset %d, expected %d", f.Offset, t.received)
	case f.Kind == protocol.FrameData && t.received+n > t.size:
		violation = "more data than the announced size"
	case f.Kind == protocol.FrameData && t.received+n-t.acked > window:
		violation = fmt.Sprintf("more than the window of %d unacknowledged bytes", window)
	case f.Kind == protocol.FrameEnd && (f.Offset != t.size || t.received != t.size):
		violation = "end frame before all data"
	}
	if violation != "" {
		r.mu.Unlock()
		r.abort(t, protocol.ErrData, violation)
		return nil
	}
	if f.Kind == protocol.FrameData {
		t.received += n
	} else {
		t.sealed = true
	}
	r.mu.Unlock()
	forwarded = true // sendBulk owns it now, sent or not
	t.receiver.sendBulk(t, data)
	return nil
}

// handleXferAck: the receiver returns credit; the sender hears how far the
// receiver got (its progress and its permission to send more).
func (c *conn) handleXferAck(m protocol.Message) {
	var a protocol.XferAck
	if !c.decode(m, &a) {
		return
	}
	r := &c.srv.relay
	r.mu.Lock()
	t := r.xfers[a.Stream]
	if t == nil || t.receiver != c || a.Acked < t.acked || a.Acked > t.handed.Load() {
		r.mu.Unlock()
		return // ended meanwhile, or nonsense that would only hurt the client itself
	}
	t.acked = a.Acked
	r.mu.Unlock()
	push(t.sender, protocol.EvXferAck, protocol.XferAck{Stream: t.stream, Acked: a.Acked})
}

// handleXferDone: the receiver's verdict ends the transfer.
func (c *conn) handleXferDone(m protocol.Message) {
	var d protocol.XferDone
	if !c.decode(m, &d) {
		return
	}
	r := &c.srv.relay
	r.mu.Lock()
	t := r.xfers[d.Stream]
	if t == nil || t.receiver != c {
		r.mu.Unlock()
		return
	}
	sealed := t.sealed
	if !sealed && d.Code == protocol.NoErr {
		d.Code = protocol.SendFail // "done" before all data arrived is no success
	}
	r.finishLocked(t)
	r.mu.Unlock()
	res := protocol.XferResult{Stream: t.stream, Code: d.Code}
	switch {
	case d.Code == protocol.NoErr:
	case sealed:
		res.Msg = "the receiver rejected the data"
	default:
		res.Msg = "the receiver cancelled the transfer"
	}
	push(t.sender, protocol.EvXferResult, res)
}

// handleXferCancel: the sender cancels. Once the end frame has gone out the
// receiver may already hold the data, so that is too late (1104).
func (c *conn) handleXferCancel(m protocol.Message) {
	var x protocol.XferCancel
	if !c.decode(m, &x) {
		return
	}
	r := &c.srv.relay
	r.mu.Lock()
	t := r.xfers[x.Stream]
	switch {
	case t == nil || t.sender != c:
		r.mu.Unlock()
		c.fail(m.ID, protocol.TransIDInvalid, "no such transfer")
		return
	case t.sealed:
		r.mu.Unlock()
		c.fail(m.ID, protocol.TransIDInvalid, "the transfer is complete")
		return
	}
	r.finishLocked(t)
	r.mu.Unlock()
	push(t.receiver, protocol.EvXferCancel, protocol.XferCancel{Stream: t.stream})
	c.reply(m.ID, protocol.NoErr, nil)
}

// connEnded settles everything c took part in: its receivers are told the
// transfer is cancelled, its senders get SENDFAIL, and SendCmds waiting for
// its acknowledgement fail.
func (r *relay) connEnded(c *conn) {
	r.mu.Lock()
	var ended []*transfer
	for _, t := range r.xfers {
		if t.sender == c || t.receiver == c {
			ended = append(ended, t)
		}
	}
	for _, t := range ended {
		r.finishLocked(t)
	}
	var cmds []*pendingCmd
	for n, p := range r.cmds {
		if p.sender == c || p.receiver == c {
			delete(r.cmds, n)
			if p.sender != c {
				cmds = append(cmds, p)
			}
		}
	}
	r.mu.Unlock()
	for _, t := range ended {
		if t.sender != c {
			push(t.sender, protocol.EvXferResult, protocol.XferResult{Stream: t.stream, Code: protocol.SendFail, Msg: "the receiver went offline"})
		}
		if t.receiver != c {
			push(t.receiver, protocol.EvXferCancel, protocol.XferCancel{Stream: t.stream})
		}
	}
	for _, p := range cmds {
		p.sender.fail(p.id, protocol.SendFail, "the receiver went offline before it had the data")
	}
}
