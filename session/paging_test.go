package session_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

// startCrowdServer serves a demo application with users and meetings
// seeded, and a send queue small enough that either whole list overflows it.
func startCrowdServer(t *testing.T, users, meetings int) *testkit.Server {
	t.Helper()
	return testkit.StartServer(t, testkit.WithCrowd(users, meetings),
		testkit.WithLimits(func(l *server.Limits) { l.SendQueueBytes = 64 << 10 }))
}

// awaitOutcome waits for whichever of success or failure carries cookie.
func awaitOutcome(t *testing.T, c *testkit.Client, cookie string) session.Event {
	t.Helper()
	return testkit.Await(t, c, func(e session.Event) bool {
		switch e := e.(type) {
		case session.GetUserStatusSuccess:
			return e.Cookie == cookie
		case session.GetUserStatusFail:
			return e.Cookie == cookie
		case session.GetMeetingsSuccess:
			return e.Cookie == cookie
		case session.GetMeetingsFail:
			return e.Cookie == cookie
		}
		return false
	})
}

func TestUserListOverTheSendQueueArrivesWhole(t *testing.T) {
	const crowd = 3000 // about 200 KB of list against a 64 KiB queue
	srv := startCrowdServer(t, crowd, 0)
	alice := testkit.Login(t, srv.URL, "alice")

	alice.GetUserStatus("all")
	ev := awaitOutcome(t, alice, "all")
	ok, isOK := ev.(session.GetUserStatusSuccess)
	require.True(t, isOK, "got %+v", ev)
	require.Len(t, ok.Users, crowd+1)
	assert.Equal(t, session.UserStatus{UserID: "alice", UserStatus: protocol.StatusIdle, NickName: "Nick alice"}, ok.Users[0])
	for i, u := range ok.Users[1:] {
		require.Equal(t, testkit.CrowdUser(i), u.UserID, "sorted by ID, none missing or twice")
	}
	assert.Empty(t, testkit.All[session.LineOff](alice), "the asker stays connected")
}

func TestMeetingListOverTheSendQueueArrivesWhole(t *testing.T) {
	const seeded = 2000 // about 250 KB of list against a 64 KiB queue
	srv := startCrowdServer(t, 10, seeded)
	alice := testkit.Login(t, srv.URL, "alice")
	own := createMeeting(t, alice, "Newest", 1)

	alice.GetMeetings("all")
	ev := awaitOutcome(t, alice, "all")
	ok, isOK := ev.(session.GetMeetingsSuccess)
	require.True(t, isOK, "got %+v", ev)
	require.Len(t, ok.Meetings, seeded+1)
	for i, m := range ok.Meetings[:seeded] {
		require.Equal(t, testkit.CrowdMeeting(i), m.ID, "oldest first, none missing or twice")
	}
	assert.Equal(t, own, ok.Meetings[seeded], "the creator sees the password")
	assert.Empty(t, testkit.All[session.LineOff](alice), "the asker stays connected")
}

// TestUserListKeepsPushesThatArriveBetweenPages scripts a server that
// changes bob's status after sending the page with bob in it: the one list
// the app gets must show the change, not the older page.
func TestUserListKeepsPushesThatArriveBetweenPages(t *testing.T) {
	var afters []string
	url := startScriptedServer(t, protocol.Version, func(ws *websocket.Conn, m protocol.Message) {
		switch m.Op {
		case protocol.OpLogin:
			writeMsg(t, ws, enc(protocol.Reply(m.ID, protocol.NoErr, protocol.LoginReply{User: "alice"})))
		case protocol.OpGetUserStatus:
			var p protocol.ListPage
			require.NoError(t, protocol.Decode(m.D, &p))
			afters = append(afters, p.After)
			if p.After == "" {
				writeMsg(t, ws, enc(protocol.Reply(m.ID, protocol.NoErr, protocol.UserStatusList{
					Users: []protocol.UserStatus{{User: "alice", Status: 1}, {User: "bob", Status: 1}}, Next: "bob"})))
				writeMsg(t, ws, enc(protocol.Push(protocol.EvUserStatus, protocol.UserStatus{User: "bob", Status: 3})))
				// A user who signs in for the first time mid-list, in a page already sent.
				writeMsg(t, ws, enc(protocol.Push(protocol.EvUserStatus, protocol.UserStatus{User: "aaron", Status: 1})))
				return
			}
			writeMsg(t, ws, enc(protocol.Reply(m.ID, protocol.NoErr, protocol.UserStatusList{
				Users: []protocol.UserStatus{{User: "carol", Status: 0}}})))
		default:
			writeMsg(t, ws, enc(protocol.Reply(m.ID, protocol.NoErr, nil)))
		}
	})
	c := testkit.NewClient(t, url)
	c.Login("demo", demoPswd, "", "alice", "", "login")
	testkit.Await[session.LoginSuccess](t, c, nil)
	c.StartUserStatusNotify("notify")
	testkit.Await[session.StartUserStatusNotifyRslt](t, c, nil)

	c.GetUserStatus("all")
	ev := awaitOutcome(t, c, "all")
	ok, isOK := ev.(session.GetUserStatusSuccess)
	require.True(t, isOK, "got %+v", ev)
	assert.Equal(t, []string{"", "bob"}, afters, "each page asks after the last")
	assert.Equal(t, []session.UserStatus{
		{UserID: "aaron", UserStatus: protocol.StatusIdle},
		{UserID: "alice", UserStatus: protocol.StatusIdle},
		{UserID: "bob", UserStatus: protocol.StatusInMeeting},
		{UserID: "carol", UserStatus: protocol.StatusOffline},
	}, ok.Users)
}

// startScriptedServer is a WebSocket endpoint that answers hello itself,
// as a server of protocol version, and hands every other message to
// handle, on one goroutine.
func startScriptedServer(t *testing.T, version int, handle func(ws *websocket.Conn, m protocol.Message)) string {
	t.Helper()
	up := websocket.Upgrader{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			protocol.DecodeFrame(data, func(m protocol.Message) error {
				if m.Op == protocol.OpHello {
					writeMsg(t, ws, enc(protocol.Reply(m.ID, protocol.NoErr, protocol.HelloReply{Version: version, MaxFrame: 1 << 20})))
				} else {
					handle(ws, m)
				}
				return nil
			})
		}
	}))
	t.Cleanup(hs.Close)
	return "ws" + strings.TrimPrefix(hs.URL, "http")
}

func writeMsg(t *testing.T, ws *websocket.Conn, msg []byte) {
	assert.NoError(t, ws.WriteMessage(websocket.TextMessage, msg))
}

// enc is for messages that cannot fail to encode.
func enc(msg []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return msg
}

// A client of protocol 2 cannot ask for a list's next page: it gets a list
// that fits one reply as before, and code 4 for a longer one, never a
// field it does not know nor a list it would take for complete.
func TestOldClientGetsOnePageOrUpdateTheApp(t *testing.T) {
	srv := startCrowdServer(t, 3000, 0)
	r := mustDialRaw(t, srv.URL)
	require.Equal(t, protocol.NoErr, r.call(protocol.OpHello, protocol.Hello{Version: protocol.PagesSince - 1}).Code)
	require.Equal(t, protocol.NoErr, r.call(protocol.OpLogin, protocol.Login{App: "demo", Pswd: demoPswd, User: "old"}).Code)

	long := r.call(protocol.OpGetUserStatus, nil)
	assert.Equal(t, protocol.MismatchClientVer, long.Code)
	assert.Contains(t, long.Msg, "update the app")

	short := r.call(protocol.OpGetMeetings, nil)
	require.Equal(t, protocol.NoErr, short.Code, "still connected, and a short list comes as before")
	var list protocol.MeetingList
	require.NoError(t, protocol.DecodeStrict(short.D, &list), "nothing a strict old client would refuse")
}

// CreateCallMeeting leaves for_call out for a server that predates it
// (which would refuse the field): the call still gets its meeting.
func TestCallMeetingOnAnOldServerIsAPlainMeeting(t *testing.T) {
	forCall := make(chan bool, 1)
	url := startScriptedServer(t, protocol.PagesSince-1, func(ws *websocket.Conn, m protocol.Message) {
		switch m.Op {
		case protocol.OpLogin:
			writeMsg(t, ws, enc(protocol.Reply(m.ID, protocol.NoErr, protocol.LoginReply{User: "alice"})))
		case protocol.OpCreateMeeting:
			var r protocol.CreateMeeting
			assert.NoError(t, protocol.DecodeStrict(m.D, &r))
			forCall <- r.ForCall
			writeMsg(t, ws, enc(protocol.Reply(m.ID, protocol.NoErr, protocol.Meeting{ID: 123456789, Subject: r.Subject})))
		}
	})
	c := testkit.NewClient(t, url)
	c.Login("demo", demoPswd, "", "alice", "", "login")
	testkit.Await[session.LoginSuccess](t, c, nil)
	c.CreateCallMeeting("Call", 0, "m")
	assert.Equal(t, 123456789, testkit.Await[session.CreateMeetingSuccess](t, c, nil).Meet.ID)
	assert.False(t, <-forCall)
}
