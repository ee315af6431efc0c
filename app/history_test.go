package app

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/session"
)

// startApp is one start of the app: a Client keeping its history in dir,
// signed in as user. Closing it waits until the history is on disk.
func startApp(t *testing.T, dir, url, user string) (c *Client, l *loop, quit func()) {
	t.Helper()
	l = newLoop(t)
	c = New(l.run)
	c.HistoryDir = dir
	l.do(func() {
		c.SignIn(Settings{ServerURL: url, AppID: "demo", SecretMD5: SecretHash("demo"), Nick: "Nick " + user, UserID: user})
	})
	closed := false
	quit = func() {
		if !closed {
			closed = true
			l.do(c.Close)
			c.WaitSaved()
		}
	}
	t.Cleanup(quit)
	l.await(t, "signed in", c.SignedIn)
	return c, l, quit
}

// bobCallsAndHangsUp rings alice and gives up before she answers.
func bobCallsAndHangsUp(t *testing.T, bob *testkit.Client, alice *Client, l *loop) {
	bob.CreateMeeting("ring", 0, "m")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	id := bob.Call("alice", meet, "", "c")
	l.await(t, "alice's phone rings", func() bool { return alice.Calls.Phase == CallIncoming })
	bob.HungupCall(id, "", "gone")
	l.await(t, "the call is over", func() bool { return alice.Calls.Phase == CallIdle })
}

func TestMessagesAndCallsSurviveARestart(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	dir := t.TempDir()

	alice, l, quit := startApp(t, dir, srv.URL, "alice")
	l.await(t, "bob listed", func() bool { return alice.Contacts.Len() == 1 })
	bob.SendCmd("alice", []byte("hello alice"), "m")
	l.await(t, "bob's message", func() bool { return len(alice.Messages.With("bob")) == 1 })
	l.do(func() { alice.Messages.Send("bob", "hi bob") })
	testkit.Await[session.NotifyCmdData](t, bob, nil)
	bobCallsAndHangsUp(t, bob, alice, l)
	l.do(func() {
		assert.Equal(t, 1, alice.CallLog.Unseen(), "a missed call is unseen")
		assert.Equal(t, 1, alice.CallLog.UnseenFrom("bob"))
		assert.Equal(t, 1, alice.Messages.Unread("bob"))
	})
	quit()

	// The next start, on the same data folder: all there, still unseen.
	alice, l, quit = startApp(t, dir, srv.URL, "alice")
	l.await(t, "history read", func() bool { return len(alice.Messages.With("bob")) == 2 })
	l.do(func() {
		msgs := alice.Messages.With("bob")
		assert.Equal(t, "hello alice", msgs[0].Text)
		assert.False(t, msgs[0].Mine)
		assert.Equal(t, "hi bob", msgs[1].Text)
		assert.True(t, msgs[1].Mine)
		assert.Equal(t, 1, alice.Messages.Unread("bob"), "still unread")
		require.Equal(t, 1, alice.CallLog.Len())
		call := alice.CallLog.Newest(0)
		assert.Equal(t, "bob", call.Peer)
		assert.True(t, call.Incoming)
		assert.Equal(t, CallMissed, call.Outcome)
		assert.Equal(t, 1, alice.CallLog.Unseen(), "the missed call is still unseen")

		alice.CallLog.MarkSeen() // the user looked at the call log
		alice.Messages.Open("bob")
	})
	quit()

	alice, l, _ = startApp(t, dir, srv.URL, "alice")
	l.await(t, "history read", func() bool { return alice.CallLog.Len() == 1 })
	l.do(func() {
		assert.Equal(t, 0, alice.CallLog.Unseen(), "seen stays seen")
		assert.Equal(t, 0, alice.Messages.Unread("bob"))
	})
}

func TestEachAccountHasItsOwnHistory(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	dir := t.TempDir()
	alice, l, quit := startApp(t, dir, srv.URL, "alice")
	bob.SendCmd("alice", []byte("for alice only"), "m")
	l.await(t, "bob's message", func() bool { return len(alice.Messages.With("bob")) == 1 })
	quit()

	carol, l, quit := startApp(t, dir, srv.URL, "carol")
	testkit.Sync(t, bob)
	l.do(func() { assert.Empty(t, carol.Messages.With("bob"), "another user's history is not shown") })
	quit()

	// Signing in as someone else in the same window swaps the history.
	alice, l, _ = startApp(t, dir, srv.URL, "alice")
	l.await(t, "alice's history", func() bool { return len(alice.Messages.With("bob")) == 1 })
	l.do(func() {
		alice.SignOut()
		alice.SignIn(Settings{ServerURL: srv.URL, AppID: "demo", SecretMD5: SecretHash("demo"), UserID: "carol"})
	})
	l.await(t, "signed in as carol", func() bool { return alice.SignedIn() && alice.UserID() == "carol" })
	l.do(func() { assert.Empty(t, alice.Messages.With("bob")) })
}

func TestStoredHistoryIsBounded(t *testing.T) {
	dir := t.TempDir()
	l := newLoop(t)
	c := New(l.run)
	c.sess, c.HistoryDir = &fakeSDK{}, dir
	now := time.Unix(1000, 0)
	c.now = func() time.Time { now = now.Add(time.Second); return now }
	l.do(func() { c.Handle(session.LoginSuccess{UsrID: "dave"}) })
	l.await(t, "history read", func() bool { return c.hist.loaded })
	l.do(func() {
		for i := range MaxStoredMessagesPerContact + 50 {
			c.Handle(session.NotifyCmdData{SourceUserID: "bob", Data: fmt.Appendf(nil, "line %d", i)})
		}
		msgs := c.Messages.With("bob")
		require.Len(t, msgs, MaxStoredMessagesPerContact)
		assert.Equal(t, fmt.Sprintf("line %d", MaxStoredMessagesPerContact+49), msgs[len(msgs)-1].Text, "the newest stay")

		big := strings.Repeat("x", MaxMessage)
		for i := range MaxStoredMessageBytes/MaxMessage + 10 {
			c.Handle(session.NotifyCmdData{SourceUserID: fmt.Sprintf("user%d", i), Data: []byte(big)})
		}
		total := 0
		for peer := range c.Messages.byPeer {
			for _, m := range c.Messages.With(peer) {
				total += len(m.Text)
			}
		}
		assert.LessOrEqual(t, total, MaxStoredMessageBytes)
		assert.Equal(t, total, c.Messages.bytes)
		assert.Empty(t, c.Messages.With("bob"), "the oldest lines went first")
		assert.LessOrEqual(t, len(c.Messages.byPeer), MaxStoredConversations)

		for range MaxStoredCalls + 5 {
			c.Handle(session.NotifyCallIn{CallID: "x", CallerID: "bob"})
			c.Handle(session.NotifyCallHungup{CallID: "x"})
		}
		assert.Equal(t, MaxStoredCalls, c.CallLog.Len())
		c.Close()
	})
	c.WaitSaved()
	file, err := readHistory(historyPath(dir, "", "", "dave"))
	require.NoError(t, err)
	assert.Len(t, file.Calls, MaxStoredCalls, "what is on disk is bounded alike")
	info, err := os.Stat(filepath.Dir(historyPath(dir, "", "", "dave")))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), info.Mode().Perm(), "only this user reads the history")
}

func TestAnUnreadableHistoryIsKeptAside(t *testing.T) {
	dir := t.TempDir()
	path := historyPath(dir, "s", "a", "u")
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
	require.NoError(t, os.WriteFile(path, []byte("{not json"), 0o600))
	_, err := readHistory(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "could not be read")
	kept, rerr := os.ReadFile(path + ".unreadable")
	require.NoError(t, rerr)
	assert.Equal(t, "{not json", string(kept), "nothing is lost")
}

// Lines that arrive while the file is being read are kept after the
// stored ones, and the merged history is what is saved.
func TestLinesArrivingWhileTheHistoryIsReadAreKept(t *testing.T) {
	dir := t.TempDir()
	stored := historyFile{Server: "", App: "", User: "erin", Messages: map[string][]storedMessage{
		"bob": {{Text: "from last time", At: time.Unix(500, 0)}},
	}}
	require.NoError(t, writeHistory(historyPath(dir, "", "", "erin"), &stored))

	l := newLoop(t)
	c := New(l.run)
	c.sess, c.HistoryDir = &fakeSDK{}, dir
	l.do(func() {
		// In one turn of the UI loop: the file cannot have been read yet.
		c.Handle(session.LoginSuccess{UsrID: "erin"})
		c.Handle(session.NotifyCmdData{SourceUserID: "bob", Data: []byte("just now")})
	})
	l.await(t, "history read", func() bool { return c.hist.loaded })
	l.do(func() {
		var texts []string
		for _, m := range c.Messages.With("bob") {
			texts = append(texts, m.Text)
		}
		assert.Equal(t, []string{"from last time", "just now"}, texts)
		c.Close()
	})
	c.WaitSaved()
	file, err := readHistory(historyPath(dir, "", "", "erin"))
	require.NoError(t, err)
	assert.Len(t, file.Messages["bob"], 2, "the merged history is saved")
}
