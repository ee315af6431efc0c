package app

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

// answerCallFrom has bob call alice's app, and alice accept.
func answerCallFrom(t *testing.T, bob *testkit.Client, c *Client, l *loop) string {
	t.Helper()
	bob.CreateMeeting("call", 0, "m")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	id := bob.Call("alice", meet, "", "call")
	l.await(t, "ringing", func() bool { return c.Calls.Phase == CallIncoming })
	l.do(c.Calls.Accept)
	l.await(t, "in the call", func() bool { return c.Calls.Phase == CallActive })
	testkit.Await(t, bob, func(e session.NotifyCallAccepted) bool { return e.CallID == id })
	return id
}

// A hang-up written into a link that was already dead reaches the app when
// it resumes, as the hang-up it was: not guessed from a status list later.
func TestHangupIntoHalfOpenLinkIsShownAsItHappened(t *testing.T) {
	srv := testkit.StartServer(t)
	proxy := testkit.StartProxy(t, srv.Addr)
	bob := testkit.Login(t, srv.URL, "bob")
	c, l, _ := signInThrough(t, proxy)
	id := answerCallFrom(t, bob, c, l)

	proxy.Blackhole()
	bob.HungupCall(id, "", "h")
	testkit.Await[session.HangupCallSuccess](t, bob, nil)
	proxy.Cut()

	l.await(t, "the call ended", func() bool { return c.Calls.Phase == CallIdle })
	l.do(func() { assert.Equal(t, c.Contacts.Name("bob")+" hung up.", c.Calls.LastEnded) })
}

// More missed than the server keeps: the session is lost, the call with
// it, and the app reads everything again.
func TestStateLostEndsCallAndRereadsState(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.ReplayBuffer = 3 }))
	proxy := testkit.StartProxy(t, srv.Addr)
	bob := testkit.Login(t, srv.URL, "bob")
	c, l, _ := signInThrough(t, proxy)
	id := answerCallFrom(t, bob, c, l)

	proxy.Blackhole()
	for i := range 5 { // a status push each to alice, who is subscribed
		testkit.Login(t, srv.URL, fmt.Sprintf("u%d", i))
	}
	bob.CreateMeeting("while you were away", 0, "away")
	testkit.Await(t, bob, func(e session.CreateMeetingSuccess) bool { return e.Cookie == "away" })
	proxy.Cut()

	assert.Equal(t, id, testkit.Await[session.NotifyCallHungup](t, bob, nil).CallID, "the lost session's call ended")
	l.await(t, "the call ended", func() bool { return c.Calls.Phase == CallIdle })
	l.do(func() { assert.Equal(t, "The call ended while the connection was down.", c.Calls.LastEnded) })
	l.await(t, "users who came meanwhile listed", func() bool { _, ok := c.Contacts.Get("u4"); return ok })
	l.await(t, "the meeting made meanwhile listed", func() bool {
		for _, m := range c.Meetings.List {
			if m.Subject == "while you were away" {
				return true
			}
		}
		return false
	})
}

func TestReconnectedWithStateLostEndsTheCallAtOnce(t *testing.T) {
	c, f, _ := fakeClient()
	c.Calls.CallInto("bob", session.MeetInfo{ID: 7})
	c.Handle(session.NotifyCallAccepted{CallID: "call-1"})
	c.Handle(session.Reconnecting{Err: session.SOCKETEXCEPTION})
	c.Handle(session.Reconnected{UsrID: "alice", StateLost: true})
	assert.Equal(t, CallIdle, c.Calls.Phase, "the server ended the session, and the call")
	assert.Equal(t, "The call ended while the connection was down.", c.Calls.LastEnded)
	require.GreaterOrEqual(t, len(f.calls), 2)
	assert.ElementsMatch(t, []string{"GetUserStatus", "GetMeetings"}, f.calls[len(f.calls)-2:], "everything is read again")
}

func TestReconnectedLosslesslyKeepsTheCall(t *testing.T) {
	c, f, _ := fakeClient()
	c.Calls.CallInto("bob", session.MeetInfo{ID: 7})
	c.Handle(session.NotifyCallAccepted{CallID: "call-1"})
	c.Handle(session.Reconnecting{Err: session.SOCKETEXCEPTION})
	c.Handle(session.Reconnected{UsrID: "alice"})
	assert.Equal(t, "GetUserStatus", f.calls[len(f.calls)-1], "status changes while away are not replayed")
	// Even a list fetched before the replayed pushes settle does not end a
	// call the server kept: every push about it was replayed.
	c.Handle(session.GetUserStatusSuccess{Users: []session.UserStatus{{UserID: "alice", UserStatus: protocol.StatusIdle}}})
	assert.Equal(t, CallActive, c.Calls.Phase)
}
