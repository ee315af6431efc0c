package session_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/server/store"
	"huddle/session"
)

// watcher subscribes to status changes so a test can follow them.
func watcher(t *testing.T, url string) *testkit.Client {
	w := testkit.Login(t, url, "watcher")
	w.StartUserStatusNotify("watch")
	require.Equal(t, session.NOERR, testkit.Await[session.StartUserStatusNotifyRslt](t, w, nil).Err)
	return w
}

func awaitStatus(t *testing.T, w *testkit.Client, user string, status int) {
	t.Helper()
	testkit.Await(t, w, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == user && e.Status.UserStatus == status
	})
}

// ring has caller call callee into meet and waits until the callee rings.
func ring(t *testing.T, caller, callee *testkit.Client, meet session.MeetInfo, ext string) string {
	t.Helper()
	id := caller.Call(callee.UserID(), meet, ext, "call-"+ext)
	assert.Equal(t, session.CallSuccess{CallID: id, Cookie: "call-" + ext},
		testkit.Await(t, caller, func(e session.CallSuccess) bool { return e.CallID == id }))
	in := testkit.Await(t, callee, func(e session.NotifyCallIn) bool { return e.CallID == id })
	assert.Equal(t, caller.UserID(), in.CallerID)
	assert.Equal(t, ext, in.UsrExtDat)
	assert.Equal(t, meet.ID, in.Meet.ID)
	assert.Equal(t, meet.Pswd, in.Meet.Pswd, "the callee gets what it needs to join")
	return id
}

// accept has callee accept id and waits for both sides to hear it.
func accept(t *testing.T, caller, callee *testkit.Client, id, ext string) session.NotifyCallAccepted {
	t.Helper()
	callee.AcceptCall(id, session.MeetInfo{}, ext, "acc")
	testkit.Await(t, callee, func(e session.AcceptCallSuccess) bool { return e.CallID == id })
	return testkit.Await(t, caller, func(e session.NotifyCallAccepted) bool { return e.CallID == id })
}

func callFail(t *testing.T, caller *testkit.Client, to string, meet session.MeetInfo) session.ErrCode {
	t.Helper()
	id := caller.Call(to, meet, "", "fail")
	return testkit.Await(t, caller, func(e session.CallFail) bool { return e.CallID == id }).Err
}

func withCallTimeout(d time.Duration) testkit.Option {
	return func(c *server.Config) { c.CallTimeout = d }
}

func TestCallAcceptHangup(t *testing.T) {
	srv := testkit.StartServer(t)
	w := watcher(t, srv.URL)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	meet := createMeeting(t, alice, "Alice and Bob", 1)

	ext := `{"video":true} ünïcode`
	id := ring(t, alice, bob, meet, ext)
	assert.Len(t, id, 32)
	awaitStatus(t, w, "alice", protocol.StatusBusy)
	awaitStatus(t, w, "bob", protocol.StatusBusy)

	acc := accept(t, alice, bob, id, "bob-ext")
	assert.Equal(t, "bob-ext", acc.UsrExtDat)
	assert.Equal(t, meet.ID, acc.Meet.ID)
	assert.Equal(t, 2, acc.Meet.MemberCount)
	assert.Equal(t, meet.Pswd, acc.Meet.Pswd)
	awaitStatus(t, w, "alice", protocol.StatusInMeeting)
	awaitStatus(t, w, "bob", protocol.StatusInMeeting)

	// A member sees the password; the meeting shows its two members.
	m, ok := findMeet(getMeetings(t, bob), meet.ID)
	require.True(t, ok)
	assert.Equal(t, meet.Pswd, m.Pswd)
	assert.Equal(t, 2, m.MemberCount)
	m, _ = findMeet(getMeetings(t, w), meet.ID)
	assert.Empty(t, m.Pswd)

	bob.HungupCall(id, "bye", "h")
	assert.Equal(t, session.HangupCallSuccess{CallID: id, Cookie: "h"}, testkit.Await[session.HangupCallSuccess](t, bob, nil))
	assert.Equal(t, session.NotifyCallHungup{CallID: id, UsrExtDat: "bye"}, testkit.Await[session.NotifyCallHungup](t, alice, nil))
	awaitStatus(t, w, "alice", protocol.StatusIdle)
	awaitStatus(t, w, "bob", protocol.StatusIdle)
	m, _ = findMeet(getMeetings(t, alice), meet.ID)
	assert.Equal(t, 0, m.MemberCount)

	// The call is over: acting on it again is 600.
	alice.HungupCall(id, "", "again")
	assert.Equal(t, session.INVALID_CALLID, testkit.Await[session.HangupCallFail](t, alice, nil).Err)
	assert.Empty(t, testkit.Unused[session.NotifyCallHungup](bob))
}

func TestCallRejectAndHangupWhileRinging(t *testing.T) {
	srv := testkit.StartServer(t)
	w := watcher(t, srv.URL)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	meet := createMeeting(t, alice, "m", 0)

	id := ring(t, alice, bob, meet, "1")
	bob.RejectCall(id, "not now", "r")
	assert.Equal(t, session.RejectCallSuccess{CallID: id, Cookie: "r"}, testkit.Await[session.RejectCallSuccess](t, bob, nil))
	assert.Equal(t, session.NotifyCallRejected{CallID: id, Err: session.ERR_REFUSE, UsrExtDat: "not now"},
		testkit.Await[session.NotifyCallRejected](t, alice, nil))
	awaitStatus(t, w, "bob", protocol.StatusIdle)

	// The caller gives up while it rings.
	id = ring(t, alice, bob, meet, "2")
	alice.HungupCall(id, "oops", "h")
	testkit.Await[session.HangupCallSuccess](t, alice, nil)
	assert.Equal(t, session.NotifyCallHungup{CallID: id, UsrExtDat: "oops"}, testkit.Await[session.NotifyCallHungup](t, bob, nil))
	bob.AcceptCall(id, meet, "", "late")
	assert.Equal(t, session.AcceptCallFail{CallID: id, Err: session.INVALID_CALLID, Cookie: "late"}, testkit.Await[session.AcceptCallFail](t, bob, nil))
}

func TestOnlyThePartiesActOnACall(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	carol := testkit.Login(t, srv.URL, "carol")
	meet := createMeeting(t, alice, "m", 0)
	id := ring(t, alice, bob, meet, "x")

	carol.AcceptCall(id, meet, "", "a")
	assert.Equal(t, session.INVALID_CALLID, testkit.Await[session.AcceptCallFail](t, carol, nil).Err)
	carol.RejectCall(id, "", "r")
	assert.Equal(t, session.INVALID_CALLID, testkit.Await[session.RejectCallFail](t, carol, nil).Err)
	carol.HungupCall(id, "", "h")
	assert.Equal(t, session.INVALID_CALLID, testkit.Await[session.HangupCallFail](t, carol, nil).Err)
	// The caller cannot answer its own call.
	alice.AcceptCall(id, meet, "", "a")
	assert.Equal(t, session.INVALID_CALLID, testkit.Await[session.AcceptCallFail](t, alice, nil).Err)
	bob.AcceptCall("nonsense", meet, "", "a")
	assert.Equal(t, session.INVALID_CALLID, testkit.Await[session.AcceptCallFail](t, bob, nil).Err)
	// Accepting into another meeting is a bad parameter; the call still rings.
	other := createMeeting(t, bob, "other", 0)
	bob.AcceptCall(id, other, "", "wrong-meet")
	assert.Equal(t, session.MEETPARAM_ERR, testkit.Await[session.AcceptCallFail](t, bob, nil).Err)
	accept(t, alice, bob, id, "")
}

func TestCallErrorCodes(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	carol := testkit.Login(t, srv.URL, "carol")
	dave := testkit.Login(t, srv.URL, "dave")
	meet := createMeeting(t, alice, "m", 0)
	locked := createMeeting(t, alice, "locked", 1)

	assert.Equal(t, session.ERR_USER_NOT_FOUND, callFail(t, alice, "nobody", meet))
	w := watcher(t, srv.URL)
	off := testkit.Login(t, srv.URL, "offline-user")
	off.Logout()
	awaitStatus(t, w, "offline-user", protocol.StatusOffline)
	assert.Equal(t, session.ERR_OFFLINE, callFail(t, alice, "offline-user", meet))
	assert.Equal(t, session.MEETNOTEXIST, callFail(t, alice, "bob", session.MeetInfo{ID: 123}))
	assert.Equal(t, session.MEETNOTEXIST, callFail(t, alice, "bob", session.MeetInfo{}))
	assert.Equal(t, session.AUTHERROR, callFail(t, alice, "bob", session.MeetInfo{ID: locked.ID}))
	assert.Equal(t, session.AUTHERROR, callFail(t, alice, "bob", session.MeetInfo{ID: locked.ID, Pswd: "000000x"}))
	assert.Equal(t, session.MEETPARAM_ERR, callFail(t, alice, "alice", meet))
	assert.Equal(t, session.MEETPARAM_ERR, callFail(t, alice, "", meet))

	// DND on: busy.
	dave.SetDNDStatus(1, "dnd")
	testkit.Await[session.SetDNDStatusSuccess](t, dave, nil)
	assert.Equal(t, session.ERR_BUSY, callFail(t, alice, "dave", meet))

	// Callee ringing: busy, for anyone; caller ringing: already in a call.
	ring(t, alice, bob, meet, "1")
	assert.Equal(t, session.ERR_BUSY, callFail(t, carol, "bob", meet))
	assert.Equal(t, session.ERR_BUSY, callFail(t, carol, "alice", meet))
	assert.Equal(t, session.ERR_CALL_EXIST, callFail(t, alice, "carol", meet))
	assert.Equal(t, session.ERR_CALL_EXIST, callFail(t, bob, "carol", meet))
	// And the call that rings is untouched by all this.
	assert.Empty(t, testkit.Unused[session.NotifyCallHungup](bob))
}

func TestCallUsrExtDatLimits(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	testkit.Login(t, srv.URL, "bob")
	meet := createMeeting(t, alice, "m", 0)
	big := string(make([]byte, server.DefaultLimits().MaxExtLen+1))
	id := alice.Call("bob", meet, big, "big")
	assert.Equal(t, session.CallFail{CallID: id, Err: session.MEETPARAM_ERR, Cookie: "big"}, testkit.Await[session.CallFail](t, alice, nil))
	id = alice.Call("bob", meet, "\xff\xfe", "bin")
	assert.Equal(t, session.CallFail{CallID: id, Err: session.MEETPARAM_ERR, Cookie: "bin"}, testkit.Await(t, alice, func(e session.CallFail) bool { return e.CallID == id }))
}

func TestCallRingsOut(t *testing.T) {
	srv := testkit.StartServer(t, withCallTimeout(200*time.Millisecond))
	w := watcher(t, srv.URL)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	meet := createMeeting(t, alice, "m", 0)
	id := ring(t, alice, bob, meet, "x")
	assert.Equal(t, session.NotifyCallRejected{CallID: id, Err: session.ERR_NOANSWER}, testkit.Await[session.NotifyCallRejected](t, alice, nil))
	assert.Equal(t, session.NotifyCallHungup{CallID: id}, testkit.Await[session.NotifyCallHungup](t, bob, nil))
	awaitStatus(t, w, "alice", protocol.StatusIdle)
	awaitStatus(t, w, "bob", protocol.StatusIdle)
	bob.AcceptCall(id, meet, "", "late")
	assert.Equal(t, session.INVALID_CALLID, testkit.Await[session.AcceptCallFail](t, bob, nil).Err)
}

func TestAcceptedCallDoesNotRingOut(t *testing.T) {
	srv := testkit.StartServer(t, withCallTimeout(100*time.Millisecond))
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	meet := createMeeting(t, alice, "m", 0)
	id := ring(t, alice, bob, meet, "x")
	accept(t, alice, bob, id, "")
	// A second call that rings out proves the timer ran; the first survived it.
	carol := testkit.Login(t, srv.URL, "carol")
	dave := testkit.Login(t, srv.URL, "dave")
	ring(t, carol, dave, meet, "y")
	testkit.Await[session.NotifyCallRejected](t, carol, nil)
	testkit.Sync(t, alice)
	assert.Empty(t, testkit.All[session.NotifyCallRejected](alice))
	assert.Empty(t, testkit.All[session.NotifyCallHungup](alice))
	bob.HungupCall(id, "", "h")
	testkit.Await[session.HangupCallSuccess](t, bob, nil)
}

func TestDestroyMeetingMidCall(t *testing.T) {
	srv := testkit.StartServer(t)
	w := watcher(t, srv.URL)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	carol := testkit.Login(t, srv.URL, "carol")
	dave := testkit.Login(t, srv.URL, "dave")
	meet := createMeeting(t, carol, "doomed", 0)

	inCall := ring(t, alice, bob, meet, "a")
	accept(t, alice, bob, inCall, "")
	ringing := ring(t, dave, w, meet, "d")

	carol.DestroyMeeting(meet.ID, "d")
	assert.Equal(t, session.NOERR, testkit.Await[session.DestroyMeetingRslt](t, carol, nil).Err)
	for _, c := range []*testkit.Client{alice, bob} {
		assert.Equal(t, session.MeetingStopped{MeetID: meet.ID}, testkit.Await[session.MeetingStopped](t, c, nil))
		assert.Equal(t, session.NotifyCallHungup{CallID: inCall}, testkit.Await[session.NotifyCallHungup](t, c, nil))
	}
	assert.Equal(t, session.NotifyCallHungup{CallID: ringing}, testkit.Await[session.NotifyCallHungup](t, dave, nil))
	assert.Equal(t, session.NotifyCallHungup{CallID: ringing}, testkit.Await[session.NotifyCallHungup](t, w, nil))
	for _, u := range []string{"alice", "bob", "dave", "watcher"} {
		awaitStatus(t, w, u, protocol.StatusIdle)
	}
	assert.Empty(t, testkit.All[session.MeetingStopped](dave), "not a member: was only ringing")
	assert.Equal(t, session.MEETNOTEXIST, callFail(t, alice, "bob", meet))
}

func TestPartyDropEndsCall(t *testing.T) {
	// Past the grace period a dropped party's call ends (reconnect_test.go
	// covers a drop shorter than that).
	srv := testkit.StartServer(t, func(c *server.Config) { c.GracePeriod = 100 * time.Millisecond })
	w := watcher(t, srv.URL)
	proxy := testkit.StartProxy(t, srv.Addr)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, "ws://"+proxy.Addr()+"/ws", "bob")
	meet := createMeeting(t, alice, "m", 0)

	id := ring(t, alice, bob, meet, "x")
	accept(t, alice, bob, id, "")
	proxy.Cut()
	assert.Equal(t, session.NotifyCallHungup{CallID: id}, testkit.Await[session.NotifyCallHungup](t, alice, nil))
	awaitStatus(t, w, "bob", protocol.StatusOffline)
	awaitStatus(t, w, "alice", protocol.StatusIdle)

	// Logging out while ringing ends it too.
	carol := testkit.Login(t, srv.URL, "carol")
	id = ring(t, alice, carol, meet, "y")
	alice.Logout()
	assert.Equal(t, session.NotifyCallHungup{CallID: id}, testkit.Await[session.NotifyCallHungup](t, carol, nil))
	awaitStatus(t, w, "carol", protocol.StatusIdle)
}

func TestConcurrentCallsBetweenManyPairs(t *testing.T) {
	srv := testkit.StartServer(t)
	const pairs = 20
	callers := make([]*testkit.Client, pairs)
	callees := make([]*testkit.Client, pairs)
	meets := make([]session.MeetInfo, pairs)
	for i := range pairs {
		callers[i] = testkit.Login(t, srv.URL, fmt.Sprintf("caller%d", i))
		callees[i] = testkit.Login(t, srv.URL, fmt.Sprintf("callee%d", i))
		meets[i] = createMeeting(t, callers[i], fmt.Sprintf("pair %d", i), i%2)
	}
	var wg sync.WaitGroup
	for i := range pairs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := ring(t, callers[i], callees[i], meets[i], fmt.Sprint(i))
			acc := accept(t, callers[i], callees[i], id, fmt.Sprint(i))
			assert.Equal(t, 2, acc.Meet.MemberCount)
			callers[i].HungupCall(id, "", "h")
			assert.Equal(t, session.NotifyCallHungup{CallID: id}, testkit.Await[session.NotifyCallHungup](t, callees[i], nil))
		}()
	}
	wg.Wait()
	for _, m := range getMeetings(t, callers[0]) {
		assert.Equal(t, 0, m.MemberCount)
	}
}

func TestCallsDoNotCrossApplications(t *testing.T) {
	srv := testkit.StartServer(t)
	require.NoError(t, srv.AddApp(context.Background(), "other", "other-secret", store.UserAuthNone))
	alice := testkit.Login(t, srv.URL, "alice")
	meet := createMeeting(t, alice, "m", 0)
	eve := testkit.NewClient(t, srv.URL)
	eve.Login("other", server.PasswordFor("other-secret"), "Eve", "eve", "", "l")
	testkit.Await[session.LoginSuccess](t, eve, nil)

	assert.Equal(t, session.ERR_USER_NOT_FOUND, callFail(t, alice, "eve", meet))
	// eve cannot call into a demo meeting, nor reach alice.
	evesMeet := createMeeting(t, eve, "eve's", 0)
	assert.Equal(t, session.MEETNOTEXIST, callFail(t, eve, "alice", meet))
	assert.Equal(t, session.ERR_USER_NOT_FOUND, callFail(t, eve, "alice", evesMeet))
	assert.Empty(t, testkit.All[session.NotifyCallIn](alice))
}
