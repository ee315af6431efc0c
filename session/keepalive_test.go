package session_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"

	"huddle/internal/testkit"
	"huddle/server"
	"huddle/session"
)

// A client that signs in and then says nothing (a bot subscribed to
// nothing) stays connected past the login deadline, even before the first
// ping (the defaults ping every 25 s and allow 10 s to sign in).
func TestQuietClientOutlivesTheLoginTimeout(t *testing.T) {
	const loginTimeout = 200 * time.Millisecond
	srv := testkit.StartServer(t, func(c *server.Config) {
		c.Limits.LoginTimeout = loginTimeout
		c.Limits.PingInterval = time.Minute
	})
	quiet := testkit.Login(t, srv.URL, "quiet")
	assert.Never(t, func() bool { return len(testkit.All[session.LineOff](quiet)) > 0 },
		3*loginTimeout, 20*time.Millisecond, "dropped although signed in")
}

// The server pings an idle client: one that answers stays connected past
// PongWait; one that stops answering is dropped once PongWait runs out.
func TestServerPingsIdleClients(t *testing.T) {
	const pongWait = 500 * time.Millisecond
	srv := testkit.StartServer(t, func(c *server.Config) {
		c.Limits.PingInterval = 50 * time.Millisecond
		c.Limits.PongWait = pongWait
	})
	watch := func(user string, answer bool) (pings *atomic.Int32, gone chan error) {
		r := rawLogin(t, srv.URL, user)
		pings, gone = new(atomic.Int32), make(chan error, 1)
		r.ws.SetPingHandler(func(data string) error {
			pings.Add(1)
			if !answer {
				return nil
			}
			return r.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
		})
		go func() {
			for {
				if _, _, err := r.ws.ReadMessage(); err != nil {
					gone <- err
					return
				}
			}
		}()
		return pings, gone
	}
	answering, answeringGone := watch("answers", true)
	silentPings, silentGone := watch("silent", false)

	select {
	case <-silentGone:
	case <-time.After(10 * pongWait):
		t.Fatal("a client that never answers pings is still connected")
	}
	assert.Positive(t, silentPings.Load(), "it was pinged first")
	assert.Never(t, func() bool { return len(answeringGone) > 0 }, 2*pongWait, 20*time.Millisecond,
		"a client answering pings was dropped")
	assert.GreaterOrEqual(t, answering.Load(), int32(4), "pinged all along")
}
