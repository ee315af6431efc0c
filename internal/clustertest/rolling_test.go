//go:build linux

package clustertest

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/session"
)

// A rolling restart stops one node at a time with SIGTERM. A node that is
// not the application's home: its clients move to another node and resume,
// their calls kept; started again, it takes new clients.
func TestNodeStoppedItsClientsResumeOnAnother(t *testing.T) {
	c := Start(t, Options{})
	edge := c.Nodes[1]
	alice, bob := aliceOnHomeBobOnEdge(t, c)
	meet := createMeeting(t, alice, "standup")
	id := ring(t, alice, bob, meet)
	accept(t, alice, bob, id)

	edge.Stop()
	assert.Equal(t, session.Reconnected{UsrID: "bob"}, testkit.Await[session.Reconnected](t, bob, nil))
	alice.HungupCall(id, "bye", "hangup")
	assert.Equal(t, session.NotifyCallHungup{CallID: id, UsrExtDat: "bye"}, testkit.Await[session.NotifyCallHungup](t, bob, nil))

	c.StartNode(t, edge)
	c.AwaitUp(t, edge)
	c.Place(t, edge)
	carol := login(t, c.URL, "carol")
	c.Unplace(t)
	id = ring(t, carol, bob, meet)
	accept(t, carol, bob, id)
}

// The application's home stopped with SIGTERM (a rolling restart): it
// hands its applications over as a home killed with kill -9 does, only
// at once. Its last state is written, its lease given back, and every
// client of the application, on the stopped node or another, resumes on
// the new home: sessions kept (no StateLost), the call still up for both
// (nobody told it ended), and pushes neither lost nor repeated.
func TestHomeStoppedItsClientsResumeOnTheNewHome(t *testing.T) {
	c := Start(t, Options{})
	home := c.Nodes[0]
	alice, bob := aliceOnHomeBobOnEdge(t, c)
	watch(t, bob)
	meet := createMeeting(t, alice, "standup")
	id := ring(t, alice, bob, meet)
	accept(t, alice, bob, id)

	home.Stop()
	assert.Equal(t, session.Reconnected{UsrID: "alice"}, testkit.Await[session.Reconnected](t, alice, nil), "alice (on the stopped home) resumed")
	assert.Equal(t, session.Reconnected{UsrID: "bob"}, testkit.Await[session.Reconnected](t, bob, nil), "bob (on an edge) resumed")

	// The call is still up on both sides.
	bob.GetUserStatus("after")
	users := testkit.Await(t, bob, func(e session.GetUserStatusSuccess) bool { return e.Cookie == "after" }).Users
	want := map[string]int{"alice": protocol.StatusInMeeting, "bob": protocol.StatusInMeeting}
	for _, u := range users {
		if st, ok := want[u.UserID]; ok {
			assert.Equal(t, st, u.UserStatus, "%s's status on the new home", u.UserID)
			delete(want, u.UserID)
		}
	}
	assert.Empty(t, want, "listed: %+v", users)
	assert.Empty(t, testkit.All[session.NotifyCallHungup](alice), "nobody ended the call")
	assert.Empty(t, testkit.All[session.NotifyCallHungup](bob), "nobody ended the call")
	alice.HungupCall(id, "bye", "hangup")
	testkit.Await(t, alice, func(e session.HangupCallSuccess) bool { return e.CallID == id })
	assert.Equal(t, session.NotifyCallHungup{CallID: id, UsrExtDat: "bye"}, testkit.Await[session.NotifyCallHungup](t, bob, nil))

	// Exactly once: nothing sent before the stop came a second time.
	testkit.Sync(t, alice)
	testkit.Sync(t, bob)
	assert.Len(t, testkit.All[session.NotifyCallIn](bob), 1, "bob: rung, once")
	assert.Len(t, testkit.All[session.NotifyCallAccepted](alice), 1, "alice: call accepted, once")
	assert.Len(t, testkit.All[session.NotifyCallHungup](bob), 1, "bob: hung up, once")

	// The new home works as the old one did.
	id = ring(t, alice, bob, meet)
	accept(t, alice, bob, id)
}
