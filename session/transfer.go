package session

import (
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"sync"

	"huddle/protocol"
)

// transfers holds the transparent channel's state: tasks this session sends
// (by task ID and, once the server numbered them, by stream) and transfers
// it receives (by stream).
type transfers struct {
	mu       sync.Mutex
	out      map[string]*outTask
	outByNum map[uint32]*outTask
	in       map[uint32]*inTask
}

func (x *transfers) init() {
	if x.out == nil {
		x.out = make(map[string]*outTask)
		x.outByNum = make(map[uint32]*outTask)
		x.in = make(map[uint32]*inTask)
	}
}

// inByTask finds a reception by the sender's task ID; mu held. Few run at
// once (the server caps them per user), so a walk is enough.
func (x *transfers) inByTask(taskID string) *inTask {
	for _, t := range x.in {
		if t.task == taskID {
			return t
		}
	}
	return nil
}

// outTask is one SendBuffer or SendFile. The fields from stream on are
// guarded by transfers.mu.
type outTask struct {
	id, cookie, to string
	kind           string
	fileName       string // SendFile's argument, echoed in SendFileRlst
	size           int64
	data           []byte   // SendBuffer's copy
	file           *os.File // SendFile's open file
	link           *link
	credit         chan struct{} // wakes the pump when acknowledgements arrive
	stop           chan struct{} // closed when the task ends

	stream       uint32
	started      bool // the server numbered it and the pump runs
	cancelling   bool
	acked        int64
	window       int64
	lastProgress int64
}

// progressSteps: SendProgress comes at every 1% of the total (and at the
// end), so a huge transfer makes at most about a hundred events.
const progressSteps = 100

// SendCmd sends up to 64 KiB to targetUserID, at once and in one piece.
// SendCmdRlst{0} comes once the receiver's SDK has it; it cannot be
// cancelled.
func (s *Session) SendCmd(targetUserID string, data []byte, cookie string) (taskID string) {
	taskID = rand.Text()
	if len(data) > protocol.MaxCmd {
		s.emit(SendCmdRlst{TaskID: taskID, Err: SENDCMD_LARGE, Cookie: cookie})
		return taskID
	}
	s.call(protocol.OpSendCmd, protocol.SendCmd{To: targetUserID, Data: data},
		func(protocol.Message) { s.emit(SendCmdRlst{TaskID: taskID, Err: NOERR, Cookie: cookie}) },
		func(code ErrCode) { s.emit(SendCmdRlst{TaskID: taskID, Err: code, Cookie: cookie}) })
	return taskID
}

// SendBuffer sends data (copied at once: the caller may reuse it) in chunks
// with SendProgress, then SendBufferRlst; the receiver gets
// NotifyBufferData once all of it arrived intact.
func (s *Session) SendBuffer(targetUserID string, data []byte, cookie string) (taskID string) {
	t := &outTask{id: rand.Text(), cookie: cookie, to: targetUserID, kind: protocol.KindBuffer,
		size: int64(len(data)), data: append([]byte(nil), data...)}
	s.startSend(t, "")
	return t.id
}

// SendFile streams fileName from disk in chunks with SendProgress, then
// SendFileRlst; the receiver gets NotifyFileData once the file is complete
// and its content hash checked. An unreadable file, or one over the server's
// limit, fails with SENDFILE_FILEINERROR.
func (s *Session) SendFile(targetUserID, fileName string, cookie string) (taskID string) {
	t := &outTask{id: rand.Text(), cookie: cookie, to: targetUserID, kind: protocol.KindFile, fileName: fileName}
	f, err := os.Open(fileName)
	var info os.FileInfo
	if err == nil {
		info, err = f.Stat()
		if err == nil && !info.Mode().IsRegular() {
			err = os.ErrInvalid
		}
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		s.emit(SendFileRlst{TaskID: t.id, FileName: fileName, Err: SENDFILE_FILEINERROR, Cookie: cookie})
		return t.id
	}
	t.file, t.size = f, info.Size()
	s.startSend(t, filepath.Base(fileName))
	return t.id
}

func (t *outTask) result(code ErrCode) Event {
	if t.kind == protocol.KindFile {
		return SendFileRlst{TaskID: t.id, FileName: t.fileName, Err: code, Cookie: t.cookie}
	}
	return SendBufferRlst{TaskID: t.id, Err: code, Cookie: t.cookie}
}

// startSend asks the server for a stream; the task is cancellable from now.
func (s *Session) startSend(t *outTask, name string) {
	s.mu.Lock()
	l, online := s.link, s.state == stateOnline
	s.mu.Unlock()
	if !online {
		t.close()
		s.emit(t.result(NOT_LOGIN))
		return
	}
	t.link, t.credit, t.stop = l, make(chan struct{}, 1), make(chan struct{})
	s.xfer.mu.Lock()
	s.xfer.init()
	s.xfer.out[t.id] = t
	s.xfer.mu.Unlock()
	start := protocol.XferStart{To: t.to, Task: t.id, Kind: t.kind, Size: t.size, Name: name}
	s.request(l, protocol.OpXferStart, start,
		func(m protocol.Message) {
			var r protocol.XferStartReply
			if protocol.Decode(m.D, &r) != nil || r.Chunk <= 0 || r.Window < int64(r.Chunk) {
				s.endLink(l, protocol.ErrData)
				return
			}
			s.xfer.mu.Lock()
			if s.xfer.out[t.id] != t {
				// Cancelled while starting: let the receiver know.
				s.xfer.mu.Unlock()
				if msg, err := protocol.Request(protocol.OpXferCancel, 0, protocol.XferCancel{Stream: r.Stream}); err == nil {
					l.send(msg)
				}
				return
			}
			t.stream, t.started, t.window = r.Stream, true, r.Window
			s.xfer.outByNum[r.Stream] = t
			s.xfer.mu.Unlock()
			go s.pump(t, r.Chunk)
		},
		func(code ErrCode) {
			if s.endSend(t) {
				s.emit(t.result(code))
			}
		})
}

// endSend forgets t and stops its pump; false if it had ended already.
func (s *Session) endSend(t *outTask) bool {
	s.xfer.mu.Lock()
	defer s.xfer.mu.Unlock()
	if s.xfer.out[t.id] != t {
		return false
	}
	delete(s.xfer.out, t.id)
	if t.started {
		delete(s.xfer.outByNum, t.stream)
	}
	close(t.stop)
	t.close()
	return true
}

func (t *outTask) close() {
	if t.file != nil {
		t.file.Close()
	}
}

// pump sends t's content in frames of at most chunk bytes, never more than
// the window ahead of what the receiver acknowledged, then the end frame
// with the content hash. It holds one frame in memory at a time.
func (s *Session) pump(t *outTask, chunk int) {
	h := protocol.NewContentHash()
	var off int64
	for off < t.size {
		n := min(int64(chunk), t.size-off)
		for {
			s.xfer.mu.Lock()
			room := t.acked + t.window - off
			s.xfer.mu.Unlock()
			if room >= n {
				break
			}
			select {
			case <-t.credit:
			case <-t.stop:
				return
			}
		}
		frame := getFrame(protocol.FrameHeader + int(n))
		protocol.PutFrameHeader(frame, protocol.FrameData, t.stream, off)
		payload := frame[protocol.FrameHeader:]
		if t.data != nil {
			copy(payload, t.data[off:])
		} else if _, err := io.ReadFull(t.file, payload); err != nil {
			putFrame(frame)
			s.abortSend(t, SENDFILE_FILEINERROR) // the file shrank or became unreadable
			return
		}
		h.Write(payload)
		if !t.link.sendBulk(frame, t.stop) {
			putFrame(frame)
			return
		}
		off += n
	}
	frame := make([]byte, protocol.FrameHeader, protocol.FrameHeader+h.Size())
	protocol.PutFrameHeader(frame, protocol.FrameEnd, t.stream, t.size)
	t.link.sendBulk(h.Sum(frame), t.stop)
}

// abortSend ends t from this side: the server cancels it for the receiver.
func (s *Session) abortSend(t *outTask, code ErrCode) {
	if !s.endSend(t) {
		return
	}
	if msg, err := protocol.Request(protocol.OpXferCancel, 0, protocol.XferCancel{Stream: t.stream}); err == nil {
		t.link.send(msg)
	}
	s.emit(t.result(code))
}

// onXferAck: the receiver stored more; that is both credit and progress.
func (s *Session) onXferAck(_ *link, m protocol.Message) {
	var a protocol.XferAck
	if protocol.Decode(m.D, &a) != nil {
		return
	}
	s.xfer.mu.Lock()
	t := s.xfer.outByNum[a.Stream]
	if t == nil || a.Acked <= t.acked {
		s.xfer.mu.Unlock()
		return
	}
	t.acked = a.Acked
	emit := a.Acked == t.size || (a.Acked-t.lastProgress)*progressSteps >= t.size
	if emit {
		t.lastProgress = a.Acked
	}
	s.xfer.mu.Unlock()
	select {
	case t.credit <- struct{}{}:
	default:
	}
	if emit {
		s.emit(SendProgress{TaskID: t.id, SendedLen: a.Acked, TotalLen: t.size, Cookie: t.cookie})
	}
}

// onXferResult: the transfer ended; the receiver's verdict is the result.
func (s *Session) onXferResult(_ *link, m protocol.Message) {
	var r protocol.XferResult
	if protocol.Decode(m.D, &r) != nil {
		return
	}
	s.xfer.mu.Lock()
	t := s.xfer.outByNum[r.Stream]
	final := t != nil && r.Code == NOERR && (t.lastProgress != t.size || t.size == 0)
	s.xfer.mu.Unlock()
	if t == nil || !s.endSend(t) {
		return
	}
	if r.Code == NOERR && final {
		s.emit(SendProgress{TaskID: t.id, SendedLen: t.size, TotalLen: t.size, Cookie: t.cookie})
	}
	s.emit(t.result(r.Code))
}

// CancelSend cancels a SendBuffer or SendFile of this session: the receiver
// gets NotifyCancelSend and keeps nothing. CancelSendRlst says how it went:
// TRANSID_INVALID for a SendCmd, an unknown task, or a transfer already
// complete (its result follows as usual).
//
// Huddle also takes the task ID of a transfer this session is receiving
// (ReceiveProgress names it): what arrived is discarded and the sender's
// result is SENDFAIL.
func (s *Session) CancelSend(taskID string) {
	s.xfer.mu.Lock()
	t := s.xfer.out[taskID]
	if t == nil || t.cancelling {
		var in *inTask
		if t == nil {
			in = s.xfer.inByTask(taskID)
		}
		s.xfer.mu.Unlock()
		code := TRANSID_INVALID
		if in != nil && s.dropIn(in, SENDFAIL) {
			code = NOERR
		}
		s.emit(CancelSendRlst{TaskID: taskID, Err: code})
		return
	}
	if !t.started {
		// Not numbered yet: forget it now; startSend tells the server.
		s.xfer.mu.Unlock()
		if s.endSend(t) {
			s.emit(CancelSendRlst{TaskID: taskID, Err: NOERR, Cookie: t.cookie})
		}
		return
	}
	t.cancelling = true
	s.xfer.mu.Unlock()
	s.request(t.link, protocol.OpXferCancel, protocol.XferCancel{Stream: t.stream},
		func(protocol.Message) {
			s.endSend(t)
			s.emit(CancelSendRlst{TaskID: taskID, Err: NOERR, Cookie: t.cookie})
		},
		func(code ErrCode) {
			s.xfer.mu.Lock()
			t.cancelling = false
			s.xfer.mu.Unlock()
			s.emit(CancelSendRlst{TaskID: taskID, Err: code, Cookie: t.cookie})
		})
}

// transfersEnded settles every transfer of a link that closed: sends fail
// with the link's code, receptions are cancelled and their files removed.
func (s *Session) transfersEnded(l *link, code ErrCode) {
	s.xfer.mu.Lock()
	var outs []*outTask
	for _, t := range s.xfer.out {
		if t.link == l {
			outs = append(outs, t)
		}
	}
	var ins []*inTask
	for n, t := range s.xfer.in {
		if t.link == l {
			ins = append(ins, t)
			delete(s.xfer.in, n)
		}
	}
	s.xfer.mu.Unlock()
	for _, t := range outs {
		if s.endSend(t) {
			s.emit(t.result(code))
		}
	}
	for _, t := range ins {
		t.discard()
		s.emit(NotifyCancelSend{TaskID: t.task})
	}
}
