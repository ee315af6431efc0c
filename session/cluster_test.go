package session_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/server/store"
	"huddle/session"
)

// End-to-end tests of a cluster (server/cluster.go): real nats-server,
// real PostgreSQL, real nodes, each client signed in to a node of its own.
// The whole suite also runs on a cluster (testkit.EnvCluster); these check
// what only a cluster has.

// A second login on another node kicks the first session out with
// LineOff 10, exactly once, and the user never shows offline.
func TestClusterLoginOnAnotherNodeKicksOutOnce(t *testing.T) {
	cl := testkit.StartCluster(t, 3)
	watcher := testkit.Login(t, cl.Nodes[2].URL, "watcher")
	watcher.StartUserStatusNotify("w")
	testkit.Await[session.StartUserStatusNotifyRslt](t, watcher, nil)

	first := testkit.Login(t, cl.Nodes[0].URL, "alice")
	awaitStatus(t, watcher, "alice", protocol.StatusIdle)
	second := testkit.Login(t, cl.Nodes[1].URL, "alice")
	lo := testkit.Await[session.LineOff](t, first, nil)
	assert.Equal(t, session.USER_BEEN_KICKOUT, lo.Err)

	testkit.Sync(t, second)
	testkit.Sync(t, watcher)
	for _, n := range testkit.All[session.NotifyUserStatus](watcher) {
		if n.Status.UserID == "alice" {
			assert.NotEqual(t, protocol.StatusOffline, n.Status.UserStatus, "alice flapped offline: %+v", n)
		}
	}
	assert.Len(t, testkit.All[session.LineOff](first), 1, "exactly one LineOff")
	assert.Empty(t, testkit.All[session.LineOff](second))
	second.SetDNDStatus(2, "dnd")
	testkit.Await[session.SetDNDStatusSuccess](t, second, nil)
	testkit.Await(t, watcher, func(n session.NotifyUserStatus) bool { return n.Status.UserID == "alice" && n.Status.DNDType == 2 })
}

// Presence, do-not-disturb and the user list are the same on every node.
func TestClusterPresenceOnEveryNode(t *testing.T) {
	cl := testkit.StartCluster(t, 2)
	w1 := watcher(t, cl.Nodes[0].URL)
	bob := testkit.Login(t, cl.Nodes[1].URL, "bob")
	awaitStatus(t, w1, "bob", protocol.StatusIdle)
	bob.SetDNDStatus(1, "d")
	testkit.Await[session.SetDNDStatusSuccess](t, bob, nil)
	testkit.Await(t, w1, func(n session.NotifyUserStatus) bool { return n.Status.UserID == "bob" && n.Status.DNDType == 1 })

	w1.GetUserStatus("list")
	list := testkit.Await[session.GetUserStatusSuccess](t, w1, nil).Users
	st, ok := statusOf(list, "bob")
	require.True(t, ok, "bob, on the other node, is listed: %+v", list)
	assert.Equal(t, protocol.StatusIdle, st.UserStatus)
	assert.Equal(t, 1, st.DNDType)

	bob.Logout()
	awaitStatus(t, w1, "bob", protocol.StatusOffline)
}

// A call between nodes: ringing, accepted, statuses, hung up; and a busy
// callee, an offline one, a refusal.
func TestClusterCallAcrossNodes(t *testing.T) {
	cl := testkit.StartCluster(t, 2)
	w := watcher(t, cl.Nodes[0].URL)
	alice := testkit.Login(t, cl.Nodes[0].URL, "alice")
	bob := testkit.Login(t, cl.Nodes[1].URL, "bob")
	carol := testkit.Login(t, cl.Nodes[1].URL, "carol")
	meet := createMeeting(t, alice, "Across", 1)

	id := ring(t, alice, bob, meet, "x")
	awaitStatus(t, w, "bob", protocol.StatusBusy)
	assert.Equal(t, session.ERR_BUSY, callFail(t, carol, "bob", meet), "bob is ringing")
	accept(t, alice, bob, id, "y")
	awaitStatus(t, w, "alice", protocol.StatusInMeeting)
	awaitStatus(t, w, "bob", protocol.StatusInMeeting)
	bob.HungupCall(id, "", "h")
	testkit.Await(t, alice, func(e session.NotifyCallHungup) bool { return e.CallID == id })
	awaitStatus(t, w, "bob", protocol.StatusIdle)

	id = ring(t, carol, alice, meet, "z")
	alice.RejectCall(id, "no", "r")
	assert.Equal(t, session.ERR_REFUSE, testkit.Await(t, carol, func(e session.NotifyCallRejected) bool { return e.CallID == id }).Err)
	off := testkit.Login(t, cl.Nodes[0].URL, "off")
	off.Logout()
	awaitStatus(t, w, "off", protocol.StatusOffline)
	assert.Equal(t, session.ERR_OFFLINE, callFail(t, carol, "off", meet))
}

// A meeting made on one node is listed and destroyed on the other.
func TestClusterMeetingsOnEveryNode(t *testing.T) {
	cl := testkit.StartCluster(t, 2)
	alice := testkit.Login(t, cl.Nodes[0].URL, "alice")
	alice2 := testkit.Login(t, cl.Nodes[1].URL, "bob")
	m := createMeeting(t, alice, "Shared", 0)
	_, ok := findMeet(getMeetings(t, alice2), m.ID)
	assert.True(t, ok, "listed on the other node")
	alice.Logout()
	again := testkit.Login(t, cl.Nodes[1].URL, "alice")
	again.DestroyMeeting(m.ID, "d")
	require.Equal(t, session.NOERR, testkit.Await[session.DestroyMeetingRslt](t, again, nil).Err)
	_, ok = findMeet(getMeetings(t, alice2), m.ID)
	assert.False(t, ok)
}

// SendCmd and a file larger than the window go from one node to another,
// byte for byte, with progress; no node holds more than a window of it.
func TestClusterRelayAcrossNodes(t *testing.T) {
	cl := testkit.StartCluster(t, 2)
	alice, _ := loginWithTemp(t, cl.Nodes[0].URL, "alice")
	bob, _ := loginWithTemp(t, cl.Nodes[1].URL, "bob")

	cmd := randomBytes(t, protocol.MaxCmd)
	task := alice.SendCmd("bob", cmd, "c")
	got := testkit.Await[session.NotifyCmdData](t, bob, nil)
	assert.True(t, bytes.Equal(cmd, got.Data))
	assert.Equal(t, session.NOERR, testkit.Await(t, alice, func(e session.SendCmdRlst) bool { return e.TaskID == task }).Err)

	data := randomBytes(t, 9<<20+5)
	path := filepath.Join(t.TempDir(), "report.bin")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	task = alice.SendFile("bob", path, "file")
	r := testkit.Await(t, alice, func(e session.SendFileRlst) bool { return e.TaskID == task })
	assert.Equal(t, session.NOERR, r.Err)
	f := testkit.Await[session.NotifyFileData](t, bob, nil)
	received, err := os.ReadFile(f.TmpFile)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(data, received), "content differs")
	assertProgress(t, alice, task, int64(len(data)))
	for _, n := range cl.Nodes {
		assert.Zero(t, n.RelayBuffered(), "nothing left held")
	}
}

// A node shut down: the clients it carried sign in again through another
// node and resume, calls intact, as after any drop.
func TestClusterEdgeNodeGoneSessionsResumeElsewhere(t *testing.T) {
	cl := testkit.StartCluster(t, 3)
	alice := testkit.Login(t, cl.Nodes[0].URL, "alice") // node1 is the home
	lb := testkit.StartBalancer(t, cl.Nodes[1].Addr, cl.Nodes[2].Addr)
	bob := loginReconnecting(t, "ws://"+lb.Addr()+"/ws", "bob") // through node2
	meet := createMeeting(t, alice, "m", 1)
	id := ring(t, alice, bob, meet, "x")
	accept(t, alice, bob, id, "")

	cl.Nodes[1].Stop(t)
	testkit.Await[session.Reconnecting](t, bob, nil)
	assert.Equal(t, session.Reconnected{UsrID: "bob"}, testkit.Await[session.Reconnected](t, bob, nil), "resumed through node3")
	alice.HungupCall(id, "bye", "h")
	assert.Equal(t, id, testkit.Await[session.NotifyCallHungup](t, bob, nil).CallID)
	assert.Empty(t, testkit.All[session.NotifyCallHungup](alice), "alice never noticed the drop")
}

// The home node shut down: it hands its applications over to a node
// still up (their state written a last time, the lease given back), and
// the clients of the other nodes resume there: sessions kept, their call
// still up, its end heard once, and the new home works as the old did.
func TestClusterHomeNodeGoneApplicationMoves(t *testing.T) {
	cl := testkit.StartCluster(t, 3)
	testkit.Login(t, cl.Nodes[0].URL, "first") // node1 is the home
	bob := loginReconnecting(t, cl.Nodes[1].URL, "bob")
	carol := loginReconnecting(t, cl.Nodes[2].URL, "carol")
	meet := createMeeting(t, bob, "m", 1)
	id := ring(t, bob, carol, meet, "x")
	accept(t, bob, carol, id, "")

	cl.Nodes[0].Stop(t)
	testkit.Await[session.Reconnecting](t, bob, nil)
	assert.Equal(t, session.Reconnected{UsrID: "bob"}, testkit.Await[session.Reconnected](t, bob, nil), "bob resumed")
	assert.Equal(t, session.Reconnected{UsrID: "carol"}, testkit.Await[session.Reconnected](t, carol, nil), "carol resumed")
	bob.HungupCall(id, "bye", "h")
	assert.Equal(t, id, testkit.Await[session.NotifyCallHungup](t, carol, nil).CallID, "the call was still up")
	testkit.Sync(t, carol)
	assert.Len(t, testkit.All[session.NotifyCallHungup](carol), 1, "once")
	assert.Empty(t, testkit.All[session.NotifyCallHungup](bob), "nobody ended the call but bob")

	meet = createMeeting(t, bob, "after", 0)
	id = ring(t, bob, carol, meet, "again")
	accept(t, bob, carol, id, "")
}

// The home moved while two members' audio was direct: after their
// sessions resume on the new home and they join the audio again, the
// meeting's media generation goes on from where the old home left it.
// Clients void every media_mode not newer than the one they act on: a new
// home counting from 1 again (as it did: "2" is not greater than "3")
// would go unheard, and a third member's arrival would not move the pair
// to the SFU.
func TestClusterMediaGenerationGoesOnAfterTheHomeMoves(t *testing.T) {
	cl := testkit.StartCluster(t, 3)
	testkit.Login(t, cl.Nodes[0].URL, "first") // node1 is the home
	bob := loginReconnecting(t, cl.Nodes[1].URL, "bob")
	carol := loginReconnecting(t, cl.Nodes[2].URL, "carol")
	meet := createMeeting(t, bob, "m", 0)
	enter(t, bob, meet)
	enter(t, carol, meet)
	mediaMode(t, bob, meet.ID)
	mediaMode(t, carol, meet.ID)
	before := mediaMode(t, bob, meet.ID) // a new connection of bob's: a new generation
	require.Equal(t, protocol.ModeDirect, before.Mode)
	require.Greater(t, before.Gen, 1)

	cl.Nodes[0].Stop(t)
	testkit.Await[session.Reconnected](t, bob, nil)
	testkit.Await[session.Reconnected](t, carol, nil)
	mediaMode(t, carol, meet.ID)
	after := mediaMode(t, bob, meet.ID)
	require.Equal(t, protocol.ModeDirect, after.Mode)
	require.Greater(t, after.Gen, before.Gen, "a generation after the move is newer than any before it")
}

// The link between a node and NATS breaks: the node closes the clients
// it carries for other nodes (frames may have been lost meanwhile); they
// come back and resume once it is reconnected.
func TestClusterNATSLinkBreakResumes(t *testing.T) {
	cl := testkit.StartCluster(t, 2)
	alice := testkit.Login(t, cl.Nodes[0].URL, "alice") // node1 is the home
	bob := loginReconnecting(t, cl.Nodes[1].URL, "bob")
	meet := createMeeting(t, alice, "m", 1)
	id := ring(t, alice, bob, meet, "x")
	accept(t, alice, bob, id, "")

	conns, err := cl.NATS.Connz(&natsserver.ConnzOptions{})
	require.NoError(t, err)
	cut := false
	for _, c := range conns.Conns {
		if c.Name == "huddle node2" {
			require.NoError(t, cl.NATS.DisconnectClientByID(c.Cid))
			cut = true
		}
	}
	require.True(t, cut, "node2's NATS connection found")
	testkit.Await[session.Reconnecting](t, bob, nil)
	assert.Equal(t, session.Reconnected{UsrID: "bob"}, testkit.Await[session.Reconnected](t, bob, nil))
	alice.HungupCall(id, "bye", "h")
	assert.Equal(t, id, testkit.Await[session.NotifyCallHungup](t, bob, nil).CallID)
}

// /readyz says whether the node can serve: not without NATS. A node's
// requests to NATS are timed in /metrics.
func TestClusterReadyzFollowsNATS(t *testing.T) {
	cl := testkit.StartCluster(t, 1)
	base := "http://" + cl.Nodes[0].Addr
	testkit.Login(t, cl.Nodes[0].URL, "alice")
	assert.Equal(t, http.StatusOK, httpStatus(t, base+"/readyz"))
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Regexp(t, `(?m)^huddle_nats_request_seconds_count [1-9]`, string(body), "finding the application's home was timed")

	cl.NATS.Shutdown()
	require.Eventually(t, func() bool { return httpStatus(t, base+"/readyz") == http.StatusServiceUnavailable },
		testkit.WaitTimeout, 20*time.Millisecond)
}

func httpStatus(t *testing.T, url string) int {
	resp, err := http.Get(url)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// nats-server restarted with nothing of before: the nodes reconnect, make
// the lease bucket again and keep their applications; clients carried for
// another node resume; presence and calls work across nodes after it.
func TestClusterNATSRestartRecovers(t *testing.T) {
	cl := testkit.StartCluster(t, 2)
	w := watcher(t, cl.Nodes[0].URL) // node1 is the home
	alice := testkit.Login(t, cl.Nodes[0].URL, "alice")
	bob := loginReconnecting(t, cl.Nodes[1].URL, "bob")
	meet := createMeeting(t, alice, "m", 1)
	id := ring(t, alice, bob, meet, "x")
	accept(t, alice, bob, id, "")

	cl.RestartNATS(t)
	testkit.Await[session.Reconnecting](t, bob, nil)
	assert.Equal(t, session.Reconnected{UsrID: "bob"}, testkit.Await[session.Reconnected](t, bob, nil), "resumed: the home kept the session")
	bob.HungupCall(id, "bye", "h")
	assert.Equal(t, id, testkit.Await[session.NotifyCallHungup](t, alice, nil).CallID)
	awaitStatus(t, w, "bob", protocol.StatusIdle)
	carol := testkit.Login(t, cl.Nodes[1].URL, "carol")
	awaitStatus(t, w, "carol", protocol.StatusIdle)
	ring(t, carol, alice, meet, "after")
}

// The limits that defend an application count on its home, whichever
// nodes the attempts come through: wrong secrets guessed through three
// nodes lock the address out on all of them, and the subscriber cap is one
// for the cluster.
func TestClusterApplicationLimitsAreClusterWide(t *testing.T) {
	cl := testkit.StartCluster(t, 3, testkit.WithLimits(func(l *server.Limits) { l.MaxFailedLogins, l.MaxSubscribers = 3, 1 }))
	a := testkit.Login(t, cl.Nodes[0].URL, "a")
	b := testkit.Login(t, cl.Nodes[1].URL, "b") // before the lock-out: it holds for this address
	for _, n := range cl.Nodes {
		assert.Equal(t, session.ANCTPSWD_ERR, loginFail(t, n.URL, "demo", server.PasswordFor("guess"), "bob", ""))
	}
	for _, n := range cl.Nodes {
		assert.Equal(t, session.RATE_LIMITED, loginFail(t, n.URL, "demo", demoPswd, "bob", ""), "locked out on every node")
	}

	a.StartUserStatusNotify("a")
	assert.Equal(t, session.NOERR, testkit.Await[session.StartUserStatusNotifyRslt](t, a, nil).Err)
	b.StartUserStatusNotify("b")
	assert.Equal(t, session.RATE_LIMITED, testkit.Await[session.StartUserStatusNotifyRslt](t, b, nil).Err, "one subscriber in the whole cluster")
}

// A node that vanishes without a word (its link to NATS gone for good, as
// after kill -9): the home notices it silent for NodeTimeout, parks the
// sessions whose client it carried, and a client that does not come back
// within the grace period shows offline everywhere.
func TestClusterSilentNodeSessionsEndAfterGrace(t *testing.T) {
	cl := testkit.StartCluster(t, 1, func(c *server.Config) { c.GracePeriod = 500 * time.Millisecond })
	w := watcher(t, cl.Nodes[0].URL) // node1 is the home
	link := testkit.StartProxy(t, cl.NATS.Addr().String())
	node2 := cl.StartNode(t, "node2", func(c *server.Config) {
		c.NATS = "nats://" + link.Addr()
		c.GracePeriod = 500 * time.Millisecond
	})
	testkit.Login(t, node2.URL, "bob")
	awaitStatus(t, w, "bob", protocol.StatusIdle)

	start := time.Now()
	link.Down() // node2 can neither tell anyone nor come back
	awaitStatus(t, w, "bob", protocol.StatusOffline)
	assert.GreaterOrEqual(t, time.Since(start), server.NodeTimeout, "offline once node2 was found silent, not before")
}

// The home vanishing without a word (as after kill -9): the clients other
// nodes carried for it are closed once it is found silent, sign in again
// and resume on the node that took the application over, which read its
// state from JetStream: the call is still up, and ends when one hangs up.
func TestClusterSilentHomeItsApplicationMoves(t *testing.T) {
	cl := testkit.StartCluster(t, 1)
	link := testkit.StartProxy(t, cl.NATS.Addr().String())
	home := cl.StartNode(t, "home", func(c *server.Config) { c.NATS = "nats://" + link.Addr() })
	testkit.Login(t, home.URL, "first") // the home
	bob := loginReconnecting(t, cl.Nodes[0].URL, "bob")
	carol := loginReconnecting(t, cl.Nodes[0].URL, "carol")
	meet := createMeeting(t, bob, "m", 0)
	id := ring(t, bob, carol, meet, "x")
	accept(t, bob, carol, id, "")

	link.Down()
	testkit.Await[session.Reconnecting](t, bob, nil)
	assert.Equal(t, session.Reconnected{UsrID: "bob"}, testkit.Await[session.Reconnected](t, bob, nil))
	assert.Equal(t, session.Reconnected{UsrID: "carol"}, testkit.Await[session.Reconnected](t, carol, nil))
	bob.HungupCall(id, "", "hangup")
	testkit.Await(t, bob, func(e session.HangupCallSuccess) bool { return e.CallID == id })
	testkit.Await(t, carol, func(e session.NotifyCallHungup) bool { return e.CallID == id })
	id = ring(t, bob, carol, createMeeting(t, bob, "again", 0), "y")
	accept(t, bob, carol, id, "")
}

// A user's earlier session still has pushes in JetStream when the home
// dies (the stream keeps minutes of them): the session resumed on the new
// home is handed its own pushes, never those its predecessor had under the
// same numbers.
func TestClusterSilentHomeResumesOnlyTheSessionsOwnPushes(t *testing.T) {
	cl := testkit.StartCluster(t, 1)
	link := testkit.StartProxy(t, cl.NATS.Addr().String())
	home := cl.StartNode(t, "home", func(c *server.Config) { c.NATS = "nats://" + link.Addr() })
	testkit.Login(t, home.URL, "first") // the home
	carol := loginReconnecting(t, cl.Nodes[0].URL, "carol")
	carol.StartUserStatusNotify("w")
	testkit.Await[session.StartUserStatusNotifyRslt](t, carol, nil)
	meet := createMeeting(t, carol, "m", 0)
	earlier := testkit.Login(t, cl.Nodes[0].URL, "bob")
	for _, ext := range []string{"a", "b", "c"} {
		id := ring(t, carol, earlier, meet, ext)
		carol.HungupCall(id, "", "hangup-"+ext)
		testkit.Await(t, earlier, func(e session.NotifyCallHungup) bool { return e.CallID == id })
	}
	earlier.Logout()
	awaitStatus(t, carol, "bob", protocol.StatusOffline)

	bob := loginReconnecting(t, cl.Nodes[0].URL, "bob")
	id := ring(t, carol, bob, meet, "d")
	link.Down()
	assert.Equal(t, session.Reconnected{UsrID: "bob"}, testkit.Await[session.Reconnected](t, bob, nil))
	testkit.Await(t, carol, func(session.Reconnected) bool { return true })
	carol.HungupCall(id, "", "hangup-d")
	testkit.Await(t, bob, func(e session.NotifyCallHungup) bool { return e.CallID == id })
	testkit.Sync(t, bob)
	assert.Len(t, testkit.All[session.NotifyCallIn](bob), 1, "only its own ring:\n%s", bob.Dump())
	assert.Len(t, testkit.All[session.NotifyCallHungup](bob), 1, "only its own hang-up:\n%s", bob.Dump())
}

// appCounter is the store, counting the applications read from it.
type appCounter struct {
	store.Store
	reads atomic.Int64
}

func (s *appCounter) App(ctx context.Context, id string) (store.App, error) {
	s.reads.Add(1)
	return s.Store.App(ctx, id)
}

// natsRequests is how many requests the node at addr made to NATS.
func natsRequests(t *testing.T, addr string) uint64 {
	t.Helper()
	f := scrape(t, "http://"+addr)["huddle_nats_request_seconds"]
	if f == nil || len(f.GetMetric()) == 0 {
		return 0
	}
	return f.GetMetric()[0].GetHistogram().GetSampleCount()
}

// Logins through an edge into an application homed elsewhere find the
// home without the store and without asking NATS each time: the home
// reads the application itself (the edge's read was only about whether
// it exists, which its lease says), and the edge remembers the lease it
// found.
func TestClusterEdgeLoginsFindTheHomeWithoutAskingEachTime(t *testing.T) {
	cl := testkit.StartCluster(t, 1)
	testkit.Login(t, cl.Nodes[0].URL, "first") // node1 is the home
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.OpenPostgres(ctx, cl.DSN)
	require.NoError(t, err)
	counted := &appCounter{Store: st}
	edge := cl.StartNode(t, "node2", testkit.WithStore(counted))

	const logins = 20
	asked := natsRequests(t, edge.Addr)
	for i := range logins {
		testkit.Login(t, edge.URL, fmt.Sprintf("user%d", i)).Close()
	}
	assert.Zero(t, counted.reads.Load(), "the edge read the application from the store")
	assert.Less(t, natsRequests(t, edge.Addr)-asked, uint64(logins/4), "the edge asked NATS for the lease on most logins")
}

// A login into an application nobody made up is refused through an edge
// as anywhere, and takes no lease.
func TestClusterLoginIntoNoApplicationTakesNoLease(t *testing.T) {
	cl := testkit.StartCluster(t, 2)
	testkit.Login(t, cl.Nodes[0].URL, "first") // node1 is the home of the demo
	assert.Equal(t, session.ANCTPSWD_ERR, loginFail(t, cl.Nodes[1].URL, "made-up", demoPswd, "bob", ""))

	nc, err := nats.Connect(cl.NATSURL)
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	kv, err := js.KeyValue(ctx, "huddle_homes")
	require.NoError(t, err)
	keys, err := kv.Keys(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{server.DemoAppID}, keys)
}

// The home shuts down moments after a login through an edge found it:
// the next login through that edge, with no session of the application
// left there to be closed, lands on a node that serves it at once, not
// on the node gone.
func TestClusterLoginRightAfterTheHomeLeftFindsTheNewHome(t *testing.T) {
	cl := testkit.StartCluster(t, 2)
	testkit.Login(t, cl.Nodes[0].URL, "first") // node1 is the home
	testkit.Login(t, cl.Nodes[1].URL, "bob").Close()

	cl.Nodes[0].Stop(t)
	carol := testkit.Login(t, cl.Nodes[1].URL, "carol")
	testkit.Sync(t, carol)
}

// Every application ID a server accepts works on a cluster too: the
// lease of an ID that is no JetStream key as it stands ('@', a dot at
// either end, two dots) is kept under an encoded key, and users of each
// application see each other across nodes and nobody else.
func TestClusterApplicationIDsOfEveryShape(t *testing.T) {
	cl := testkit.StartCluster(t, 2)
	for _, app := range []string{"ops@acme.example", ".hidden", "trailing.", "a..b", "plain-id"} {
		t.Run(app, func(t *testing.T) {
			require.NoError(t, cl.Nodes[0].AddApp(context.Background(), app, app+"-secret", store.UserAuthNone))
			login := func(url, user string) *testkit.Client {
				c := testkit.NewClient(t, url)
				c.Login(app, server.PasswordFor(app+"-secret"), user, user, "", "l")
				ok := testkit.Await[session.LoginSuccess](t, c, nil)
				require.Equal(t, user, ok.UsrID)
				return c
			}
			alice := login(cl.Nodes[0].URL, "alice")
			bob := login(cl.Nodes[1].URL, "bob")
			bob.StartUserStatusNotify("w")
			testkit.Await[session.StartUserStatusNotifyRslt](t, bob, nil)
			alice.SetDNDStatus(2, "d")
			testkit.Await[session.SetDNDStatusSuccess](t, alice, nil)
			testkit.Await(t, bob, func(n session.NotifyUserStatus) bool { return n.Status.UserID == "alice" && n.Status.DNDType == 2 })
			bob.GetUserStatus("list")
			list := testkit.Await[session.GetUserStatusSuccess](t, bob, nil).Users
			assert.Len(t, list, 2, "only the two users of %q: %+v", app, list)
		})
	}
}
