package session

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/zeebo/xxh3"

	"huddle/protocol"
)

// DefaultOfferTimeout is how long a file offer waits for AcceptFile or
// RejectFile (Config.OfferTimeout) before it is declined with ERR_NOANSWER.
const DefaultOfferTimeout = 60 * time.Second

// PartialPrefix starts the name of every file still arriving in TempDir:
// PartialPrefix, a tag of the receiving application and user, "-", a random
// part, "-", the file's name. Complete, it loses the prefix and the tag.
const PartialPrefix = ".huddle-part-"

// offer asks the application about t (NotifyFileOffer) and starts the time
// it has to answer.
func (s *Session) offer(t *inTask) {
	t.mu.Lock()
	t.timer = time.AfterFunc(s.cfg.OfferTimeout, func() { s.declineIn(t, ERR_NOANSWER, true) })
	t.mu.Unlock()
	s.emit(NotifyFileOffer{TaskID: t.task, SourceUserID: t.from, FileName: t.name, FileSize: t.size})
}

// AcceptFile takes the file NotifyFileOffer announced: it arrives with
// ReceiveProgress, then NotifyFileData. An unknown task, or an offer that
// was answered, withdrawn or timed out already, is ignored.
func (s *Session) AcceptFile(taskID string) {
	t := s.offered(taskID)
	if t == nil {
		return
	}
	t.mu.Lock()
	if !t.waiting {
		t.mu.Unlock()
		return
	}
	t.timer.Stop()
	t.waiting = false
	ok := s.openPartial(t)
	if ok && len(t.held) > 0 {
		_, err := t.file.Write(t.held)
		ok = err == nil
	}
	t.held = nil
	if ok {
		if t.got > 0 {
			// The credit held back until now: the sender carries on.
			sendOneWay(t.link, protocol.OpXferAck, protocol.XferAck{Stream: t.stream, Acked: t.got})
		}
		t.progress(s)
	}
	sum := t.endSum
	t.mu.Unlock()
	switch {
	case !ok:
		s.failIn(t, SENDFAIL)
	case sum != nil:
		s.finishIn(t, sum)
	}
}

// RejectFile declines the file NotifyFileOffer announced: the sender's
// result is ERR_REFUSE and nothing of it is kept.
func (s *Session) RejectFile(taskID string) {
	if t := s.offered(taskID); t != nil {
		s.declineIn(t, ERR_REFUSE, false)
	}
}

func (s *Session) offered(taskID string) *inTask {
	s.xfer.mu.Lock()
	defer s.xfer.mu.Unlock()
	return s.xfer.inByTask(taskID)
}

// declineIn ends an offer still waiting with code for the sender; notify
// tells the application too (the time ran out: its prompt must go).
func (s *Session) declineIn(t *inTask, code ErrCode, notify bool) {
	t.mu.Lock()
	was := t.waiting
	t.waiting, t.held = false, nil
	t.mu.Unlock()
	if was && s.dropIn(t, code) && notify {
		s.emit(NotifyCancelSend{TaskID: t.task})
	}
}

// hold keeps data that comes before the answer, in memory: it is never
// more than the window, as nothing is acknowledged yet. t.mu held.
func (t *inTask) hold(f protocol.Frame) error {
	if f.Kind == protocol.FrameEnd {
		t.endSum = append([]byte(nil), f.Payload...)
		return nil
	}
	n := int64(len(f.Payload))
	if f.Offset != t.got || t.got+n > t.size {
		return fmt.Errorf("transfer data out of order")
	}
	t.held = append(t.held, f.Payload...)
	t.hash.Write(f.Payload)
	t.got += n
	return nil
}

// openPartial creates t's file in TempDir under a partial name.
func (s *Session) openPartial(t *inTask) bool {
	dir := s.tempDir()
	t.prefix = s.partialPrefix()
	err := os.MkdirAll(dir, 0o700)
	if err == nil {
		t.file, err = os.CreateTemp(dir, t.prefix+"*-"+t.name)
	}
	return err == nil
}

// partialPrefix starts the partial names of this application and user:
// another user's session on the same machine and folder has another.
func (s *Session) partialPrefix() string {
	s.mu.Lock()
	app, user := s.login.App, s.userID
	s.mu.Unlock()
	return fmt.Sprintf("%s%016x-", PartialPrefix, xxh3.HashString(app+"\x00"+user))
}

// removeStalePartials deletes the partial files of this user a crash left
// in TempDir; at sign-in nothing of this session is arriving yet.
func (s *Session) removeStalePartials() {
	dir, prefix := s.tempDir(), s.partialPrefix()
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasPrefix(e.Name(), prefix) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}
