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
// There is no relay-wide lock. Transfers are found by stream number in a
// sync.Map and each has its own lock for its flow control, so the frames of
// one transfer never wait for another's. What each connection takes part in
// is indexed on the connection (relayIndex), so per-connection limits are
// checked, and a connection's end settled, at the cost of what it holds.
//
// The relay reaches a receiver's connection directly (*conn). In a cluster
// the receiver may be a session whose client is on another node: its conn
// publishes the frames to that node (remote.go) and counts them handed
// then, so each node holds at most a window of a transfer.
type relay struct {
	stream  atomic.Uint32 // last stream number handed out (one numbering per server)
	cmdSeq  atomic.Uint64
	xfers   sync.Map     // stream → *transfer
	queued  atomic.Int64 // bytes of data frames waiting in receivers' queues
	unacked atomic.Int64 // SendCmds waiting for their receiver's acknowledgement
	metrics *metrics     // the server's
}

type transfer struct {
	stream           uint32
	sender, receiver *conn
	task             string
	size             int64
	buffer           bool // a SendBuffer (else a file)

	mu              sync.Mutex // the flow control below; a leaf
	received, acked int64      // bytes forwarded to, and acknowledged by, the receiver
	sealed          bool       // the end frame went out: too late to cancel

	// ended is set once, by whoever ends the transfer (relay.finish); frames
	// still queued for the receiver are dropped.
	ended atomic.Bool
	// handed counts data bytes the receiver's write loop has given to the
	// socket. An acknowledgement beyond it is a lie that would let a
	// receiver which never reads make the server queue without bound.
	handed atomic.Int64
}

// pendingCmd is a SendCmd waiting for its receiver's cmd_ack. Whoever takes
// it out of the receiver's index (the ack, the timeout, either side
// leaving) settles it, so the sender is answered exactly once.
type pendingCmd struct {
	n                uint64
	sender, receiver *conn
	id               uint64 // the sender's request ID
	timer            *timer // CmdAckTimeout
}

// relayIndex is what one connection takes part in. Its lock is a leaf: the
// relay never holds two connections' indexes, or an index and a transfer,
// at once.
type relayIndex struct {
	mu       sync.Mutex
	closed   bool                   // the connection ended: nothing new is added
	xfers    map[*transfer]int64    // each with the bytes it counts in incoming
	incoming int64                  // declared bytes of the transfers it receives (Limits.MaxIncoming)
	buffered int64                  // of which SendBuffers, held whole by the receiver (Limits.MaxBufferedIn)
	cmdsIn   map[uint64]*pendingCmd // SendCmds it received and has not acknowledged
	cmdsOut  map[uint64]*pendingCmd // SendCmds it sent that wait for an acknowledgement
}

// addXfer records t, refusing (SENDFAIL) past MaxTransfers, or past
// MaxIncoming when incoming > 0 (c receives t), or (SENDBUFFER_LARGE) past
// MaxBufferedIn when c receives a buffer; SENDDATA_TARGETINVALID if c has
// ended.
func (x *relayIndex) addXfer(t *transfer, incoming int64, lim Limits) (protocol.ErrCode, string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case x.closed:
		return protocol.SendDataTargetInvalid, "target user went offline"
	case len(x.xfers) >= lim.MaxTransfers:
		return protocol.SendFail, fmt.Sprintf("at most %d transfers at once per user", lim.MaxTransfers)
	case incoming > 0 && x.incoming+incoming > lim.MaxIncoming:
		return protocol.SendFail, fmt.Sprintf("the receiver has too much incoming data in progress (at most %d bytes at once)", lim.MaxIncoming)
	case incoming > 0 && t.buffer && x.buffered+incoming > lim.MaxBufferedIn:
		return protocol.SendBufferLarge, fmt.Sprintf("the receiver is taking too many buffers at once (at most %d bytes)", lim.MaxBufferedIn)
	}
	if x.xfers == nil {
		x.xfers = make(map[*transfer]int64)
	}
	// A transfer to oneself is added twice, as sent and as received; it
	// counts once, and gives back all it took when dropped.
	x.xfers[t] += incoming
	x.incoming += incoming
	if t.buffer {
		x.buffered += incoming
	}
	return protocol.NoErr, ""
}

func (x *relayIndex) dropXfer(t *transfer) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if incoming, ok := x.xfers[t]; ok {
		delete(x.xfers, t)
		x.incoming -= incoming
		if t.buffer {
			x.buffered -= incoming
		}
	}
}

// addCmdIn records p for its receiver, unless that has ended or has max
// unacknowledged already; the ack timer starts here, under the lock, so it
// cannot take p before p is in.
func (x *relayIndex) addCmdIn(p *pendingCmd, lim Limits, ts *timers, expire func()) (protocol.ErrCode, string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case x.closed:
		return protocol.SendDataTargetInvalid, "target user went offline"
	case len(x.cmdsIn) >= lim.MaxUnackedCmds:
		return protocol.SendFail, fmt.Sprintf("the receiver has not acknowledged %d SendCmds; at most %d may wait", len(x.cmdsIn), lim.MaxUnackedCmds)
	}
	if x.cmdsIn == nil {
		x.cmdsIn = make(map[uint64]*pendingCmd)
	}
	x.cmdsIn[p.n] = p
	p.timer = ts.afterFunc(lim.CmdAckTimeout, expire)
	return protocol.NoErr, ""
}

// takeCmdIn removes SendCmd n from the receiver's index; nil if something
// else settled it already. The taker settles it.
func (x *relayIndex) takeCmdIn(n uint64) *pendingCmd {
	x.mu.Lock()
	defer x.mu.Unlock()
	p := x.cmdsIn[n]
	delete(x.cmdsIn, n)
	return p
}

// setCmdOut adds (or, with add false, removes) p in its sender's index.
func (x *relayIndex) setCmdOut(p *pendingCmd, add bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	switch {
	case !add:
		delete(x.cmdsOut, p.n)
	case !x.closed:
		if x.cmdsOut == nil {
			x.cmdsOut = make(map[uint64]*pendingCmd)
		}
		x.cmdsOut[p.n] = p
	}
}

// close marks the connection ended and hands back everything it took part in.
func (x *relayIndex) close() (xfers map[*transfer]int64, in, out map[uint64]*pendingCmd) {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.closed = true
	xfers, in, out = x.xfers, x.cmdsIn, x.cmdsOut
	x.xfers, x.cmdsIn, x.cmdsOut, x.incoming, x.buffered = nil, nil, nil, 0, 0
	return xfers, in, out
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
	p := &pendingCmd{n: r.cmdSeq.Add(1), sender: c, receiver: rc, id: m.ID}
	if code, why := rc.relayed.addCmdIn(p, c.srv.cfg.Limits, c.srv.timers, func() { r.cmdExpired(p) }); code != protocol.NoErr {
		c.fail(m.ID, code, why)
		return
	}
	r.unacked.Add(1)
	c.relayed.setCmdOut(p, true)
	msg, err := protocol.Push(protocol.EvCmdData, protocol.CmdData{From: c.user, N: p.n, Data: req.Data})
	c.srv.metrics.messageOut(protocol.EvCmdData)
	if err == nil && rc.sendNow(msg) {
		return
	}
	if r.takeCmd(p) {
		c.fail(m.ID, protocol.SendDataTargetInvalid, "target user went offline")
	}
}

// takeCmd settles p without answering its sender: false if something else
// settled it already (and answered).
func (r *relay) takeCmd(p *pendingCmd) bool {
	if p.receiver.relayed.takeCmdIn(p.n) == nil {
		return false
	}
	r.settled(p)
	return true
}

// settled forgets p, which its caller took from the receiver's index.
func (r *relay) settled(p *pendingCmd) {
	p.timer.Stop()
	p.sender.relayed.setCmdOut(p, false)
	r.unacked.Add(-1)
}

// cmdExpired: nobody acknowledged p within CmdAckTimeout. The sender's SDK
// gives up after the same time with the same code.
func (r *relay) cmdExpired(p *pendingCmd) {
	if r.takeCmd(p) {
		p.sender.fail(p.id, protocol.NoServerRsp, "the receiver did not acknowledge the SendCmd in time")
	}
}

// handleCmdAck: the receiver's SDK has the command; now the sender hears.
func (c *conn) handleCmdAck(m protocol.Message) {
	var a protocol.CmdAck
	if !c.decode(m, &a) {
		return
	}
	p := c.relayed.takeCmdIn(a.N)
	if p == nil {
		return // timed out, the sender left already, or a confused client: nobody waits
	}
	c.srv.relay.settled(p)
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
	t := &transfer{sender: c, receiver: rc, task: req.Task, size: req.Size, buffer: req.Kind == protocol.KindBuffer}
	for {
		if t.stream = r.stream.Add(1); t.stream == 0 {
			continue // 0 is no stream
		}
		if _, taken := r.xfers.LoadOrStore(t.stream, t); !taken {
			break
		}
	}
	// The transfer is published before it is indexed, so whoever ends it
	// (the receiver leaving, say) can always take it back out; the sender
	// learns its stream only from the reply below.
	code, why := c.relayed.addXfer(t, 0, lim)
	if code == protocol.NoErr {
		if code, why = rc.relayed.addXfer(t, req.Size, lim); code != protocol.NoErr {
			c.relayed.dropXfer(t)
		}
	}
	if code != protocol.NoErr {
		t.ended.Store(true)
		r.xfers.CompareAndDelete(t.stream, t)
		c.fail(m.ID, code, why)
		return
	}
	offer, err := protocol.Push(protocol.EvXferOffer, protocol.XferOffer{
		From: c.user, Stream: t.stream, Task: req.Task, Kind: req.Kind, Size: req.Size, Name: req.Name,
	})
	mx := c.srv.metrics
	if t.buffer {
		mx.xferStarted.buffer.Inc()
	} else {
		mx.xferStarted.file.Inc()
	}
	mx.messageOut(protocol.EvXferOffer)
	// The sender hears its stream before the receiver hears the offer: a
	// receiver that fails the transfer at once (no folder for it, say) would
	// otherwise have its verdict reach the sender ahead of the stream it
	// names, and the sender would wait for a result already gone.
	c.reply(m.ID, protocol.NoErr, protocol.XferStartReply{Stream: t.stream, Chunk: lim.Chunk, Window: lim.Window})
	if err != nil || !rc.sendNow(offer) {
		r.abort(t, protocol.SendDataTargetInvalid, "target user went offline")
	}
}

// finish forgets t; false if it had ended already. Exactly one caller
// gets true, and tells the parties; result is counted.
func (r *relay) finish(t *transfer, result string) bool {
	if !t.ended.CompareAndSwap(false, true) {
		return false // frames still queued for the receiver are dropped
	}
	r.metrics.transferFinished(result)
	r.xfers.CompareAndDelete(t.stream, t)
	t.sender.relayed.dropXfer(t)
	t.receiver.relayed.dropXfer(t)
	return true
}

// lookup finds the running transfer on stream.
func (r *relay) lookup(stream uint32) *transfer {
	v, ok := r.xfers.Load(stream)
	if !ok {
		return nil
	}
	return v.(*transfer)
}

// abort ends t on both sides: the sender gets code, the receiver a cancel.
func (r *relay) abort(t *transfer, code protocol.ErrCode, reason string) {
	if !r.finish(t, xferFailed) {
		return
	}
	t.sender.pushNow(protocol.EvXferResult, protocol.XferResult{Stream: t.stream, Code: code, Msg: reason})
	t.receiver.pushNow(protocol.EvXferCancel, protocol.XferCancel{Stream: t.stream})
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
	t := r.lookup(f.Stream)
	if t == nil {
		return nil
	}
	if t.sender != c {
		return fmt.Errorf("stream %d is not yours to send on", f.Stream)
	}
	t.mu.Lock()
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
		t.mu.Unlock()
		r.abort(t, protocol.ErrData, violation)
		return nil
	}
	if f.Kind == protocol.FrameData {
		t.received += n
	} else {
		t.sealed = true
	}
	t.mu.Unlock()
	if f.Kind == protocol.FrameData {
		c.srv.metrics.relayedBytes.Add(float64(n))
	}
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
	t := c.srv.relay.lookup(a.Stream)
	if t == nil || t.receiver != c {
		return // ended meanwhile, or a confused client
	}
	t.mu.Lock()
	if a.Acked < t.acked || a.Acked > t.handed.Load() {
		t.mu.Unlock()
		return // nonsense that would only hurt the client itself
	}
	t.acked = a.Acked
	t.mu.Unlock()
	t.sender.pushNow(protocol.EvXferAck, protocol.XferAck{Stream: t.stream, Acked: a.Acked})
}

// handleXferDone: the receiver's verdict ends the transfer.
func (c *conn) handleXferDone(m protocol.Message) {
	var d protocol.XferDone
	if !c.decode(m, &d) {
		return
	}
	r := &c.srv.relay
	t := r.lookup(d.Stream)
	if t == nil || t.receiver != c {
		return
	}
	t.mu.Lock()
	sealed := t.sealed
	t.mu.Unlock()
	if !sealed && d.Code == protocol.NoErr {
		d.Code = protocol.SendFail // "done" before all data arrived is no success
	}
	result := xferFailed
	switch d.Code {
	case protocol.NoErr:
		result = xferOK
	case protocol.ErrRefuse, protocol.ErrNoAnswer:
		result = xferRefused
	}
	if !r.finish(t, result) {
		return
	}
	res := protocol.XferResult{Stream: t.stream, Code: d.Code}
	switch {
	case d.Code == protocol.NoErr:
	case d.Code == protocol.ErrRefuse:
		res.Msg = "the receiver declined the file"
	case d.Code == protocol.ErrNoAnswer:
		res.Msg = "the receiver did not answer the offer"
	case sealed:
		res.Msg = "the receiver rejected the data"
	default:
		res.Msg = "the receiver cancelled the transfer"
	}
	t.sender.pushNow(protocol.EvXferResult, res)
}

// handleXferCancel: the sender cancels. Once the end frame has gone out the
// receiver may already hold the data, so that is too late (1104).
func (c *conn) handleXferCancel(m protocol.Message) {
	var x protocol.XferCancel
	if !c.decode(m, &x) {
		return
	}
	r := &c.srv.relay
	t := r.lookup(x.Stream)
	if t == nil || t.sender != c {
		c.fail(m.ID, protocol.TransIDInvalid, "no such transfer")
		return
	}
	// Only this read loop seals t, so sealed cannot change until finish.
	t.mu.Lock()
	sealed := t.sealed
	t.mu.Unlock()
	if sealed {
		c.fail(m.ID, protocol.TransIDInvalid, "the transfer is complete")
		return
	}
	if !r.finish(t, xferCancelled) {
		c.fail(m.ID, protocol.TransIDInvalid, "no such transfer")
		return
	}
	t.receiver.pushNow(protocol.EvXferCancel, protocol.XferCancel{Stream: t.stream})
	c.reply(m.ID, protocol.NoErr, nil)
}

// connEnded settles everything c took part in: its receivers are told the
// transfer is cancelled, its senders get SENDFAIL, and SendCmds waiting for
// its acknowledgement fail. It costs what c held, whatever others hold.
func (r *relay) connEnded(c *conn) {
	xfers, in, out := c.relayed.close()
	for t := range xfers {
		if !r.finish(t, xferFailed) {
			continue
		}
		if t.sender != c {
			t.sender.pushNow(protocol.EvXferResult, protocol.XferResult{Stream: t.stream, Code: protocol.SendFail, Msg: "the receiver went offline"})
		}
		if t.receiver != c {
			t.receiver.pushNow(protocol.EvXferCancel, protocol.XferCancel{Stream: t.stream})
		}
	}
	for _, p := range in { // taken with the index: c settles them
		r.settled(p)
		if p.sender != c {
			p.sender.fail(p.id, protocol.SendFail, "the receiver went offline before it had the data")
		}
	}
	for _, p := range out { // nobody is left to answer
		r.takeCmd(p)
	}
}

// RelayUnackedCmds reports the SendCmds waiting for their receiver's
// acknowledgement.
func (s *Server) RelayUnackedCmds() int64 { return s.relay.unacked.Load() }
