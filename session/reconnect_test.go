package session_test

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

func reconnecting(cfg *session.Config) {
	cfg.Reconnect = true
	cfg.ReconnectMin, cfg.ReconnectMax = 10*time.Millisecond, 200*time.Millisecond
}

// loginReconnecting signs user in through url with automatic re-login on.
func loginReconnecting(t *testing.T, url, user string, tweak ...func(*session.Config)) *testkit.Client {
	t.Helper()
	c := testkit.NewClient(t, url, append([]func(*session.Config){reconnecting}, tweak...)...)
	c.Login("demo", demoPswd, "Nick "+user, user, "", "login")
	ok := testkit.Await[session.LoginSuccess](t, c, nil)
	if user != "" {
		require.Equal(t, user, ok.UsrID)
	}
	return c
}

func TestShortDropKeepsCallAndPresence(t *testing.T) {
	srv := testkit.StartServer(t) // default grace period: 20 s
	w := watcher(t, srv.URL)
	proxy := testkit.StartProxy(t, srv.Addr)
	alice := loginReconnecting(t, "ws://"+proxy.Addr()+"/ws", "alice")
	alice.StartUserStatusNotify("alice-watch")
	testkit.Await[session.StartUserStatusNotifyRslt](t, alice, nil)
	bob := testkit.Login(t, srv.URL, "bob")
	meet := createMeeting(t, alice, "m", 1)
	id := ring(t, alice, bob, meet, "x")
	accept(t, alice, bob, id, "")
	awaitStatus(t, w, "alice", protocol.StatusInMeeting)
	testkit.Sync(t, w)
	before := len(testkit.All[session.NotifyUserStatus](w))

	for range 3 { // more than once: each drop is resumed from the one before
		proxy.Cut()
		assert.Equal(t, session.Reconnecting{Err: session.SOCKETEXCEPTION}, testkit.Await[session.Reconnecting](t, alice, nil))
		assert.Equal(t, session.Reconnected{UsrID: "alice"}, testkit.Await[session.Reconnected](t, alice, nil))
		assert.Equal(t, "alice", alice.UserID())
	}

	// Nobody noticed: no hang-up, no status flapping, no LineOff.
	testkit.Sync(t, bob)
	testkit.Sync(t, w)
	assert.Empty(t, testkit.All[session.NotifyCallHungup](bob))
	assert.Empty(t, testkit.All[session.LineOff](alice))
	for _, st := range testkit.All[session.NotifyUserStatus](w)[before:] {
		assert.NotEqual(t, "alice", st.Status.UserID, "alice's status changed: %+v", st)
	}

	// The call is alice's again: bob's hang-up reaches her, her status follows,
	// and her status notification was renewed with its cookie.
	bob.HungupCall(id, "bye", "h")
	assert.Equal(t, id, testkit.Await[session.NotifyCallHungup](t, alice, nil).CallID)
	awaitStatus(t, w, "alice", protocol.StatusIdle)
	got := testkit.Await(t, alice, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "bob" && e.Status.UserStatus == protocol.StatusIdle
	})
	assert.Equal(t, "alice-watch", got.Cookie)
}

func TestDropLongerThanGraceEndsCallAndReconnects(t *testing.T) {
	srv := testkit.StartServer(t, func(c *server.Config) { c.GracePeriod = 50 * time.Millisecond })
	w := watcher(t, srv.URL)
	proxy := testkit.StartProxy(t, srv.Addr)
	alice := loginReconnecting(t, "ws://"+proxy.Addr()+"/ws", "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	meet := createMeeting(t, alice, "m", 0)
	id := ring(t, alice, bob, meet, "x")
	accept(t, alice, bob, id, "")

	proxy.Down()
	testkit.Await[session.Reconnecting](t, alice, nil)
	// Past the grace period everyone involved is told.
	assert.Equal(t, session.NotifyCallHungup{CallID: id}, testkit.Await[session.NotifyCallHungup](t, bob, nil))
	awaitStatus(t, w, "alice", protocol.StatusOffline)
	awaitStatus(t, w, "bob", protocol.StatusIdle)

	proxy.Up()
	assert.True(t, testkit.Await[session.Reconnected](t, alice, nil).StateLost, "the session ended while away")
	awaitStatus(t, w, "alice", protocol.StatusIdle)
	alice.GetMeetings("list")
	ms := testkit.Await[session.GetMeetingsSuccess](t, alice, nil)
	require.Len(t, ms.Meetings, 1, "meetings outlive the drop")
	assert.Empty(t, testkit.All[session.LineOff](alice))
}

func TestServerRestartReconnectsAndKeepsMeetings(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := loginReconnecting(t, srv.URL, "alice")
	guest := loginReconnecting(t, srv.URL, "")
	meet := createMeeting(t, alice, "survives", 1)

	srv = srv.Restart(t)
	assert.Equal(t, session.Reconnecting{Err: session.FORCEDCLOSECONNECTION}, testkit.Await[session.Reconnecting](t, alice, nil))
	// A restarted server holds no session to resume; a cluster's nodes
	// stopped one by one hand their sessions over (JetStream keeps them),
	// so the restarted cluster resumes them.
	assert.Equal(t, session.Reconnected{UsrID: "alice", StateLost: !testkit.InCluster}, testkit.Await[session.Reconnected](t, alice, nil))
	g := testkit.Await[session.Reconnected](t, guest, nil)
	assert.Equal(t, guest.UserID(), g.UsrID, "a guest comes back as the same guest")
	require.NotEmpty(t, g.UsrID)

	alice.GetMeetings("list")
	ms := testkit.Await[session.GetMeetingsSuccess](t, alice, nil)
	require.Len(t, ms.Meetings, 1)
	assert.Equal(t, meet.ID, ms.Meetings[0].ID)
	assert.Equal(t, meet.Pswd, ms.Meetings[0].Pswd)
	assert.Empty(t, testkit.All[session.LineOff](alice))
}

func TestKickOutIsNotRetried(t *testing.T) {
	srv := testkit.StartServer(t)
	a := loginReconnecting(t, srv.URL, "alice")
	testkit.Login(t, srv.URL, "alice")
	assert.Equal(t, session.LineOff{Err: session.USER_BEEN_KICKOUT}, testkit.Await[session.LineOff](t, a, nil))
	assert.Empty(t, testkit.All[session.Reconnecting](a))
}

func TestReconnectGivesUpAfterReconnectFor(t *testing.T) {
	srv := testkit.StartServer(t)
	proxy := testkit.StartProxy(t, srv.Addr)
	a := loginReconnecting(t, "ws://"+proxy.Addr()+"/ws", "alice", func(c *session.Config) { c.ReconnectFor = 100 * time.Millisecond })
	proxy.Down()
	testkit.Await[session.Reconnecting](t, a, nil)
	lo := testkit.Await[session.LineOff](t, a, nil)
	assert.Contains(t, []session.ErrCode{session.CREATE_CONN_FAILED, session.SOCKETEXCEPTION}, lo.Err)
	assert.Empty(t, testkit.All[session.Reconnected](a))
}

func TestLogoutStopsReconnecting(t *testing.T) {
	srv := testkit.StartServer(t)
	proxy := testkit.StartProxy(t, srv.Addr)
	a := loginReconnecting(t, "ws://"+proxy.Addr()+"/ws", "alice")
	proxy.Down()
	testkit.Await[session.Reconnecting](t, a, nil)
	a.Logout()
	proxy.Up()
	// A reconnect still running would make this a LOGINSTATE_ERROR.
	a.Login("demo", demoPswd, "", "alice", "", "again")
	testkit.Await[session.LoginSuccess](t, a, func(e session.LoginSuccess) bool { return e.Cookie == "again" })
	assert.Empty(t, testkit.All[session.Reconnected](a))
	assert.Empty(t, testkit.All[session.LineOff](a))
}
