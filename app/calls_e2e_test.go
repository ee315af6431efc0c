package app

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/server"
	"huddle/session"
)

// These tests drive the call and meeting flows against a real server; the
// other parties are testkit clients (for steps a test makes by hand) and
// bots (which answer on their own).

func inviteStatus(c *Client, user string) string {
	for _, inv := range c.Calls.Invites {
		if inv.UserID == user {
			return inv.StatusText()
		}
	}
	return "not invited"
}

func listed(c *Client, id int) (session.MeetInfo, bool) {
	i := slices.IndexFunc(c.Meetings.List, func(m session.MeetInfo) bool { return m.ID == id })
	if i < 0 {
		return session.MeetInfo{}, false
	}
	return c.Meetings.List[i], true
}

func TestCallAcceptedThenRemoteHangUp(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	c, l, _ := signIn(t, srv.URL, "alice")
	l.await(t, "bob listed", func() bool { return c.Contacts.Len() == 1 })

	l.do(func() { c.Calls.Call("bob") })
	in := testkit.Await[session.NotifyCallIn](t, bob, nil)
	assert.Equal(t, "alice", in.CallerID)
	l.do(func() {
		assert.Equal(t, CallRinging, c.Calls.Phase)
		assert.Equal(t, in.CallID, c.Calls.CallID, "the app follows the call the server rings")
		assert.Equal(t, "Call: Nick alice & Nick bob", in.Meet.Subject, "a meeting is made for the call")
	})

	bob.AcceptCall(in.CallID, in.Meet, "", "acc")
	l.await(t, "the call is active", func() bool { return c.Calls.Phase == CallActive })
	l.do(func() {
		assert.Equal(t, []string{"bob"}, c.Calls.Members)
		_, ok := listed(c, in.Meet.ID)
		assert.True(t, ok, "the call's meeting shows in the meetings tab")
	})

	bob.HungupCall(in.CallID, "", "bye")
	l.await(t, "the remote hang-up ends the call", func() bool { return c.Calls.Phase == CallIdle })
	l.do(func() {
		assert.Equal(t, "Nick bob hung up.", c.Calls.LastEnded)
		_, ok := listed(c, in.Meet.ID)
		assert.False(t, ok, "and leaves it with the call")
	})

	// The meeting made for the call goes with it.
	require.Eventually(t, func() bool {
		bob.GetMeetings("m")
		ms := testkit.Await[session.GetMeetingsSuccess](t, bob, nil).Meetings
		return !slices.ContainsFunc(ms, func(m session.MeetInfo) bool { return m.ID == in.Meet.ID })
	}, testkit.WaitTimeout, 20*time.Millisecond, "the call's meeting is removed")
}

func TestCallRejectedAndCallerCancels(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	c, l, _ := signIn(t, srv.URL, "alice")
	l.await(t, "bob listed", func() bool { return c.Contacts.Len() == 1 })

	l.do(func() { c.Calls.Call("bob") })
	in := testkit.Await[session.NotifyCallIn](t, bob, nil)
	bob.RejectCall(in.CallID, "", "no")
	l.await(t, "rejected", func() bool { return c.Calls.Phase == CallIdle })
	l.do(func() { assert.Equal(t, "Nick bob declined the call.", c.Calls.LastEnded) })

	l.do(func() { c.Calls.Call("bob") })
	in = testkit.Await(t, bob, func(e session.NotifyCallIn) bool { return e.CallID != in.CallID })
	l.do(func() { c.Calls.Cancel() })
	testkit.Await(t, bob, func(e session.NotifyCallHungup) bool { return e.CallID == in.CallID })
	l.do(func() { assert.Equal(t, "Call cancelled.", c.Calls.LastEnded) })
}

func TestIncomingCallAnsweredThenCallerHangsUp(t *testing.T) {
	srv := testkit.StartServer(t)
	c, l, _ := signIn(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	l.await(t, "bob listed", func() bool { return c.Contacts.Len() == 1 })
	bob.CreateMeeting("Standup", 1, "m")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet

	id := bob.Call("alice", meet, "", "c")
	l.await(t, "alice's app rings", func() bool { return c.Calls.Phase == CallIncoming })
	l.do(func() {
		assert.Equal(t, id, c.Calls.CallID)
		assert.Equal(t, "Standup", c.Calls.Meet.Subject)
	})
	bob.HungupCall(id, "", "h")
	l.await(t, "missed", func() bool { return c.Calls.Phase == CallIdle })
	l.do(func() { assert.Equal(t, "Missed call from Nick bob.", c.Calls.LastEnded) })

	id = bob.Call("alice", meet, "", "c2")
	l.await(t, "alice's app rings again", func() bool { return c.Calls.Phase == CallIncoming && c.Calls.CallID == id })
	l.do(c.Calls.Accept)
	testkit.Await(t, bob, func(e session.NotifyCallAccepted) bool { return e.CallID == id })
	l.await(t, "active", func() bool { return c.Calls.Phase == CallActive })
	bob.HungupCall(id, "", "h")
	l.await(t, "ended by bob", func() bool { return c.Calls.Phase == CallIdle })
	l.do(func() { assert.Equal(t, "Nick bob hung up.", c.Calls.LastEnded) })
}

func TestInviteAThirdPersonWithLiveStatus(t *testing.T) {
	srv := testkit.StartServer(t)
	testkit.StartBot(t, srv.URL, "bob", 0)
	testkit.StartBot(t, srv.URL, "dave", time.Hour) // never answers in time
	carol := testkit.Login(t, srv.URL, "carol")
	c, l, _ := signIn(t, srv.URL, "alice")
	l.await(t, "contacts listed", func() bool { return c.Contacts.Len() == 3 })

	l.do(func() { c.Calls.Call("bob") })
	l.await(t, "the bot answers", func() bool { return c.Calls.Phase == CallActive })

	l.do(func() { c.Calls.Invite("carol") })
	in := testkit.Await[session.NotifyCallIn](t, carol, nil)
	l.await(t, "carol's invite rings", func() bool { return inviteStatus(c, "carol") == "ringing" })
	l.do(func() {
		assert.Equal(t, in.CallID, c.Calls.Invites[0].ID, "the app knows the invite by the ID the server rings")
	})
	carol.AcceptCall(in.CallID, in.Meet, "", "acc")
	l.await(t, "carol connected", func() bool { return inviteStatus(c, "carol") == "connected" })
	l.do(func() { assert.Equal(t, []string{"bob", "carol"}, c.Calls.Members) })
	carol.HungupCall(in.CallID, "", "bye")
	l.await(t, "carol hung up", func() bool { return inviteStatus(c, "carol") == "hung up" })
	l.do(func() {
		assert.Equal(t, []string{"bob"}, c.Calls.Members)
		assert.Equal(t, CallActive, c.Calls.Phase, "the call goes on without carol")
	})

	l.do(func() { c.Calls.Invite("dave") })
	l.await(t, "dave's invite rings", func() bool { return inviteStatus(c, "dave") == "ringing" })
	l.do(func() { c.Calls.CancelInvite(c.Calls.Invites[1].ID) })
	l.await(t, "cancelled", func() bool { return inviteStatus(c, "dave") == "cancelled" })

	l.do(c.Calls.HangUp)
	l.do(func() { assert.Equal(t, CallIdle, c.Calls.Phase) })
}

func TestMeetingsCreateListDestroyWithPasswordVisibility(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, la, _ := signIn(t, srv.URL, "alice")
	bob, lb, _ := signIn(t, srv.URL, "bob")

	la.do(func() { alice.Meetings.Create("  Planning ", true) })
	var meet session.MeetInfo
	la.await(t, "listed for its creator", func() bool { return len(alice.Meetings.List) == 1 })
	la.do(func() { meet = alice.Meetings.List[0] })
	assert.Equal(t, "Planning", meet.Subject, "the subject is trimmed")
	assert.Regexp(t, regexp.MustCompile(`^\d{6}$`), meet.Pswd, "the creator sees the password")
	la.do(func() { assert.True(t, alice.Meetings.Mine(meet)) })

	var notices []string
	lb.do(func() {
		bob.OnNotice = func(s string) { notices = append(notices, s) }
		bob.Meetings.Refresh()
	})
	lb.await(t, "bob sees it", func() bool { _, ok := listed(bob, meet.ID); return ok })
	lb.do(func() {
		m, _ := listed(bob, meet.ID)
		assert.Empty(t, m.Pswd, "others do not see the password")
		assert.False(t, bob.Meetings.Mine(m))
		bob.Meetings.Destroy(meet.ID)
	})
	lb.await(t, "not the creator: refused in words", func() bool {
		return len(notices) == 1 && strings.HasPrefix(notices[0], "Could not end the meeting: ")
	})
	lb.do(func() { _, ok := listed(bob, meet.ID); assert.True(t, ok, "the list keeps it") })

	la.do(func() { alice.Meetings.Destroy(meet.ID) })
	la.await(t, "gone for its creator", func() bool { _, ok := listed(alice, meet.ID); return !ok })
	lb.do(bob.Meetings.Refresh)
	lb.await(t, "gone for bob after a refresh", func() bool { _, ok := listed(bob, meet.ID); return !ok })
}

// A call's meeting goes with the call however it ends: signing out
// mid-call, quitting, or a drop the app never comes back from leave no
// meeting behind (each used to leave one stored for good).
func TestCallMeetingIsNotLeftBehind(t *testing.T) {
	srv := testkit.StartServer(t, func(c *server.Config) { c.GracePeriod = 200 * time.Millisecond })
	bob := testkit.Login(t, srv.URL, "bob")
	proxy := testkit.StartProxy(t, srv.Addr)

	callBob := func(c *Client, l *loop) int {
		t.Helper()
		l.await(t, "bob listed", func() bool { return c.Contacts.Len() >= 1 })
		l.do(func() { c.Calls.Call("bob") })
		in := testkit.Await(t, bob, func(e session.NotifyCallIn) bool { return e.CallerID == c.UserID() })
		bob.AcceptCall(in.CallID, in.Meet, "", "acc")
		l.await(t, "the call is active", func() bool { return c.Calls.Phase == CallActive })
		return in.Meet.ID
	}
	gone := func(id int, how string) {
		t.Helper()
		require.Eventually(t, func() bool {
			cookie := "list-" + how + time.Now().String()
			bob.GetMeetings(cookie)
			ms := testkit.Await(t, bob, func(e session.GetMeetingsSuccess) bool { return e.Cookie == cookie }).Meetings
			return !slices.ContainsFunc(ms, func(m session.MeetInfo) bool { return m.ID == id })
		}, testkit.WaitTimeout, 20*time.Millisecond, "the call's meeting is left behind after %s", how)
	}

	c, l, _ := signIn(t, srv.URL, "alice")
	id := callBob(c, l)
	l.do(c.SignOut)
	gone(id, "sign-out")

	c, l, _ = signIn(t, srv.URL, "carol")
	id = callBob(c, l)
	l.do(c.Close)
	gone(id, "quit")

	c, l, _ = signIn(t, "ws://"+proxy.Addr()+"/ws", "dave")
	id = callBob(c, l)
	proxy.Down()
	l.await(t, "reconnecting", c.Reconnecting)
	l.do(c.GiveUp)
	gone(id, "a drop")
}
