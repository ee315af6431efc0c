package web_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/session"
)

// recordRooms has the page record the room callbacks, as a page written
// for CloudRoom's H5 SDK assigns them.
func recordRooms(p *page) {
	p.eval(`for (const n of ['EnterMeetingRslt', 'UserEnterMeeting', 'UserLeftMeeting', 'AudioStatusChanged',
		'MeetingDropped', 'OpenMicFailed', 'CloseMicFailed']) window['CRVideo_' + n].callback = recorder(n)`, nil)
}

// pageMembers is CRVideo_GetAllMembers as "user:nickname:audio:video".
func pageMembers(p *page) []string {
	var out []string
	p.eval(`CRVideo_GetAllMembers().map(m => m.userID + ":" + m.nickname + ":" + m.audioStatus + ":" + m.videoStatus)`, &out)
	return out
}

// A page enters meetings with a desktop user: wrong password, no such
// meeting, members, microphones both ways, exit, a call's meeting,
// destroyed, and dropped when pushed off.
func TestWebRooms(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	recordRooms(p)
	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")
	desk.CreateMeeting("Room", 1, "")
	meet := testkit.Await[session.CreateMeetingSuccess](t, desk, nil).Meet
	enterDesk := func(c *testkit.Client, m session.MeetInfo) {
		t.Helper()
		c.EnterMeeting(m.ID, m.Pswd, "in")
		require.Equal(t, session.NOERR, testkit.Await[session.EnterMeetingRslt](t, c, nil).Err)
	}
	enterDesk(desk, meet)

	p.eval(fmt.Sprintf(`CRVideo_EnterMeeting(%d, "nope", "", "", "e1")`, meet.ID), nil)
	assert.Equal(t, []any{float64(protocol.AuthError), "e1"}, p.await("EnterMeetingRslt", "null"), "wrong password")
	p.eval(`CRVideo_EnterMeeting(123, "", "e2")`, nil)
	assert.Equal(t, []any{float64(protocol.MeetNotExist), "e2"}, p.await("EnterMeetingRslt", "null"), "no such meeting")
	p.eval(fmt.Sprintf(`CRVideo_EnterMeeting(%d, %q, "someone-else", "X", "e3")`, meet.ID, meet.Pswd), nil)
	assert.Equal(t, []any{float64(protocol.MeetParamErr), "e3"}, p.await("EnterMeetingRslt", "null"), "another user's ID")
	assert.Empty(t, pageMembers(p))

	p.eval(fmt.Sprintf(`CRVideo_EnterMeeting(%d, %q, "web", "Web web", "e4")`, meet.ID, meet.Pswd), nil)
	assert.Equal(t, []any{float64(0), "e4"}, p.await("EnterMeetingRslt", "null"))
	testkit.Await(t, desk, func(e session.UserEnterMeeting) bool { return e.UserID == "web" })
	assert.Equal(t, []string{"desk:Nick desk:2:1", "web:Web web:2:1"}, pageMembers(p))
	var nick string
	var in bool
	p.eval(`CRVideo_GetMemberNickName("desk")`, &nick)
	p.eval(`CRVideo_IsUserInMeeting("desk")`, &in)
	assert.Equal(t, "Nick desk", nick)
	assert.True(t, in)

	// Microphones: the desktop's, the page's own, and one it may not close.
	desk.OpenMic("")
	assert.Equal(t, []any{"desk", float64(2), float64(3)}, p.await("AudioStatusChanged", `a => a[0] === "desk"`))
	p.eval(`CRVideo_OpenMic("web")`, nil)
	assert.Equal(t, []any{"web", float64(2), float64(4)}, p.await("AudioStatusChanged", `a => a[0] === "web"`), "opening")
	assert.Equal(t, []any{"web", float64(4), float64(3)}, p.await("AudioStatusChanged", `a => a[0] === "web"`), "open")
	assert.Equal(t, session.AudioStatusChanged{UserID: "web", OldStatus: 2, NewStatus: 3},
		testkit.Await(t, desk, func(e session.AudioStatusChanged) bool { return e.UserID == "web" }))
	var status int
	p.eval(`CRVideo_GetAudioStatus("web")`, &status)
	assert.Equal(t, protocol.AudioOpen, status)
	p.eval(`CRVideo_CloseMic("desk")`, nil)
	assert.Equal(t, []any{float64(protocol.AuthError), "AUTHERROR"}, p.await("CloseMicFailed", "null"), "only the creator closes another's")
	desk.CloseMic("web") // desk created the meeting
	assert.Equal(t, []any{"web", float64(3), float64(2)}, p.await("AudioStatusChanged", `a => a[0] === "web"`))

	// Others come and go.
	carol := testkit.Login(t, srv.URL, "carol")
	enterDesk(carol, meet)
	assert.Equal(t, []any{"carol"}, p.await("UserEnterMeeting", "null"))
	carol.ExitMeeting()
	assert.Equal(t, []any{"carol"}, p.await("UserLeftMeeting", "null"))

	// The page exits.
	p.eval(`CRVideo_ExitMeeting()`, nil)
	assert.Empty(t, pageMembers(p))
	testkit.Await(t, desk, func(e session.UserLeftMeeting) bool { return e.UserID == "web" })

	// A call: accepting enters its meeting; EnterMeeting3 after it, as
	// CloudRoom pages do, is 0; the hang-up leaves it.
	desk.ExitMeeting()
	desk.CreateCallMeeting("Call", 1, "")
	callMeet := testkit.Await(t, desk, func(e session.CreateMeetingSuccess) bool { return e.Meet.ID != meet.ID }).Meet
	id := desk.Call("web", callMeet, "", "")
	ring := p.await("NotifyCallIn", "null")
	p.eval(fmt.Sprintf(`CRVideo_AcceptCall(%q, %s, "", "a1")`, id, mustJSON(t, ring[1])), nil)
	p.await("AcceptCallSuccess", "null")
	p.eval(fmt.Sprintf(`CRVideo_EnterMeeting3(%d, "e5")`, callMeet.ID), nil)
	assert.Equal(t, []any{float64(0), "e5"}, p.await("EnterMeetingRslt", "null"))
	assert.Equal(t, []string{"desk:Nick desk:2:1", "web:Web web:2:1"}, pageMembers(p))
	testkit.Await[session.NotifyCallAccepted](t, desk, nil)
	desk.HungupCall(id, "", "")
	p.await("NotifyCallHungup", "null")
	assert.Empty(t, pageMembers(p))

	// EnterMeeting3 knows the password of a meeting the page was given;
	// a destroyed meeting ends the room.
	p.eval(`CRVideo_GetMeetings("l")`, nil)
	p.await("GetMeetingsSuccess", "null")
	p.eval(fmt.Sprintf(`CRVideo_EnterMeeting3(%d, "e6")`, meet.ID), nil)
	assert.Equal(t, []any{float64(0), "e6"}, p.await("EnterMeetingRslt", "null"))
	desk.DestroyMeeting(meet.ID, "")
	assert.Equal(t, []any{float64(meet.ID)}, p.await("MeetingStopped", "null"))
	assert.Empty(t, pageMembers(p))

	// Pushed off by another sign-in while in a meeting: MeetingDropped,
	// then LineOff(10).
	desk.CreateMeeting("Last", 0, "")
	last := testkit.Await(t, desk, func(e session.CreateMeetingSuccess) bool { return e.Meet.Subject == "Last" }).Meet
	p.eval(fmt.Sprintf(`CRVideo_EnterMeeting3(%d, "e7")`, last.ID), nil)
	assert.Equal(t, []any{float64(0), "e7"}, p.await("EnterMeetingRslt", "null"))
	testkit.Login(t, srv.URL, "web")
	p.await("MeetingDropped", "null")
	assert.Equal(t, []any{float64(protocol.UserBeenKickout)}, p.await("LineOff", "null"))
	assert.Empty(t, pageMembers(p))
}
