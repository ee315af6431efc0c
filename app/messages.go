package app

import (
	"time"
	"unicode/utf8"

	"huddle/session"
)

// Message is one line of a conversation.
type Message struct {
	Mine   bool
	Text   string
	At     time.Time
	TaskID string
	Err    session.ErrCode // a sent line that did not arrive
}

// What is kept of conversations, in memory and on disk: older lines go
// first. Text is bounded as a whole too, as one line may be MaxMessage.
const (
	MaxStoredMessagesPerContact = 200
	MaxStoredConversations      = 200
	MaxStoredMessageBytes       = 8 << 20
)

// Messages holds a short conversation per contact, over SendCmd.
type Messages struct {
	c      *Client
	byPeer map[string][]*Message
	unread map[string]int
	open   string // the conversation on screen
	bytes  int    // of text held
}

func newMessages(c *Client) *Messages {
	m := &Messages{c: c}
	m.reset()
	return m
}

// reset forgets every conversation (another account signed in).
func (m *Messages) reset() {
	m.byPeer, m.unread, m.bytes = map[string][]*Message{}, map[string]int{}, 0
}

// MaxMessage is SendCmd's limit.
const MaxMessage = 64 << 10

// With is the conversation with peer, oldest first.
func (m *Messages) With(peer string) []*Message { return m.byPeer[peer] }

// Unread counts lines from peer not yet seen.
func (m *Messages) Unread(peer string) int { return m.unread[peer] }

// Open marks peer's conversation as on screen (and read).
func (m *Messages) Open(peer string) {
	m.open = peer
	if m.unread[peer] != 0 {
		delete(m.unread, peer)
		m.c.changed(PartMessages)
	}
}

// Send sends text to peer.
func (m *Messages) Send(peer, text string) {
	if text == "" || peer == "" {
		return
	}
	msg := &Message{Mine: true, Text: text, At: m.c.now()}
	if len(text) > MaxMessage || !utf8.ValidString(text) {
		msg.Err = session.SENDCMD_LARGE
	} else {
		msg.TaskID = m.c.sess.SendCmd(peer, []byte(text), "message")
	}
	m.add(peer, msg)
	m.c.changed(PartMessages)
}

func (m *Messages) add(peer string, msg *Message) {
	m.byPeer[peer] = append(m.byPeer[peer], msg)
	m.bytes += len(msg.Text)
	m.trim(peer)
	m.trimTotals(peer)
}

// trim keeps peer's last MaxStoredMessagesPerContact lines.
func (m *Messages) trim(peer string) {
	conv := m.byPeer[peer]
	extra := len(conv) - MaxStoredMessagesPerContact
	if extra <= 0 {
		return
	}
	for _, msg := range conv[:extra] {
		m.bytes -= len(msg.Text)
	}
	m.byPeer[peer] = append([]*Message(nil), conv[extra:]...)
}

// trimTotals forgets the conversations quiet the longest beyond
// MaxStoredConversations, then the oldest lines beyond
// MaxStoredMessageBytes; keep's newest line stays.
func (m *Messages) trimTotals(keep string) {
	for len(m.byPeer) > MaxStoredConversations {
		quietest := ""
		for peer, conv := range m.byPeer {
			if peer != keep && (quietest == "" || conv[len(conv)-1].At.Before(m.byPeer[quietest][len(m.byPeer[quietest])-1].At)) {
				quietest = peer
			}
		}
		m.forget(quietest)
	}
	for m.bytes > MaxStoredMessageBytes {
		oldest := ""
		for peer, conv := range m.byPeer {
			if oldest == "" || conv[0].At.Before(m.byPeer[oldest][0].At) {
				oldest = peer
			}
		}
		conv := m.byPeer[oldest]
		if oldest == keep && len(conv) == 1 {
			break
		}
		if len(conv) == 1 {
			m.forget(oldest)
		} else {
			m.bytes -= len(conv[0].Text)
			m.byPeer[oldest] = conv[1:]
		}
	}
}

func (m *Messages) forget(peer string) {
	for _, msg := range m.byPeer[peer] {
		m.bytes -= len(msg.Text)
	}
	delete(m.byPeer, peer)
	delete(m.unread, peer)
}

// trimAll applies the bounds to everything (a history just read).
func (m *Messages) trimAll() {
	m.bytes = 0
	for peer, conv := range m.byPeer {
		if len(conv) == 0 {
			delete(m.byPeer, peer)
			continue
		}
		for _, msg := range conv {
			m.bytes += len(msg.Text)
		}
		m.trim(peer)
	}
	m.trimTotals("")
}

func (m *Messages) handle(ev session.Event) bool {
	switch e := ev.(type) {
	case session.SendCmdRlst:
		if e.Err == session.NOERR {
			return true
		}
		for _, conv := range m.byPeer {
			for _, msg := range conv {
				if msg.Mine && msg.TaskID == e.TaskID && msg.Err == session.NOERR {
					msg.Err = e.Err
					m.c.changed(PartMessages)
					return true
				}
			}
		}
	case session.NotifyCmdData:
		text := string(e.Data)
		if !utf8.ValidString(text) {
			text = "(a command that is not text, " + formatBytes(int64(len(e.Data))) + ")"
		}
		m.add(e.SourceUserID, &Message{Text: text, At: m.c.now()})
		if m.open != e.SourceUserID {
			m.unread[e.SourceUserID]++
		}
		m.c.changed(PartMessages)
		if m.c.OnMessageIn != nil {
			m.c.OnMessageIn(m.c.Contacts.Name(e.SourceUserID), text)
		}
	default:
		return false
	}
	return true
}
