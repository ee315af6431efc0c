//go:build linux

package clustertest

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

// A node killed with kill -9 while its client is in a call with a user on
// another node: the client reconnects through HAProxy to a node that is
// alive and resumes. The call goes on, and the push that was sent while it
// was away (the hang-up) arrives, once.
func TestNodeKilledItsClientResumesOnAnother(t *testing.T) {
	c := Start(t, Options{}) // the default grace: 20 s
	edge := c.Nodes[1]
	alice, bob := aliceOnHomeBobOnEdge(t, c)
	meet := createMeeting(t, alice, "standup")
	id := ring(t, alice, bob, meet)
	accept(t, alice, bob, id)

	edge.Kill9(t)
	testkit.Await[session.Reconnecting](t, bob, nil)
	assert.Equal(t, session.Reconnected{UsrID: "bob"}, testkit.Await[session.Reconnected](t, bob, nil),
		"resumed: the session, its call and its pushes are kept")

	// The call is still up: alice can end it, and bob hears of it.
	alice.HungupCall(id, "bye", "hangup")
	testkit.Await(t, alice, func(e session.HangupCallSuccess) bool { return e.CallID == id })
	assert.Equal(t, session.NotifyCallHungup{CallID: id, UsrExtDat: "bye"}, testkit.Await[session.NotifyCallHungup](t, bob, nil))
	testkit.Sync(t, bob)
	assert.Len(t, testkit.All[session.NotifyCallHungup](bob), 1, "exactly once")
	assert.Empty(t, testkit.All[session.NotifyCallHungup](alice), "nobody ended the call but alice")
	assert.Empty(t, testkit.All[session.Reconnecting](alice), "alice's node lived on")
}

// Pushes sent to a client while its node is dead and it has not come back
// yet are kept for it, and arrive when it resumes on another node.
func TestPushesWhileNodeDeadArriveOnResume(t *testing.T) {
	c := Start(t, Options{})
	home, edge := c.Nodes[0], c.Nodes[1]
	c.Place(t, home)
	alice := login(t, c.URL, "alice")
	c.Place(t, edge)
	// bob waits 3 s before he tries again: the pushes go out meanwhile.
	bob := loginWith(t, c.URL, "bob", func(cfg *session.Config) { cfg.ReconnectMin, cfg.ReconnectMax = 6*time.Second, 6*time.Second })
	c.Unplace(t)
	meet := createMeeting(t, alice, "standup")
	id := ring(t, alice, bob, meet)
	accept(t, alice, bob, id)

	edge.Kill9(t)
	testkit.Await[session.Reconnecting](t, bob, nil)
	alice.HungupCall(id, "bye", "hangup")
	testkit.Await(t, alice, func(e session.HangupCallSuccess) bool { return e.CallID == id })
	id2 := alice.Call("bob", meet, "again", "call-again")
	testkit.Await(t, alice, func(e session.CallSuccess) bool { return e.CallID == id2 })

	assert.Equal(t, session.Reconnected{UsrID: "bob"}, testkit.Await[session.Reconnected](t, bob, nil))
	assert.Equal(t, session.NotifyCallHungup{CallID: id, UsrExtDat: "bye"}, testkit.Await[session.NotifyCallHungup](t, bob, nil))
	assert.Equal(t, id2, testkit.Await[session.NotifyCallIn](t, bob, func(e session.NotifyCallIn) bool { return e.CallID == id2 }).CallID)
}

// A client whose node was killed and that does not come back shows offline
// to everyone once its grace period is over.
func TestClientNotBackShowsOfflineAfterGrace(t *testing.T) {
	const grace = 2 * time.Second
	c := Start(t, Options{Grace: grace})
	home, edge := c.Nodes[0], c.Nodes[1]
	c.Place(t, home)
	alice := login(t, c.URL, "alice")
	watch(t, alice)
	c.Place(t, edge)
	carol := testkit.NewClient(t, c.URL) // no reconnecting: she will not be back
	carol.Login(server.DemoAppID, server.PasswordFor(server.DemoAppSecret), "Carol", "carol", "", "login")
	testkit.Await[session.LoginSuccess](t, carol, nil)
	c.Unplace(t)
	awaitStatus(t, alice, "carol", protocol.StatusIdle)

	edge.Kill9(t)
	killed := time.Now()
	testkit.Await[session.LineOff](t, carol, nil)
	carol.Close()
	awaitStatus(t, alice, "carol", protocol.StatusOffline)
	// The bound: offline everywhere within 10 s of the grace's end.
	// The wait above is bounded by testkit.WaitTimeout (10 s), so this
	// holds whenever it passed; logged for the record, not asserted.
	t.Logf("carol offline %v after her node died (grace %v)", time.Since(killed).Round(100*time.Millisecond), grace)
}

// PostgreSQL shut down: what needs it fails with a clear error instead of
// hanging, nodes say they are not ready, nothing stored is lost, and once
// it is back the cluster works again without anyone touching it.
func TestPostgresRestartedClearErrorThenRecovers(t *testing.T) {
	c := Start(t, Options{})
	home, edge := c.Nodes[0], c.Nodes[1]
	alice, bob := aliceOnHomeBobOnEdge(t, c)
	before := createMeeting(t, alice, "before")

	c.StopPostgres()
	bob.CreateMeeting("during", 0, "during")
	fail := testkit.Await(t, bob, func(e session.CreateMeetingFail) bool { return e.Cookie == "during" })
	assert.Equal(t, protocol.ServerException, fail.Err, "a clear error, within the request timeout")
	require.Eventually(t, func() bool { return !home.Ready() && !edge.Ready() }, 10*time.Second, 50*time.Millisecond,
		"/readyz says 503 while the store does not answer")
	// A call needs no store: it goes on working.
	id := ring(t, alice, bob, before)
	accept(t, alice, bob, id)

	c.StartPostgres(t)
	require.Eventually(t, func() bool { return home.Ready() && edge.Ready() && c.Nodes[2].Ready() }, 20*time.Second, 50*time.Millisecond,
		"nodes reconnect to PostgreSQL by themselves")
	c.AwaitUp(t, c.Nodes...)
	after := createMeeting(t, bob, "after")
	list := getMeetings(t, alice)
	_, hasBefore := findMeet(list, before.ID)
	_, hasAfter := findMeet(list, after.ID)
	assert.True(t, hasBefore, "stored before the restart: still there")
	assert.True(t, hasAfter)
	c.Place(t, c.Nodes[2])
	login(t, c.URL, "carol") // a new user is stored
}

// login signs user in through the balancer, reconnecting by itself as the
// desktop app does, and waits for success.
// aliceOnHomeBobOnEdge signs alice in on node 0, which the application's
// first sign-in makes its home, and bob on node 1, an edge.
func aliceOnHomeBobOnEdge(t *testing.T, c *Cluster) (alice, bob *testkit.Client) {
	c.Place(t, c.Nodes[0])
	alice = login(t, c.URL, "alice")
	c.Place(t, c.Nodes[1])
	bob = login(t, c.URL, "bob")
	c.Unplace(t)
	return alice, bob
}

func login(t *testing.T, url, user string) *testkit.Client {
	return loginWith(t, url, user)
}

func loginWith(t *testing.T, url, user string, tweak ...func(*session.Config)) *testkit.Client {
	t.Helper()
	reconnect := func(cfg *session.Config) {
		cfg.Reconnect = true
		cfg.ReconnectMin, cfg.ReconnectMax = 50*time.Millisecond, 500*time.Millisecond
	}
	c := testkit.NewClient(t, url, append([]func(*session.Config){reconnect}, tweak...)...)
	c.Login(server.DemoAppID, server.PasswordFor(server.DemoAppSecret), "Nick "+user, user, "", "login")
	require.Equal(t, user, testkit.Await[session.LoginSuccess](t, c, nil).UsrID)
	return c
}

// signedIn is c once it is signed in after whatever a failure did to it:
// still on its session, resumed, or signed in again.
func signedIn(t *testing.T, c *testkit.Client, user string) *testkit.Client {
	t.Helper()
	require.Eventually(t, func() bool { return c.UserID() == user }, testkit.WaitTimeout, 20*time.Millisecond,
		"%s is not signed in again:\n%s", user, c.Dump())
	return c
}

func watch(t *testing.T, c *testkit.Client) {
	t.Helper()
	c.StartUserStatusNotify("watch")
	require.Equal(t, session.ErrCode(0), testkit.Await[session.StartUserStatusNotifyRslt](t, c, nil).Err)
}

func awaitStatus(t *testing.T, c *testkit.Client, user string, status int) {
	t.Helper()
	testkit.Await(t, c, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == user && e.Status.UserStatus == status
	})
}

func awaitDND(t *testing.T, c *testkit.Client, user string, dnd int) {
	t.Helper()
	testkit.Await(t, c, func(e session.NotifyUserStatus) bool { return e.Status.UserID == user && e.Status.DNDType == dnd })
}

func createMeeting(t *testing.T, c *testkit.Client, subject string) session.MeetInfo {
	t.Helper()
	c.CreateMeeting(subject, 0, "create-"+subject)
	return testkit.Await(t, c, func(e session.CreateMeetingSuccess) bool { return e.Cookie == "create-"+subject }).Meet
}

func getMeetings(t *testing.T, c *testkit.Client) []session.MeetInfo {
	t.Helper()
	cookie := fmt.Sprintf("list-%d", time.Now().UnixNano())
	c.GetMeetings(cookie)
	return testkit.Await(t, c, func(e session.GetMeetingsSuccess) bool { return e.Cookie == cookie }).Meetings
}

func findMeet(list []session.MeetInfo, id int) (session.MeetInfo, bool) {
	for _, m := range list {
		if m.ID == id {
			return m, true
		}
	}
	return session.MeetInfo{}, false
}

// ring has caller call callee in meet and waits for both sides.
func ring(t *testing.T, caller, callee *testkit.Client, meet session.MeetInfo) string {
	t.Helper()
	id := caller.Call(callee.UserID(), meet, "", "call")
	testkit.Await(t, caller, func(e session.CallSuccess) bool { return e.CallID == id })
	testkit.Await(t, callee, func(e session.NotifyCallIn) bool { return e.CallID == id })
	return id
}

func accept(t *testing.T, caller, callee *testkit.Client, id string) {
	t.Helper()
	callee.AcceptCall(id, session.MeetInfo{}, "", "accept")
	testkit.Await(t, callee, func(e session.AcceptCallSuccess) bool { return e.CallID == id })
	testkit.Await(t, caller, func(e session.NotifyCallAccepted) bool { return e.CallID == id })
}
