package session_test

import (
	"testing"
	"time"

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
