package web_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

// A page in Chromium and a desktop (Go SDK) user meet: sign-in, presence
// both ways, DND, SendCmd both ways, meetings.
func TestWebUserSignsInSeesPresenceAndSendsCmds(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)

	p.eval(fmt.Sprintf(`CRVideo_Init().then(() => CRVideo_Login(%q, "0123456789abcdef0123456789abcdef", "Web", "web", "", "bad"))`,
		server.DemoAppID), nil)
	fail := p.await("LoginFail", "null")
	assert.Equal(t, []any{float64(protocol.AcntPswdErr), "bad"}, fail, "a wrong password is LoginFail(7, cookie)")

	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")

	// The page sees the desktop user, online and idle.
	p.eval(`CRVideo_StartUserStatusNotify("n1")`, nil)
	assert.Equal(t, []any{float64(0), "n1"}, p.await("StartUserStatusNotifyRslt", "null"))
	p.eval(`CRVideo_GetUserStatus("g1")`, nil)
	list := p.await("GetUserStatusSuccess", "null")
	require.Equal(t, "g1", list[1])
	assert.Contains(t, list[0], map[string]any{"userID": "desk", "userStatus": float64(1), "DNDType": float64(0), "nickName": "Nick desk"})

	// The desktop user sees the page's user, and its DND.
	desk.GetUserStatus("")
	users := testkit.Await[session.GetUserStatusSuccess](t, desk, nil).Users
	assert.Contains(t, users, session.UserStatus{UserID: "web", UserStatus: 1, NickName: "Web web"})
	desk.StartUserStatusNotify("")
	testkit.Await[session.StartUserStatusNotifyRslt](t, desk, nil)
	p.eval(`CRVideo_SetDNDStatus(1, "d1")`, nil)
	assert.Equal(t, []any{"d1"}, p.await("SetDNDStatusSuccess", "null"))
	testkit.Await[session.NotifyUserStatus](t, desk, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "web" && e.Status.DNDType == 1
	})

	// And the page hears the desktop user's change, with its notify cookie.
	desk.SetDNDStatus(2, "")
	testkit.Await[session.SetDNDStatusSuccess](t, desk, nil)
	st := p.await("NotifyUserStatus", `a => a[0].userID === "desk" && a[0].DNDType === 2`)
	assert.Equal(t, "n1", st[1])

	// SendCmd, web → desktop: the result comes once the Go SDK has it.
	var task string
	p.eval(`CRVideo_SendCmd("desk", "héllo ✓", "s1")`, &task)
	require.Len(t, task, 32)
	assert.Equal(t, []any{task, float64(0), "s1"}, p.await("SendCmdRlst", "null"))
	got := testkit.Await[session.NotifyCmdData](t, desk, nil)
	assert.Equal(t, "web", got.SourceUserID)
	assert.Equal(t, "héllo ✓", string(got.Data))

	// desktop → web.
	// The page gets the data as text and, as Huddle's third argument, its
	// exact bytes (here not UTF-8).
	desk.SendCmd("web", []byte("\xffhi from Go"), "")
	var cmd []any
	p.eval(`waitEvent("NotifyCmdData", null).then(a => [a[0], a[1], Array.from(new Uint8Array(a[2]))])`, &cmd)
	require.Len(t, cmd, 3)
	assert.Equal(t, []any{"desk", "\ufffdhi from Go"}, cmd[:2])
	assert.Equal(t, float64(0xff), cmd[2].([]any)[0])
	assert.Len(t, cmd[2], 11)
	assert.Equal(t, protocol.NoErr, testkit.Await[session.SendCmdRlst](t, desk, nil).Err)

	// Too big is refused before anything is sent; offline is the server's 1102.
	p.eval(`CRVideo_SendCmd("desk", "x".repeat(65537), "big")`, &task)
	assert.Equal(t, []any{task, float64(protocol.SendCmdLarge), "big"}, p.await("SendCmdRlst", "null"))
	p.eval(`CRVideo_SendCmd("nobody", "x", "off")`, &task)
	assert.Equal(t, []any{task, float64(protocol.SendDataTargetInvalid), "off"}, p.await("SendCmdRlst", "null"))

	// Meetings: create with a password, list, destroy.
	p.eval(`CRVideo_CreateMeeting("Standup", 1, "m1")`, nil)
	created := p.await("CreateMeetingSuccess", "null")
	meet := created[0].(map[string]any)
	assert.Equal(t, "m1", created[1])
	assert.Equal(t, "Standup", meet["subject"])
	assert.Equal(t, "web", meet["creator"])
	assert.Len(t, meet["pswd"], 6)
	id := meet["ID"].(float64)
	p.eval(`CRVideo_GetMeetings("l1")`, nil)
	listed := p.await("GetMeetingsSuccess", "null")
	assert.Equal(t, "l1", listed[1])
	assert.Contains(t, fmt.Sprint(listed[0]), fmt.Sprintf("ID:%v", id))
	p.eval(fmt.Sprintf(`CRVideo_DestroyMeeting(%v, "x1")`, id), nil)
	assert.Equal(t, []any{float64(0), "x1"}, p.await("DestroyMeetingRslt", "null"))
	p.eval(fmt.Sprintf(`CRVideo_DestroyMeeting(%v, "x2")`, id), nil)
	assert.Equal(t, []any{float64(protocol.MeetNotExist), "x2"}, p.await("DestroyMeetingRslt", "null"))
}

// Calls between a page and a desktop user, both directions, with every
// callback the seed names.
func TestWebUserCallsAndIsCalled(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")

	// web → desktop: accepted, then hung up by the page.
	p.eval(`CRVideo_CreateMeeting("Call", 0, "m")`, nil)
	meet := p.await("CreateMeetingSuccess", "null")[0].(map[string]any)
	var callID string
	p.eval(`CRVideo_Call("desk", `+mustJSON(t, meet)+`, "ext-web", "c1")`, &callID)
	require.Len(t, callID, 32)
	assert.Equal(t, []any{callID, "c1"}, p.await("CallSuccess", "null"))
	in := testkit.Await[session.NotifyCallIn](t, desk, nil)
	assert.Equal(t, callID, in.CallID)
	assert.Equal(t, "web", in.CallerID)
	assert.Equal(t, "ext-web", in.UsrExtDat)
	assert.Equal(t, int(meet["ID"].(float64)), in.Meet.ID)
	desk.AcceptCall(in.CallID, in.Meet, "ext-desk", "")
	testkit.Await[session.AcceptCallSuccess](t, desk, nil)
	acc := p.await("NotifyCallAccepted", "null")
	assert.Equal(t, callID, acc[0])
	assert.Equal(t, meet["ID"], acc[1].(map[string]any)["ID"])
	assert.Equal(t, "ext-desk", acc[2])
	p.eval(fmt.Sprintf(`CRVideo_HungupCall(%q, "bye", "h1")`, callID), nil)
	assert.Equal(t, []any{callID, "h1"}, p.await("HangupCallSuccess", "null"))
	hung := testkit.Await[session.NotifyCallHungup](t, desk, nil)
	assert.Equal(t, session.NotifyCallHungup{CallID: callID, UsrExtDat: "bye"}, hung)

	// desktop → web: the page rejects it.
	desk.CreateMeeting("Back", 0, "")
	back := testkit.Await[session.CreateMeetingSuccess](t, desk, nil).Meet
	id2 := desk.Call("web", back, "ring", "")
	testkit.Await[session.CallSuccess](t, desk, nil)
	ring := p.await("NotifyCallIn", "null")
	assert.Equal(t, id2, ring[0])
	assert.Equal(t, float64(back.ID), ring[1].(map[string]any)["ID"])
	assert.Equal(t, []any{"desk", "ring"}, ring[2:])
	p.eval(fmt.Sprintf(`CRVideo_RejectCall(%q, "not now", "r1")`, id2), nil)
	assert.Equal(t, []any{id2, "r1"}, p.await("RejectCallSuccess", "null"))
	rej := testkit.Await[session.NotifyCallRejected](t, desk, nil)
	assert.Equal(t, session.NotifyCallRejected{CallID: id2, Err: protocol.ErrRefuse, UsrExtDat: "not now"}, rej)

	// desktop → web: the page accepts, the desktop hangs up (the H5
	// spellings are the same callbacks).
	id3 := desk.Call("web", back, "", "")
	testkit.Await[session.CallSuccess](t, desk, nil)
	ring = p.await("NotifyCallIn", "null")
	p.eval(fmt.Sprintf(`CRVideo_AcceptCall(%q, %s, "yes", "a1")`, id3, mustJSON(t, ring[1])), nil)
	assert.Equal(t, []any{id3, "a1"}, p.await("AcceptCallSuccess", "null"))
	assert.Equal(t, "yes", testkit.Await[session.NotifyCallAccepted](t, desk, nil).UsrExtDat)
	desk.HungupCall(id3, "done", "")
	testkit.Await[session.HangupCallSuccess](t, desk, nil)
	var same bool
	p.eval(`CRVideo_NotifyCallHangup === CRVideo_NotifyCallHungup && CRVideo_HangupCall === CRVideo_HungupCall`, &same)
	assert.True(t, same)
	assert.Equal(t, []any{id3, "done"}, p.await("NotifyCallHungup", "null"))

	// A page user in do-not-disturb is busy to the caller; a call to nobody
	// is 605, and hanging up an ended call is 600.
	p.eval(`CRVideo_SetDNDStatus(1, "")`, nil)
	p.await("SetDNDStatusSuccess", "null")
	id4 := desk.Call("web", back, "", "")
	fail := testkit.Await[session.CallFail](t, desk, nil)
	assert.Equal(t, session.CallFail{CallID: id4, Err: protocol.ErrBusy}, fail)
	p.eval(`CRVideo_Call("nobody", `+mustJSON(t, meet)+`, "", "c2")`, &callID)
	assert.Equal(t, []any{callID, float64(protocol.ErrUserNotFound), "c2"}, p.await("CallFail", "null"))
	p.eval(fmt.Sprintf(`CRVideo_HungupCall(%q, "", "h2")`, id3), nil)
	assert.Equal(t, []any{id3, float64(protocol.InvalidCallID), "h2"}, p.await("HangupCallFail", "null"))
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
