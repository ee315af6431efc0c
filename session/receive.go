package session

import (
	"bytes"
	"errors"
	"fmt"
	"hash"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"huddle/protocol"
)

// inTask is a transfer this session receives. Only the link's read loop
// touches it, except discard after the link ended.
type inTask struct {
	link       *link
	stream     uint32
	task, from string
	kind       string
	size, got  int64
	shown      int64  // bytes last reported in ReceiveProgress
	name       string // cleaned original name (files)
	buf        []byte
	file       *os.File
	prefix     string // the partial name's prefix (offer.go)
	hash       hash.Hash

	// An offered file waiting for AcceptFile (offer.go); mu guards these
	// while the application, the read loop and the timer may race.
	mu      sync.Mutex
	waiting bool
	held    []byte // data that came before the answer: at most a window
	endSum  []byte // the end frame's hash, if it came before the answer
	timer   *time.Timer
}

// onCmdData delivers a SendCmd and acknowledges it: the sender's result
// waits for that acknowledgement.
func (s *Session) onCmdData(l *link, m protocol.Message) {
	var c protocol.CmdData
	if protocol.Decode(m.D, &c) != nil {
		return
	}
	s.emit(NotifyCmdData{SourceUserID: c.From, Data: c.Data})
	sendOneWay(l, protocol.OpCmdAck, protocol.CmdAck{N: c.N})
}

func sendOneWay(l *link, op string, payload any) {
	if msg, err := protocol.Request(op, 0, payload); err == nil {
		l.send(msg)
	}
}

// onXferOffer prepares to receive: a buffer in memory, a file in TempDir
// under a partial name; with AskBeforeReceiving a file waits for the
// application's answer first (offer.go).
func (s *Session) onXferOffer(l *link, m protocol.Message) {
	var o protocol.XferOffer
	if protocol.Decode(m.D, &o) != nil {
		return
	}
	t := &inTask{link: l, stream: o.Stream, task: o.Task, from: o.From, kind: o.Kind, size: o.Size, hash: protocol.NewContentHash()}
	ask := false
	if o.Kind == protocol.KindFile {
		t.name = CleanFileName(o.Name)
		ask = s.cfg.AskBeforeReceiving
		t.waiting = ask
		if !ask && !s.openPartial(t) {
			// Nothing was announced to the application; only the sender hears.
			sendOneWay(l, protocol.OpXferDone, protocol.XferDone{Stream: o.Stream, Code: SENDFAIL})
			return
		}
	} else {
		t.buf = make([]byte, 0, min(o.Size, 64<<20))
	}
	s.xfer.mu.Lock()
	s.xfer.init()
	s.xfer.in[o.Stream] = t
	s.xfer.mu.Unlock()
	if ask {
		s.offer(t)
		return
	}
	t.progress(s)
}

// progress reports an incoming file at its start, every 1% (as
// SendProgress does for the sender) and when all bytes are in.
func (t *inTask) progress(s *Session) {
	if t.file == nil {
		return
	}
	if t.got == 0 || t.got == t.size || (t.got-t.shown)*progressSteps >= t.size {
		t.shown = t.got
		s.emit(ReceiveProgress{TaskID: t.task, SourceUserID: t.from, FileName: t.name, RecvLen: t.got, TotalLen: t.size})
	}
}

func (s *Session) tempDir() string {
	if s.cfg.TempDir != "" {
		return s.cfg.TempDir
	}
	name := fmt.Sprint(os.Getuid())
	if u, err := user.Current(); err == nil {
		name = CleanFileName(u.Username)
	}
	return filepath.Join(os.TempDir(), "huddle-"+name)
}

func (s *Session) takeIn(stream uint32) *inTask {
	s.xfer.mu.Lock()
	defer s.xfer.mu.Unlock()
	t := s.xfer.in[stream]
	delete(s.xfer.in, stream)
	return t
}

// handleBinary takes one data or end frame from the server. Frames of a
// transfer that was just cancelled can still arrive; they are ignored.
func (s *Session) handleBinary(l *link, data []byte) error {
	f, err := protocol.ParseFrame(data)
	if err != nil {
		return err
	}
	s.xfer.mu.Lock()
	t := s.xfer.in[f.Stream]
	s.xfer.mu.Unlock()
	if t == nil || t.link != l {
		return nil
	}
	t.mu.Lock()
	if t.waiting {
		defer t.mu.Unlock()
		return t.hold(f)
	}
	t.mu.Unlock()
	if t.kind == protocol.KindFile && t.file == nil {
		return nil // declined a moment ago
	}
	if f.Kind == protocol.FrameEnd {
		s.finishIn(t, f.Payload)
		return nil
	}
	n := int64(len(f.Payload))
	if f.Offset != t.got || t.got+n > t.size {
		return errors.New("transfer data out of order")
	}
	if t.file != nil {
		if _, err := t.file.Write(f.Payload); err != nil {
			s.failIn(t, SENDFAIL) // disk full, say
			return nil
		}
	} else {
		t.buf = append(t.buf, f.Payload...)
	}
	t.hash.Write(f.Payload)
	t.got += n
	sendOneWay(l, protocol.OpXferAck, protocol.XferAck{Stream: t.stream, Acked: t.got})
	if t.got != 0 {
		t.progress(s)
	}
	return nil
}

// finishIn checks the content against the sender's content hash and only then
// presents it; a mismatch fails the transfer on both sides.
func (s *Session) finishIn(t *inTask, sum []byte) {
	if t.got != t.size || !bytes.Equal(t.hash.Sum(nil), sum) {
		s.failIn(t, ERR_DATA)
		return
	}
	if t.file != nil {
		if err := t.file.Close(); err != nil {
			s.failIn(t, SENDFAIL)
			return
		}
	}
	if s.takeIn(t.stream) != t {
		return
	}
	var path string
	if t.file != nil {
		// Complete and checked: it loses its partial name.
		path = filepath.Join(filepath.Dir(t.file.Name()), strings.TrimPrefix(filepath.Base(t.file.Name()), t.prefix))
		if err := os.Rename(t.file.Name(), path); err != nil {
			os.Remove(t.file.Name())
			sendOneWay(t.link, protocol.OpXferDone, protocol.XferDone{Stream: t.stream, Code: SENDFAIL})
			s.emit(NotifyCancelSend{TaskID: t.task})
			return
		}
	}
	sendOneWay(t.link, protocol.OpXferDone, protocol.XferDone{Stream: t.stream, Code: NOERR})
	if t.file != nil {
		s.emit(NotifyFileData{SourceUserID: t.from, TmpFile: path, OrgFileName: t.name})
	} else {
		s.emit(NotifyBufferData{SourceUserID: t.from, Data: t.buf})
	}
}

// failIn gives up on a reception: the sender gets code, the application a
// NotifyCancelSend, and nothing partial is kept.
func (s *Session) failIn(t *inTask, code ErrCode) {
	if s.dropIn(t, code) {
		s.emit(NotifyCancelSend{TaskID: t.task})
	}
}

// dropIn ends a reception unless it ended already: nothing partial is kept
// and the sender gets code. False if it had ended (completed, say).
func (s *Session) dropIn(t *inTask, code ErrCode) bool {
	if s.takeIn(t.stream) != t {
		return false
	}
	t.discard()
	sendOneWay(t.link, protocol.OpXferDone, protocol.XferDone{Stream: t.stream, Code: code})
	return true
}

// discard removes the partial file. It may run while the read loop still
// writes to it (the link just dropped); os.File allows that.
func (t *inTask) discard() {
	t.mu.Lock()
	t.waiting, t.held = false, nil
	if t.timer != nil {
		t.timer.Stop()
	}
	t.mu.Unlock()
	if t.file != nil {
		t.file.Close()
		os.Remove(t.file.Name())
	}
}

// onXferCancel: the sender cancelled or went away.
func (s *Session) onXferCancel(_ *link, m protocol.Message) {
	var c protocol.XferCancel
	if protocol.Decode(m.D, &c) != nil {
		return
	}
	if t := s.takeIn(c.Stream); t != nil {
		t.discard()
		s.emit(NotifyCancelSend{TaskID: t.task})
	}
}
