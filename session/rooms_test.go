package session_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

var enterCookies = 0

// enterMeeting has c enter meet and returns the outcome.
func enterMeeting(t *testing.T, c *testkit.Client, meetID int, pswd string) session.ErrCode {
	t.Helper()
	enterCookies++
	cookie := fmt.Sprintf("enter-%d", enterCookies)
	c.EnterMeeting(meetID, pswd, cookie)
	return testkit.Await(t, c, func(e session.EnterMeetingRslt) bool { return e.Cookie == cookie }).Err
}

func enter(t *testing.T, c *testkit.Client, meet session.MeetInfo) {
	t.Helper()
	require.Equal(t, session.NOERR, enterMeeting(t, c, meet.ID, meet.Pswd))
}

// memberIDs lists c's members as "user:audio".
func memberIDs(c *testkit.Client) []string {
	var out []string
	for _, m := range c.GetAllMembers() {
		out = append(out, fmt.Sprintf("%s:%d", m.UserID, m.AudioStatus))
	}
	return out
}

func awaitEnter(t *testing.T, c *testkit.Client, user string) {
	t.Helper()
	testkit.Await(t, c, func(e session.UserEnterMeeting) bool { return e.UserID == user })
}

func awaitLeft(t *testing.T, c *testkit.Client, user string) {
	t.Helper()
	testkit.Await(t, c, func(e session.UserLeftMeeting) bool { return e.UserID == user })
}

func TestEnterMeetingMembersAndExit(t *testing.T) {
	srv := testkit.StartServer(t)
	w := watcher(t, srv.URL)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	meet := createMeeting(t, alice, "standup", 1)
	require.NotEmpty(t, meet.Pswd)

	assert.Equal(t, session.AUTHERROR, enterMeeting(t, bob, meet.ID, "000000x"), "wrong password")
	assert.Equal(t, session.AUTHERROR, enterMeeting(t, bob, meet.ID, ""), "no password")
	assert.Equal(t, session.MEETNOTEXIST, enterMeeting(t, bob, 123, meet.Pswd), "no such meeting")
	assert.Nil(t, bob.GetAllMembers())

	enter(t, alice, meet)
	assert.Equal(t, []string{"alice:2"}, memberIDs(alice), "in it, microphone closed")
	awaitStatus(t, w, "alice", protocol.StatusInMeeting)
	enter(t, bob, meet)
	awaitEnter(t, alice, "bob")
	assert.Equal(t, []string{"alice:2", "bob:2"}, memberIDs(bob))
	assert.Equal(t, []string{"alice:2", "bob:2"}, memberIDs(alice))
	assert.Equal(t, "Nick bob", alice.GetAllMembers()[1].NickName)
	cur, ok := bob.CurrentMeeting()
	require.True(t, ok)
	assert.Equal(t, meet.ID, cur.ID)
	assert.Equal(t, 2, cur.MemberCount)
	awaitStatus(t, w, "bob", protocol.StatusInMeeting)
	listed, _ := findMeet(getMeetings(t, w), meet.ID)
	assert.Equal(t, 2, listed.MemberCount)

	// Entering again is no change; entering another meeting needs an exit first.
	assert.Equal(t, session.NOERR, enterMeeting(t, bob, meet.ID, ""), "a member enters without the password")
	other := createMeeting(t, bob, "other", 0)
	assert.Equal(t, session.ERR_CALL_EXIST, enterMeeting(t, bob, other.ID, ""))
	testkit.Sync(t, alice)
	assert.Len(t, testkit.All[session.UserEnterMeeting](alice), 1, "nobody entered twice")

	bob.ExitMeeting()
	assert.Nil(t, bob.GetAllMembers())
	awaitLeft(t, alice, "bob")
	assert.Equal(t, []string{"alice:2"}, memberIDs(alice))
	awaitStatus(t, w, "bob", protocol.StatusIdle)
	enter(t, bob, other) // free again
	assert.Empty(t, testkit.All[session.UserLeftMeeting](bob), "one's own exit is no event")
}

func TestRoomFull(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.RoomMembers = 2 }))
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	carol := testkit.Login(t, srv.URL, "carol")
	dave := testkit.Login(t, srv.URL, "dave")
	meet := createMeeting(t, alice, "small", 0)

	// The call needs two places: one is taken while it rings.
	id := ring(t, alice, bob, meet, "x")
	enter(t, carol, meet)
	bob.AcceptCall(id, session.MeetInfo{}, "", "acc")
	assert.Equal(t, session.MEMBEROVERFLOWERROR, testkit.Await[session.AcceptCallFail](t, bob, nil).Err)
	assert.Equal(t, session.NotifyCallRejected{CallID: id, Err: session.MEMBEROVERFLOWERROR},
		testkit.Await[session.NotifyCallRejected](t, alice, nil), "the caller hears why")
	assert.Nil(t, bob.GetAllMembers())

	enter(t, dave, meet)
	assert.Equal(t, session.MEMBEROVERFLOWERROR, enterMeeting(t, alice, meet.ID, ""), "full")
	assert.Equal(t, session.MEMBEROVERFLOWERROR, callFail(t, alice, "bob", meet), "no place for a call")
	assert.Equal(t, session.MEMBEROVERFLOWERROR, callFail(t, carol, "bob", meet), "no place for the callee")

	// The members are unaffected, and a place that frees up can be taken.
	assert.Equal(t, []string{"carol:2", "dave:2"}, memberIDs(carol))
	dave.ExitMeeting()
	awaitLeft(t, carol, "dave")
	enter(t, alice, meet)
}

func TestDestroyedMeetingEndsRoom(t *testing.T) {
	srv := testkit.StartServer(t)
	w := watcher(t, srv.URL)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	carol := testkit.Login(t, srv.URL, "carol")
	meet := createMeeting(t, alice, "doomed", 0)
	enter(t, alice, meet)
	enter(t, bob, meet)
	enter(t, carol, meet)

	alice.DestroyMeeting(meet.ID, "bye")
	require.Equal(t, session.NOERR, testkit.Await[session.DestroyMeetingRslt](t, alice, nil).Err)
	for _, c := range []*testkit.Client{bob, carol} {
		assert.Equal(t, session.MeetingStopped{MeetID: meet.ID}, testkit.Await[session.MeetingStopped](t, c, nil))
		assert.Nil(t, c.GetAllMembers())
		assert.Empty(t, testkit.All[session.UserLeftMeeting](c), "the meeting stopped: nobody left it one by one")
	}
	assert.Nil(t, alice.GetAllMembers())
	awaitStatus(t, w, "bob", protocol.StatusIdle)
	awaitStatus(t, w, "carol", protocol.StatusIdle)
	assert.Equal(t, session.MEETNOTEXIST, enterMeeting(t, bob, meet.ID, ""), "destroyed")
}

func TestMicrophones(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	meet := createMeeting(t, alice, "talk", 0)

	bob.OpenMic("")
	assert.Equal(t, session.OpenMicFailed{UserID: "bob", Err: session.MEETNOTEXIST}, testkit.Await[session.OpenMicFailed](t, bob, nil))
	enter(t, alice, meet)
	enter(t, bob, meet)
	awaitEnter(t, alice, "bob")

	bob.OpenMic("bob")
	assert.Equal(t, session.AudioStatusChanged{UserID: "bob", OldStatus: protocol.AudioClosed, NewStatus: protocol.AudioOpening},
		testkit.Await[session.AudioStatusChanged](t, bob, nil), "opening at once")
	assert.Equal(t, session.AudioStatusChanged{UserID: "bob", OldStatus: protocol.AudioOpening, NewStatus: protocol.AudioOpen},
		testkit.Await[session.AudioStatusChanged](t, bob, nil), "open once the server has it")
	assert.Equal(t, session.AudioStatusChanged{UserID: "bob", OldStatus: protocol.AudioClosed, NewStatus: protocol.AudioOpen},
		testkit.Await[session.AudioStatusChanged](t, alice, nil))
	assert.Equal(t, []string{"alice:2", "bob:3"}, memberIDs(alice))

	// Only the creator closes another's microphone; nobody opens another's.
	bob.CloseMic("alice")
	assert.Equal(t, session.CloseMicFailed{UserID: "alice", Err: session.AUTHERROR}, testkit.Await[session.CloseMicFailed](t, bob, nil))
	alice.OpenMic("bob")
	assert.Equal(t, session.OpenMicFailed{UserID: "bob", Err: session.AUTHERROR}, testkit.Await[session.OpenMicFailed](t, alice, nil))
	alice.CloseMic("nobody")
	assert.Equal(t, session.CloseMicFailed{UserID: "nobody", Err: session.ERR_USER_NOT_FOUND}, testkit.Await[session.CloseMicFailed](t, alice, nil))
	alice.CloseMic("bob")
	for _, c := range []*testkit.Client{alice, bob} {
		assert.Equal(t, session.AudioStatusChanged{UserID: "bob", OldStatus: protocol.AudioOpen, NewStatus: protocol.AudioClosed},
			testkit.Await[session.AudioStatusChanged](t, c, nil))
	}

	// Closing one's own is at once, and told to everyone once.
	alice.OpenMic("")
	testkit.Await(t, alice, func(e session.AudioStatusChanged) bool {
		return e.UserID == "alice" && e.NewStatus == protocol.AudioOpen
	})
	alice.CloseMic("")
	assert.Equal(t, []string{"alice:2", "bob:2"}, memberIDs(alice), "closed before the server answers")
	testkit.Await(t, bob, func(e session.AudioStatusChanged) bool {
		return e.UserID == "alice" && e.NewStatus == protocol.AudioClosed
	})
	testkit.Sync(t, alice)
	var own []session.AudioStatusChanged
	for _, e := range testkit.All[session.AudioStatusChanged](alice) {
		if e.UserID == "alice" {
			own = append(own, e)
		}
	}
	assert.Equal(t, []session.AudioStatusChanged{
		{UserID: "alice", OldStatus: 2, NewStatus: 4}, {UserID: "alice", OldStatus: 4, NewStatus: 3}, {UserID: "alice", OldStatus: 3, NewStatus: 2},
	}, own)
	assert.Equal(t, []string{"alice:2", "bob:2"}, memberIDs(bob))

	// Open and close at once: the confirmation of the opening, older than
	// the closing, does not show the microphone open again.
	bob.OpenMic("")
	bob.CloseMic("")
	testkit.Await(t, alice, func(e session.AudioStatusChanged) bool {
		return e.UserID == "bob" && e.NewStatus == protocol.AudioClosed
	})
	testkit.Sync(t, bob)
	assert.Equal(t, []string{"alice:2", "bob:2"}, memberIDs(bob))
	last := testkit.All[session.AudioStatusChanged](bob)
	assert.Equal(t, session.AudioStatusChanged{UserID: "bob", OldStatus: protocol.AudioOpening, NewStatus: protocol.AudioClosed}, last[len(last)-1])
}

// A malformed set_audio is answered with a code; nobody else hears of it.
func TestBadMicRequestsHurtNobody(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	meet := createMeeting(t, alice, "m", 0)
	enter(t, alice, meet)
	mallory := rawLogin(t, srv.URL, "mallory")
	id := mallory.request(protocol.OpEnterMeeting, protocol.EnterMeeting{Meet: meet.ID})
	require.Equal(t, protocol.NoErr, mallory.reply(id).Code)
	for _, bad := range []protocol.SetAudio{{Audio: 4}, {Audio: 0}, {Audio: -1}, {User: "alice", Audio: protocol.AudioNoMic}, {User: "alice", Audio: protocol.AudioOpen}} {
		id := mallory.request(protocol.OpSetAudio, bad)
		assert.NotEqual(t, protocol.NoErr, mallory.reply(id).Code, "%+v", bad)
	}
	id = mallory.request(protocol.OpSetAudio, map[string]any{"audio": 3, "extra": 1})
	assert.Equal(t, protocol.ErrData, mallory.reply(id).Code)
	testkit.Sync(t, alice)
	assert.Empty(t, testkit.All[session.AudioStatusChanged](alice))
	assert.Equal(t, []string{"alice:2", "mallory:2"}, memberIDs(alice))
}

func TestCallAcceptEntersAndHangupLeaves(t *testing.T) {
	srv := testkit.StartServer(t)
	w := watcher(t, srv.URL)
	alice, bob, meet, callID := inCall(t, srv.URL)
	assert.Equal(t, []string{"alice:2", "bob:2"}, memberIDs(alice), "accepting put both in the meeting")
	assert.Equal(t, []string{"alice:2", "bob:2"}, memberIDs(bob))
	cur, _ := bob.CurrentMeeting()
	assert.Equal(t, meet.Pswd, cur.Pswd)
	assert.Equal(t, session.NOERR, enterMeeting(t, bob, meet.ID, ""), "a page that enters after accepting, as CloudRoom's do")

	// An invitee who accepts enters; hanging up leaves.
	carol := testkit.Login(t, srv.URL, "carol")
	inv := invite(t, alice, carol, meet)
	carol.AcceptCall(inv, session.MeetInfo{}, "", "acc")
	testkit.Await[session.AcceptCallSuccess](t, carol, nil)
	awaitEnter(t, alice, "carol")
	awaitEnter(t, bob, "carol")
	assert.Equal(t, []string{"alice:2", "bob:2", "carol:2"}, memberIDs(carol))
	carol.HungupCall(inv, "", "h")
	testkit.Await[session.HangupCallSuccess](t, carol, nil)
	awaitLeft(t, alice, "carol")
	awaitLeft(t, bob, "carol")
	assert.Nil(t, carol.GetAllMembers())
	awaitStatus(t, w, "carol", protocol.StatusIdle)

	// The last call ends: both are out (told so before the call's end, so
	// an app that redraws on NotifyCallHungup shows no meeting), and the
	// meeting is free.
	alice.HungupCall(callID, "", "h")
	testkit.Await[session.NotifyCallHungup](t, bob, nil)
	assert.Nil(t, bob.GetAllMembers())
	var order []string
	for _, ev := range testkit.All[session.Event](bob) {
		switch e := ev.(type) {
		case session.UserLeftMeeting:
			order = append(order, "left "+e.UserID)
		case session.NotifyCallHungup:
			order = append(order, "hungup")
		}
	}
	assert.Equal(t, []string{"left carol", "left alice", "hungup"}, order)
	testkit.Await[session.HangupCallSuccess](t, alice, nil)
	assert.Nil(t, alice.GetAllMembers())
	awaitStatus(t, w, "bob", protocol.StatusIdle)
	awaitStatus(t, w, "alice", protocol.StatusIdle)
}

// Someone in a meeting by enter_meeting stays when a call they made into it
// ends; the one the call brought leaves.
func TestMemberWhoEnteredStaysAfterCall(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	carol := testkit.Login(t, srv.URL, "carol")
	meet := createMeeting(t, alice, "room", 0)
	enter(t, alice, meet)

	assert.Equal(t, session.ERR_BUSY, callFail(t, carol, "alice", meet), "in a meeting is busy")
	id := ring(t, alice, bob, meet, "")
	accept(t, alice, bob, id, "")
	awaitEnter(t, alice, "bob")
	bob.HungupCall(id, "", "h")
	awaitLeft(t, alice, "bob")
	assert.Equal(t, []string{"alice:2"}, memberIDs(alice))

	// Exiting ends one's calls in the meeting.
	id = ring(t, alice, bob, meet, "again")
	accept(t, alice, bob, id, "")
	alice.ExitMeeting()
	assert.Equal(t, session.NotifyCallHungup{CallID: id}, testkit.Await(t, bob, func(e session.NotifyCallHungup) bool { return e.CallID == id }))
	testkit.Sync(t, bob)
	assert.Nil(t, bob.GetAllMembers())
}

func TestShortDropKeepsMembership(t *testing.T) {
	srv := testkit.StartServer(t) // default grace period: 20 s
	proxy := testkit.StartProxy(t, srv.Addr)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := loginReconnecting(t, "ws://"+proxy.Addr()+"/ws", "bob")
	meet := createMeeting(t, alice, "m", 0)
	enter(t, alice, meet)
	enter(t, bob, meet)
	awaitEnter(t, alice, "bob")

	proxy.Blackhole()
	alice.OpenMic("") // pushed while bob's link is dying: replayed on resume
	testkit.Await(t, alice, func(e session.AudioStatusChanged) bool { return e.NewStatus == protocol.AudioOpen })
	proxy.Cut()
	assert.Equal(t, session.Reconnected{UsrID: "bob"}, testkit.Await[session.Reconnected](t, bob, nil))
	assert.Equal(t, session.AudioStatusChanged{UserID: "alice", OldStatus: 2, NewStatus: 3}, testkit.Await[session.AudioStatusChanged](t, bob, nil))

	testkit.Sync(t, alice)
	assert.Empty(t, testkit.All[session.UserLeftMeeting](alice), "nobody saw bob leave")
	assert.Empty(t, testkit.All[session.MeetingDropped](bob))
	assert.Equal(t, []string{"alice:3", "bob:2"}, memberIDs(bob))
	bob.OpenMic("")
	testkit.Await(t, alice, func(e session.AudioStatusChanged) bool { return e.UserID == "bob" && e.NewStatus == protocol.AudioOpen })
}

func TestDropPastGraceLeavesMeeting(t *testing.T) {
	srv := testkit.StartServer(t, func(c *server.Config) { c.GracePeriod = 50 * time.Millisecond })
	proxy := testkit.StartProxy(t, srv.Addr)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := loginReconnecting(t, "ws://"+proxy.Addr()+"/ws", "bob")
	meet := createMeeting(t, alice, "m", 0)
	enter(t, alice, meet)
	enter(t, bob, meet)
	awaitEnter(t, alice, "bob")

	proxy.Down()
	testkit.Await[session.Reconnecting](t, bob, nil)
	awaitLeft(t, alice, "bob")
	assert.Equal(t, []string{"alice:2"}, memberIDs(alice))
	proxy.Up()
	testkit.Await[session.MeetingDropped](t, bob, nil)
	assert.True(t, testkit.Await[session.Reconnected](t, bob, nil).StateLost)
	assert.Nil(t, bob.GetAllMembers())
	enter(t, bob, meet) // and back in by asking
	awaitEnter(t, alice, "bob")
}

func TestSignOutAndKickOutLeaveMeeting(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	meet := createMeeting(t, alice, "m", 0)
	enter(t, alice, meet)
	enter(t, bob, meet)

	bob.Logout()
	awaitLeft(t, alice, "bob")
	assert.Nil(t, bob.GetAllMembers())

	carol := testkit.Login(t, srv.URL, "carol")
	enter(t, carol, meet)
	awaitEnter(t, alice, "carol")
	testkit.Login(t, srv.URL, "carol") // another device: the first is pushed off
	testkit.Await[session.MeetingDropped](t, carol, nil)
	assert.Equal(t, session.LineOff{Err: session.USER_BEEN_KICKOUT}, testkit.Await[session.LineOff](t, carol, nil))
	awaitLeft(t, alice, "carol")
	assert.Equal(t, []string{"alice:2"}, memberIDs(alice))
}
