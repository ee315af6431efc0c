package session_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/server"
	"huddle/session"
)

// listedMeeting says whether c's meetings list has id.
func listedMeeting(t *testing.T, c *testkit.Client, id int) bool {
	_, ok := findMeet(getMeetings(t, c), id)
	return ok
}

func TestMeetingsPerCreatorLimit(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.MeetingsPerCreator = 2 }))
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")

	first := createMeeting(t, alice, "One", 0)
	createMeeting(t, alice, "Two", 0)
	alice.CreateMeeting("Three", 0, "three")
	assert.Equal(t, session.CreateMeetingFail{Err: session.RATE_LIMITED, Cookie: "three"},
		testkit.Await[session.CreateMeetingFail](t, alice, nil))
	alice.CreateCallMeeting("Call", 0, "call")
	assert.Equal(t, session.CreateMeetingFail{Err: session.RATE_LIMITED, Cookie: "call"},
		testkit.Await[session.CreateMeetingFail](t, alice, nil), "call meetings count too")

	createMeeting(t, bob, "Bob's", 0) // each creator has their own allowance

	alice.DestroyMeeting(first.ID, "d")
	require.Equal(t, session.NOERR, testkit.Await[session.DestroyMeetingRslt](t, alice, nil).Err)
	createMeeting(t, alice, "Three again", 0)
}

func TestEmptyMeetingExpires(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.MeetingIdleExpiry = 300 * time.Millisecond }))
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")

	empty := createMeeting(t, alice, "Nobody comes", 0)
	used := createMeeting(t, alice, "In use", 0)
	id := ring(t, alice, bob, used, "x")
	accept(t, alice, bob, id, "y")

	require.Eventually(t, func() bool { return !listedMeeting(t, bob, empty.ID) }, testkit.WaitTimeout, 20*time.Millisecond,
		"an empty meeting expires")
	assert.True(t, listedMeeting(t, bob, used.ID), "a meeting with a call in it does not")

	bob.HungupCall(id, "", "h")
	testkit.Await[session.HangupCallSuccess](t, bob, nil)
	require.Eventually(t, func() bool { return !listedMeeting(t, bob, used.ID) }, testkit.WaitTimeout, 20*time.Millisecond,
		"it expires once its last call ends")

	// Gone from the store too: a restarted server does not bring it back.
	srv = srv.Restart(t)
	carol := testkit.Login(t, srv.URL, "carol")
	assert.Empty(t, getMeetings(t, carol))
}

func TestCallMeetingEndsWithItsCall(t *testing.T) {
	srv := testkit.StartServer(t, func(c *server.Config) { c.CallTimeout = 300 * time.Millisecond })
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")

	alice.CreateCallMeeting("Call", 0, "m")
	meet := testkit.Await[session.CreateMeetingSuccess](t, alice, nil).Meet
	assert.True(t, listedMeeting(t, bob, meet.ID), "listed while the call lasts")
	id := ring(t, alice, bob, meet, "x")
	accept(t, alice, bob, id, "y")
	assert.True(t, listedMeeting(t, bob, meet.ID))

	bob.HungupCall(id, "", "h")
	testkit.Await[session.HangupCallSuccess](t, bob, nil)
	assert.False(t, listedMeeting(t, bob, meet.ID), "gone with its last call")
	alice.Call("bob", meet, "", "again")
	assert.Equal(t, session.MEETNOTEXIST, testkit.Await[session.CallFail](t, alice, nil).Err)

	alice.CreateCallMeeting("Never used", 0, "unused")
	unused := testkit.Await(t, alice, func(e session.CreateMeetingSuccess) bool { return e.Cookie == "unused" }).Meet
	require.Eventually(t, func() bool { return !listedMeeting(t, bob, unused.ID) }, testkit.WaitTimeout, 20*time.Millisecond,
		"a call meeting no call is made in ends after the ring time")
}
