package app

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"huddle/session"
)

// Meetings is the application's list of meetings.
type Meetings struct {
	c    *Client
	List []session.MeetInfo // newest first
	// Highlighted is the meeting a link opened, 0 for none.
	Highlighted int
	wanted      int // a link's meeting, shown at the next list
}

// Index is where meeting id is in List, -1 if it is not.
func (m *Meetings) Index(id int) int {
	return slices.IndexFunc(m.List, func(x session.MeetInfo) bool { return x.ID == id })
}

func newMeetings(c *Client) *Meetings { return &Meetings{c: c} }

const (
	cookieMeetings      = "meetings"
	cookieCreateMeeting = "create-meeting"
	cookieDestroyPrefix = "destroy-meeting:"
)

// Refresh asks the server for the list again.
func (m *Meetings) Refresh() { m.c.sess.GetMeetings(cookieMeetings) }

// Create makes a meeting; withPassword has the server generate one.
func (m *Meetings) Create(subject string, withPassword bool) {
	pswd := 0
	if withPassword {
		pswd = 1
	}
	m.c.sess.CreateMeeting(strings.TrimSpace(subject), pswd, cookieCreateMeeting)
}

// Destroy ends a meeting (its creator only).
func (m *Meetings) Destroy(id int) {
	m.c.sess.DestroyMeeting(id, cookieDestroyPrefix+strconv.Itoa(id))
}

// Mine says whether the signed-in user created the meeting.
func (m *Meetings) Mine(meet session.MeetInfo) bool { return meet.Creator == m.c.UserID() }

// add lists a meeting just created (by the user, or for a call).
func (m *Meetings) add(meet session.MeetInfo) {
	m.List = append([]session.MeetInfo{meet}, m.List...)
	m.c.changed(PartMeetings)
}

// opened tells the views which meeting a link asked for, or that it is
// not there.
func (m *Meetings) opened(id int) {
	i := m.Index(id)
	if i < 0 {
		m.Highlighted = 0
		if m.c.OnMeetingOpened != nil {
			m.c.OnMeetingOpened(nil, fmt.Sprintf("Meeting #%d was not found: it may have ended, or the link is for another organisation.", id))
		}
		return
	}
	m.Highlighted = id
	m.c.changed(PartMeetings)
	if m.c.OnMeetingOpened != nil {
		meet := m.List[i]
		m.c.OnMeetingOpened(&meet, "")
	}
}

func (m *Meetings) remove(id int) {
	if id == m.Highlighted {
		m.Highlighted = 0
	}
	m.List = slices.DeleteFunc(m.List, func(x session.MeetInfo) bool { return x.ID == id })
	m.c.changed(PartMeetings)
}

func (m *Meetings) handle(ev session.Event) bool {
	switch e := ev.(type) {
	case session.GetMeetingsSuccess:
		m.List = slices.Clone(e.Meetings)
		slices.SortStableFunc(m.List, func(a, b session.MeetInfo) int { return int(b.StartTime - a.StartTime) })
		m.c.changed(PartMeetings)
		if id := m.wanted; id != 0 {
			m.wanted = 0
			m.opened(id)
		}
	case session.GetMeetingsFail:
		m.c.notice("Could not load meetings: " + Describe(e.Err))
	case session.CreateMeetingSuccess:
		m.add(e.Meet)
	case session.CreateMeetingFail:
		if e.Err == session.RATE_LIMITED { // the server's MeetingsPerCreator
			m.c.notice("Could not create the meeting: you have as many meetings as one person may have. End one you no longer need first.")
			return true
		}
		m.c.notice("Could not create the meeting: " + Describe(e.Err))
	case session.DestroyMeetingRslt:
		id, err := strconv.Atoi(strings.TrimPrefix(e.Cookie, cookieDestroyPrefix))
		if err != nil {
			return false
		}
		if e.Err != session.NOERR && e.Err != session.MEETNOTEXIST {
			m.c.notice("Could not end the meeting: " + Describe(e.Err))
			return true
		}
		m.remove(id)
	case session.MeetingStopped:
		m.remove(e.MeetID)
	default:
		return false
	}
	return true
}
