package app

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"huddle/session"
)

// TransferState is where a transfer stands.
type TransferState int

const (
	TransferSending TransferState = iota
	TransferDone
	TransferFailed
	TransferCancelled
	TransferReceived
	TransferOffered  // someone offers it: waiting for the user's answer
	TransferDeclined // the user declined the offer
)

// Transfer is one file sent or received.
type Transfer struct {
	TaskID   string
	Peer     string
	Name     string // base name shown
	Path     string // the sent file, or the received one in the downloads folder
	Outgoing bool
	Sent     int64
	Total    int64
	State    TransferState
	Err      session.ErrCode
	Saved    string // where a received file was saved
	// Saving: a "Save as…" copy is under way (saveAt bytes copied).
	Saving bool
	saveTo string
	saveAt int64

	speed    float64 // bytes per second, smoothed
	lastAt   time.Time
	lastSent int64
}

// Progress is 0..1.
func (t *Transfer) Progress() float64 {
	if t.Saving {
		if t.Total <= 0 {
			return 0
		}
		return float64(t.saveAt) / float64(t.Total)
	}
	if t.State == TransferDone || t.State == TransferReceived {
		return 1
	}
	if t.Total <= 0 {
		return 0
	}
	return float64(t.Sent) / float64(t.Total)
}

// Speed is the smoothed transfer rate in bytes per second.
func (t *Transfer) Speed() float64 { return t.speed }

// Remaining estimates the time left; 0 when unknown or finished.
func (t *Transfer) Remaining() time.Duration {
	if t.State != TransferSending || t.speed <= 0 || t.Total <= t.Sent {
		return 0
	}
	secs := float64(t.Total-t.Sent) / t.speed
	if secs > maxRemaining.Seconds() {
		return maxRemaining // a stalled transfer: a number of days says nothing more
	}
	return time.Duration(secs * float64(time.Second))
}

// maxRemaining caps the time-left estimate (a near-zero speed would
// otherwise overflow time.Duration and show a negative time).
const maxRemaining = 99 * time.Hour

// StateText is the state in words, with speed and time left while a file
// is on its way (either way).
func (t *Transfer) StateText() string {
	switch t.State {
	case TransferSending:
		if t.speed <= 0 {
			return "starting…"
		}
		left := t.Remaining()
		if left >= maxRemaining {
			return fmt.Sprintf("%s/s, stalled", formatBytes(int64(t.speed)))
		}
		return fmt.Sprintf("%s/s, %s left", formatBytes(int64(t.speed)), FormatDuration(left))
	case TransferDone:
		return "sent"
	case TransferFailed:
		return "failed: " + Describe(t.Err)
	case TransferCancelled:
		return "cancelled"
	case TransferOffered:
		return "offered: accept or decline"
	case TransferDeclined:
		return "declined"
	case TransferReceived:
		if t.Saving {
			return fmt.Sprintf("saving to %s… %.0f%%", t.saveTo, 100*t.Progress())
		}
		if t.Saved != "" {
			return "saved to " + t.Saved
		}
		return "received"
	}
	return ""
}

// Transfers lists every file sent and received in this session, newest first.
type Transfers struct {
	c    *Client
	List []*Transfer
}

func newTransfers(c *Client) *Transfers { return &Transfers{c: c} }

// speedWindow smooths the rate: older samples fade over about this long.
const speedWindow = 3 * time.Second

// SendFile sends the file at path to peer.
func (x *Transfers) SendFile(peer, path string) {
	t := &Transfer{Peer: peer, Name: filepath.Base(path), Path: path, Outgoing: true, lastAt: x.c.now()}
	if fi, err := os.Stat(path); err == nil {
		t.Total = fi.Size()
	}
	x.List = append([]*Transfer{t}, x.List...)
	t.TaskID = x.c.sess.SendFile(peer, path, "file")
	x.c.changed(PartTransfers)
}

// Cancel stops a transfer still under way, sent or arriving.
func (x *Transfers) Cancel(taskID string) {
	if t := x.find(taskID); t != nil && t.State == TransferSending {
		x.c.sess.CancelSend(taskID)
	}
}

// Folder is where the file is on disk, for "Show in folder": the sent
// file's folder, or the received file's (saved copy or temporary) folder.
func (t *Transfer) Folder() string { return filepath.Dir(t.Path) }

func (x *Transfers) find(taskID string) *Transfer {
	for _, t := range x.List {
		if t.TaskID == taskID {
			return t
		}
	}
	return nil
}

// arriving finds the incoming transfer from peer of that name still in
// progress (NotifyFileData names no task).
func (x *Transfers) arriving(peer, name string) *Transfer {
	for _, t := range x.List {
		if !t.Outgoing && t.State == TransferSending && t.Peer == peer && t.Name == name {
			return t
		}
	}
	return nil
}

// advance records progress and updates the smoothed speed.
func (t *Transfer) advance(now time.Time, done, total int64) {
	if t.lastAt.IsZero() {
		// No start time known: this report is the baseline for speed.
		t.lastAt, t.lastSent = now, done
	}
	if dt := now.Sub(t.lastAt).Seconds(); dt > 0 {
		rate := float64(done-t.lastSent) / dt
		if t.speed == 0 {
			t.speed = rate
		} else {
			w := min(1, dt/speedWindow.Seconds())
			t.speed = t.speed*(1-w) + rate*w
		}
		t.lastAt, t.lastSent = now, done
	}
	t.Sent, t.Total = done, total
}

func (x *Transfers) handle(ev session.Event) bool {
	switch e := ev.(type) {
	case session.SendProgress:
		t := x.find(e.TaskID)
		if t == nil || !t.Outgoing || t.State != TransferSending {
			return true
		}
		t.advance(x.c.now(), e.SendedLen, e.TotalLen)
		x.c.changed(PartTransfers)
	case session.ReceiveProgress:
		t := x.find(e.TaskID)
		if t == nil {
			// A file starts arriving: it is listed (and can be watched) now,
			// not only once complete.
			t = &Transfer{TaskID: e.TaskID, Peer: e.SourceUserID, Name: e.FileName, Total: e.TotalLen, lastAt: x.c.now()}
			x.List = append([]*Transfer{t}, x.List...)
		}
		if !t.Outgoing && t.State == TransferSending {
			t.advance(x.c.now(), e.RecvLen, e.TotalLen)
		}
		x.c.changed(PartTransfers)
	case session.SendFileRlst:
		t := x.find(e.TaskID)
		if t == nil {
			return true
		}
		switch {
		case e.Err == session.NOERR:
			t.State, t.Sent = TransferDone, t.Total
		case t.State == TransferSending:
			t.State, t.Err = TransferFailed, e.Err
			if e.Err == session.TRANSID_INVALID {
				t.State = TransferCancelled
			}
		}
		x.c.changed(PartTransfers)
	case session.CancelSendRlst:
		t := x.find(e.TaskID)
		if t == nil {
			return true
		}
		if e.Err == session.NOERR {
			t.State = TransferCancelled
		} else {
			x.c.notice("Could not cancel: " + Describe(e.Err))
		}
		x.c.changed(PartTransfers)
	case session.NotifyFileOffer:
		x.offered(e)
	case session.NotifyFileData:
		t := x.arriving(e.SourceUserID, e.OrgFileName)
		if t == nil {
			t = &Transfer{Peer: e.SourceUserID, Name: e.OrgFileName}
			x.List = append([]*Transfer{t}, x.List...)
		}
		t.Path = e.TmpFile
		x.received(t, e.TmpFile)
	case session.NotifyCancelSend:
		if t := x.find(e.TaskID); t != nil && t.State == TransferOffered {
			t.State = TransferCancelled
			x.c.changed(PartTransfers)
			x.c.notice(t.Name + " from " + x.c.Contacts.Name(t.Peer) + " was withdrawn, or not accepted in time.")
		} else if t != nil && !t.Outgoing && t.State == TransferSending {
			t.State = TransferCancelled
			x.c.changed(PartTransfers)
			x.c.notice(t.Name + " from " + x.c.Contacts.Name(t.Peer) + " was cancelled; nothing of it was kept.")
		} else {
			x.c.notice("A file being sent to you was cancelled by its sender.")
		}
	default:
		return false
	}
	return true
}

func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// FormatBytes shows a size for people (KiB, MiB …).
func FormatBytes(n int64) string { return formatBytes(n) }
