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

// Messages holds a short conversation per contact, over SendCmd.
type Messages struct {
	c      *Client
	byPeer map[string][]*Message
	unread map[string]int
	open   string // the conversation on screen
}

func newMessages(c *Client) *Messages {
	return &Messages{c: c, byPeer: map[string][]*Message{}, unread: map[string]int{}}
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
	m.byPeer[peer] = append(m.byPeer[peer], msg)
	m.c.changed(PartMessages)
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
		m.byPeer[e.SourceUserID] = append(m.byPeer[e.SourceUserID], &Message{Text: text, At: m.c.now()})
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
