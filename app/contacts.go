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
	byID  map[string]contact
	query string
	view  []session.UserStatus
	// rows is the view before it is cut to statuses, kept sorted between
	// rebuilds: after status changes it is refreshed in place and is then
	// nearly sorted, which the sort finishes in close to linear time.
	// regather: it must be gathered from byID again (a new list, a new
	// user, another query).
	rows     []contact
	regather bool
	stale    bool
}

// contact is a user with their sort key, lowered once per change rather
// than twice per comparison (a 100,000-contact sort allocated 3.4 million
// strings: BenchmarkContactsRebuild).
type contact struct {
	session.UserStatus
	key string // strings.ToLower(displayName)
}

func newContact(u session.UserStatus) contact {
	return contact{UserStatus: u, key: strings.ToLower(displayName(u))}
}

func newContacts() *Contacts { return &Contacts{byID: map[string]contact{}, regather: true} }

func (c *Contacts) reset(self string) {
	c.self, c.byID, c.view, c.rows, c.stale, c.regather = self, map[string]contact{}, nil, nil, false, true
}

// replace sets the whole list (GetUserStatus).
func (c *Contacts) replace(users []session.UserStatus) {
	c.byID = make(map[string]contact, len(users))
	for _, u := range users {
		c.byID[u.UserID] = newContact(u)
	}
	c.stale, c.regather = true, true
}

// update applies one change; a change without a nickname keeps the known one.
func (c *Contacts) update(u session.UserStatus) {
	old, known := c.byID[u.UserID]
	if known && u.NickName == "" {
		u.NickName = old.NickName
	}
	c.byID[u.UserID] = newContact(u)
	c.stale = true
	// A new user, or a new nickname (which the query may or may not match).
	c.regather = c.regather || !known || old.NickName != u.NickName
}

// SetQuery filters by a case-insensitive match on nickname or ID.
func (c *Contacts) SetQuery(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q != c.query {
		c.query, c.stale, c.regather = q, true, true
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
	return u.UserStatus, ok
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
		return u.UserStatus
	}
	return session.UserStatus{UserID: c.self, UserStatus: protocol.StatusIdle}
}

func (c *Contacts) rebuild() {
	if !c.stale {
		return
	}
	c.stale = false
	if c.regather {
		c.regather = false
		c.rows = c.rows[:0]
		for id, u := range c.byID {
			if id == c.self {
				continue
			}
			if c.query != "" && !strings.Contains(strings.ToLower(u.NickName), c.query) && !strings.Contains(strings.ToLower(id), c.query) {
				continue
			}
			c.rows = append(c.rows, u)
		}
	} else {
		for i, u := range c.rows {
			c.rows[i] = c.byID[u.UserID]
		}
	}
	slices.SortFunc(c.rows, compareContacts)
	c.view = c.view[:0]
	for _, u := range c.rows {
		c.view = append(c.view, u.UserStatus)
	}
}

// compareContacts orders online before offline, then by name, then by ID.
func compareContacts(a, b contact) int {
	aOn, bOn := a.UserStatus.UserStatus != protocol.StatusOffline, b.UserStatus.UserStatus != protocol.StatusOffline
	if aOn != bOn {
		if aOn {
			return -1
		}
		return 1
	}
	if n := strings.Compare(a.key, b.key); n != 0 {
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
