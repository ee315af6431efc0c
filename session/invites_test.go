package session_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/session"
)

// inCall sets up alice and bob in an accepted call in alice's meeting.
func inCall(t *testing.T, url string) (alice, bob *testkit.Client, meet session.MeetInfo, callID string) {
	t.Helper()
	alice = testkit.Login(t, url, "alice")
	bob = testkit.Login(t, url, "bob")
	meet = createMeeting(t, alice, "three", 1)
	callID = ring(t, alice, bob, meet, "")
	accept(t, alice, bob, callID, "")
	return alice, bob, meet, callID
}

func invite(t *testing.T, inviter, invitee *testkit.Client, meet session.MeetInfo) string {
	t.Helper()
	id := inviter.ClientInvite(invitee.UserID(), meet, "inv")
	assert.Equal(t, session.ClientInviteRslt{InviteID: id, Err: session.NOERR, Cookie: "inv"},
		testkit.Await(t, inviter, func(e session.ClientInviteRslt) bool { return e.InviteID == id }))
	assert.Equal(t, session.NotifyInviteStatus{InviteID: id, Status: protocol.InviteRinging},
		testkit.Await(t, inviter, func(e session.NotifyInviteStatus) bool { return e.InviteID == id }))
	in := testkit.Await(t, invitee, func(e session.NotifyCallIn) bool { return e.CallID == id })
	assert.Equal(t, inviter.UserID(), in.CallerID)
	assert.Equal(t, meet.ID, in.Meet.ID)
	assert.Equal(t, meet.Pswd, in.Meet.Pswd, "the invitee gets what it needs to join")
	return id
}

func inviteStatus(t *testing.T, c *testkit.Client, id string) int {
	t.Helper()
	return testkit.Await(t, c, func(e session.NotifyInviteStatus) bool { return e.InviteID == id }).Status
}

func TestInviteThirdPartyJoins(t *testing.T) {
	srv := testkit.StartServer(t)
	w := watcher(t, srv.URL)
	alice, bob, meet, callID := inCall(t, srv.URL)
	carol := testkit.Login(t, srv.URL, "carol")

	id := invite(t, alice, carol, meet)
	assert.NotEqual(t, callID, id)
	awaitStatus(t, w, "carol", protocol.StatusBusy)
	carol.AcceptCall(id, meet, "", "acc")
	testkit.Await[session.AcceptCallSuccess](t, carol, nil)
	assert.Equal(t, protocol.InviteConnected, inviteStatus(t, alice, id))
	awaitStatus(t, w, "carol", protocol.StatusInMeeting)

	m, ok := findMeet(getMeetings(t, carol), meet.ID)
	require.True(t, ok)
	assert.Equal(t, 3, m.MemberCount)
	assert.Equal(t, meet.Pswd, m.Pswd)

	// The invitee leaves: the inviter hears "hung up", the call goes on.
	carol.HungupCall(id, "", "h")
	testkit.Await[session.HangupCallSuccess](t, carol, nil)
	assert.Equal(t, protocol.InviteHungUp, inviteStatus(t, alice, id))
	awaitStatus(t, w, "carol", protocol.StatusIdle)
	m, _ = findMeet(getMeetings(t, bob), meet.ID)
	assert.Equal(t, 2, m.MemberCount)
	assert.Empty(t, testkit.All[session.NotifyCallHungup](bob))
}

func TestInviteRejectedCancelledAndUnanswered(t *testing.T) {
	srv := testkit.StartServer(t, withCallTimeout(300*time.Millisecond))
	alice, _, meet, _ := inCall(t, srv.URL)
	carol := testkit.Login(t, srv.URL, "carol")

	id := invite(t, alice, carol, meet)
	carol.RejectCall(id, "", "r")
	testkit.Await[session.RejectCallSuccess](t, carol, nil)
	assert.Equal(t, protocol.InviteRejected, inviteStatus(t, alice, id))

	id = invite(t, alice, carol, meet)
	alice.ClientCancelInvite(id, "cancel")
	assert.Equal(t, session.ClientCancelInviteRslt{InviteID: id, Err: session.NOERR, Cookie: "cancel"},
		testkit.Await[session.ClientCancelInviteRslt](t, alice, nil))
	assert.Equal(t, session.NotifyCallHungup{CallID: id}, testkit.Await(t, carol, func(e session.NotifyCallHungup) bool { return e.CallID == id }))
	alice.ClientCancelInvite(id, "twice")
	assert.Equal(t, session.INVALID_CALLID, testkit.Await(t, alice, func(e session.ClientCancelInviteRslt) bool { return e.Cookie == "twice" }).Err)

	id = invite(t, alice, carol, meet)
	assert.Equal(t, protocol.InviteNoAnswer, inviteStatus(t, alice, id))
	assert.Equal(t, session.NotifyCallHungup{CallID: id}, testkit.Await(t, carol, func(e session.NotifyCallHungup) bool { return e.CallID == id }))
}

func TestInviteErrors(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, meet, _ := inCall(t, srv.URL)
	carol := testkit.Login(t, srv.URL, "carol")
	dave := testkit.Login(t, srv.URL, "dave")
	inviteErr := func(c *testkit.Client, to string, m session.MeetInfo) session.ErrCode {
		t.Helper()
		id := c.ClientInvite(to, m, "e")
		return testkit.Await(t, c, func(e session.ClientInviteRslt) bool { return e.InviteID == id }).Err
	}
	assert.Equal(t, session.INVALID_CALLID, inviteErr(carol, "dave", meet), "not in a call")
	assert.Equal(t, session.ERR_USER_NOT_FOUND, inviteErr(alice, "nobody", meet))
	assert.Equal(t, session.ERR_BUSY, inviteErr(alice, "bob", meet), "already in the call")
	assert.Equal(t, session.MEETNOTEXIST, inviteErr(alice, "carol", session.MeetInfo{ID: 1}))
	assert.Equal(t, session.AUTHERROR, inviteErr(alice, "carol", session.MeetInfo{ID: meet.ID}), "no password")
	other := createMeeting(t, alice, "other", 0)
	assert.Equal(t, session.AUTHERROR, inviteErr(alice, "carol", other), "not the call's meeting")
	dave.SetDNDStatus(1, "dnd")
	testkit.Await[session.SetDNDStatusSuccess](t, dave, nil)
	assert.Equal(t, session.ERR_BUSY, inviteErr(alice, "dave", meet), "do-not-disturb")
	w := watcher(t, srv.URL)
	dave.Logout()
	awaitStatus(t, w, "dave", protocol.StatusOffline)
	assert.Equal(t, session.ERR_OFFLINE, inviteErr(alice, "dave", meet))

	// Only the inviter may cancel, and only an invite.
	id := invite(t, bob, carol, meet)
	alice.ClientCancelInvite(id, "c")
	assert.Equal(t, session.INVALID_CALLID, testkit.Await[session.ClientCancelInviteRslt](t, alice, nil).Err)
	carol.ClientCancelInvite(id, "c")
	assert.Equal(t, session.INVALID_CALLID, testkit.Await[session.ClientCancelInviteRslt](t, carol, nil).Err)
}

func TestInviterDropEndsInvite(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, meet, callID := inCall(t, srv.URL)
	carol := testkit.Login(t, srv.URL, "carol")
	id := invite(t, alice, carol, meet)
	carol.AcceptCall(id, session.MeetInfo{}, "", "a")
	testkit.Await[session.AcceptCallSuccess](t, carol, nil)
	assert.Equal(t, protocol.InviteConnected, inviteStatus(t, alice, id))

	alice.Close()
	assert.Equal(t, session.NotifyCallHungup{CallID: id}, testkit.Await[session.NotifyCallHungup](t, carol, nil))
	assert.Equal(t, session.NotifyCallHungup{CallID: callID}, testkit.Await[session.NotifyCallHungup](t, bob, nil))
}
