package app

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/session"
)

// askingClient signs alice in with nobody always accepted, receiving into
// a downloads folder of the test's; offers are recorded.
func askingClient(t *testing.T, url string) (*Client, *loop, string, *[]*Transfer) {
	t.Helper()
	dl := t.TempDir()
	l := newLoop(t)
	c := New(l.run)
	c.files = FileSettings{Downloads: dl}
	var offers []*Transfer
	c.OnFileOffer = func(tr *Transfer) { offers = append(offers, tr) }
	l.do(func() {
		c.SignIn(Settings{ServerURL: url, AppID: "demo", SecretMD5: SecretHash("demo"), Nick: "Nick alice", UserID: "alice"})
	})
	t.Cleanup(func() { l.do(c.Close) })
	l.await(t, "signed in", c.SignedIn)
	return c, l, dl, &offers
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// A file from someone is offered first; accepted, it lands in the
// downloads folder under its own name, with nothing else left there.
func TestOfferedFileAcceptedLandsInDownloads(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	c, l, dl, offers := askingClient(t, srv.URL)
	path, data := writeRandom(t, "report.pdf", 6<<20)
	task := bob.SendFile("alice", path, "f")

	l.await(t, "asked", func() bool { return len(*offers) == 1 })
	l.do(func() {
		tr := (*offers)[0]
		assert.Equal(t, task, tr.TaskID)
		assert.Equal(t, "bob", tr.Peer)
		assert.Equal(t, "report.pdf", tr.Name)
		assert.Equal(t, int64(len(data)), tr.Total)
		assert.Equal(t, "offered: accept or decline", tr.StateText())
		assert.Empty(t, dirNames(t, dl), "nothing is written before the answer")
		c.Transfers.Accept(task)
	})
	assert.Equal(t, session.NOERR, testkit.Await(t, bob, func(e session.SendFileRlst) bool { return e.TaskID == task }).Err)
	l.await(t, "received", func() bool { return c.Transfers.List[0].State == TransferReceived })
	l.do(func() { assert.Equal(t, filepath.Join(dl, "report.pdf"), c.Transfers.List[0].Path) })
	got, err := os.ReadFile(filepath.Join(dl, "report.pdf"))
	require.NoError(t, err)
	assert.Equal(t, len(data), len(got))
	assert.Equal(t, []string{"report.pdf"}, dirNames(t, dl), "no temporary or partial file is left")
}

// Declined, the sender's result is ERR_REFUSE and nothing is kept.
func TestOfferedFileDeclined(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	c, l, dl, offers := askingClient(t, srv.URL)
	path, _ := writeRandom(t, "setup.exe", 1<<20)
	task := bob.SendFile("alice", path, "f")
	l.await(t, "asked", func() bool { return len(*offers) == 1 })
	l.do(func() { c.Transfers.Decline(task) })
	assert.Equal(t, session.ERR_REFUSE, testkit.Await(t, bob, func(e session.SendFileRlst) bool { return e.TaskID == task }).Err)
	l.do(func() { assert.Equal(t, "declined", c.Transfers.List[0].StateText()) })
	assert.Empty(t, dirNames(t, dl))
}

// "Always accept from this contact" is remembered: the next file from bob
// comes without asking. Received files never replace one already there.
func TestAlwaysAcceptIsRememberedAndNothingIsOverwritten(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	c, l, dl, offers := askingClient(t, srv.URL)
	var saved []FileSettings
	l.do(func() { c.OnFileSettings = func(f FileSettings) { saved = append(saved, f) } })
	require.NoError(t, os.WriteFile(filepath.Join(dl, "notes.txt"), []byte("mine"), 0o600))
	path, _ := writeRandom(t, "notes.txt", 1000)

	first := bob.SendFile("alice", path, "1")
	l.await(t, "asked", func() bool { return len(*offers) == 1 })
	l.do(func() { c.Transfers.AlwaysAccept(first) })
	testkit.Await(t, bob, func(e session.SendFileRlst) bool { return e.TaskID == first })
	second := bob.SendFile("alice", path, "2")
	assert.Equal(t, session.NOERR, testkit.Await(t, bob, func(e session.SendFileRlst) bool { return e.TaskID == second }).Err)
	l.await(t, "both received", func() bool {
		return len(c.Transfers.List) == 2 && c.Transfers.List[0].State == TransferReceived && c.Transfers.List[1].State == TransferReceived
	})
	l.do(func() {
		assert.Len(t, *offers, 1, "bob's second file was not asked about")
		assert.Equal(t, []string{"bob"}, c.FileSettings().AlwaysAccept)
		if assert.Len(t, saved, 1) {
			assert.Equal(t, []string{"bob"}, saved[0].AlwaysAccept, "and remembered")
		}
	})
	assert.ElementsMatch(t, []string{"notes.txt", "notes (1).txt", "notes (2).txt"}, dirNames(t, dl))
	mine, err := os.ReadFile(filepath.Join(dl, "notes.txt"))
	require.NoError(t, err)
	assert.Equal(t, "mine", string(mine), "the file already there is untouched")
}

// An offer nobody answers is withdrawn: the row says so and the sender's
// result is ERR_NOANSWER.
func TestUnansweredOfferIsWithdrawn(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	dl := t.TempDir()
	l := newLoop(t)
	c := New(l.run)
	c.files = FileSettings{Downloads: dl}
	c.SessionTweak = func(cfg *session.Config) { cfg.OfferTimeout = 200e6 }
	var notices []string
	c.OnNotice = func(s string) { notices = append(notices, s) }
	l.do(func() {
		c.SignIn(Settings{ServerURL: srv.URL, AppID: "demo", SecretMD5: SecretHash("demo"), Nick: "A", UserID: "alice"})
	})
	t.Cleanup(func() { l.do(c.Close) })
	l.await(t, "signed in", c.SignedIn)
	path, _ := writeRandom(t, "a.bin", 1000)
	task := bob.SendFile("alice", path, "f")
	assert.Equal(t, session.ERR_NOANSWER, testkit.Await(t, bob, func(e session.SendFileRlst) bool { return e.TaskID == task }).Err)
	l.await(t, "withdrawn", func() bool { return len(notices) == 1 })
	l.do(func() {
		assert.Equal(t, "a.bin from Nick bob was withdrawn, or not accepted in time.", notices[0])
		assert.Equal(t, TransferCancelled, c.Transfers.List[0].State)
	})
	assert.Empty(t, dirNames(t, dl))
}
