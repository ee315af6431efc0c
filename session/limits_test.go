package session_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/server/store"
	"huddle/session"
)

func loginAs(c *testkit.Client, app, secret, user, cookie string) {
	c.Login(app, server.PasswordFor(secret), "nick", user, "", cookie)
}

// bystander is a normal client beside an abusive one: it must not notice.
func assertUnaffected(t *testing.T, c *testkit.Client) {
	t.Helper()
	testkit.Sync(t, c)
	assert.Empty(t, testkit.All[session.LineOff](c), "the bystander was disconnected")
}

func TestMessageRateAnswersRateLimitedThenCloses(t *testing.T) {
	// No refill during the test: exactly MsgBurst messages pass.
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) {
		l.MsgRate, l.MsgBurst, l.MsgStrikes = 0.001, 7, 20
	}))
	bystander := testkit.Login(t, srv.URL, "bystander")
	r := loginRaw(t, srv.URL, "flooder") // hello and login: 2 of the 7

	var frame []byte
	for i := 0; i < 10; i++ {
		msg, err := protocol.Request(protocol.OpGetUserStatus, r.nextID(), nil)
		require.NoError(t, err)
		frame = append(append(frame, msg...), '\n')
	}
	r.writeText(frame)
	codes := map[protocol.ErrCode]int{}
	for id := r.id - 9; id <= r.id; id++ {
		codes[r.answer(id).Code]++
	}
	assert.Equal(t, map[protocol.ErrCode]int{protocol.NoErr: 5, protocol.RateLimited: 5}, codes)

	// Keeping on far above the rate closes the connection, with the reason.
	frame = nil
	for i := 0; i < 30; i++ {
		msg, _ := protocol.Request(protocol.OpGetUserStatus, r.nextID(), nil)
		frame = append(append(frame, msg...), '\n')
	}
	r.writeText(frame)
	ce := r.closed()
	assert.Equal(t, protocol.CloseRateLimited, ce.Code)
	assert.Contains(t, ce.Text, "rate limit")
	assertUnaffected(t, bystander)
}

func TestSDKSeesRateLimitedAsFailEvent(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) {
		l.MsgRate, l.MsgBurst, l.MsgStrikes = 0.001, 3, 50
	}))
	c := testkit.Login(t, srv.URL, "alice") // hello and login: 2 of the 3
	c.GetUserStatus("one")
	c.GetUserStatus("two")
	testkit.Await[session.GetUserStatusSuccess](t, c, nil)
	fail := testkit.Await[session.GetUserStatusFail](t, c, nil)
	assert.Equal(t, session.GetUserStatusFail{Err: session.RATE_LIMITED, Cookie: "two"}, fail)
	assert.Empty(t, testkit.All[session.LineOff](c), "a short burst over does not disconnect")
}

func TestLoginRatePerIP(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) {
		l.LoginRatePerIP, l.LoginBurst = 0.001, 2
	}))
	testkit.Login(t, srv.URL, "a")
	testkit.Login(t, srv.URL, "b")
	c := testkit.NewClient(t, srv.URL)
	loginAs(c, "demo", "demo", "c", "third")
	assert.Equal(t, session.LoginFail{Err: session.RATE_LIMITED, Cookie: "third"}, testkit.Await[session.LoginFail](t, c, nil))
}

func TestLoginRatePerAppLeavesOtherAppsAlone(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) {
		l.LoginRatePerApp, l.LoginBurst = 0.001, 2
	}))
	require.NoError(t, srv.AddApp(context.Background(), "other", "other-secret", store.UserAuthNone))
	testkit.Login(t, srv.URL, "a")
	testkit.Login(t, srv.URL, "b")
	c := testkit.NewClient(t, srv.URL)
	loginAs(c, "demo", "demo", "c", "demo-3")
	assert.Equal(t, session.RATE_LIMITED, testkit.Await[session.LoginFail](t, c, nil).Err)

	o := testkit.NewClient(t, srv.URL)
	loginAs(o, "other", "other-secret", "c", "other-1")
	testkit.Await[session.LoginSuccess](t, o, nil)
}

func TestConnectionsPerIP(t *testing.T) {
	// Per node in a cluster: the node counts its own sockets.
	srv := testkit.StartSingle(t, testkit.WithLimits(func(l *server.Limits) { l.ConnsPerIP = 2 }))
	a := testkit.Login(t, srv.URL, "a")
	testkit.Login(t, srv.URL, "b")
	_, resp, err := dialRaw(t, srv.URL, nil)
	require.Error(t, err)
	require.NotNil(t, resp)
	assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)

	c := testkit.NewClient(t, srv.URL)
	loginAs(c, "demo", "demo", "c", "third")
	assert.Equal(t, session.RATE_LIMITED, testkit.Await[session.LoginFail](t, c, nil).Err)

	// A connection that ends frees its place.
	a.Logout()
	require.Eventually(t, func() bool {
		r, _, err := dialRaw(t, srv.URL, nil)
		if err == nil {
			r.ws.Close()
		}
		return err == nil
	}, testkit.WaitTimeout, 10*time.Millisecond)
}

func TestFailedLoginsLockOutThatAddressAndApp(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.MaxFailedLogins = 3 }))
	require.NoError(t, srv.AddApp(context.Background(), "other", "other-secret", store.UserAuthNone))
	bystander := testkit.Login(t, srv.URL, "bystander")
	for i := 0; i < 3; i++ {
		assert.Equal(t, session.ANCTPSWD_ERR, loginFail(t, srv.URL, "demo", server.PasswordFor("guess"), "bob", ""))
	}
	// Even the right secret is refused now: the guesser learns nothing.
	assert.Equal(t, session.RATE_LIMITED, loginFail(t, srv.URL, "demo", demoPswd, "bob", ""))

	o := testkit.NewClient(t, srv.URL)
	loginAs(o, "other", "other-secret", "bob", "other")
	testkit.Await[session.LoginSuccess](t, o, nil)
	assertUnaffected(t, bystander)
}

func TestStatusSubscribersPerApp(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.MaxSubscribers = 1 }))
	a := testkit.Login(t, srv.URL, "a")
	b := testkit.Login(t, srv.URL, "b")
	a.StartUserStatusNotify("a")
	assert.Equal(t, session.NOERR, testkit.Await[session.StartUserStatusNotifyRslt](t, a, nil).Err)
	b.StartUserStatusNotify("b")
	assert.Equal(t, session.RATE_LIMITED, testkit.Await[session.StartUserStatusNotifyRslt](t, b, nil).Err)
	a.StopUserStatusNotify("stop")
	testkit.Await[session.StopUserStatusNotifyRslt](t, a, nil)
	b.StartUserStatusNotify("b2")
	assert.Equal(t, session.NOERR, testkit.Await[session.StartUserStatusNotifyRslt](t, b, nil).Err)
}

func TestFrameSizeLimitClosesWith1009(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.MaxFrame = 4096 }))
	bystander := testkit.Login(t, srv.URL, "bystander")
	r := loginRaw(t, srv.URL, "big")
	r.writeText([]byte(`{"op":"get_user_status","id":9,"d":{"pad":"` + strings.Repeat("x", 5000) + `"}}`))
	ce := r.closed()
	assert.Equal(t, 1009, ce.Code, "1009 is \"message too big\" (the WebSocket library sends it, without a text)")
	assertUnaffected(t, bystander)
}

func TestOriginCheck(t *testing.T) {
	srv := testkit.StartServer(t, func(c *server.Config) { c.AllowedOrigins = []string{"https://chat.example.com"} })
	for origin, want := range map[string]int{
		"":                            http.StatusSwitchingProtocols, // native clients send none
		"http://" + srv.Addr:          http.StatusSwitchingProtocols, // the server's own page
		"https://chat.example.com":    http.StatusSwitchingProtocols,
		"https://evil.example.net":    http.StatusForbidden,
		"http://127.0.0.1.evil.net":   http.StatusForbidden,
		"null":                        http.StatusForbidden,
		"https://chat.example.com.ru": http.StatusForbidden,
	} {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		r, resp, err := dialRaw(t, srv.URL, h)
		require.NotNil(t, resp, "origin %q: %v", origin, err)
		assert.Equal(t, want, resp.StatusCode, "origin %q", origin)
		if r != nil {
			r.ws.Close()
		}
	}
}
