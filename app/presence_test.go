package app

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

// signInWith signs a Client in as user on a real server, with a tweak of
// its session's settings.
func signInWith(t *testing.T, url, user string, tweak func(*session.Config)) (*Client, *loop) {
	t.Helper()
	l := newLoop(t)
	c := New(l.run)
	c.SessionTweak = tweak
	receiveFromBob(t, c)
	l.do(func() {
		c.SignIn(Settings{ServerURL: url, AppID: "demo", SecretMD5: SecretHash("demo"), Nick: "Nick " + user, UserID: user})
	})
	t.Cleanup(func() { l.do(c.Close) })
	l.await(t, "signed in", c.SignedIn)
	return c, l
}

// receiveFromBob has c take files from bob without asking, into a
// downloads folder of the test's (before c signs in).
func receiveFromBob(t *testing.T, c *Client) {
	c.files = FileSettings{Downloads: t.TempDir(), AlwaysAccept: []string{"bob"}}
}

// signIn makes a Client on a real server and signs it in as user.
func signIn(t *testing.T, url, user string) (*Client, *loop, *[]string) {
	t.Helper()
	l := newLoop(t)
	c := New(l.run)
	var signedOut []string
	c.OnSignedOut = func(r string) { signedOut = append(signedOut, r) }
	receiveFromBob(t, c)
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
			require.LessOrEqual(t, compareContacts(newContact(c.Contacts.At(i-1)), newContact(c.Contacts.At(i))), 0, "sorted at %d", i)
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

// fastReconnect makes the SDK's reconnect attempts quick for tests.
func fastReconnect(cfg *session.Config) {
	cfg.ReconnectMin, cfg.ReconnectMax = 10*time.Millisecond, 100*time.Millisecond
}

// signInThrough signs alice in through a proxy that can cut her link, and
// records the banners she is shown.
func signInThrough(t *testing.T, proxy *testkit.Proxy) (*Client, *loop, *[]string) {
	t.Helper()
	l := newLoop(t)
	c := New(l.run)
	c.SessionTweak = fastReconnect
	var banners []string
	c.OnBanner = func(s string) { banners = append(banners, s) }
	l.do(func() {
		c.SignIn(Settings{ServerURL: "ws://" + proxy.Addr() + "/ws", AppID: "demo", SecretMD5: SecretHash("demo"), Nick: "A", UserID: "alice"})
	})
	t.Cleanup(func() { l.do(c.Close) })
	l.await(t, "signed in", c.SignedIn)
	return c, l, &banners
}

func TestShortDropKeepsCallAndPresence(t *testing.T) {
	srv := testkit.StartServer(t) // 20 s grace period
	proxy := testkit.StartProxy(t, srv.Addr)
	watcher := testkit.Login(t, srv.URL, "watcher")
	watcher.StartUserStatusNotify("w")
	testkit.Await[session.StartUserStatusNotifyRslt](t, watcher, nil)
	testkit.StartBot(t, srv.URL, "ada", 0)
	c, l, banners := signInThrough(t, proxy)
	l.await(t, "ada listed", func() bool { _, ok := c.Contacts.Get("ada"); return ok })
	l.do(func() { c.Calls.Call("ada") })
	l.await(t, "in the call", func() bool { return c.Calls.Phase == CallActive })
	testkit.Await(t, watcher, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "alice" && e.Status.UserStatus == protocol.StatusInMeeting
	})
	testkit.Sync(t, watcher)
	before := len(testkit.All[session.NotifyUserStatus](watcher))

	proxy.Cut()
	l.await(t, "signed in again, banner gone", func() bool {
		return c.SignedIn() && !c.Reconnecting() && len(*banners) >= 2 && (*banners)[len(*banners)-1] == ""
	})
	l.do(func() {
		assert.Equal(t, "Connection lost — reconnecting…", (*banners)[0], "the user saw what was happening")
		assert.Equal(t, "alice", c.UserID())
		assert.Equal(t, CallActive, c.Calls.Phase, "the call survived the drop")
		assert.Equal(t, "", c.Calls.LastEnded)
	})
	// The session was resumed: the refreshed user list shows her in the
	// call, and it goes on.
	testkit.Sync(t, watcher)
	l.await(t, "own status fetched again", func() bool { return c.Contacts.Self().UserStatus == protocol.StatusInMeeting })
	l.do(func() { assert.Equal(t, CallActive, c.Calls.Phase) })
	for _, st := range testkit.All[session.NotifyUserStatus](watcher)[before:] {
		assert.NotEqual(t, "alice", st.Status.UserID, "a watcher saw alice's status change: %+v", st)
	}
	// The call is still live on the server: hanging up reaches the bot, and
	// alice's status follows.
	l.do(c.Calls.HangUp)
	testkit.Await(t, watcher, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "ada" && e.Status.UserStatus == protocol.StatusIdle
	})
}

func TestLongDropEndsCallAndShowsWhatIsFound(t *testing.T) {
	srv := testkit.StartServer(t, func(cfg *server.Config) { cfg.GracePeriod = 50 * time.Millisecond })
	proxy := testkit.StartProxy(t, srv.Addr)
	watcher := testkit.Login(t, srv.URL, "watcher")
	watcher.StartUserStatusNotify("w")
	testkit.Await[session.StartUserStatusNotifyRslt](t, watcher, nil)
	testkit.StartBot(t, srv.URL, "ada", 0)
	c, l, banners := signInThrough(t, proxy)
	l.await(t, "ada listed", func() bool { _, ok := c.Contacts.Get("ada"); return ok })
	l.do(func() { c.Calls.Call("ada") })
	l.await(t, "in the call", func() bool { return c.Calls.Phase == CallActive })

	proxy.Down()
	l.await(t, "reconnecting shown", func() bool { return c.Reconnecting() })
	l.do(func() { assert.Equal(t, "Connection lost — reconnecting…", (*banners)[len(*banners)-1]) })
	// Past the grace period the server ends her session; meanwhile a
	// meeting is created that she has not heard of.
	testkit.Await(t, watcher, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "alice" && e.Status.UserStatus == protocol.StatusOffline
	})
	watcher.CreateMeeting("while you were away", 0, "m")
	testkit.Await[session.CreateMeetingSuccess](t, watcher, nil)

	proxy.Up()
	l.await(t, "back: call over, banner gone, new meeting listed, ada idle", func() bool {
		ada, _ := c.Contacts.Get("ada")
		return c.SignedIn() && c.Calls.Phase == CallIdle && (*banners)[len(*banners)-1] == "" &&
			slices.ContainsFunc(c.Meetings.List, func(m session.MeetInfo) bool { return m.Subject == "while you were away" }) &&
			ada.UserStatus == protocol.StatusIdle
	})
	l.do(func() {
		assert.Equal(t, "The call ended while the connection was down.", c.Calls.LastEnded)
		assert.Len(t, c.Meetings.List, 1, "the call's own meeting was removed; the one made meanwhile is listed")
	})
	testkit.Await(t, watcher, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "alice" && e.Status.UserStatus == protocol.StatusIdle
	})
}

func TestGiveUpStopsReconnecting(t *testing.T) {
	srv := testkit.StartServer(t)
	proxy := testkit.StartProxy(t, srv.Addr)
	c, l, banners := signInThrough(t, proxy)
	var out []string
	c.OnSignedOut = func(r string) { out = append(out, r) }
	proxy.Down()
	l.await(t, "reconnecting", c.Reconnecting)
	l.do(func() {
		c.GiveUp()
		assert.False(t, c.Reconnecting())
		assert.False(t, c.SignedIn())
		assert.Equal(t, []string{"Signed out: the server could not be reached."}, out)
		assert.Equal(t, "", (*banners)[len(*banners)-1], "the banner goes with the main window")
	})
	proxy.Up()
	// Nothing signs her in behind the user's back: a new sign-in works.
	l.do(func() { c.SignIn(c.Settings()) })
	l.await(t, "signed in by hand", c.SignedIn)
}

func TestFirstSignInFailureSaysWhyWithoutRetrying(t *testing.T) {
	l := newLoop(t)
	c := New(l.run)
	var out []string
	c.OnSignedOut = func(r string) { out = append(out, r) }
	l.do(func() {
		c.SignIn(Settings{ServerURL: "ws://127.0.0.1:1/ws", AppID: "demo", SecretMD5: SecretHash("demo")})
	})
	t.Cleanup(func() { l.do(c.Close) })
	l.await(t, "first failure", func() bool { return len(out) == 1 })
	l.do(func() {
		assert.Contains(t, out[0], "Could not reach the server")
		assert.False(t, c.Reconnecting())
	})
}

func TestBuiltInServerStartsOnlyWhenNoneAnswers(t *testing.T) {
	newServer := func() (EmbeddedServer, error) {
		return server.New(server.Config{DataDir: t.TempDir(), Demo: true})
	}
	srv := testkit.StartServer(t)
	ls, err := ensureServerAt(srv.Addr, newServer)
	require.NoError(t, err)
	assert.Nil(t, ls, "a server already answers: none is started")

	addr := freeAddr(t)
	ls, err = ensureServerAt(addr, newServer)
	require.NoError(t, err)
	require.NotNil(t, ls)
	t.Cleanup(func() { assert.NoError(t, ls.Stop()) })
	// The built-in server has the demo application, so sign-in just works.
	signIn(t, "ws://"+addr+"/ws", "alice")

	again, err := ensureServerAt(addr, newServer)
	require.NoError(t, err)
	assert.Nil(t, again, "a second app instance joins the first one's server")
}

func TestOwnStatusSaysReconnectingWhileTheLinkIsDown(t *testing.T) {
	srv := testkit.StartServer(t)
	proxy := testkit.StartProxy(t, srv.Addr)
	c, l, _ := signInThrough(t, proxy)
	l.await(t, "own status known", func() bool { return c.OwnStatus() == "idle" })
	proxy.Down()
	l.await(t, "reconnecting", c.Reconnecting)
	l.do(func() {
		assert.Equal(t, "reconnecting…", c.OwnStatus(), "not the stale status, not signed out")
		assert.False(t, c.SignedIn())
	})
	proxy.Up()
	l.await(t, "back", c.SignedIn)
	l.do(func() { assert.Equal(t, "idle", c.OwnStatus()) })
	l.do(c.SignOut)
	l.do(func() { assert.Equal(t, "offline", c.OwnStatus()) })
}

// A big organisation, with the server's default limits: its whole user list
// (or meetings list) is more than the 1 MiB send queue, which used to
// disconnect whoever asked, and the app asked again after every reconnect.
// Signing in now fills the contact list and the meetings tab completely.
func TestBigOrganisationSignsInWithContactsAndMeetings(t *testing.T) {
	const users, meetings = 20_000, 7_500
	srv := testkit.StartServer(t, testkit.WithCrowd(users, meetings))
	c, l, _ := signIn(t, srv.URL, "alice")
	l.await(t, "every contact listed", func() bool { return c.Contacts.Len() == users })
	l.await(t, "every meeting listed", func() bool { return len(c.Meetings.List) == meetings })
	l.do(func() {
		assert.True(t, c.SignedIn(), "still signed in")
		assert.False(t, c.Reconnecting(), "never disconnected")
	})
}
