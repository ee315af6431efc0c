package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/bot"
	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

func createMeeting(t *testing.T, c *testkit.Client) session.MeetInfo {
	t.Helper()
	c.CreateMeeting("with the bot", 1, "m")
	return testkit.Await[session.CreateMeetingSuccess](t, c, nil).Meet
}

func TestBotAnswersCallsAndIsFreeAfterHangUp(t *testing.T) {
	srv := testkit.StartServer(t)
	testkit.StartBot(t, srv.URL, "ada", 20*time.Millisecond)
	alice := testkit.Login(t, srv.URL, "alice")
	meet := createMeeting(t, alice)

	for range 2 { // the second call proves the bot let go of the first
		id := alice.Call("ada", meet, "", "call")
		testkit.Await(t, alice, func(e session.CallSuccess) bool { return e.CallID == id })
		acc := testkit.Await(t, alice, func(e session.NotifyCallAccepted) bool { return e.CallID == id })
		assert.Equal(t, meet.ID, acc.Meet.ID)
		m := getMeeting(t, alice, meet.ID)
		assert.Equal(t, 2, m.MemberCount, "the bot joined the meeting")
		alice.HungupCall(id, "", "h")
		testkit.Await[session.HangupCallSuccess](t, alice, nil)
	}
}

func getMeeting(t *testing.T, c *testkit.Client, id int) session.MeetInfo {
	t.Helper()
	c.GetMeetings("list")
	for _, m := range testkit.Await[session.GetMeetingsSuccess](t, c, nil).Meetings {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("meeting %d not listed", id)
	return session.MeetInfo{}
}

func awaitBack(t *testing.T, b *bot.Bot) {
	t.Helper()
	select {
	case <-b.Reconnected():
	case <-time.After(testkit.WaitTimeout):
		t.Fatal("the bot did not sign in again")
	}
}

// callAccepted rings the bot and waits until it answers.
func callAccepted(t *testing.T, c *testkit.Client, meet session.MeetInfo) string {
	t.Helper()
	id := c.Call("ada", meet, "", "call")
	testkit.Await(t, c, func(e session.NotifyCallAccepted) bool { return e.CallID == id })
	return id
}

func TestBotKeepsItsCallThroughAShortDrop(t *testing.T) {
	srv := testkit.StartServer(t) // 20 s grace period
	w := testkit.Login(t, srv.URL, "watcher")
	w.StartUserStatusNotify("watch")
	testkit.Await[session.StartUserStatusNotifyRslt](t, w, nil)
	proxy := testkit.StartProxy(t, srv.Addr)
	b := testkit.StartBot(t, "ws://"+proxy.Addr()+"/ws", "ada", 0)
	alice := testkit.Login(t, srv.URL, "alice")
	id := callAccepted(t, alice, createMeeting(t, alice))
	testkit.Await(t, w, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "ada" && e.Status.UserStatus == protocol.StatusInMeeting
	})
	testkit.Sync(t, w)
	before := len(testkit.All[session.NotifyUserStatus](w))

	proxy.Cut()
	awaitBack(t, b)
	alice.SendCmd("ada", []byte("still there?"), "hi")
	got := testkit.Await(t, alice, func(e session.NotifyCmdData) bool { return e.SourceUserID == "ada" })
	assert.Equal(t, "echo: still there?", string(got.Data))
	testkit.Sync(t, w)
	testkit.Sync(t, alice)
	assert.Empty(t, testkit.All[session.NotifyCallHungup](alice), "the call survived")
	for _, st := range testkit.All[session.NotifyUserStatus](w)[before:] {
		assert.NotEqual(t, "ada", st.Status.UserID, "ada's status flapped: %+v", st)
	}
	alice.HungupCall(id, "", "h")
	testkit.Await(t, w, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "ada" && e.Status.UserStatus == protocol.StatusIdle
	})
}

func TestBotSignsInAgainAfterALongDropAndIsFree(t *testing.T) {
	srv := testkit.StartServer(t, func(c *server.Config) { c.GracePeriod = 50 * time.Millisecond })
	w := testkit.Login(t, srv.URL, "watcher")
	w.StartUserStatusNotify("watch")
	testkit.Await[session.StartUserStatusNotifyRslt](t, w, nil)
	proxy := testkit.StartProxy(t, srv.Addr)
	b := testkit.StartBot(t, "ws://"+proxy.Addr()+"/ws", "ada", 0)
	alice := testkit.Login(t, srv.URL, "alice")
	meet := createMeeting(t, alice)
	id := callAccepted(t, alice, meet)

	proxy.Down()
	assert.Equal(t, id, testkit.Await[session.NotifyCallHungup](t, alice, nil).CallID, "past the grace period the call ends")
	status := func(want int) {
		testkit.Await(t, w, func(e session.NotifyUserStatus) bool {
			return e.Status.UserID == "ada" && e.Status.UserStatus == want
		})
	}
	status(protocol.StatusOffline)
	proxy.Up()
	awaitBack(t, b)
	// The bot learnt its call is gone: it answers a new one instead of
	// rejecting it as busy.
	callAccepted(t, alice, meet)
}

func TestBotStopsCleanlyAndSignsOut(t *testing.T) {
	srv := testkit.StartServer(t)
	w := testkit.Login(t, srv.URL, "watcher")
	w.StartUserStatusNotify("watch")
	testkit.Await[session.StartUserStatusNotifyRslt](t, w, nil)
	b := bot.New(bot.Config{ServerURL: srv.URL, AppID: server.DemoAppID, SecretMD5: server.PasswordFor(server.DemoAppSecret), Name: "ada"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	<-b.SignedIn()
	cancel()
	require.NoError(t, <-done)
	testkit.Await(t, w, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "ada" && e.Status.UserStatus == protocol.StatusOffline
	})
}

func TestBotRefusesBadSecret(t *testing.T) {
	srv := testkit.StartServer(t)
	b := bot.New(bot.Config{ServerURL: srv.URL, AppID: server.DemoAppID, SecretMD5: server.PasswordFor("wrong"), Name: "ada"})
	err := b.Run(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sign-in refused")
}

func TestBotEchoesText(t *testing.T) {
	srv := testkit.StartServer(t)
	testkit.StartBot(t, srv.URL, "ada", 0)
	alice := testkit.Login(t, srv.URL, "alice")
	alice.SendCmd("ada", []byte("hello"), "hi")
	got := testkit.Await(t, alice, func(e session.NotifyCmdData) bool { return e.SourceUserID == "ada" })
	assert.Equal(t, "echo: hello", string(got.Data))
}

func TestSummarizeNamesSizeAndSHA256(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tmp-1")
	require.NoError(t, os.WriteFile(path, []byte("hello\n"), 0o600))
	s, err := bot.Summarize(path, "greeting.txt")
	require.NoError(t, err)
	assert.Equal(t, "received greeting.txt: 6 bytes, sha256 5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", s)
	_, err = bot.Summarize(filepath.Join(t.TempDir(), "gone"), "x")
	assert.Error(t, err)
}

func TestBotStopsWhenSignedInElsewhere(t *testing.T) {
	srv := testkit.StartServer(t)
	b := bot.New(bot.Config{ServerURL: srv.URL, AppID: server.DemoAppID, SecretMD5: server.PasswordFor(server.DemoAppSecret), Name: "ada"})
	done := make(chan error, 1)
	go func() { done <- b.Run(context.Background()) }()
	<-b.SignedIn()
	testkit.Login(t, srv.URL, "ada")
	select {
	case err := <-done:
		assert.ErrorIs(t, err, bot.ErrSignedInElsewhere)
	case <-time.After(testkit.WaitTimeout):
		t.Fatal("the bot kept running after being signed in elsewhere")
	}
}

func TestBotSumsUpAReceivedFile(t *testing.T) {
	srv := testkit.StartServer(t)
	testkit.StartBot(t, srv.URL, "ada", 0)
	alice := testkit.Login(t, srv.URL, "alice")
	path := filepath.Join(t.TempDir(), "greeting.txt")
	require.NoError(t, os.WriteFile(path, []byte("hello\n"), 0o600))
	task := alice.SendFile("ada", path, "f")
	rs := testkit.Await(t, alice, func(e session.SendFileRlst) bool { return e.TaskID == task })
	require.Equal(t, session.NOERR, rs.Err)
	got := testkit.Await(t, alice, func(e session.NotifyCmdData) bool { return e.SourceUserID == "ada" })
	assert.Equal(t, "received greeting.txt: 6 bytes, sha256 5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03", string(got.Data))
}

func TestBotGreetsAndSendsAFileOnceTheUserIsOnline(t *testing.T) {
	srv := testkit.StartServer(t)
	path := filepath.Join(t.TempDir(), "report.bin")
	data := make([]byte, 3<<20+17) // several windows and an odd tail
	for i := range data {
		data[i] = byte(i * 7)
	}
	require.NoError(t, os.WriteFile(path, data, 0o600))
	b := bot.New(bot.Config{
		ServerURL: srv.URL, AppID: server.DemoAppID, SecretMD5: server.PasswordFor(server.DemoAppSecret),
		Name: "ada", SendTo: "alice", Say: []string{"hello alice", "here is the report"}, SendFile: path,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() { cancel(); require.NoError(t, <-done) })
	<-b.SignedIn() // alice is not online yet: the bot waits for her

	alice := testkit.Login(t, srv.URL, "alice")
	first := testkit.Await[session.NotifyCmdData](t, alice, nil)
	second := testkit.Await[session.NotifyCmdData](t, alice, nil) // the next unused one
	assert.Equal(t, "hello alice", string(first.Data))
	assert.Equal(t, "here is the report", string(second.Data))
	got := testkit.Await[session.NotifyFileData](t, alice, nil)
	assert.Equal(t, "ada", got.SourceUserID)
	assert.Equal(t, "report.bin", got.OrgFileName)
	recv, err := os.ReadFile(got.TmpFile)
	require.NoError(t, err)
	assert.Equal(t, data, recv, "the file arrived intact")
	select {
	case err := <-b.FileSent():
		assert.NoError(t, err)
	case <-time.After(testkit.WaitTimeout):
		t.Fatal("the bot did not report the sent file")
	}
}
