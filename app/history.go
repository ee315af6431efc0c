package app

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"huddle/session"
)

// saveHistoryAfter coalesces history writes: a burst of messages is one.
const saveHistoryAfter = 500 * time.Millisecond

// historyFile is what is kept of one account (server, application, user):
// its conversations, unread counts and call log, bounded as the models are
// (MaxStoredMessagesPerContact and friends, MaxStoredCalls).
type historyFile struct {
	Server   string                     `json:"server"`
	App      string                     `json:"app"`
	User     string                     `json:"user"`
	Messages map[string][]storedMessage `json:"messages,omitempty"`
	Unread   map[string]int             `json:"unread,omitempty"`
	Calls    []CallRecord               `json:"calls,omitempty"`
}

type storedMessage struct {
	Mine bool            `json:"mine,omitempty"`
	Text string          `json:"text"`
	At   time.Time       `json:"at"`
	Err  session.ErrCode `json:"err,omitempty"`
}

// history keeps the signed-in account's messages and call log in a file of
// its own under the app's data folder. The file is read when the account
// signs in and replaced whole, atomically, by a goroutine of its own: the UI
// goroutine only copies the models.
type history struct {
	c       *Client
	account historyFile // server, app and user of the account on screen
	path    string      // its file; "" keeps nothing on disk
	loaded  bool        // its file was read: saving earlier would lose it
	dirty   bool
	timer   *time.Timer
	writer  *historyWriter
}

// historyPath is the file of an account: a hash, as IDs may hold anything.
func historyPath(dir, server, app, user string) string {
	sum := sha256.Sum256([]byte(server + "\x00" + app + "\x00" + user))
	return filepath.Join(dir, "history", hex.EncodeToString(sum[:16])+".json")
}

// open switches to the account now signed in: the models are emptied and
// its history read, unless it is the account already on screen.
func (h *history) open(server, app, user string) {
	if h.account.Server == server && h.account.App == app && h.account.User == user {
		return
	}
	if h.dirty {
		h.save() // the previous account's last changes
	}
	h.account, h.loaded = historyFile{Server: server, App: app, User: user}, false
	h.c.Messages.reset()
	h.c.CallLog.records = nil
	h.c.changed(PartMessages)
	h.c.changed(PartCallLog)
	h.path = ""
	if h.c.HistoryDir == "" {
		return
	}
	path := historyPath(h.c.HistoryDir, server, app, user)
	h.path = path
	go func() {
		file, err := readHistory(path)
		h.c.run(func() {
			if h.path != path || h.c.closed {
				return
			}
			if err != nil {
				h.c.notice(err.Error())
			}
			h.merge(file)
		})
	}()
}

// merge lays what arrived while the file was read over what it held.
func (h *history) merge(file historyFile) {
	h.loaded = true
	m := h.c.Messages
	arrived := len(m.byPeer) > 0 || len(h.c.CallLog.records) > 0
	for peer, stored := range file.Messages {
		conv := make([]*Message, 0, len(stored)+len(m.byPeer[peer]))
		for _, s := range stored {
			conv = append(conv, &Message{Mine: s.Mine, Text: s.Text, At: s.At, Err: s.Err})
		}
		m.byPeer[peer] = append(conv, m.byPeer[peer]...)
		m.unread[peer] += file.Unread[peer]
	}
	if m.open != "" {
		delete(m.unread, m.open)
	}
	m.trimAll()
	log := h.c.CallLog
	log.records = append(file.Calls, log.records...)
	log.trim()
	h.c.changed(PartMessages)
	h.c.changed(PartCallLog)
	if arrived {
		h.schedule()
	}
}

// schedule saves soon: changes within saveHistoryAfter are one write.
func (h *history) schedule() {
	if h.path == "" || !h.loaded || h.c.closed {
		return
	}
	h.dirty = true
	if h.timer != nil {
		return
	}
	var t *time.Timer
	t = time.AfterFunc(saveHistoryAfter, func() {
		h.c.run(func() {
			if h.timer != t { // stopped by close
				return
			}
			h.timer = nil
			h.save()
		})
	})
	h.timer = t
}

// save hands a copy of the models to the writer.
func (h *history) save() {
	h.dirty = false
	if h.path == "" || !h.loaded {
		return
	}
	file := h.account
	m := h.c.Messages
	file.Messages = make(map[string][]storedMessage, len(m.byPeer))
	for peer, conv := range m.byPeer {
		stored := make([]storedMessage, len(conv))
		for i, msg := range conv {
			stored[i] = storedMessage{Mine: msg.Mine, Text: msg.Text, At: msg.At, Err: msg.Err}
		}
		file.Messages[peer] = stored
	}
	file.Unread = make(map[string]int, len(m.unread))
	for peer, n := range m.unread {
		file.Unread[peer] = n
	}
	file.Calls = append([]CallRecord(nil), h.c.CallLog.records...)
	if h.writer == nil {
		h.writer = startHistoryWriter(func(err error) {
			h.c.run(func() {
				if !h.c.closed {
					h.c.notice("Could not save your messages and calls: " + err.Error())
				}
			})
		})
	}
	h.writer.put(h.path, file)
}

// close writes what is not saved yet; wait waits for the write.
func (h *history) close() {
	if h.timer != nil {
		h.timer.Stop()
		h.timer = nil
	}
	if h.dirty {
		h.save()
	}
	if h.writer != nil {
		h.writer.close()
	}
}

// readHistory reads an account's file; none yet is an empty history. A
// file that cannot be read is moved aside, not overwritten.
func readHistory(path string) (historyFile, error) {
	var file historyFile
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return file, nil
	}
	if err == nil {
		err = json.Unmarshal(data, &file)
	}
	if err != nil {
		aside := path + ".unreadable"
		if rerr := os.Rename(path, aside); rerr != nil {
			return historyFile{}, fmt.Errorf("Your earlier messages and calls could not be read (%v), nor moved aside: %v", err, rerr)
		}
		return historyFile{}, fmt.Errorf("Your earlier messages and calls could not be read (%v); the file was kept as %s", err, aside)
	}
	return file, nil
}

// historyWriter writes history files off the UI goroutine, the latest
// copy only when several wait.
type historyWriter struct {
	mu      sync.Mutex
	path    string
	pending *historyFile
	wake    chan struct{}
	done    chan struct{}
	closing atomic.Bool
	onErr   func(error)
}

func startHistoryWriter(onErr func(error)) *historyWriter {
	w := &historyWriter{wake: make(chan struct{}, 1), done: make(chan struct{}), onErr: onErr}
	go w.loop()
	return w
}

func (w *historyWriter) put(path string, file historyFile) {
	w.mu.Lock()
	w.path, w.pending = path, &file
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default: // a wake-up is pending: it takes this copy
	}
}

// close lets the writer finish what was put and stop.
func (w *historyWriter) close() {
	if w.closing.CompareAndSwap(false, true) {
		close(w.wake)
	}
}

func (w *historyWriter) loop() {
	defer close(w.done)
	for range w.wake {
		w.mu.Lock()
		path, file := w.path, w.pending
		w.pending = nil
		w.mu.Unlock()
		if file == nil {
			continue
		}
		if err := writeHistory(path, file); err != nil {
			if w.closing.Load() { // the window is gone: nobody to tell
				log.Printf("saving history: %v", err)
			} else {
				w.onErr(err)
			}
		}
	}
}

func writeHistory(path string, file *historyFile) error {
	data, err := json.Marshal(file)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	out, err := newPendingFile(path)
	if err != nil {
		return err
	}
	defer out.Cleanup()
	if _, err := out.Write(data); err != nil {
		return err
	}
	return out.CloseAtomicallyReplace()
}
