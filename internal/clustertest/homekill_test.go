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

// The application's home killed with kill -9: its live state (calls,
// parked sessions, replay buffers) dies with it; nothing shares it. What a
// user must still see: every client of the application, on any node, is
// told (Reconnected{StateLost: true}, or LineOff for one that does not
// reconnect), signs in again on a new home and can call again; nobody is
// left in a call that no longer exists, and those who do not come back
// show offline.
func TestHomeNodeKilledEveryClientIsToldAndSignsInAgain(t *testing.T) {
	c := Start(t, Options{})
	home, edge, edge2 := c.Nodes[0], c.Nodes[1], c.Nodes[2]
	c.Place(t, home)
	alice := login(t, c.URL, "alice")     // on the home
	carol := loginOnce(t, c.URL, "carol") // on the home, will not come back
	c.Place(t, edge)
	bob := login(t, c.URL, "bob") // on an edge that lives on
	watch(t, bob)
	c.Place(t, edge2)
	dave := loginOnce(t, c.URL, "dave") // on another live edge, will not come back
	c.Unplace(t)
	awaitStatus(t, bob, "dave", protocol.StatusIdle)
	meet := createMeeting(t, alice, "standup")
	id := ring(t, alice, bob, meet)
	accept(t, alice, bob, id)

	home.Kill9(t)
	killed := time.Now()
	// Each wait is bounded by testkit.WaitTimeout (10 s); the times are
	// logged for the record (docs/cluster.md), not asserted.
	assert.Equal(t, session.Reconnected{UsrID: "alice", StateLost: true}, testkit.Await[session.Reconnected](t, alice, nil))
	t.Logf("alice (on the home) signed in again %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	assert.Equal(t, session.Reconnected{UsrID: "bob", StateLost: true}, testkit.Await[session.Reconnected](t, bob, nil),
		"bob's session lived on the dead home: his edge must tell him")
	t.Logf("bob (on an edge) signed in again %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	testkit.Await[session.LineOff](t, carol, nil)
	testkit.Await[session.LineOff](t, dave, nil)
	t.Logf("dave (on another edge, not reconnecting) told %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	carol.Close()
	dave.Close()

	// On the new home: the call is over (both idle, not busy), those who
	// did not come back are offline, and calling again works.
	bob.GetUserStatus("after")
	users := testkit.Await(t, bob, func(e session.GetUserStatusSuccess) bool { return e.Cookie == "after" }).Users
	want := map[string]int{"alice": protocol.StatusIdle, "bob": protocol.StatusIdle,
		"carol": protocol.StatusOffline, "dave": protocol.StatusOffline}
	for _, u := range users {
		if st, ok := want[u.UserID]; ok {
			assert.Equal(t, st, u.UserStatus, "%s's status on the new home", u.UserID)
			delete(want, u.UserID)
		}
	}
	assert.Empty(t, want, "listed: %+v", users)
	id = ring(t, alice, bob, meet)
	accept(t, alice, bob, id)
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
