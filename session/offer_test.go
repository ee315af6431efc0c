package session_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/server"
	"huddle/session"
)

// askingReceiver signs user in with AskBeforeReceiving, receiving into a
// folder of the test's.
func askingReceiver(t *testing.T, url, user string, tweak ...func(*session.Config)) (*testkit.Client, string) {
	t.Helper()
	dir := t.TempDir()
	c := testkit.NewClient(t, url, func(cfg *session.Config) {
		cfg.TempDir, cfg.AskBeforeReceiving = dir, true
		for _, f := range tweak {
			f(cfg)
		}
	})
	c.Login(server.DemoAppID, demoPswd, "nick "+user, user, "", "login")
	testkit.Await[session.LoginSuccess](t, c, nil)
	return c, dir
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// An asked receiver is told of the file (name, size, sender) and nothing
// is written, acknowledged or reported as progress until it accepts; then
// the file arrives whole.
func TestOfferedFileWaitsForAcceptance(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob, dir := askingReceiver(t, srv.URL, "bob")
	data := randomBytes(t, 10<<20) // over the 4 MiB window: most of it waits at the sender
	task := alice.SendFile("bob", writeFile(t, "report.pdf", data), "f")

	offer := testkit.Await[session.NotifyFileOffer](t, bob, nil)
	assert.Equal(t, session.NotifyFileOffer{TaskID: task, SourceUserID: "alice", FileName: "report.pdf", FileSize: int64(len(data))}, offer)
	testkit.Sync(t, alice)
	testkit.Sync(t, bob)
	assertEmptyDir(t, dir)
	assert.Empty(t, testkit.All[session.SendProgress](alice), "nothing is acknowledged before the answer")
	assert.Empty(t, testkit.All[session.ReceiveProgress](bob))

	bob.AcceptFile(task)
	got := testkit.Await[session.NotifyFileData](t, bob, nil)
	assert.Equal(t, session.NOERR, testkit.Await[session.SendFileRlst](t, alice, nil).Err)
	in, err := os.ReadFile(got.TmpFile)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(data, in), "the file arrived whole")
	assert.Equal(t, "report.pdf", got.OrgFileName)
	assert.False(t, strings.HasPrefix(filepath.Base(got.TmpFile), session.PartialPrefix), "a complete file has no partial name")
}

// A small file can arrive completely (within the window) before the
// answer; it is still presented only once accepted.
func TestSmallFileArrivedBeforeTheAnswerWaitsToo(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob, dir := askingReceiver(t, srv.URL, "bob")
	task := alice.SendFile("bob", writeFile(t, "a.txt", []byte("hello")), "f")
	testkit.Await[session.NotifyFileOffer](t, bob, nil)
	testkit.Sync(t, bob)
	assert.Empty(t, testkit.All[session.NotifyFileData](bob))
	assertEmptyDir(t, dir)
	bob.AcceptFile(task)
	got := testkit.Await[session.NotifyFileData](t, bob, nil)
	in, err := os.ReadFile(got.TmpFile)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(in))
	assert.Equal(t, session.NOERR, testkit.Await[session.SendFileRlst](t, alice, nil).Err)
}

// Declined, the sender's SendFileRlst says ERR_REFUSE and nothing is kept.
func TestDeclinedFileFailsWithRefused(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob, dir := askingReceiver(t, srv.URL, "bob")
	task := alice.SendFile("bob", writeFile(t, "virus.exe", randomBytes(t, 6<<20)), "f")
	testkit.Await[session.NotifyFileOffer](t, bob, nil)
	bob.RejectFile(task)
	assert.Equal(t, session.ERR_REFUSE, testkit.Await[session.SendFileRlst](t, alice, nil).Err)
	testkit.Sync(t, bob)
	assert.Empty(t, testkit.All[session.NotifyFileData](bob))
	assertEmptyDir(t, dir)
}

// Unanswered within OfferTimeout, the offer fails with ERR_NOANSWER for
// the sender; the receiver's app hears NotifyCancelSend (its prompt goes).
func TestUnansweredOfferTimesOut(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob, dir := askingReceiver(t, srv.URL, "bob", func(c *session.Config) { c.OfferTimeout = 300 * time.Millisecond })
	task := alice.SendFile("bob", writeFile(t, "a.bin", randomBytes(t, 6<<20)), "f")
	testkit.Await[session.NotifyFileOffer](t, bob, nil)
	assert.Equal(t, session.ERR_NOANSWER, testkit.Await[session.SendFileRlst](t, alice, nil).Err)
	assert.Equal(t, task, testkit.Await[session.NotifyCancelSend](t, bob, nil).TaskID)
	bob.AcceptFile(task) // too late: nothing happens
	testkit.Sync(t, bob)
	assert.Empty(t, testkit.All[session.NotifyFileData](bob))
	assertEmptyDir(t, dir)
}

// The sender cancelling a pending offer withdraws it from the receiver.
func TestCancelledOfferIsWithdrawn(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob, dir := askingReceiver(t, srv.URL, "bob")
	task := alice.SendFile("bob", writeFile(t, "a.bin", randomBytes(t, 6<<20)), "f")
	testkit.Await[session.NotifyFileOffer](t, bob, nil)
	alice.CancelSend(task)
	assert.Equal(t, task, testkit.Await[session.NotifyCancelSend](t, bob, nil).TaskID)
	bob.AcceptFile(task)
	testkit.Sync(t, bob)
	assert.Empty(t, testkit.All[session.NotifyFileData](bob))
	assertEmptyDir(t, dir)
}

// A partial file has a recognisable name while it arrives; partials left
// by a crash are removed when the same user signs in again, those of
// other users (a second window on the machine) are left alone.
func TestStalePartialsAreRemovedAtSignIn(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.Window = 64 << 10 }))
	alice := testkit.Login(t, srv.URL, "alice")
	dir := t.TempDir()
	receiver := func(user string) *testkit.Client {
		c := testkit.NewClient(t, srv.URL, func(cfg *session.Config) { cfg.TempDir = dir })
		c.Login(server.DemoAppID, demoPswd, user, user, "", "login")
		testkit.Await[session.LoginSuccess](t, c, nil)
		return c
	}
	// partialOf starts a slow transfer to user and "crashes" a copy of its
	// partial file: the copy stays behind as a crash would leave it.
	partialOf := func(user string, c *testkit.Client) string {
		task := alice.SendFile(user, writeFile(t, "big.bin", randomBytes(t, 8<<20)), user)
		testkit.Await(t, c, func(e session.ReceiveProgress) bool { return e.TaskID == task && e.RecvLen > 0 })
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		var partial string
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), session.PartialPrefix) && !strings.HasSuffix(e.Name(), ".crashed") {
				partial = e.Name()
			}
		}
		require.NotEmpty(t, partial, "the partial file has a recognisable name")
		stale := filepath.Join(dir, partial+".crashed")
		require.NoError(t, os.WriteFile(stale, []byte("half"), 0o600))
		alice.CancelSend(task)
		testkit.Await(t, c, func(e session.NotifyCancelSend) bool { return e.TaskID == task })
		return stale
	}
	bob := receiver("bob")
	bobStale := partialOf("bob", bob)
	carol := receiver("carol")
	carolStale := partialOf("carol", carol)
	mine := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(mine, []byte("keep"), 0o600))

	bob.Close()
	receiver("bob") // the next start
	assert.NoFileExists(t, bobStale, "bob's stale partial is removed")
	assert.FileExists(t, carolStale, "another user's partial is not")
	assert.FileExists(t, mine, "nor anything else")
}

// Buffers are an application's own data: never asked about.
func TestBuffersAreNotOffered(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob, _ := askingReceiver(t, srv.URL, "bob")
	data := randomBytes(t, 1<<20)
	task := alice.SendBuffer("bob", data, "b")
	assert.Equal(t, session.NOERR, testkit.Await(t, alice, func(e session.SendBufferRlst) bool { return e.TaskID == task }).Err)
	assert.True(t, bytes.Equal(data, testkit.Await[session.NotifyBufferData](t, bob, nil).Data))
	assert.Empty(t, testkit.All[session.NotifyFileOffer](bob))
}
