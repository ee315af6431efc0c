package session_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"huddle/internal/testkit"
	"huddle/server"
	"huddle/session"
)

// A signed-in user who does nothing stays signed in: the deadline for
// logging in ends with the login. (Found by the load tool: every idle
// client was dropped LoginTimeout after it connected.)
func TestIdleSessionOutlivesTheLoginDeadline(t *testing.T) {
	const loginTimeout = 300 * time.Millisecond
	srv := testkit.StartServer(t, func(c *server.Config) { c.Limits.LoginTimeout = loginTimeout })
	c := testkit.Login(t, srv.URL, "idle")
	// Nothing to await: the point is that nothing happens for a while.
	time.Sleep(3 * loginTimeout)
	testkit.Sync(t, c)
	assert.Empty(t, testkit.All[session.LineOff](c), "no line-off while idle")
}
