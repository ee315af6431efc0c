//go:build linux

package clustertest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/session"
)

// nats-server killed and started again: the nodes reconnect by themselves,
// what was stored before is still there, and presence converges: a status
// change and a new sign-in after the restart reach subscribers on every
// node.
func TestNATSRestartedNodesReconnectPresenceConverges(t *testing.T) {
	c := Start(t, Options{})
	home, edge, third := c.Nodes[0], c.Nodes[1], c.Nodes[2]
	c.Place(t, home)
	alice := login(t, c.URL, "alice")
	watch(t, alice)
	c.Place(t, edge)
	bob := login(t, c.URL, "bob")
	c.Unplace(t)
	watch(t, bob)
	meet := createMeeting(t, alice, "before")

	c.KillNATS(t)
	require.Eventually(t, func() bool { return !home.Ready() && !edge.Ready() }, 10*time.Second, 50*time.Millisecond,
		"/readyz says 503 while NATS is away: HAProxy sends nobody new there")
	c.StartNATS(t)
	require.Eventually(t, func() bool { return home.Ready() && edge.Ready() && third.Ready() }, 20*time.Second, 50*time.Millisecond,
		"every node reconnects to NATS by itself")
	c.AwaitUp(t, c.Nodes...)

	// Whatever the clients went through meanwhile, they are signed in
	// (again) and see each other.
	alice, bob = signedIn(t, alice, "alice"), signedIn(t, bob, "bob")
	_, ok := findMeet(getMeetings(t, bob), meet.ID)
	assert.True(t, ok, "the meeting created before the restart is still there")

	c.Place(t, third)
	dave := login(t, c.URL, "dave")
	c.Unplace(t)
	awaitStatus(t, alice, "dave", protocol.StatusIdle)
	awaitStatus(t, bob, "dave", protocol.StatusIdle)
	dave.SetDNDStatus(1, "dnd")
	testkit.Await[session.SetDNDStatusSuccess](t, dave, nil)
	awaitDND(t, alice, "dave", 1)
	awaitDND(t, bob, "dave", 1)
}
