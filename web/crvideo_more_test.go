package web_test

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

// In a call with a desktop user, the page invites a third (desktop) user:
// the invite's status reaches the page from ringing to connected to hung
// up; a second invite is cancelled; destroying the meeting stops it for
// the desktop members.
func TestWebUserInvitesAThirdAndEndsTheMeeting(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")
	third := testkit.Login(t, srv.URL, "third")

	p.eval(`CRVideo_CreateMeeting("Three", 1, "m")`, nil)
	meet := p.await("CreateMeetingSuccess", "null")[0].(map[string]any)
	var callID string
	p.eval(`CRVideo_Call("desk", `+mustJSON(t, meet)+`, "", "")`, &callID)
	in := testkit.Await[session.NotifyCallIn](t, desk, nil)
	desk.AcceptCall(in.CallID, in.Meet, "", "")
	p.await("NotifyCallAccepted", "null")

	var inviteID string
	p.eval(`CRVideo_ClientInvite("third", `+mustJSON(t, meet)+`, "i1")`, &inviteID)
	require.Len(t, inviteID, 32)
	assert.Equal(t, []any{inviteID, float64(0), "i1"}, p.await("ClientInviteRslt", "null"))
	assert.Equal(t, []any{inviteID, float64(0)}, p.await("NotifyInviteStatus", "null"), "ringing")
	ring := testkit.Await[session.NotifyCallIn](t, third, nil)
	assert.Equal(t, inviteID, ring.CallID)
	assert.Equal(t, "web", ring.CallerID)
	third.AcceptCall(ring.CallID, ring.Meet, "", "")
	testkit.Await[session.AcceptCallSuccess](t, third, nil)
	assert.Equal(t, []any{inviteID, float64(1)}, p.await("NotifyInviteStatus", "null"), "connected")
	third.HungupCall(ring.CallID, "", "")
	assert.Equal(t, []any{inviteID, float64(4)}, p.await("NotifyInviteStatus", "null"), "hung up")

	// A ringing invite cancelled by the page: the invitee's call ends.
	p.eval(`CRVideo_ClientInvite("third", `+mustJSON(t, meet)+`, "i2")`, &inviteID)
	p.await("ClientInviteRslt", "null")
	testkit.Await[session.NotifyCallIn](t, third, func(e session.NotifyCallIn) bool { return e.CallID == inviteID })
	p.eval(fmt.Sprintf(`CRVideo_ClientCancelInvite(%q, "x")`, inviteID), nil)
	assert.Equal(t, []any{inviteID, float64(0), "x"}, p.await("ClientCancelInviteRslt", "null"))
	testkit.Await[session.NotifyCallHungup](t, third, func(e session.NotifyCallHungup) bool { return e.CallID == inviteID })
	p.eval(fmt.Sprintf(`CRVideo_ClientCancelInvite(%q, "y")`, inviteID), nil)
	assert.Equal(t, []any{inviteID, float64(protocol.InvalidCallID), "y"}, p.await("ClientCancelInviteRslt", "null"))

	// The creator ends the meeting: the desktop member hears it.
	p.eval(fmt.Sprintf(`CRVideo_DestroyMeeting(%v, "d")`, meet["ID"]), nil)
	assert.Equal(t, []any{float64(0), "d"}, p.await("DestroyMeetingRslt", "null"))
	stopped := testkit.Await[session.MeetingStopped](t, desk, nil)
	assert.Equal(t, int(meet["ID"].(float64)), stopped.MeetID)
}

// A call the page does not answer rings out with the server's no-answer
// code (the ring time shortened from 30 s).
func TestWebUserDoesNotAnswer(t *testing.T) {
	srv := testkit.StartServer(t, func(c *server.Config) { c.CallTimeout = 300 * time.Millisecond })
	p := openPage(t, srv)
	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")

	desk.CreateMeeting("Desk's", 0, "")
	meet := testkit.Await[session.CreateMeetingSuccess](t, desk, nil).Meet
	id := desk.Call("web", meet, "", "")
	p.await("NotifyCallIn", "null")
	rej := testkit.Await[session.NotifyCallRejected](t, desk, nil)
	assert.Equal(t, session.NotifyCallRejected{CallID: id, Err: protocol.ErrNoAnswer}, rej)
	assert.Equal(t, []any{id, ""}, p.await("NotifyCallHungup", "null"), "the callee's ringing ends")
}

// A desktop user ending their meeting stops it for the page in it.
func TestWebUserHearsMeetingStopped(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")

	desk.CreateMeeting("Desk's", 0, "")
	meet := testkit.Await[session.CreateMeetingSuccess](t, desk, nil).Meet
	id := desk.Call("web", meet, "", "")
	in := p.await("NotifyCallIn", "null")
	p.eval(fmt.Sprintf(`CRVideo_AcceptCall(%q, %s, "", "")`, id, mustJSON(t, in[1])), nil)
	p.await("AcceptCallSuccess", "null")
	desk.DestroyMeeting(meet.ID, "")
	testkit.Await[session.DestroyMeetingRslt](t, desk, nil)
	assert.Equal(t, []any{float64(meet.ID)}, p.await("MeetingStopped", "null"))
	assert.Equal(t, []any{id, ""}, p.await("NotifyCallHungup", "null"))
}

// The page's connection drops (a network failure between it and the
// server): it signs in again by itself, the server resumes its session, and
// a call that rang while it was away arrives once.
func TestWebSessionResumesAfterADrop(t *testing.T) {
	srv := testkit.StartServer(t, func(c *server.Config) { c.AllowedOrigins = []string{"*"} })
	proxy := testkit.StartProxy(t, srv.Addr)
	p := openPage(t, srv)
	p.eval(fmt.Sprintf(`CRVideo_SetServerAddr(%q)`, proxy.Addr()), nil)
	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")
	p.eval(`CRVideo_StartUserStatusNotify("n")`, nil)
	p.await("StartUserStatusNotifyRslt", "null")

	proxy.Down()
	assert.Equal(t, []any{float64(protocol.SocketException)}, p.await("Reconnecting", "null"))
	desk.CreateMeeting("While away", 0, "")
	meet := testkit.Await[session.CreateMeetingSuccess](t, desk, nil).Meet
	id := desk.Call("web", meet, "while away", "")
	testkit.Await[session.CallSuccess](t, desk, nil) // the parked session rings
	proxy.Up()

	assert.Equal(t, []any{"web", false}, p.await("Reconnected", "null"), "resumed: state kept")
	in := p.await("NotifyCallIn", "null")
	assert.Equal(t, []any{id, "desk", "while away"}, []any{in[0], in[2], in[3]})
	p.eval(fmt.Sprintf(`CRVideo_AcceptCall(%q, %s, "", "")`, id, mustJSON(t, in[1])), nil)
	p.await("AcceptCallSuccess", "null")
	testkit.Await[session.NotifyCallAccepted](t, desk, nil)

	// Status notification was renewed: the page hears the desktop's DND.
	desk.SetDNDStatus(1, "")
	st := p.await("NotifyUserStatus", `a => a[0].userID === "desk" && a[0].DNDType === 1`)
	assert.Equal(t, "n", st[1])
	var calls int
	p.eval(`events.filter(e => e.name === "NotifyCallIn").length`, &calls)
	assert.Equal(t, 1, calls, "the replayed call came once")
}

// The same user signing in elsewhere pushes the page off: LineOff(10), no
// reconnect; the page's requests then fail with NOT_LOGIN.
func TestWebUserPushedOffByASecondSignIn(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	p.login("web")
	testkit.Login(t, srv.URL, "web")
	assert.Equal(t, []any{float64(protocol.UserBeenKickout)}, p.await("LineOff", "null"))
	p.eval(`CRVideo_SetDNDStatus(1, "after")`, nil)
	assert.Equal(t, []any{float64(protocol.NotLogin), "after"}, p.await("SetDNDStatusFail", "null"))
	var reconnecting int
	p.eval(`events.filter(e => e.name === "Reconnecting").length`, &reconnecting)
	assert.Zero(t, reconnecting)
}

// Logout signs the page's user out for everyone at once, and the page can
// sign in again.
func TestWebUserLogsOutAndInAgain(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")
	desk.StartUserStatusNotify("")
	testkit.Await[session.StartUserStatusNotifyRslt](t, desk, nil)

	p.eval(`CRVideo_Logout()`, nil)
	testkit.Await[session.NotifyUserStatus](t, desk, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "web" && e.Status.UserStatus == 0
	})
	p.login("web")
	testkit.Await[session.NotifyUserStatus](t, desk, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "web" && e.Status.UserStatus == 1
	})
	var lineOffs int
	p.eval(`events.filter(e => e.name === "LineOff").length`, &lineOffs)
	assert.Zero(t, lineOffs, "a logout is not a LineOff")
}

// Lists longer than one page (a 64 KiB send queue makes pages of 32 KiB)
// arrive in one GetUserStatusSuccess / GetMeetingsSuccess, whole and in
// order, as the Go SDK delivers them.
func TestWebUserGetsLongListsWhole(t *testing.T) {
	const users, meetings = 2000, 800
	srv := testkit.StartServer(t, testkit.WithCrowd(users, meetings),
		testkit.WithLimits(func(l *server.Limits) { l.SendQueueBytes = 64 << 10 }))
	p := openPage(t, srv)
	p.login("web")

	var ids []string
	p.eval(`CRVideo_GetUserStatus("all"); waitEvent("GetUserStatusSuccess", null).then(a => a[0].map(u => u.userID))`, &ids)
	require.Equal(t, users+1, len(ids), "every page")
	for i := range users {
		require.Equal(t, testkit.CrowdUser(i), ids[i], "sorted by ID, none missing or twice")
	}
	assert.Equal(t, "web", ids[users])

	var n int
	p.eval(`CRVideo_GetMeetings("m"); waitEvent("GetMeetingsSuccess", null).then(a => new Set(a[0].map(m => m.ID)).size)`, &n)
	assert.Equal(t, meetings, n)
}
