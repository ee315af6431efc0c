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

// The application's home paused (SIGSTOP: a VM paused, a node swapping or
// stalled in GC) past NodeTimeout and its lease's TTL: the other nodes take
// it for dead and one of them takes the application over. When it wakes up
// it does not go on as a home nor as the node it was: it stops serving the
// application and joins again under a new instance, closing its clients'
// connections. Everyone a user would ask about is fine: every client
// resumes (no state lost), the call that was up is still up on both sides
// (nobody was told of a hang-up), statuses are right, users on the woken
// node and another can call each other, and there is one home: a change
// after the wake reaches every subscriber, once.
//
// The home finds out by itself: it stood still for longer than its node
// timeout.
func TestHomeNodePausedPastItsLeaseRejoinsClientsResume(t *testing.T) {
	// The fault: longer than NodeTimeout plus the lease's TTL (5 s,
	// docs/cluster.md), so the application has moved when the home wakes.
	pausedHomeRejoins(t, Start(t, Options{}), server.NodeTimeout+5*time.Second+time.Second)
}

// As above, but the home does not find out by itself: by its own clock it
// did not stand still for long (its node timeout is longer than the
// others'; as when its heartbeats were held up on their way). The others
// tell it, hearing it under the instance they took for dead.
func TestHomeNodeTakenForDeadIsToldAndRejoins(t *testing.T) {
	c := Start(t, Options{NodeTimeouts: []time.Duration{server.MaxNodeTimeout, server.MinNodeTimeout, server.MinNodeTimeout}})
	pausedHomeRejoins(t, c, server.MinNodeTimeout+2*time.Second)
}

// pausedHomeRejoins pauses c's first node, the home, for pause, and
// checks what users see after it wakes (the default grace: 20 s).
func pausedHomeRejoins(t *testing.T, c *Cluster, pause time.Duration) {
	home, edge := c.Nodes[0], c.Nodes[1]
	c.Place(t, home)
	alice := login(t, c.URL, "alice") // on the home
	c.Place(t, edge)
	bob := login(t, c.URL, "bob")
	watch(t, bob)
	c.Place(t, c.Nodes[2])
	carol := login(t, c.URL, "carol")
	watch(t, carol)
	c.Unplace(t)
	meet := createMeeting(t, alice, "standup")
	id := ring(t, alice, bob, meet)
	accept(t, alice, bob, id)

	home.Pause(t)
	paused := time.Now()
	// Their edges find the home dead and close them; they resume on the
	// node that took the application over.
	assert.Equal(t, session.Reconnected{UsrID: "bob"}, testkit.Await[session.Reconnected](t, bob, nil), "bob resumed while the home slept")
	assert.Equal(t, session.Reconnected{UsrID: "carol"}, testkit.Await[session.Reconnected](t, carol, nil), "carol resumed while the home slept")
	<-time.After(time.Until(paused.Add(pause)))
	home.Continue(t)
	woke := time.Now()

	// alice's connection was to the sleeper: she comes back and resumes.
	assert.Equal(t, session.Reconnected{UsrID: "alice"}, testkit.Await[session.Reconnected](t, alice, nil), "alice resumed after the wake")
	for _, cl := range []*testkit.Client{alice, bob, carol} {
		testkit.Sync(t, cl)
	}
	t.Logf("every client resumed and answered %v after the wake (paused %v)", time.Since(woke).Round(10*time.Millisecond), pause)

	// The woken node serves again, as an edge: users on it and on another
	// node call each other.
	c.AwaitUp(t, home)
	c.Place(t, home)
	dave := login(t, c.URL, "dave")
	watch(t, dave)
	c.Place(t, edge)
	erin := login(t, c.URL, "erin")
	watch(t, erin)
	c.Unplace(t)
	toErin := ring(t, dave, erin, createMeeting(t, dave, "after the wake"))
	accept(t, dave, erin, toErin)

	// Statuses are right, seen from the woken node, and the call that
	// was up before the pause is still up for both.
	dave.GetUserStatus("after")
	users := testkit.Await(t, dave, func(e session.GetUserStatusSuccess) bool { return e.Cookie == "after" }).Users
	want := map[string]int{"alice": protocol.StatusInMeeting, "bob": protocol.StatusInMeeting, "carol": protocol.StatusIdle,
		"dave": protocol.StatusInMeeting, "erin": protocol.StatusInMeeting}
	for _, u := range users {
		if st, ok := want[u.UserID]; ok {
			assert.Equal(t, st, u.UserStatus, "%s's status", u.UserID)
			delete(want, u.UserID)
		}
	}
	assert.Empty(t, want, "listed: %+v", users)
	assert.Empty(t, testkit.All[session.NotifyCallHungup](alice), "nobody told alice of a hang-up")
	assert.Empty(t, testkit.All[session.NotifyCallHungup](bob), "nobody told bob of a hang-up")

	// One home: a change after the wake reaches every subscriber, on every
	// node, exactly once.
	alice.SetDNDStatus(1, "dnd")
	testkit.Await[session.SetDNDStatusSuccess](t, alice, nil)
	for _, cl := range []*testkit.Client{bob, carol, dave, erin} {
		awaitDND(t, cl, "alice", 1)
		testkit.Sync(t, cl)
		n := 0
		for _, e := range testkit.All[session.NotifyUserStatus](cl) {
			if e.Status.UserID == "alice" && e.Status.DNDType == 1 {
				n++
			}
		}
		assert.Equal(t, 1, n, "%s: alice's do-not-disturb, once:\n%s", cl.UserID(), cl.Dump())
	}
	alice.HungupCall(id, "bye", "hangup")
	testkit.Await(t, alice, func(e session.HangupCallSuccess) bool { return e.CallID == id })
	assert.Equal(t, session.NotifyCallHungup{CallID: id, UsrExtDat: "bye"}, testkit.Await[session.NotifyCallHungup](t, bob, nil))
	testkit.Sync(t, bob)
	assert.Len(t, testkit.All[session.NotifyCallHungup](bob), 1, "bob: hung up, once")
	for _, cl := range []*testkit.Client{alice, bob, carol} {
		for _, e := range testkit.All[session.Reconnected](cl) {
			require.False(t, e.StateLost, "%s lost its session", cl.UserID())
		}
	}
}
