//go:build linux

package clustertest

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"huddle/internal/testkit"
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

// The application's home stopped with SIGTERM: it gives its lease back and
// closes its sessions, so every client of the application, on any node, is
// told at once and signs in again, on a new home. The live state went with
// the old home: the sessions are new (StateLost), their calls over, and
// calling again works. (Handing the state over to the next home is not
// done: a rolling restart ends the calls of the applications homed on the
// restarted node.)
func TestHomeStoppedItsApplicationMovesToAnotherNode(t *testing.T) {
	c := Start(t, Options{})
	home := c.Nodes[0]
	alice, bob := aliceOnHomeBobOnEdge(t, c)
	meet := createMeeting(t, alice, "standup")
	id := ring(t, alice, bob, meet)
	accept(t, alice, bob, id)

	home.Stop()
	assert.Equal(t, session.Reconnected{UsrID: "alice", StateLost: true}, testkit.Await[session.Reconnected](t, alice, nil))
	assert.Equal(t, session.Reconnected{UsrID: "bob", StateLost: true}, testkit.Await[session.Reconnected](t, bob, nil))
	id = ring(t, alice, bob, meet)
	accept(t, alice, bob, id)
}
