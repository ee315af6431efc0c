package app

import (
	"slices"
	"strconv"
	"strings"

	"huddle/session"
)

// Meetings is the application's list of meetings.
type Meetings struct {
	c    *Client
	List []session.MeetInfo // newest first
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

func (m *Meetings) remove(id int) {
	m.List = slices.DeleteFunc(m.List, func(x session.MeetInfo) bool { return x.ID == id })
	m.c.changed(PartMeetings)
}

func (m *Meetings) handle(ev session.Event) bool {
	switch e := ev.(type) {
	case session.GetMeetingsSuccess:
		m.List = slices.Clone(e.Meetings)
		slices.SortStableFunc(m.List, func(a, b session.MeetInfo) int { return int(b.StartTime - a.StartTime) })
		m.c.changed(PartMeetings)
	case session.GetMeetingsFail:
		m.c.notice("Could not load meetings: " + Describe(e.Err))
	case session.CreateMeetingSuccess:
		m.add(e.Meet)
	case session.CreateMeetingFail:
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
