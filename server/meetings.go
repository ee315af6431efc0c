package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"huddle/protocol"
	"huddle/server/store"
)

// Meetings are stored (they outlive a restart) and cached per application
// in appCalls, beside the calls made in them and their rooms (rooms.go):
// who is in a meeting now.

// meeting is a stored meeting (or a call's, not stored) plus the live
// calls in it and its room.
type meeting struct {
	store.Meeting
	forCall bool // made for one call: ends with its last call (meetinglife.go)
	legs    map[*leg]struct{}
	room    room
	idle    *timer      // runs while nobody is in it; nil otherwise
	direct  *directRoom // its media mode once a member sent media_join (direct.go)
}

// info is the meeting as user sees it: the password only for the creator
// and members.
func (m *meeting) info(user string) protocol.Meeting {
	mi := m.full()
	if m.room.get(user) == nil && user != m.Creator {
		mi.Pswd = ""
	}
	return mi
}

// full is the meeting with its password, for someone rung into it by a
// member: they need it to join.
func (m *meeting) full() protocol.Meeting {
	return protocol.Meeting{
		ID:        int(m.ID),
		Pswd:      m.Pswd,
		Subject:   m.Subject,
		URL:       "huddle://meet/" + strconv.FormatInt(m.ID, 10),
		Creator:   m.Creator,
		Members:   m.room.size(),
		StartTime: m.StartTime.Unix(),
	}
}

// findMeeting resolves a meeting a client names in a call: 800 if it does
// not exist, 801 if the meeting has a password and ref does not carry it.
// The meetings are loaded (calls.loaded); mu held.
func (cs *appCalls) findMeeting(ref protocol.Meeting) (*meeting, protocol.ErrCode) {
	m, ok := cs.meetings[int64(ref.ID)]
	if !ok {
		return nil, protocol.MeetNotExist
	}
	if m.Pswd != "" && ref.Pswd != m.Pswd {
		return nil, protocol.AuthError
	}
	return m, protocol.NoErr
}

// Meeting numbers are 9 random digits; passwords 6.
const (
	meetingIDDigits   = 9
	meetingPswdDigits = 6
)

func randomDigits(n int) string {
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
	v, err := rand.Int(rand.Reader, max)
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return fmt.Sprintf("%0*d", n, v)
}

func newMeetingID() int64 {
	for {
		// A leading zero would make it a shorter, easier number.
		if d := randomDigits(meetingIDDigits); d[0] != '0' {
			id, _ := strconv.ParseInt(d, 10, 64)
			return id
		}
	}
}

func validSubject(s string, max int) bool {
	n := utf8.RuneCountInString(s)
	return n >= 1 && validNick(s, max)
}

func (c *conn) handleCreateMeeting(m protocol.Message) {
	var r protocol.CreateMeeting
	if !c.decode(m, &r) {
		return
	}
	lim := c.srv.cfg.Limits
	if !validSubject(r.Subject, lim.MaxSubjectLen) {
		c.fail(m.ID, protocol.MeetParamErr, fmt.Sprintf("subject: 1 to %d printable characters", lim.MaxSubjectLen))
		return
	}
	mt := store.Meeting{App: c.app, Subject: r.Subject, Creator: c.user, StartTime: time.Now()}
	if r.Pswd > 0 {
		mt.Pswd = randomDigits(meetingPswdDigits)
	}
	// Load the cache first, so the new meeting is not loaded twice.
	cs, err := c.srv.calls.loaded(c.app)
	if err != nil {
		c.srv.log.Error("load meetings", "app", c.app, "err", err)
		c.fail(m.ID, protocol.ServerException, "could not store the meeting")
		return
	}
	cs.mu.Lock()
	ms := cs.meetings
	if cs.created(ms, c.user) >= lim.MeetingsPerCreator {
		cs.mu.Unlock()
		c.fail(m.ID, protocol.RateLimited, fmt.Sprintf("you have %d meetings, the most one user may have: destroy one first", lim.MeetingsPerCreator))
		return
	}
	if r.ForCall {
		// Not stored: a call does not outlive the server. The cache holds
		// every stored meeting of the application, so an ID not in it is
		// free (but for a stored one being created this very moment).
		defer cs.mu.Unlock()
		for mt.ID = newMeetingID(); ms[mt.ID] != nil; mt.ID = newMeetingID() {
		}
		mt.StartTime = time.Unix(mt.StartTime.Unix(), 0)
		me := &meeting{Meeting: mt, forCall: true, legs: make(map[*leg]struct{})}
		ms[mt.ID] = me
		cs.idle(me)
		cs.saveMeeting(me)
		c.reply(m.ID, protocol.NoErr, me.info(c.user))
		return
	}
	cs.mu.Unlock()
	for tries := 0; err == nil; tries++ {
		mt.ID = newMeetingID()
		err = c.srv.store.CreateMeeting(context.Background(), mt)
		if !errors.Is(err, store.ErrExists) || tries == 10 {
			break
		}
	}
	if err != nil {
		c.srv.log.Error("create meeting", "app", c.app, "err", err)
		c.fail(m.ID, protocol.ServerException, "could not store the meeting")
		return
	}
	mt.StartTime = time.Unix(mt.StartTime.Unix(), 0) // as stored
	cs.mu.Lock()
	defer cs.mu.Unlock()
	me := &meeting{Meeting: mt, legs: make(map[*leg]struct{})}
	cs.meetings[mt.ID] = me
	cs.idle(me)
	c.reply(m.ID, protocol.NoErr, me.info(c.user))
}

func (c *conn) handleGetMeetings(m protocol.Message) {
	var r protocol.ListPage
	if !c.decode(m, &r) {
		return
	}
	after, err := parseMeetingCursor(r.After)
	if err != nil {
		c.fail(m.ID, protocol.ErrData, err.Error())
		return
	}
	cs := c.lockedCalls(m, "could not list meetings")
	if cs == nil {
		return
	}
	defer cs.mu.Unlock()
	ms := cs.meetings
	rest := make([]*meeting, 0, len(ms))
	for _, mt := range ms {
		if after.before(mt) {
			rest = append(rest, mt)
		}
	}
	slices.SortFunc(rest, compareMeetings)
	page := meetingsPage(rest, c.user, c.srv.cfg.Limits.ListPageBytes)
	if c.cannotPage(m.ID, page.Next) {
		return
	}
	c.reply(m.ID, protocol.NoErr, page)
}

func (c *conn) handleDestroyMeeting(m protocol.Message) {
	var r protocol.MeetingRef
	if !c.decode(m, &r) {
		return
	}
	cs, err := c.srv.calls.loaded(c.app)
	var mt *meeting
	if err == nil {
		cs.mu.Lock()
		mt = cs.meetings[int64(r.Meet)]
		cs.mu.Unlock()
	}
	switch {
	case err != nil:
		c.srv.log.Error("load meetings", "app", c.app, "err", err)
		c.fail(m.ID, protocol.ServerException, "could not load meetings")
		return
	case mt == nil:
		c.fail(m.ID, protocol.MeetNotExist, "no such meeting")
		return
	case mt.Creator != c.user:
		c.fail(m.ID, protocol.AuthError, "only the creator may destroy a meeting")
		return
	}
	// Delete from the store first: a call that slips into the meeting
	// meanwhile is still in the cache and is ended below with the rest.
	if err := c.srv.store.DeleteMeeting(context.Background(), c.app, mt.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		c.srv.log.Error("delete meeting", "app", c.app, "err", err)
		c.fail(m.ID, protocol.ServerException, "could not delete the meeting")
		return
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.meetings[mt.ID] != mt {
		c.fail(m.ID, protocol.MeetNotExist, "no such meeting")
		return // destroyed concurrently by another session of the creator
	}
	delete(cs.meetings, mt.ID)
	cs.busy(mt)
	cs.saveMeeting(mt)
	stopped, _ := protocol.Push(protocol.EvMeetingStopped, protocol.MeetingRef{Meet: int(mt.ID)})
	for _, mb := range mt.room.order {
		if mb.user != c.user {
			c.srv.metrics.messageOut(protocol.EvMeetingStopped)
			mb.peer.Send(stopped)
		}
	}
	cs.empty(mt)
	for l := range mt.legs {
		cs.end(l, endDestroyed, c.user, "")
	}
	c.reply(m.ID, protocol.NoErr, nil)
}
