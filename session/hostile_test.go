package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/server/store"
	"huddle/session"
)

// Where a hostile input is sent from: a connection that has said nothing,
// one that has said hello, or one signed in as "mallory" of the demo app.
type hostileState int

const (
	fresh hostileState = iota
	helloed
	signedIn
)

// What the server must do with it.
type hostileWant struct {
	code    protocol.ErrCode // an error answer with this code (reply to id 77, or an error push)
	close   int              // or a close with this code (and a reason, for 4xxx)
	ignored bool             // or nothing, the connection staying usable
}

type hostileCase struct {
	name   string
	state  hostileState
	binary bool
	data   string // %[1]d is another application's meeting ID
	want   hostileWant
}

func code(c protocol.ErrCode) hostileWant { return hostileWant{code: c} }
func closes(c int) hostileWant            { return hostileWant{close: c} }

const validCallID = "0123456789abcdef0123456789abcdef"

var hostileCases = []hostileCase{
	// Not JSON, or not a message.
	{"not json", signedIn, false, `hello there`, code(protocol.ErrData)},
	{"truncated json", signedIn, false, `{"op":"get_user_status","id":77`, code(protocol.ErrData)},
	{"json array", signedIn, false, `[1,2,3]`, code(protocol.ErrData)},
	{"json string", signedIn, false, `"op"`, code(protocol.ErrData)},
	{"json null", signedIn, false, `null`, code(protocol.ErrData)},
	{"empty object", signedIn, false, `{}`, code(protocol.ErrData)},
	{"random bytes as text", signedIn, false, "\x00\x01\x02\xfe\xff{", code(protocol.ErrData)},
	{"invalid utf-8 op", signedIn, false, "{\"op\":\"get_\xff\xfe\",\"id\":77}", code(protocol.ErrData)},
	{"nul in op", signedIn, false, `{"op":"get_user_status\u0000","id":77}`, code(protocol.ErrData)},
	{"deeply nested payload", signedIn, false, `{"op":"set_dnd","id":77,"d":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, code(protocol.ErrData)},
	{"second line malformed", signedIn, false, "{\"op\":\"get_meetings\",\"id\":76}\n{oops", code(protocol.ErrData)},
	{"empty frame", signedIn, false, ``, hostileWant{ignored: true}},
	{"only newlines", signedIn, false, "\n\n \n", hostileWant{ignored: true}},

	// Envelope fields of the wrong kind.
	{"reply from client", signedIn, false, `{"re":77,"code":0}`, code(protocol.ErrData)},
	{"push from client", signedIn, false, `{"ev":"user_status","d":{}}`, code(protocol.ErrData)},
	{"op and ev", signedIn, false, `{"op":"get_meetings","ev":"x","id":77}`, code(protocol.ErrData)},
	{"id as string", signedIn, false, `{"op":"get_meetings","id":"77"}`, code(protocol.ErrData)},
	{"negative id", signedIn, false, `{"op":"get_meetings","id":-77}`, code(protocol.ErrData)},
	{"huge id", signedIn, false, `{"op":"get_meetings","id":1e40}`, code(protocol.ErrData)},
	{"op as number", signedIn, false, `{"op":12,"id":77}`, code(protocol.ErrData)},
	{"unknown op", signedIn, false, `{"op":"format_disk","id":77}`, code(protocol.ErrData)},
	{"unknown op without id", signedIn, false, `{"op":"format_disk"}`, code(protocol.ErrData)},
	{"huge op name", signedIn, false, `{"op":"` + strings.Repeat("a", 500000) + `","id":77}`, code(protocol.ErrData)},

	// Payloads of the wrong shape.
	{"payload is a string", signedIn, false, `{"op":"set_dnd","id":77,"d":"on"}`, code(protocol.ErrData)},
	{"payload unknown field", signedIn, false, `{"op":"set_dnd","id":77,"d":{"dnd":1,"admin":true}}`, code(protocol.ErrData)},
	{"dnd as string", signedIn, false, `{"op":"set_dnd","id":77,"d":{"dnd":"1"}}`, code(protocol.ErrData)},
	{"dnd beyond int64", signedIn, false, `{"op":"set_dnd","id":77,"d":{"dnd":99999999999999999999999}}`, code(protocol.ErrData)},
	{"meeting password as string", signedIn, false, `{"op":"create_meeting","id":77,"d":{"subject":"x","pswd":"1234"}}`, code(protocol.ErrData)},
	{"meeting id as float", signedIn, false, `{"op":"destroy_meeting","id":77,"d":{"meet":1.5}}`, code(protocol.ErrData)},
	{"dnd float", signedIn, false, `{"op":"set_dnd","id":77,"d":{"dnd":0.5}}`, code(protocol.ErrData)},
	{"meetings cursor not ours", signedIn, false, `{"op":"get_meetings","id":77,"d":{"after":"x.1"}}`, code(protocol.ErrData)},
	{"users cursor as number", signedIn, false, `{"op":"get_user_status","id":77,"d":{"after":5}}`, code(protocol.ErrData)},
	{"trailing data in payload", signedIn, false, `{"op":"set_dnd","id":77,"d":{"dnd":1}}{"x":1}`, code(protocol.ErrData)},

	// Out of order.
	{"login before hello", fresh, false, `{"op":"login","id":77,"d":{"app":"demo","pswd":"x"}}`, code(protocol.LoginStateError)},
	{"call before hello", fresh, false, `{"op":"call","id":77,"d":{}}`, code(protocol.LoginStateError)},
	{"hello twice", helloed, false, `{"op":"hello","id":77,"d":{"v":2}}`, code(protocol.LoginStateError)},
	{"wrong protocol version", fresh, false, `{"op":"hello","id":77,"d":{"v":999}}`, code(protocol.MismatchClientVer)},
	{"negative protocol version", fresh, false, `{"op":"hello","id":77,"d":{"v":-1}}`, code(protocol.MismatchClientVer)},
	{"status before login", helloed, false, `{"op":"get_user_status","id":77}`, code(protocol.NotLogin)},
	{"destroy before login", helloed, false, `{"op":"destroy_meeting","id":77,"d":{"meet":1}}`, code(protocol.NotLogin)},
	{"login twice", signedIn, false, `{"op":"login","id":77,"d":{"app":"demo","pswd":"` + demoPswd + `","user":"x"}}`, code(protocol.LoginStateError)},
	{"logout then request", signedIn, false, "{\"op\":\"logout\"}\n{\"op\":\"get_meetings\",\"id\":77}", closes(protocol.CloseLoggedOut)},
	{"binary before hello", fresh, true, "\x00\x01chunk", closes(protocol.CloseProtocolError)},
	{"binary before login", helloed, true, "\x00\x00\x00\x01data", closes(protocol.CloseProtocolError)},

	// Logins that must not get in.
	{"login wrong secret", helloed, false, `{"op":"login","id":77,"d":{"app":"demo","pswd":"00000000000000000000000000000000","user":"x"}}`, code(protocol.AcntPswdErr)},
	{"login huge secret", helloed, false, `{"op":"login","id":77,"d":{"app":"demo","pswd":"` + strings.Repeat("p", 100000) + `","user":"x"}}`, code(protocol.AcntPswdErr)},
	{"login unknown app", helloed, false, `{"op":"login","id":77,"d":{"app":"nope","pswd":"` + demoPswd + `"}}`, code(protocol.AcntPswdErr)},
	{"login huge app id", helloed, false, `{"op":"login","id":77,"d":{"app":"` + strings.Repeat("a", 100000) + `","pswd":"x"}}`, code(protocol.AcntPswdErr)},
	{"login path traversal user", helloed, false, `{"op":"login","id":77,"d":{"app":"demo","pswd":"` + demoPswd + `","user":"../../etc/passwd"}}`, code(protocol.MeetParamErr)},
	{"login windows path user", helloed, false, `{"op":"login","id":77,"d":{"app":"demo","pswd":"` + demoPswd + `","user":"..\\..\\con"}}`, code(protocol.MeetParamErr)},
	{"login invalid utf-8 user", helloed, false, "{\"op\":\"login\",\"id\":77,\"d\":{\"app\":\"demo\",\"pswd\":\"" + demoPswd + "\",\"user\":\"a\xffb\"}}", code(protocol.MeetParamErr)},
	{"login huge user", helloed, false, `{"op":"login","id":77,"d":{"app":"demo","pswd":"` + demoPswd + `","user":"` + strings.Repeat("u", 100000) + `"}}`, code(protocol.MeetParamErr)},
	{"login control chars in nick", helloed, false, `{"op":"login","id":77,"d":{"app":"demo","pswd":"` + demoPswd + `","user":"x","nick":"a\u0007\nb"}}`, code(protocol.MeetParamErr)},
	{"login huge nick", helloed, false, `{"op":"login","id":77,"d":{"app":"demo","pswd":"` + demoPswd + `","user":"x","nick":"` + strings.Repeat("n", 65) + `"}}`, code(protocol.MeetParamErr)},
	{"login token to app without jwt", helloed, false, `{"op":"login","id":77,"d":{"app":"demo","pswd":"` + demoPswd + `","user":"x","auth":"eyJhbGciOiJub25lIn0.e30."}}`, code(protocol.CustomAuthNotSupport)},
	{"login alg none token", helloed, false, `{"op":"login","id":77,"d":{"app":"corp","pswd":"` + server.PasswordFor("CORP") + `","user":"x","auth":"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}}`, code(protocol.CustomAuthFailed)},
	{"login garbage token", helloed, false, `{"op":"login","id":77,"d":{"app":"corp","pswd":"` + server.PasswordFor("CORP") + `","user":"x","auth":"not.a.jwt"}}`, code(protocol.CustomAuthFailed)},

	// Meetings and calls with bad or foreign references.
	{"subject empty", signedIn, false, `{"op":"create_meeting","id":77,"d":{"subject":""}}`, code(protocol.MeetParamErr)},
	{"subject huge", signedIn, false, `{"op":"create_meeting","id":77,"d":{"subject":"` + strings.Repeat("s", 300000) + `"}}`, code(protocol.MeetParamErr)},
	{"subject control chars", signedIn, false, `{"op":"create_meeting","id":77,"d":{"subject":"a\u0000b"}}`, code(protocol.MeetParamErr)},
	{"destroy negative meeting", signedIn, false, `{"op":"destroy_meeting","id":77,"d":{"meet":-1}}`, code(protocol.MeetNotExist)},
	{"destroy other app's meeting", signedIn, false, `{"op":"destroy_meeting","id":77,"d":{"meet":%[1]d}}`, code(protocol.MeetNotExist)},
	{"call into other app's meeting", signedIn, false, `{"op":"call","id":77,"d":{"call":"` + validCallID + `","to":"bob","meet":{"id":%[1]d}}}`, code(protocol.MeetNotExist)},
	{"call other app's user", signedIn, false, `{"op":"call","id":77,"d":{"call":"` + validCallID + `","to":"victim","meet":{"id":%[2]d}}}`, code(protocol.ErrUserNotFound)},
	{"call path traversal id", signedIn, false, `{"op":"call","id":77,"d":{"call":"../../../../etc/passwd","to":"bob","meet":{"id":%[2]d}}}`, code(protocol.MeetParamErr)},
	{"call myself", signedIn, false, `{"op":"call","id":77,"d":{"call":"` + validCallID + `","to":"mallory","meet":{"id":%[2]d}}}`, code(protocol.MeetParamErr)},
	{"call huge ext", signedIn, false, `{"op":"call","id":77,"d":{"call":"` + validCallID + `","to":"bob","meet":{"id":%[2]d},"ext":"` + strings.Repeat("e", 9000) + `"}}`, code(protocol.MeetParamErr)},
	{"call negative meeting", signedIn, false, `{"op":"call","id":77,"d":{"call":"` + validCallID + `","to":"bob","meet":{"id":-3}}}`, code(protocol.MeetNotExist)},
	{"accept unknown call", signedIn, false, `{"op":"accept_call","id":77,"d":{"call":"` + validCallID + `"}}`, code(protocol.InvalidCallID)},
	{"hang up unknown call", signedIn, false, `{"op":"hangup_call","id":77,"d":{"call":"nope"}}`, code(protocol.InvalidCallID)},
	{"invite without a call", signedIn, false, `{"op":"invite","id":77,"d":{"invite":"` + validCallID + `","to":"bob","meet":{"id":%[2]d}}}`, code(protocol.InvalidCallID)},
	{"cancel unknown invite", signedIn, false, `{"op":"cancel_invite","id":77,"d":{"invite":"` + validCallID + `"}}`, code(protocol.InvalidCallID)},
}

// outcome reads until the server answers request 77, pushes an error, or
// closes the connection.
func (r *rawWS) outcome() (protocol.ErrCode, *websocket.CloseError) {
	r.t.Helper()
	for {
		m, err := r.next()
		if err != nil {
			var ce *websocket.CloseError
			require.True(r.t, errors.As(err, &ce), "connection ended without a close frame: %v", err)
			return 0, ce
		}
		switch {
		case m.Re == 77:
			return m.Code, nil
		case m.Ev == protocol.EvError:
			var e protocol.ErrorInfo
			require.NoError(r.t, protocol.Decode(m.D, &e))
			return e.Code, nil
		}
	}
}

func TestHostileInputs(t *testing.T) {
	require.GreaterOrEqual(t, len(hostileCases), 50)
	srv := testkit.StartServer(t)
	ctx := context.Background()
	require.NoError(t, srv.AddApp(ctx, "other", "other-secret", store.UserAuthNone))
	require.NoError(t, srv.AddApp(ctx, "corp", "CORP", store.UserAuthJWT))

	// Another application, with a user and a meeting the attacker knows the IDs of.
	victim := testkit.NewClient(t, srv.URL)
	loginAs(victim, "other", "other-secret", "victim", "v")
	testkit.Await[session.LoginSuccess](t, victim, nil)
	otherMeet := createMeeting(t, victim, "other's meeting", 1)

	// Bystanders in the attacker's own application, in a call throughout.
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	meet := createMeeting(t, alice, "standup", 0)
	callID := ring(t, alice, bob, meet, "hi")
	accept(t, alice, bob, callID, "")
	alice.StartUserStatusNotify("watch")
	testkit.Await[session.StartUserStatusNotifyRslt](t, alice, nil)

	for _, tc := range hostileCases {
		t.Run(tc.name, func(t *testing.T) {
			var r *rawWS
			switch tc.state {
			case fresh:
				r = mustDialRaw(t, srv.URL)
			case helloed:
				r = mustDialRaw(t, srv.URL)
				require.Equal(t, protocol.NoErr, r.call(protocol.OpHello, protocol.Hello{Version: protocol.Version}).Code)
			case signedIn:
				r = loginRaw(t, srv.URL, "mallory")
			}
			data := tc.data
			if strings.Contains(data, "%[") {
				data = fmt.Sprintf(data, otherMeet.ID, meet.ID)
			}
			typ := websocket.TextMessage
			if tc.binary {
				typ = websocket.BinaryMessage
			}
			require.NoError(t, r.ws.WriteMessage(typ, []byte(data)))

			switch {
			case tc.want.ignored:
				assert.Equal(t, protocol.NoErr, r.call(protocol.OpGetMeetings, nil).Code, "the connection stays usable")
			case tc.want.close != 0:
				got, ce := r.outcome()
				require.NotNil(t, ce, "want close %d, got answer %v", tc.want.close, got)
				assert.Equal(t, tc.want.close, ce.Code)
				assert.NotEmpty(t, ce.Text, "a close says why")
			default:
				got, ce := r.outcome()
				require.Nil(t, ce, "want %v, got closed", tc.want.code)
				assert.Equal(t, tc.want.code, got, "want %v, got %v", tc.want.code, got)
			}
			r.ws.Close()
			testkit.Sync(t, alice)
		})
	}

	// The server is up, and the bystanders noticed nothing: their call is
	// still on, presence still flows, a new login works.
	resp, err := http.Get("http://" + srv.Addr + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	for _, c := range []*testkit.Client{alice, bob, victim} {
		assert.Empty(t, testkit.All[session.LineOff](c))
	}
	assert.Empty(t, testkit.All[session.NotifyCallHungup](alice))
	assert.Empty(t, testkit.All[session.NotifyCallHungup](bob))
	bob.SetDNDStatus(1, "dnd")
	testkit.Await[session.SetDNDStatusSuccess](t, bob, nil)
	testkit.Await(t, alice, func(e session.NotifyUserStatus) bool { return e.Status.UserID == "bob" && e.Status.DNDType == 1 })
	carol := testkit.Login(t, srv.URL, "carol")
	testkit.Sync(t, carol)
	alice.HungupCall(callID, "bye", "bye")
	testkit.Await(t, bob, func(e session.NotifyCallHungup) bool { return e.CallID == callID })
}
