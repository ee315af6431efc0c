package app

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/session"
)

// signIn makes a Client on a real server and signs it in as user.
func signIn(t *testing.T, url, user string) (*Client, *loop, *[]string) {
	t.Helper()
	l := newLoop(t)
	c := New(l.run)
	var signedOut []string
	c.OnSignedOut = func(r string) { signedOut = append(signedOut, r) }
	l.do(func() {
		c.SignIn(Settings{ServerURL: url, AppID: "demo", SecretMD5: SecretHash("demo"), Nick: "Nick " + user, UserID: user})
	})
	t.Cleanup(func() { l.do(c.Close) })
	l.await(t, "signed in", c.SignedIn)
	return c, l, &signedOut
}

func names(c *Client) []string {
	var out []string
	for i := range c.Contacts.Len() {
		u := c.Contacts.At(i)
		out = append(out, u.UserID+":"+StatusWord(u.UserStatus))
	}
	return out
}

func TestContactsFollowLivePresence(t *testing.T) {
	srv := testkit.StartServer(t)
	zoe := testkit.Login(t, srv.URL, "zoe")
	bob := testkit.Login(t, srv.URL, "bob")
	zoe.Logout() // known but offline: listed after online users

	c, l, _ := signIn(t, srv.URL, "alice")
	l.await(t, "bob listed online, then zoe offline", func() bool {
		return strings.Join(names(c), ",") == "bob:idle,zoe:offline"
	})

	carl := testkit.Login(t, srv.URL, "carl")
	l.await(t, "carl appears", func() bool { return strings.Join(names(c), ",") == "bob:idle,carl:idle,zoe:offline" })

	bob.SetDNDStatus(1, "")
	l.await(t, "bob's DND shows", func() bool { u, _ := c.Contacts.Get("bob"); return u.DNDType != 0 })
	l.do(func() { assert.Equal(t, "Nick bob", c.Contacts.Name("bob"), "a status change keeps the nickname") })

	carl.Logout()
	l.await(t, "carl goes offline and sorts after bob", func() bool {
		return strings.Join(names(c), ",") == "bob:idle,carl:offline,zoe:offline"
	})

	l.do(func() { c.Contacts.SetQuery("ZO") })
	l.do(func() { assert.Equal(t, []string{"zoe:offline"}, names(c), "search matches the ID, ignoring case") })
	l.do(func() { c.Contacts.SetQuery("nick c") })
	l.do(func() { assert.Equal(t, []string{"carl:offline"}, names(c), "search matches the nickname") })
}

func TestOwnDNDShowsInOwnStatus(t *testing.T) {
	srv := testkit.StartServer(t)
	c, l, _ := signIn(t, srv.URL, "alice")
	l.do(func() { c.SetDND(true) })
	l.await(t, "own DND on", func() bool { return c.Contacts.Self().DNDType != 0 })
	l.do(func() { c.SetDND(false) })
	l.await(t, "own DND off", func() bool { return c.Contacts.Self().DNDType == 0 })
}

func TestStormOfStatusChangesIsCoalesced(t *testing.T) {
	l := newLoop(t)
	c := New(l.run)
	refreshes := 0
	c.OnChange = func(p Part) {
		if p == PartContacts {
			refreshes++
		}
	}
	l.do(func() {
		c.Contacts.reset("me")
		for i := range 10000 {
			c.Handle(session.NotifyUserStatus{Status: session.UserStatus{UserID: "u" + string(rune('a'+i%26)) + time.Duration(i).String(), UserStatus: i % 4}})
		}
	})
	l.await(t, "one refresh", func() bool { return refreshes >= 1 })
	l.do(func() {
		assert.Equal(t, 1, refreshes, "10,000 changes in one burst refresh the list once")
		assert.Equal(t, 10000, c.Contacts.Len())
		for i := 1; i < c.Contacts.Len(); i++ {
			require.LessOrEqual(t, compareContacts(c.Contacts.At(i-1), c.Contacts.At(i)), 0, "sorted at %d", i)
		}
	})
}

func TestSignedInElsewhereGoesBackToSignIn(t *testing.T) {
	srv := testkit.StartServer(t)
	c, l, out := signIn(t, srv.URL, "alice")
	testkit.Login(t, srv.URL, "alice")
	l.await(t, "signed out", func() bool { return len(*out) == 1 })
	l.do(func() {
		assert.False(t, c.SignedIn())
		assert.False(t, c.Reconnecting(), "being pushed off is not a network loss: no reconnect")
		assert.Contains(t, (*out)[0], "signed in somewhere else")
	})
}

func TestWrongSecretSaysSo(t *testing.T) {
	srv := testkit.StartServer(t)
	l := newLoop(t)
	c := New(l.run)
	var out []string
	c.OnSignedOut = func(r string) { out = append(out, r) }
	l.do(func() {
		c.SignIn(Settings{ServerURL: srv.URL, AppID: "demo", SecretMD5: SecretHash("nope"), Nick: "x"})
	})
	t.Cleanup(func() { l.do(c.Close) })
	l.await(t, "sign-in failed", func() bool { return len(out) == 1 })
	l.do(func() { assert.Equal(t, "The application ID or secret is wrong.", out[0]) })
}

func TestReconnectsAfterNetworkLoss(t *testing.T) {
	srv := testkit.StartServer(t)
	proxy := testkit.StartProxy(t, srv.Addr)
	l := newLoop(t)
	c := New(l.run)
	c.RetryDelay = func(int) time.Duration { return 10 * time.Millisecond }
	var banners []string
	c.OnBanner = func(s string) { banners = append(banners, s) }
	l.do(func() {
		c.SignIn(Settings{ServerURL: "ws://" + proxy.Addr() + "/ws", AppID: "demo", SecretMD5: SecretHash("demo"), Nick: "A", UserID: "alice"})
	})
	t.Cleanup(func() { l.do(c.Close) })
	l.await(t, "signed in", c.SignedIn)
	watcher := testkit.Login(t, srv.URL, "watcher")
	watcher.StartUserStatusNotify("w")
	testkit.Await[session.StartUserStatusNotifyRslt](t, watcher, nil)

	proxy.Cut()
	testkit.Await[session.NotifyUserStatus](t, watcher, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "alice" && e.Status.UserStatus == session.StatusOffline
	})
	testkit.Await[session.NotifyUserStatus](t, watcher, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "alice" && e.Status.UserStatus == session.StatusIdle
	})
	l.await(t, "signed in again, banner hidden", func() bool {
		return c.SignedIn() && !c.Reconnecting() && len(banners) > 0 && banners[len(banners)-1] == ""
	})
	l.do(func() {
		assert.Contains(t, banners[0], "Reconnecting", "the user saw what was happening")
		assert.Equal(t, "alice", c.UserID())
	})
}

func TestGiveUpStopsReconnecting(t *testing.T) {
	l := newLoop(t)
	c := New(l.run)
	c.RetryDelay = func(int) time.Duration { return time.Hour }
	var out []string
	c.OnSignedOut = func(r string) { out = append(out, r) }
	l.do(func() {
		c.SignIn(Settings{ServerURL: "ws://127.0.0.1:1/ws", AppID: "demo", SecretMD5: SecretHash("demo")})
	})
	t.Cleanup(func() { l.do(c.Close) })
	l.await(t, "first failure", func() bool { return len(out) == 1 })
	l.do(func() {
		assert.Contains(t, out[0], "Could not reach the server", "a first sign-in that fails says why, without retrying")
		c.signedIn = true
		c.Handle(session.LineOff{Err: session.SOCKETEXCEPTION})
		assert.True(t, c.Reconnecting())
		c.GiveUp()
		assert.False(t, c.Reconnecting())
		assert.Len(t, out, 2)
	})
}

func TestBuiltInServerStartsOnlyWhenNoneAnswers(t *testing.T) {
	srv := testkit.StartServer(t)
	ls, err := ensureServerAt(srv.Addr, t.TempDir())
	require.NoError(t, err)
	assert.Nil(t, ls, "a server already answers: none is started")

	addr := freeAddr(t)
	ls, err = ensureServerAt(addr, t.TempDir())
	require.NoError(t, err)
	require.NotNil(t, ls)
	t.Cleanup(func() { assert.NoError(t, ls.Stop()) })
	// The built-in server has the demo application, so sign-in just works.
	signIn(t, "ws://"+addr+"/ws", "alice")

	again, err := ensureServerAt(addr, t.TempDir())
	require.NoError(t, err)
	assert.Nil(t, again, "a second app instance joins the first one's server")
}
