package session_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/session"
)

// newerServer stands a real server behind a relay that makes it look like a
// newer one: every payload it sends gains a field, and every push is
// followed by a push of a type no SDK knows yet. It returns the relay's URL
// and how many unknown pushes it sent.
func newerServer(t *testing.T, target string) (string, *atomic.Int64) {
	var injected atomic.Int64
	up := websocket.Upgrader{}
	relay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer client.Close()
		server, _, err := websocket.DefaultDialer.Dial(target, nil)
		if err != nil {
			return
		}
		defer server.Close()
		go func() { // client to server: as is
			defer server.Close()
			for {
				typ, data, err := client.ReadMessage()
				if err != nil || server.WriteMessage(typ, data) != nil {
					return
				}
			}
		}()
		for { // server to client: with additions
			typ, data, err := server.ReadMessage()
			if err != nil {
				return
			}
			if typ == websocket.TextMessage {
				data = addFutureFields(t, data, &injected)
			}
			if client.WriteMessage(typ, data) != nil {
				return
			}
		}
	}))
	t.Cleanup(relay.Close)
	return "ws" + strings.TrimPrefix(relay.URL, "http"), &injected
}

func addFutureFields(t *testing.T, frame []byte, injected *atomic.Int64) []byte {
	var out []string
	require.NoError(t, protocol.DecodeFrame(frame, func(m protocol.Message) error {
		var d map[string]any
		if len(m.D) > 0 {
			require.NoError(t, json.Unmarshal(m.D, &d))
		}
		if d == nil {
			d = map[string]any{}
		}
		d["added_later"] = map[string]any{"nested": []int{1, 2}}
		b, err := json.Marshal(d)
		require.NoError(t, err)
		m.D = b
		line, err := json.Marshal(m)
		require.NoError(t, err)
		out = append(out, string(line))
		if m.Ev != "" {
			injected.Add(1)
			out = append(out, `{"ev":"added_later_push","d":{"anything":true}}`)
		}
		return nil
	}))
	return []byte(strings.Join(out, "\n"))
}

// Additive changes are compatible: an SDK talking to a newer server that
// adds payload fields and push types signs in, gets its replies and pushes,
// and ignores (but counts) what it does not know.
func TestNewerServerAdditionsAreIgnored(t *testing.T) {
	srv := testkit.StartServer(t)
	url, injected := newerServer(t, srv.URL)

	alice := testkit.Login(t, url, "alice") // the login reply has an extra field
	alice.StartUserStatusNotify("n")
	testkit.Await[session.StartUserStatusNotifyRslt](t, alice, func(e session.StartUserStatusNotifyRslt) bool { return e.Err == session.NOERR })

	bob := testkit.Login(t, srv.URL, "bob")
	testkit.Await(t, alice, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "bob" && e.Status.UserStatus == protocol.StatusIdle
	})

	alice.GetUserStatus("list")
	list := testkit.Await[session.GetUserStatusSuccess](t, alice, nil)
	assert.Len(t, list.Users, 2)

	ring(t, bob, alice, createMeeting(t, bob, "standup", 1), "hi") // call_in has a nested object

	require.Positive(t, injected.Load())
	testkit.Sync(t, alice)
	assert.Equal(t, injected.Load(), alice.UnknownPushes())
	assert.Empty(t, testkit.All[session.LineOff](alice))
}

// The server serves every version from protocol.MinVersion to
// protocol.Version, and says clearly why it refuses any other.
func TestServerAcceptsVersionRange(t *testing.T) {
	srv := testkit.StartServer(t)
	for v := protocol.MinVersion; v <= protocol.Version; v++ {
		r := mustDialRaw(t, srv.URL)
		m := r.call(protocol.OpHello, protocol.Hello{Version: v})
		require.Equal(t, protocol.NoErr, m.Code, "version %d: %s", v, m.Msg)
		var h protocol.HelloReply
		require.NoError(t, protocol.Decode(m.D, &h))
		assert.Equal(t, protocol.HelloReply{Version: protocol.Version, MinVersion: protocol.MinVersion}, protocol.HelloReply{Version: h.Version, MinVersion: h.MinVersion})
		require.Equal(t, protocol.NoErr, r.call(protocol.OpLogin, protocol.Login{App: "demo", Pswd: demoPswd, User: "v"}).Code)
	}
}

func TestServerRefusesVersionOutsideRange(t *testing.T) {
	srv := testkit.StartServer(t)
	for _, tc := range []struct {
		v    int
		says string
	}{
		{protocol.MinVersion - 1, "too old"},
		{protocol.Version + 1, "newer than this server"},
	} {
		r := mustDialRaw(t, srv.URL)
		m := r.call(protocol.OpHello, protocol.Hello{Version: tc.v})
		assert.Equal(t, protocol.MismatchClientVer, m.Code, "version %d", tc.v)
		assert.Contains(t, m.Msg, tc.says, "version %d", tc.v)
		var h protocol.HelloReply
		require.NoError(t, protocol.Decode(m.D, &h))
		assert.Equal(t, protocol.MinVersion, h.MinVersion, "the refusal names the range")
		assert.Equal(t, protocol.Version, h.Version)
	}
}
