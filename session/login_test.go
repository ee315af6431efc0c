package session_test

import (
	"context"
	"net"
	"path/filepath"
	"strings"
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

var demoPswd = server.PasswordFor(server.DemoAppSecret)

func loginFail(t *testing.T, url string, app, pswd, user, auth string) session.ErrCode {
	t.Helper()
	c := testkit.NewClient(t, url)
	c.Login(app, pswd, "nick", user, auth, "cookie-1")
	f := testkit.Await[session.LoginFail](t, c, nil)
	assert.Equal(t, "cookie-1", f.Cookie)
	assert.Empty(t, testkit.All[session.LoginSuccess](c))
	return f.Err
}

func TestLoginSuccessReturnsUserAndCookie(t *testing.T) {
	srv := testkit.StartServer(t)
	c := testkit.NewClient(t, srv.URL)
	c.Login("demo", demoPswd, "Alice", "alice", "", "my-cookie")
	ok := testkit.Await[session.LoginSuccess](t, c, nil)
	assert.Equal(t, session.LoginSuccess{UsrID: "alice", Cookie: "my-cookie"}, ok)
	assert.Equal(t, "alice", c.UserID())
}

func TestLoginWithoutUserIDGetsUniqueID(t *testing.T) {
	srv := testkit.StartServer(t)
	a := testkit.Login(t, srv.URL, "")
	b := testkit.Login(t, srv.URL, "")
	require.NotEmpty(t, a.UserID())
	assert.NotEqual(t, a.UserID(), b.UserID())
}

func TestLoginFailureCodes(t *testing.T) {
	srv := testkit.StartServer(t)
	assert.Equal(t, session.ANCTPSWD_ERR, loginFail(t, srv.URL, "demo", server.PasswordFor("wrong"), "bob", ""))
	assert.Equal(t, session.ANCTPSWD_ERR, loginFail(t, srv.URL, "no-such-app", demoPswd, "bob", ""))
	for _, bad := range []string{"has space", "slash/user", strings.Repeat("x", 65), "emoji😀", "../etc"} {
		assert.Equal(t, session.MEETPARAM_ERR, loginFail(t, srv.URL, "demo", demoPswd, bad, ""), "user %q", bad)
	}
	assert.Equal(t, session.CUSTOMAUTH_NOTSUPPORT, loginFail(t, srv.URL, "demo", demoPswd, "bob", "some-token"))
}

func TestLoginTwiceOnOneSessionIsStateError(t *testing.T) {
	srv := testkit.StartServer(t)
	c := testkit.Login(t, srv.URL, "alice")
	c.Login("demo", demoPswd, "Alice", "alice", "", "again")
	f := testkit.Await[session.LoginFail](t, c, nil)
	assert.Equal(t, session.LoginFail{Err: session.LOGINSTATE_ERROR, Cookie: "again"}, f)
	testkit.Sync(t, c) // still signed in
}

func TestJWTUserAuth(t *testing.T) {
	srv := testkit.StartServer(t)
	require.NoError(t, srv.AddApp(context.Background(), "corp", "corp-secret", store.UserAuthJWT))
	pswd := server.PasswordFor("corp-secret")
	sign := func(secret, sub string, exp time.Time) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "exp": exp.Unix()}).SignedString([]byte(secret))
		require.NoError(t, err)
		return tok
	}
	hour := time.Now().Add(time.Hour)

	assert.Equal(t, session.CUSTOMAUTH_NOINFO, loginFail(t, srv.URL, "corp", pswd, "carol", ""))
	assert.Equal(t, session.CUSTOMAUTH_FAILED, loginFail(t, srv.URL, "corp", pswd, "carol", "not-a-jwt"))
	assert.Equal(t, session.CUSTOMAUTH_FAILED, loginFail(t, srv.URL, "corp", pswd, "carol", sign("wrong-secret", "carol", hour)))
	assert.Equal(t, session.CUSTOMAUTH_FAILED, loginFail(t, srv.URL, "corp", pswd, "carol", sign("corp-secret", "mallory", hour)))
	assert.Equal(t, session.TOKEN_TIMEOUT, loginFail(t, srv.URL, "corp", pswd, "carol", sign("corp-secret", "carol", time.Now().Add(-time.Minute))))
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": "carol"}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	assert.Equal(t, session.CUSTOMAUTH_FAILED, loginFail(t, srv.URL, "corp", pswd, "carol", none))

	c := testkit.NewClient(t, srv.URL)
	c.Login("corp", pswd, "Carol", "carol", sign("corp-secret", "carol", hour), "ok")
	assert.Equal(t, "carol", testkit.Await[session.LoginSuccess](t, c, nil).UsrID)

	// The token alone, without the application's password, signs in: it is
	// signed with the application's secret. Not so for an application
	// without JWT user auth, nor without a token.
	e := testkit.NewClient(t, srv.URL)
	e.Login("corp", "", "Erin", "erin", sign("corp-secret", "erin", hour), "ok")
	assert.Equal(t, "erin", testkit.Await[session.LoginSuccess](t, e, nil).UsrID)
	assert.Equal(t, session.CUSTOMAUTH_FAILED, loginFail(t, srv.URL, "corp", "", "erin", sign("wrong-secret", "erin", hour)))
	assert.Equal(t, session.ANCTPSWD_ERR, loginFail(t, srv.URL, "corp", "", "erin", ""))
	assert.Equal(t, session.ANCTPSWD_ERR, loginFail(t, srv.URL, "demo", "", "erin", sign("corp-secret", "erin", hour)))

	// With no privAcnt the token's subject is the user.
	d := testkit.NewClient(t, srv.URL)
	d.Login("corp", pswd, "Dave", "", sign("corp-secret", "dave", hour), "ok")
	assert.Equal(t, "dave", testkit.Await[session.LoginSuccess](t, d, nil).UsrID)
}

func TestSecondLoginKicksOutFirst(t *testing.T) {
	srv := testkit.StartServer(t)
	first := testkit.Login(t, srv.URL, "alice")
	watcher := testkit.Login(t, srv.URL, "watcher")
	watcher.StartUserStatusNotify("w")
	testkit.Await[session.StartUserStatusNotifyRslt](t, watcher, nil)

	second := testkit.Login(t, srv.URL, "alice")
	lo := testkit.Await[session.LineOff](t, first, nil)
	assert.Equal(t, session.USER_BEEN_KICKOUT, lo.Err)
	assert.Equal(t, "", first.UserID())

	// The second session is the one online; alice never shows offline.
	testkit.Sync(t, second)
	testkit.Sync(t, watcher)
	for _, n := range testkit.All[session.NotifyUserStatus](watcher) {
		if n.Status.UserID == "alice" {
			assert.NotEqual(t, protocol.StatusOffline, n.Status.UserStatus, "alice flapped offline: %+v", n)
		}
	}
	assert.Len(t, testkit.All[session.LineOff](first), 1, "exactly one LineOff")
	assert.Empty(t, testkit.All[session.LineOff](second))

	// The kicked session fails requests with NOT_LOGIN.
	first.SetDNDStatus(1, "x")
	assert.Equal(t, session.NOT_LOGIN, testkit.Await[session.SetDNDStatusFail](t, first, nil).Err)
}

func statusOf(users []session.UserStatus, id string) (session.UserStatus, bool) {
	for _, u := range users {
		if u.UserID == id {
			return u, true
		}
	}
	return session.UserStatus{}, false
}

func TestGetUserStatusListsOfflineUsersAndDND(t *testing.T) {
	srv := testkit.StartServer(t)
	gone := testkit.Login(t, srv.URL, "gone")
	gone.SetDNDStatus(2, "dnd")
	testkit.Await[session.SetDNDStatusSuccess](t, gone, func(e session.SetDNDStatusSuccess) bool { return e.Cookie == "dnd" })
	gone.Logout()

	alice := testkit.Login(t, srv.URL, "alice")
	// Logout is asynchronous on the server; wait until it shows.
	var users []session.UserStatus
	require.Eventually(t, func() bool {
		alice.GetUserStatus("list")
		users = testkit.Await[session.GetUserStatusSuccess](t, alice, func(e session.GetUserStatusSuccess) bool { return e.Cookie == "list" }).Users
		u, ok := statusOf(users, "gone")
		return ok && u.UserStatus == protocol.StatusOffline
	}, testkit.WaitTimeout, 20*time.Millisecond)
	u, _ := statusOf(users, "gone")
	assert.Equal(t, 2, u.DNDType, "DND is kept while offline")
	me, ok := statusOf(users, "alice")
	require.True(t, ok)
	assert.Equal(t, session.UserStatus{UserID: "alice", UserStatus: protocol.StatusIdle, NickName: "Nick alice"}, me)
}

func TestStatusNotifyDeltasAndStop(t *testing.T) {
	srv := testkit.StartServer(t)
	w := testkit.Login(t, srv.URL, "watcher")
	w.StartUserStatusNotify("sub-cookie")
	assert.Equal(t, session.NOERR, testkit.Await[session.StartUserStatusNotifyRslt](t, w, nil).Err)

	is := func(user string, status, dnd int) func(session.NotifyUserStatus) bool {
		return func(n session.NotifyUserStatus) bool {
			return n.Status.UserID == user && n.Status.UserStatus == status && n.Status.DNDType == dnd
		}
	}
	bob := testkit.Login(t, srv.URL, "bob")
	n := testkit.Await(t, w, is("bob", protocol.StatusIdle, 0))
	assert.Equal(t, "sub-cookie", n.Cookie)

	bob.SetDNDStatus(7, "")
	testkit.Await(t, w, is("bob", protocol.StatusIdle, 7))
	bob.SetDNDStatus(0, "")
	testkit.Await(t, w, is("bob", protocol.StatusIdle, 0))
	bob.Close()
	testkit.Await(t, w, is("bob", protocol.StatusOffline, 0))

	w.StopUserStatusNotify("stop")
	assert.Equal(t, session.StopUserStatusNotifyRslt{Err: session.NOERR, Cookie: "stop"}, testkit.Await[session.StopUserStatusNotifyRslt](t, w, nil))
	before := len(testkit.All[session.NotifyUserStatus](w))
	carol := testkit.Login(t, srv.URL, "carol")
	carol.SetDNDStatus(1, "c")
	testkit.Await[session.SetDNDStatusSuccess](t, carol, nil)
	testkit.Sync(t, w)
	assert.Len(t, testkit.All[session.NotifyUserStatus](w), before, "no pushes after StopUserStatusNotify")
}

func TestApplicationsAreIsolated(t *testing.T) {
	srv := testkit.StartServer(t)
	require.NoError(t, srv.AddApp(context.Background(), "other", "other-secret", store.UserAuthNone))
	w := testkit.Login(t, srv.URL, "watcher")
	w.StartUserStatusNotify("")
	testkit.Await[session.StartUserStatusNotifyRslt](t, w, nil)

	o := testkit.NewClient(t, srv.URL)
	o.Login("other", server.PasswordFor("other-secret"), "Eve", "eve", "", "")
	testkit.Await[session.LoginSuccess](t, o, nil)
	o.GetUserStatus("")
	others := testkit.Await[session.GetUserStatusSuccess](t, o, nil).Users
	assert.Equal(t, []string{"eve"}, ids(others))

	testkit.Sync(t, w)
	w.GetUserStatus("")
	users := testkit.Await[session.GetUserStatusSuccess](t, w, nil).Users
	_, seen := statusOf(users, "eve")
	assert.False(t, seen, "a user of another application is listed")
	for _, n := range testkit.All[session.NotifyUserStatus](w) {
		assert.NotEqual(t, "eve", n.Status.UserID)
	}
}

func ids(us []session.UserStatus) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.UserID)
	}
	return out
}

func TestRequestsBeforeLoginFailWithNotLogin(t *testing.T) {
	c := testkit.NewClient(t, "ws://127.0.0.1:1/ws")
	c.SetDNDStatus(1, "a")
	c.GetUserStatus("b")
	c.StartUserStatusNotify("c")
	assert.Equal(t, session.SetDNDStatusFail{Err: session.NOT_LOGIN, Cookie: "a"}, testkit.Await[session.SetDNDStatusFail](t, c, nil))
	assert.Equal(t, session.GetUserStatusFail{Err: session.NOT_LOGIN, Cookie: "b"}, testkit.Await[session.GetUserStatusFail](t, c, nil))
	assert.Equal(t, session.NOT_LOGIN, testkit.Await[session.StartUserStatusNotifyRslt](t, c, nil).Err)
}

func TestUnreachableServerIs203(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	assert.Equal(t, session.CREATE_CONN_FAILED, loginFail(t, "ws://"+addr+"/ws", "demo", demoPswd, "a", ""))
}

func TestSilentServerIs202(t *testing.T) {
	// A WebSocket server that accepts and then never says a word.
	srv := testkit.StartSilentServer(t)
	c := testkit.NewClient(t, srv, func(cfg *session.Config) { cfg.RequestTimeout = 300 * time.Millisecond })
	c.Login("demo", demoPswd, "", "a", "", "x")
	assert.Equal(t, session.LoginFail{Err: session.NOSERVER_RSP, Cookie: "x"}, testkit.Await[session.LoginFail](t, c, nil))
}

func TestServerShutdownIsSeenAsLineOff(t *testing.T) {
	srv := testkit.StartServer(t)
	c := testkit.Login(t, srv.URL, "alice")
	srv.Stop(t)
	lo := testkit.Await[session.LineOff](t, c, nil)
	assert.Equal(t, session.FORCEDCLOSECONNECTION, lo.Err)
}

func TestLogoutMakesUserOfflineAndAllowsNewLogin(t *testing.T) {
	srv := testkit.StartServer(t)
	w := testkit.Login(t, srv.URL, "watcher")
	w.StartUserStatusNotify("")
	testkit.Await[session.StartUserStatusNotifyRslt](t, w, nil)
	a := testkit.Login(t, srv.URL, "alice")
	a.Logout()
	testkit.Await(t, w, func(n session.NotifyUserStatus) bool {
		return n.Status.UserID == "alice" && n.Status.UserStatus == protocol.StatusOffline
	})
	assert.Empty(t, testkit.All[session.LineOff](a), "own logout is not a LineOff")
	a.Login("demo", demoPswd, "Alice", "alice", "", "again")
	testkit.Await[session.LoginSuccess](t, a, func(e session.LoginSuccess) bool { return e.Cookie == "again" })
}

func TestNetworkDropIsLineOff(t *testing.T) {
	srv := testkit.StartServer(t)
	proxy := testkit.StartProxy(t, srv.Addr)
	c := testkit.NewClient(t, "ws://"+proxy.Addr()+"/ws")
	c.Login("demo", demoPswd, "", "alice", "", "")
	testkit.Await[session.LoginSuccess](t, c, nil)
	proxy.Cut()
	lo := testkit.Await[session.LineOff](t, c, nil)
	assert.Equal(t, session.SOCKETEXCEPTION, lo.Err)
}

func TestEventsCarryDispatchOrder(t *testing.T) {
	srv := testkit.StartServer(t)
	got := make(chan session.Event, 100)
	var ran int
	s := session.New(session.Config{
		ServerURL: srv.URL,
		Handler:   func(ev session.Event) { got <- ev },
		Dispatch:  func(f func()) { ran++; f() },
	})
	defer s.Close()
	s.Login("demo", demoPswd, "", "alice", "", "1")
	s.SetDNDStatus(1, "2")
	s.GetUserStatus("3")
	var cookies []string
	for len(cookies) < 3 {
		select {
		case ev := <-got:
			switch e := ev.(type) {
			case session.LoginSuccess:
				cookies = append(cookies, e.Cookie)
			case session.SetDNDStatusSuccess:
				cookies = append(cookies, e.Cookie)
			case session.SetDNDStatusFail:
				cookies = append(cookies, "fail:"+e.Cookie)
			case session.GetUserStatusSuccess:
				cookies = append(cookies, e.Cookie)
			case session.GetUserStatusFail:
				cookies = append(cookies, "fail:"+e.Cookie)
			}
		case <-time.After(testkit.WaitTimeout):
			t.Fatal("events did not arrive")
		}
	}
	// SetDND and GetUserStatus were called before the login finished: they
	// fail at once with NOT_LOGIN, before LoginSuccess, in call order.
	assert.Equal(t, []string{"fail:2", "fail:3", "1"}, cookies)
	assert.Equal(t, 3, ran, "every event went through Dispatch")
}

// An application removed (huddle app remove, on the store the server
// runs on) and added again with a new secret, as after a leaked one,
// refuses the old secret once the record the server keeps has expired,
// a second after it was read (server.appCacheTTL; README promises it),
// though this server accepted the old secret before.
func TestOldSecretRefusedAfterTheApplicationIsAddedAgain(t *testing.T) {
	const recordKept = time.Second
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "huddle.db"))
	require.NoError(t, err)
	srv := testkit.StartSingle(t, testkit.WithStore(st))
	ctx := context.Background()
	require.NoError(t, srv.AddApp(ctx, "acme", "leaked", store.UserAuthNone))
	login := func(secret string) session.Event {
		c := testkit.NewClient(t, srv.URL)
		c.Login("acme", server.PasswordFor(secret), "Eve", "eve", "", "l")
		return testkit.Await(t, c, func(e session.Event) bool {
			switch e.(type) {
			case session.LoginSuccess, session.LoginFail:
				return true
			}
			return false
		})
	}
	require.IsType(t, session.LoginSuccess{}, login("leaked"))
	readBy := time.Now() // that login read the record, before it succeeded

	require.NoError(t, st.DeleteApp(ctx, "acme"))
	require.NoError(t, server.AddApp(ctx, st, srv.DataDir, "acme", "fresh", store.UserAuthNone))
	time.Sleep(time.Until(readBy.Add(recordKept))) // a time is promised, not an event
	f, ok := login("leaked").(session.LoginFail)
	require.True(t, ok, "the old secret still signs in %v after the record was read", recordKept)
	assert.Equal(t, session.ANCTPSWD_ERR, f.Err)
	assert.IsType(t, session.LoginSuccess{}, login("fresh"))
}
