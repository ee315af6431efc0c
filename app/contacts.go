package app

import (
	"slices"
	"strings"

	"huddle/protocol"
	"huddle/session"
)

// Contacts is everyone in the organisation but the signed-in user, sorted
// online first and then by name, filtered by a search query. Updates only
// mark it stale; the sorted view is rebuilt once when next read, so a storm
// of status changes costs one sort per screen refresh, not one per change.
type Contacts struct {
	self  string
	byID  map[string]session.UserStatus
	query string
	view  []session.UserStatus
	stale bool
}

func newContacts() *Contacts { return &Contacts{byID: map[string]session.UserStatus{}} }

func (c *Contacts) reset(self string) {
	c.self, c.byID, c.view, c.stale = self, map[string]session.UserStatus{}, nil, false
}

// replace sets the whole list (GetUserStatus).
func (c *Contacts) replace(users []session.UserStatus) {
	c.byID = make(map[string]session.UserStatus, len(users))
	for _, u := range users {
		c.byID[u.UserID] = u
	}
	c.stale = true
}

// update applies one change; a change without a nickname keeps the known one.
func (c *Contacts) update(u session.UserStatus) {
	if old, ok := c.byID[u.UserID]; ok && u.NickName == "" {
		u.NickName = old.NickName
	}
	c.byID[u.UserID] = u
	c.stale = true
}

// SetQuery filters by a case-insensitive match on nickname or ID.
func (c *Contacts) SetQuery(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q != c.query {
		c.query, c.stale = q, true
	}
}

// Query is the current filter.
func (c *Contacts) Query() string { return c.query }

// Len is the number of contacts shown.
func (c *Contacts) Len() int {
	c.rebuild()
	return len(c.view)
}

// At is the i-th contact shown.
func (c *Contacts) At(i int) session.UserStatus {
	c.rebuild()
	if i < 0 || i >= len(c.view) {
		return session.UserStatus{}
	}
	return c.view[i]
}

// Get finds anyone by ID, the signed-in user included.
func (c *Contacts) Get(id string) (session.UserStatus, bool) {
	u, ok := c.byID[id]
	return u, ok
}

// Name is how a user is called on screen: the nickname, or the ID.
func (c *Contacts) Name(id string) string {
	if u, ok := c.byID[id]; ok && u.NickName != "" {
		return u.NickName
	}
	return id
}

// Self is the signed-in user's own status.
func (c *Contacts) Self() session.UserStatus {
	if u, ok := c.byID[c.self]; ok {
		return u
	}
	return session.UserStatus{UserID: c.self, UserStatus: protocol.StatusIdle}
}

func (c *Contacts) rebuild() {
	if !c.stale {
		return
	}
	c.stale = false
	c.view = c.view[:0]
	for id, u := range c.byID {
		if id == c.self {
			continue
		}
		if c.query != "" && !strings.Contains(strings.ToLower(u.NickName), c.query) && !strings.Contains(strings.ToLower(id), c.query) {
			continue
		}
		c.view = append(c.view, u)
	}
	slices.SortFunc(c.view, compareContacts)
}

func compareContacts(a, b session.UserStatus) int {
	aOn, bOn := a.UserStatus != protocol.StatusOffline, b.UserStatus != protocol.StatusOffline
	if aOn != bOn {
		if aOn {
			return -1
		}
		return 1
	}
	if n := strings.Compare(strings.ToLower(displayName(a)), strings.ToLower(displayName(b))); n != 0 {
		return n
	}
	return strings.Compare(a.UserID, b.UserID)
}

func displayName(u session.UserStatus) string {
	if u.NickName != "" {
		return u.NickName
	}
	return u.UserID
}

// StatusWord names a presence status.
func StatusWord(status int) string {
	switch status {
	case protocol.StatusIdle:
		return "idle"
	case protocol.StatusBusy:
		return "busy"
	case protocol.StatusInMeeting:
		return "in meeting"
	default:
		return "offline"
	}
}
