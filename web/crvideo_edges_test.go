package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/server/store"
	"huddle/session"
)

// The failure callbacks a page can meet, each with its code and cookie,
// and the functions no other test calls: the desktop rejects the page's
// call (NotifyCallRejected 606), answers to calls that do not exist (600),
// a subject that is not well-formed (5), CreateMeeting2, stopping status
// notifications, lists after signing out (12), Uninit.
func TestWebUserMeetsEveryFailure(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")

	p.eval(`CRVideo_CreateMeeting2("m2")`, nil)
	created := p.await("CreateMeetingSuccess", "null")
	meet := created[0].(map[string]any)
	assert.Equal(t, []any{"Meeting", "m2"}, []any{meet["subject"], created[1]})
	p.eval(`CRVideo_CreateMeeting("\ud800", 0, "bad")`, nil)
	assert.Equal(t, []any{float64(protocol.MeetParamErr), "bad"}, p.await("CreateMeetingFail", "null"))

	var callID string
	p.eval(`CRVideo_Call("desk", `+mustJSON(t, meet)+`, "", "c")`, &callID)
	in := testkit.Await[session.NotifyCallIn](t, desk, nil)
	desk.RejectCall(in.CallID, "busy here", "")
	assert.Equal(t, []any{callID, float64(protocol.ErrRefuse), "busy here"}, p.await("NotifyCallRejected", "null"))
	p.eval(`CRVideo_AcceptCall("no-such-call", `+mustJSON(t, meet)+`, "", "a")`, nil)
	assert.Equal(t, []any{"no-such-call", float64(protocol.InvalidCallID), "a"}, p.await("AcceptCallFail", "null"))
	p.eval(`CRVideo_RejectCall("no-such-call", "", "r")`, nil)
	assert.Equal(t, []any{"no-such-call", float64(protocol.InvalidCallID), "r"}, p.await("RejectCallFail", "null"))

	// After StopUserStatusNotify the desktop's changes no longer arrive: a
	// SendCmd sent after the change is the barrier (pushes keep their order).
	p.eval(`CRVideo_StartUserStatusNotify("on")`, nil)
	assert.Equal(t, []any{float64(0), "on"}, p.await("StartUserStatusNotifyRslt", "null"))
	p.eval(`CRVideo_StopUserStatusNotify("off")`, nil)
	assert.Equal(t, []any{float64(0), "off"}, p.await("StopUserStatusNotifyRslt", "null"))
	desk.SetDNDStatus(3, "")
	testkit.Await[session.SetDNDStatusSuccess](t, desk, nil)
	desk.SendCmd("web", []byte("after"), "")
	p.await("NotifyCmdData", `a => a[1] === "after"`)
	var pushed int
	p.eval(`events.filter(e => e.name === "NotifyUserStatus").length`, &pushed)
	assert.Zero(t, pushed)

	// Uninit signs out: the desktop sees the page's user go, and lists fail
	// with 12 (not signed in).
	desk.StartUserStatusNotify("")
	testkit.Await[session.StartUserStatusNotifyRslt](t, desk, nil)
	p.eval(`CRVideo_Uninit()`, nil)
	testkit.Await[session.NotifyUserStatus](t, desk, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "web" && e.Status.UserStatus == 0
	})
	p.eval(`CRVideo_GetUserStatus("u"); CRVideo_GetMeetings("g")`, nil)
	assert.Equal(t, []any{float64(protocol.NotLogin), "u"}, p.await("GetUserStatusFail", "null"))
	assert.Equal(t, []any{float64(protocol.NotLogin), "g"}, p.await("GetMeetingsFail", "null"))
}

// LoginByToken signs a page in to an application that checks JWTs; a
// wrong token is LoginFail 17, an expired one 18; UpdateToken's token is
// the one the page signs in with again after a drop.
func TestWebUserSignsInWithAToken(t *testing.T) {
	srv := testkit.StartServer(t, func(c *server.Config) { c.AllowedOrigins = []string{"*"} })
	require.NoError(t, srv.AddApp(context.Background(), "corp", "corp-secret", store.UserAuthJWT))
	proxy := testkit.StartProxy(t, srv.Addr)
	sign := func(secret, sub string, exp time.Time) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "exp": exp.Unix()}).SignedString([]byte(secret))
		require.NoError(t, err)
		return tok
	}
	hour := time.Now().Add(time.Hour)
	p := openPage(t, srv)
	p.eval(fmt.Sprintf(`CRVideo_SetServerAddr(%q)`, proxy.Addr()), nil)
	login := func(token, cookie string) {
		p.eval(fmt.Sprintf(`CRVideo_LoginByToken("corp", %q, "Carol", "carol", %q)`, token, cookie), nil)
	}

	login(sign("wrong", "carol", hour), "w")
	assert.Equal(t, []any{float64(protocol.CustomAuthFailed), "w"}, p.await("LoginFail", "null"))
	login(sign("corp-secret", "carol", time.Now().Add(-time.Minute)), "x")
	assert.Equal(t, []any{float64(protocol.TokenTimeout), "x"}, p.await("LoginFail", "null"))
	login(sign("corp-secret", "carol", hour), "ok")
	assert.Equal(t, []any{"carol", "ok"}, p.await("LoginSuccess", "null"))

	// A drop: the page signs in again with the token UpdateToken gave.
	p.eval(fmt.Sprintf(`CRVideo_UpdateToken(%q); 0`, sign("corp-secret", "carol", hour.Add(time.Hour))), nil)
	proxy.Down()
	p.await("Reconnecting", "null")
	proxy.Up()
	assert.Equal(t, "carol", p.await("Reconnected", "null")[0])

	// Another drop, and a token for someone else: that sign-in is refused
	// (17, which no retry cures), so it was the one sent.
	p.eval(fmt.Sprintf(`CRVideo_UpdateToken(%q); 0`, sign("corp-secret", "mallory", hour)), nil)
	proxy.Down()
	p.await("Reconnecting", "null")
	proxy.Up()
	assert.Equal(t, []any{float64(protocol.CustomAuthFailed)}, p.await("LineOff", "null"))
}

// A page's call meeting (CRVideo_CreateCallMeeting) ends with its call:
// the page never destroys it, so a page that goes away mid-call leaves no
// meeting behind in everyone's list.
func TestWebCallMeetingEndsWithItsCall(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")
	listed := func(id int) bool {
		desk.GetMeetings("list")
		for _, m := range testkit.Await[session.GetMeetingsSuccess](t, desk, nil).Meetings {
			if m.ID == id {
				return true
			}
		}
		return false
	}

	p.eval(`CRVideo_CreateCallMeeting("Call: web & desk", 0, "cm")`, nil)
	created := p.await("CreateMeetingSuccess", "null")
	meet := created[0].(map[string]any)
	id := int(meet["ID"].(float64))
	assert.True(t, listed(id), "listed while the call lasts")

	var callID string
	p.eval(`CRVideo_Call("desk", `+mustJSON(t, meet)+`, "", "c")`, &callID)
	in := testkit.Await[session.NotifyCallIn](t, desk, nil)
	desk.AcceptCall(in.CallID, in.Meet, "", "")
	p.await("NotifyCallAccepted", "null")
	p.eval(fmt.Sprintf(`CRVideo_HungupCall(%q, "", "h")`, callID), nil)
	testkit.Await[session.NotifyCallHungup](t, desk, nil)
	assert.False(t, listed(id), "gone with its call, though the page never destroyed it")
}
