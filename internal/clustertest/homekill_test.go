//go:build linux

package clustertest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

// The application's home killed with kill -9. Its live state is written
// to JetStream as it changes (docs/cluster.md), so the node that takes the
// application over resumes it: every client that comes back within the
// grace period resumes its session (Reconnected without StateLost), the
// call in progress goes on for both parties (nobody was told it ended),
// pushes sent before the kill that a client had not yet acknowledged
// arrive exactly once, even one sent while the client was away, and
// those who do not come back show offline within 10 s of the grace's end.
func TestHomeNodeKilledClientsResumeOnTheNewHome(t *testing.T) {
	const grace = 10 * time.Second
	c := Start(t, Options{Grace: grace})
	home, edge, edge2 := c.Nodes[0], c.Nodes[1], c.Nodes[2]
	c.Place(t, home)
	alice := login(t, c.URL, "alice")     // on the home
	carol := loginOnce(t, c.URL, "carol") // on the home, will not come back
	gina := login(t, c.URL, "gina")       // on the home, rung by frank, never answers
	c.Place(t, edge)
	bob := login(t, c.URL, "bob") // on an edge that lives on
	watch(t, bob)
	frank := login(t, c.URL, "frank")
	c.Place(t, edge2)
	dave := loginOnce(t, c.URL, "dave") // on another live edge, will not come back
	// erin reaches the balancer through a link the test cuts: she is away
	// when the home dies, with a push waiting for her there.
	link := testkit.StartProxy(t, c.URL[len("ws://"):len(c.URL)-len("/ws")])
	erin := login(t, "ws://"+link.Addr()+"/ws", "erin")
	c.Unplace(t)
	awaitStatus(t, bob, "dave", protocol.StatusIdle)
	awaitStatus(t, bob, "erin", protocol.StatusIdle)
	meet := createMeeting(t, alice, "standup")
	id := ring(t, alice, bob, meet)
	accept(t, alice, bob, id)
	ringing := time.Now()
	unanswered := ring(t, frank, gina, createMeeting(t, frank, "for gina"))

	link.Down()
	testkit.Await[session.Reconnecting](t, erin, nil)
	// Carol rings erin while erin is away: the ring is kept for her. Its
	// CallSuccess means it is written where the next home finds it.
	toErin := carol.Call("erin", createMeeting(t, carol, "for erin"), "hi erin", "call-erin")
	testkit.Await(t, carol, func(e session.CallSuccess) bool { return e.CallID == toErin })

	home.Kill9(t)
	killed := time.Now()
	// Each wait is bounded by testkit.WaitTimeout (10 s); the times are
	// logged for the record (docs/cluster.md).
	assert.Equal(t, session.Reconnected{UsrID: "alice"}, testkit.Await[session.Reconnected](t, alice, nil), "alice resumed on the new home")
	t.Logf("alice (on the home) resumed %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	assert.Equal(t, session.Reconnected{UsrID: "bob"}, testkit.Await[session.Reconnected](t, bob, nil), "bob resumed on the new home")
	t.Logf("bob (on an edge) resumed %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	testkit.Await[session.LineOff](t, dave, nil)
	testkit.Await[session.LineOff](t, carol, nil)
	dave.Close()
	carol.Close()
	link.Up()
	assert.Equal(t, session.Reconnected{UsrID: "erin"}, testkit.Await[session.Reconnected](t, erin, nil), "erin resumed on the new home")
	assert.Equal(t, toErin, testkit.Await(t, erin, func(e session.NotifyCallIn) bool { return e.CallID == toErin }).CallID,
		"the ring sent while erin was away arrives after the home died")

	// The call is still up on both sides: both in the meeting, nobody told
	// of a hang-up; alice can end it and bob hears it, once.
	bob.GetUserStatus("after")
	users := testkit.Await(t, bob, func(e session.GetUserStatusSuccess) bool { return e.Cookie == "after" }).Users
	want := map[string]int{"alice": protocol.StatusInMeeting, "bob": protocol.StatusInMeeting,
		"frank": protocol.StatusBusy, "gina": protocol.StatusBusy}
	for _, u := range users {
		if st, ok := want[u.UserID]; ok {
			assert.Equal(t, st, u.UserStatus, "%s's status on the new home", u.UserID)
			delete(want, u.UserID)
		}
	}
	assert.Empty(t, want, "listed: %+v", users)
	assert.Empty(t, testkit.All[session.NotifyCallHungup](alice))
	assert.Empty(t, testkit.All[session.NotifyCallHungup](bob))
	alice.HungupCall(id, "bye", "hangup")
	testkit.Await(t, alice, func(e session.HangupCallSuccess) bool { return e.CallID == id })
	assert.Equal(t, session.NotifyCallHungup{CallID: id, UsrExtDat: "bye"}, testkit.Await[session.NotifyCallHungup](t, bob, nil))

	// Those who did not come back are offline within 10 s of the grace's
	// end (the grace runs from when the new home took over).
	for _, u := range []string{"carol", "dave"} {
		awaitStatusBy(t, bob, u, protocol.StatusOffline, killed.Add(grace+10*time.Second))
		t.Logf("%s offline %v after the kill (grace %v)", u, time.Since(killed).Round(100*time.Millisecond), grace)
	}
	// Carol's ring ended with her session: erin is told, once.
	testkit.Await(t, erin, func(e session.NotifyCallHungup) bool { return e.CallID == toErin })
	// Frank's ring to gina rings out 30 s after it began, as it would have
	// on the old home: its deadline was kept, not started again by the new
	// home (which took over more than 3 s after the kill).
	require.Eventually(t, func() bool {
		for _, e := range testkit.All[session.NotifyCallRejected](frank) {
			if e.CallID == unanswered && e.Err == protocol.ErrNoAnswer {
				return true
			}
		}
		return false
	}, time.Until(ringing.Add(30*time.Second+2*time.Second)), 50*time.Millisecond, "no answer within 30 s of the ring:\n%s", frank.Dump())
	t.Logf("frank's ring rang out %v after it began", time.Since(ringing).Round(100*time.Millisecond))
	testkit.Await(t, gina, func(e session.NotifyCallHungup) bool { return e.CallID == unanswered })

	// Exactly once: the pushes each had before the kill and not yet
	// acknowledged were not delivered a second time.
	for _, cl := range []*testkit.Client{alice, bob, erin, frank, gina} {
		testkit.Sync(t, cl)
	}
	assert.Len(t, testkit.All[session.NotifyCallAccepted](alice), 1, "alice: call accepted, once")
	assert.Len(t, testkit.All[session.NotifyCallHungup](bob), 1, "bob: hung up, once")
	assert.Len(t, testkit.All[session.NotifyCallIn](bob), 1, "bob: rung, once")
	assert.Len(t, testkit.All[session.NotifyCallIn](erin), 1, "erin: rung, once")
	assert.Len(t, testkit.All[session.NotifyCallHungup](erin), 1, "erin: ring over, once")
	assert.Len(t, testkit.All[session.NotifyCallRejected](frank), 1, "frank: no answer, once")
	assert.Len(t, testkit.All[session.NotifyCallIn](gina), 1, "gina: rung, once")

	// And the new home works as the old one did.
	id = ring(t, alice, bob, meet)
	accept(t, alice, bob, id)
}

// awaitStatusBy waits until c hears user's status become status, failing
// if that has not happened by deadline.
func awaitStatusBy(t *testing.T, c *testkit.Client, user string, status int, deadline time.Time) {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, e := range testkit.All[session.NotifyUserStatus](c) {
			if e.Status.UserID == user && e.Status.UserStatus == status {
				return true
			}
		}
		return false
	}, time.Until(deadline), 50*time.Millisecond, "%s's status %d not heard in time:\n%s", user, status, c.Dump())
}

// loginOnce signs user in through the balancer with no reconnecting: a
// client that, once dropped, does not come back.
func loginOnce(t *testing.T, url, user string) *testkit.Client {
	t.Helper()
	c := testkit.NewClient(t, url)
	c.Login(server.DemoAppID, server.PasswordFor(server.DemoAppSecret), "Nick "+user, user, "", "login")
	require.Equal(t, user, testkit.Await[session.LoginSuccess](t, c, nil).UsrID)
	return c
}
