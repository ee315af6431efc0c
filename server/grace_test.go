package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"huddle/protocol"
)

// These tests look inside the server to know when it has parked a dropped
// session, which no client can see (that is the point of parking).

func startTestServer(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	cfg.DataDir, cfg.HashCost, cfg.Demo = t.TempDir(), bcrypt.MinCost, true
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(cfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan struct{})
	go func() { s.Serve(ln); close(done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		<-done
	})
	return s, "ws://" + ln.Addr().String() + "/ws"
}

type testClient struct {
	t   *testing.T
	ws  *websocket.Conn
	id  uint64
	in  []protocol.Message
	seq uint64 // of the last numbered push read
}

func dialTest(t *testing.T, url string) *testClient {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	require.NoError(t, err)
	t.Cleanup(func() { ws.Close() })
	return &testClient{t: t, ws: ws}
}

func (c *testClient) send(op string, payload any) uint64 {
	c.id++
	msg, err := protocol.Request(op, c.id, payload)
	require.NoError(c.t, err)
	require.NoError(c.t, c.ws.WriteMessage(websocket.TextMessage, msg))
	return c.id
}

// next returns the next message, reading a frame when none is buffered.
func (c *testClient) next() protocol.Message {
	c.t.Helper()
	for len(c.in) == 0 {
		c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, data, err := c.ws.ReadMessage()
		require.NoError(c.t, err)
		require.NoError(c.t, protocol.DecodeFrame(data, func(m protocol.Message) error { c.in = append(c.in, m); return nil }))
	}
	m := c.in[0]
	c.in = c.in[1:]
	c.seq = max(c.seq, m.Seq)
	return m
}

func (c *testClient) call(op string, payload any) protocol.Message {
	c.t.Helper()
	id := c.send(op, payload)
	for {
		if m := c.next(); m.Re == id {
			return m
		}
	}
}

// ringCall has from call user in a new meeting; the call rings until
// answered. It returns the call's ID.
func ringCall(t *testing.T, from *testClient, user string) string {
	t.Helper()
	m := from.call(protocol.OpCreateMeeting, protocol.CreateMeeting{Subject: "m"})
	var meet protocol.Meeting
	require.NoError(t, protocol.Decode(m.D, &meet))
	const callID = "00112233445566778899aabbccddeeff"
	require.Equal(t, protocol.NoErr, from.call(protocol.OpCall, protocol.Call{Call: callID, To: user, Meet: meet}).Code)
	return callID
}

func signIn(t *testing.T, url, user, resume string) (*testClient, protocol.LoginReply) {
	t.Helper()
	return resumeAfter(t, url, user, resume, 0)
}

// resumeAfter signs user in with a resume token and the last push seen.
func resumeAfter(t *testing.T, url, user, resume string, seq uint64) (*testClient, protocol.LoginReply) {
	t.Helper()
	c := dialTest(t, url)
	require.Equal(t, protocol.NoErr, c.call(protocol.OpHello, protocol.Hello{Version: protocol.Version}).Code)
	m := c.call(protocol.OpLogin, protocol.Login{App: DemoAppID, Pswd: PasswordFor(DemoAppSecret), User: user, Resume: resume, Seq: seq})
	require.Equal(t, protocol.NoErr, m.Code, m.Msg)
	var r protocol.LoginReply
	require.NoError(t, protocol.Decode(m.D, &r))
	return c, r
}

func awaitParked(t *testing.T, s *Server, user string) {
	t.Helper()
	require.Eventually(t, func() bool {
		p, _ := s.router.Lookup(DemoAppID, user)
		_, parked := p.(*parked)
		return parked
	}, 10*time.Second, time.Millisecond)
}

func TestPushesDuringDropArriveOnResume(t *testing.T) {
	s, url := startTestServer(t, Config{GracePeriod: time.Minute})
	alice, ar := signIn(t, url, "alice", "")
	bob, _ := signIn(t, url, "bob", "")
	require.NotEmpty(t, ar.Resume)
	callID := ringCall(t, alice, "bob")
	require.Equal(t, protocol.NoErr, bob.call(protocol.OpAcceptCall, protocol.CallAnswer{Call: callID}).Code)
	for alice.next().Ev != protocol.EvCallAccepted {
	}

	alice.ws.Close()
	awaitParked(t, s, "alice")
	st, _ := s.presence.Status(DemoAppID, "alice")
	assert.Equal(t, protocol.StatusInMeeting, st.Status, "no flap while parked")

	// Bob hangs up while alice is away; she hears it when she is back.
	require.Equal(t, protocol.NoErr, bob.call(protocol.OpHangupCall, protocol.CallAnswer{Call: callID, Ext: "bye"}).Code)
	again, r := resumeAfter(t, url, "alice", ar.Resume, alice.seq)
	assert.True(t, r.Resumed)
	assert.NotEqual(t, ar.Resume, r.Resume, "each session has its own token")
	m := again.next()
	assert.Equal(t, protocol.EvUserLeft, m.Ev, "out of the call's meeting, then the call's end")
	m = again.next()
	assert.Equal(t, protocol.EvCallHungup, m.Ev)
	var h protocol.CallHungup
	require.NoError(t, protocol.Decode(m.D, &h))
	assert.Equal(t, protocol.CallHungup{Call: callID, Ext: "bye"}, h)
	st, _ = s.presence.Status(DemoAppID, "alice")
	assert.Equal(t, protocol.StatusIdle, st.Status)
}

func TestWrongResumeTokenEndsParkedSession(t *testing.T) {
	s, url := startTestServer(t, Config{GracePeriod: time.Minute})
	alice, _ := signIn(t, url, "alice", "")
	bob, _ := signIn(t, url, "bob", "")
	ringCall(t, alice, "bob")
	alice.ws.Close()
	awaitParked(t, s, "alice")

	// Another device of alice's, without the token: the old session's call ends.
	signIn(t, url, "alice", "forged-token")
	for {
		if m := bob.next(); m.Ev == protocol.EvCallHungup {
			break
		}
	}
}

// A push that comes after the connection's read loop has ended but before
// the session is parked is kept for the resume, not dropped.
func TestPushBeforeParkingArrivesOnResume(t *testing.T) {
	s, url := startTestServer(t, Config{GracePeriod: time.Minute})
	ended, proceed := make(chan struct{}), make(chan struct{})
	var once sync.Once
	s.beforePark = func(c *conn) {
		if c.user == "alice" {
			once.Do(func() { close(ended); <-proceed })
		}
	}
	alice, ar := signIn(t, url, "alice", "")
	bob, _ := signIn(t, url, "bob", "")
	callID := ringCall(t, alice, "bob")
	require.Equal(t, protocol.NoErr, bob.call(protocol.OpAcceptCall, protocol.CallAnswer{Call: callID}).Code)
	for alice.next().Ev != protocol.EvCallAccepted {
	}

	alice.ws.Close()
	<-ended
	require.Equal(t, protocol.NoErr, bob.call(protocol.OpHangupCall, protocol.CallAnswer{Call: callID, Ext: "bye"}).Code)
	close(proceed)
	awaitParked(t, s, "alice")

	again, r := resumeAfter(t, url, "alice", ar.Resume, alice.seq)
	require.True(t, r.Resumed)
	m := again.next()
	assert.Equal(t, protocol.EvUserLeft, m.Ev, "out of the call's meeting, then the call's end")
	assert.Equal(t, alice.seq+1, m.Seq, "numbers go on")
	m = again.next()
	assert.Equal(t, protocol.EvCallHungup, m.Ev)
	assert.Equal(t, alice.seq+2, m.Seq)
}

// A client that hears it is resumed is the user's peer already: a SendCmd
// sent to it at once must not find the session still parked. (The old
// order, answer then attach, lost this race about once in 1,200 resumes.)
func TestResumedSessionIsReachableWhenAnswered(t *testing.T) {
	s, url := startTestServer(t, Config{GracePeriod: time.Minute,
		Limits: Limits{LoginRatePerIP: 1e6, LoginRatePerApp: 1e6, LoginBurst: 1e6}})
	bob, r := signIn(t, url, "bob", "")
	for range 300 {
		bob.ws.Close()
		bob, r = resumeAfter(t, url, "bob", r.Resume, bob.seq)
		require.True(t, r.Resumed)
		p, _ := s.router.Lookup(DemoAppID, "bob")
		require.IsType(t, &conn{}, p, "told it is back, the session is still parked")
	}
}
