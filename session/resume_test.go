package session_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/server"
	"huddle/session"
)

// A push the server wrote into a half-open link (bytes leave, nothing
// arrives, nobody has noticed yet) is not lost: when the link is finally
// cut and the session resumes, the server replays it, once.
func TestCallHungupIntoHalfOpenLinkArrivesOnResume(t *testing.T) {
	srv := testkit.StartServer(t) // default grace period: 20 s
	proxy := testkit.StartProxy(t, srv.Addr)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := loginReconnecting(t, "ws://"+proxy.Addr()+"/ws", "bob")
	meet := createMeeting(t, alice, "m", 0)
	id := ring(t, alice, bob, meet, "x")
	accept(t, alice, bob, id, "")

	proxy.Blackhole()
	alice.HungupCall(id, "bye", "h")
	testkit.Await(t, alice, func(e session.HangupCallSuccess) bool { return e.CallID == id })
	proxy.Cut()

	assert.Equal(t, session.Reconnected{UsrID: "bob"}, testkit.Await[session.Reconnected](t, bob, nil))
	assert.Equal(t, session.NotifyCallHungup{CallID: id, UsrExtDat: "bye"}, testkit.Await[session.NotifyCallHungup](t, bob, nil))
	testkit.Sync(t, bob)
	assert.Len(t, testkit.All[session.NotifyCallHungup](bob), 1, "exactly once")
	assert.Empty(t, testkit.All[session.LineOff](bob))

	// The session goes on: the next push arrives once, too.
	ring(t, alice, bob, meet, "again")
	require.Len(t, testkit.All[session.NotifyCallIn](bob), 2)
	testkit.Sync(t, bob)
	assert.Len(t, testkit.All[session.NotifyCallIn](bob), 2, "no push of the first link replayed twice")
}

// When more pushes were missed than the server keeps, the resume cannot be
// lossless: the session ends (the call with it) and the SDK says the state
// is lost.
func TestGapBeyondReplayBufferGivesStateLost(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.ReplayBuffer = 3 }))
	proxy := testkit.StartProxy(t, srv.Addr)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := loginReconnecting(t, "ws://"+proxy.Addr()+"/ws", "bob")
	bob.StartUserStatusNotify("watch")
	testkit.Await[session.StartUserStatusNotifyRslt](t, bob, nil)
	meet := createMeeting(t, alice, "m", 0)
	id := ring(t, alice, bob, meet, "x")
	accept(t, alice, bob, id, "")

	proxy.Blackhole()
	// Each sign-in is one status push to bob, in a round of its own: the
	// next login waits for the round before.
	for i := range 5 {
		testkit.Login(t, srv.URL, fmt.Sprintf("u%d", i))
	}
	proxy.Cut()

	assert.Equal(t, session.Reconnected{UsrID: "bob", StateLost: true}, testkit.Await[session.Reconnected](t, bob, nil))
	assert.Equal(t, id, testkit.Await[session.NotifyCallHungup](t, alice, nil).CallID, "bob's old session ended, and its call")
	assert.Empty(t, testkit.All[session.LineOff](bob))

	// The new session works, its pushes numbered afresh.
	ring(t, alice, bob, meet, "again")
}
