package app

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/server"
	"huddle/session"
)

// loginWithTemp signs a plain SDK client in as user, receiving files into
// a folder of the test's.
func loginWithTemp(t *testing.T, url, user string) (*testkit.Client, string) {
	t.Helper()
	dir := t.TempDir()
	c := testkit.NewClient(t, url, func(cfg *session.Config) { cfg.TempDir = dir })
	c.Login(server.DemoAppID, server.PasswordFor(server.DemoAppSecret), "Nick "+user, user, "", "login")
	testkit.Await[session.LoginSuccess](t, c, nil)
	return c, dir
}

func writeRandom(t *testing.T, name string, size int) (string, []byte) {
	t.Helper()
	data := make([]byte, size)
	_, _ = rand.Read(data)
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path, data
}

func TestSendFileProgressesToTheEnd(t *testing.T) {
	srv := testkit.StartServer(t)
	bob, _ := loginWithTemp(t, srv.URL, "bob")
	c, l, _ := signIn(t, srv.URL, "alice")
	path, data := writeRandom(t, "report.bin", 3<<20)

	var seen []int64 // Sent at each redraw of the transfers panel
	l.do(func() {
		c.OnChange = func(p Part) {
			if p == PartTransfers {
				seen = append(seen, c.Transfers.List[0].Sent)
			}
		}
		c.Transfers.SendFile("bob", path)
	})
	got := testkit.Await[session.NotifyFileData](t, bob, nil)
	l.await(t, "sent", func() bool { return c.Transfers.List[0].State == TransferDone })
	l.do(func() {
		tr := c.Transfers.List[0]
		assert.Equal(t, "report.bin", tr.Name)
		assert.Equal(t, "bob", tr.Peer)
		assert.True(t, tr.Outgoing)
		assert.Equal(t, 1.0, tr.Progress())
		assert.Equal(t, "sent", tr.StateText())
		assert.Equal(t, filepath.Dir(path), tr.Folder())
		require.Greater(t, len(seen), 3, "progress is shown along the way, not only at the end")
		for i := 1; i < len(seen); i++ {
			assert.GreaterOrEqual(t, seen[i], seen[i-1], "progress never goes back")
		}
		assert.Equal(t, int64(len(data)), seen[len(seen)-1])
	})
	assert.Equal(t, "report.bin", got.OrgFileName)
	received, err := os.ReadFile(got.TmpFile)
	require.NoError(t, err)
	assert.Equal(t, data, received, "bob got the file intact")
}

func TestReceivedFileIsListedAndCanBeSaved(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	var files []string
	c, l := signInWith(t, srv.URL, "alice", func(cfg *session.Config) { cfg.TempDir = t.TempDir() })
	l.do(func() { c.OnFileIn = func(from, name string) { files = append(files, from+" sent "+name) } })
	path, data := writeRandom(t, "photo.jpg", 200<<10)

	task := bob.SendFile("alice", path, "f")
	assert.Equal(t, session.NOERR, testkit.Await(t, bob, func(e session.SendFileRlst) bool { return e.TaskID == task }).Err)
	l.await(t, "received", func() bool { return len(c.Transfers.List) == 1 && c.Transfers.List[0].State == TransferReceived })
	var tr *Transfer
	l.do(func() {
		tr = c.Transfers.List[0]
		assert.Equal(t, task, tr.TaskID, "the row that showed it arriving is the one completed")
		assert.Equal(t, []string{"Nick bob sent photo.jpg"}, files, "a notification names sender and file")
		assert.False(t, tr.Outgoing)
		assert.Equal(t, TransferReceived, tr.State)
		assert.Equal(t, "received", tr.StateText())
		assert.Equal(t, int64(len(data)), tr.Total)
		in, err := os.ReadFile(filepath.Join(tr.Folder(), filepath.Base(tr.Path)))
		require.NoError(t, err, "Show in folder opens where the file is")
		assert.Equal(t, data, in)
	})

	var notices []string
	l.do(func() { c.OnNotice = func(s string) { notices = append(notices, s) } })
	dst := filepath.Join(t.TempDir(), "holiday.jpg")
	saveAndWait(t, l, c, tr, dst)
	l.do(func() {
		assert.Empty(t, notices)
		assert.Equal(t, "saved to "+dst, tr.StateText())
		assert.Equal(t, filepath.Dir(dst), tr.Folder(), "Show in folder now opens the saved copy's folder")
	})
	saved, err := os.ReadFile(dst)
	require.NoError(t, err)
	assert.Equal(t, data, saved)

	saveAndWait(t, l, c, tr, filepath.Join(t.TempDir(), "no", "such", "dir", "x.jpg"))
	l.do(func() {
		if assert.Len(t, notices, 1) {
			assert.Contains(t, notices[0], "Could not save photo.jpg")
		}
		assert.Equal(t, "saved to "+dst, tr.StateText(), "a failed save changes nothing")
	})
}

func assertNoFiles(t *testing.T, dir, why string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, why)
}

// cancelAtFirstProgress has c cancel its newest transfer, sent or arriving,
// as soon as some of it has moved.
func cancelAtFirstProgress(l *loop, c *Client) {
	l.do(func() {
		c.OnChange = func(p Part) {
			if p != PartTransfers || len(c.Transfers.List) == 0 {
				return
			}
			if tr := c.Transfers.List[0]; tr.State == TransferSending && tr.Sent > 0 {
				c.Transfers.Cancel(tr.TaskID)
			}
		}
	})
}

func TestCancelMidwayBothSidesSeeIt(t *testing.T) {
	// A small window slows the transfer to round trips, so it is surely
	// still going when the first progress comes.
	srv := testkit.StartServer(t, testkit.WithLimits(func(lim *server.Limits) { lim.Window = 64 << 10 }))
	bob, bobDir := loginWithTemp(t, srv.URL, "bob")
	c, l, _ := signIn(t, srv.URL, "alice")
	path, _ := writeRandom(t, "big.bin", 32<<20)

	cancelAtFirstProgress(l, c)
	l.do(func() { c.Transfers.SendFile("bob", path) })
	l.await(t, "cancelled", func() bool { return c.Transfers.List[0].State == TransferCancelled })
	var task string
	l.do(func() {
		tr := c.Transfers.List[0]
		task = tr.TaskID
		assert.Equal(t, "cancelled", tr.StateText())
		assert.Less(t, tr.Sent, tr.Total, "it was cut midway")
	})
	assert.Equal(t, task, testkit.Await[session.NotifyCancelSend](t, bob, nil).TaskID, "the receiver is told")
	assertNoFiles(t, bobDir, "the receiver keeps no partial file")
}

func TestIncomingTransferCancelledBySenderSaysSo(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(lim *server.Limits) { lim.Window = 64 << 10 }))
	bob := testkit.Login(t, srv.URL, "bob")
	c, l := signInWith(t, srv.URL, "alice", func(cfg *session.Config) { cfg.TempDir = t.TempDir() })
	var notices []string
	l.do(func() { c.OnNotice = func(s string) { notices = append(notices, s) } })
	path, _ := writeRandom(t, "big.bin", 32<<20)
	task := bob.SendFile("alice", path, "f")
	testkit.Await(t, bob, func(e session.SendProgress) bool { return e.TaskID == task && e.SendedLen > 0 })
	bob.CancelSend(task)
	l.await(t, "told", func() bool { return len(notices) == 1 })
	l.do(func() {
		assert.Equal(t, "big.bin from Nick bob was cancelled; nothing of it was kept.", notices[0])
		require.Len(t, c.Transfers.List, 1, "the arriving file was listed")
		tr := c.Transfers.List[0]
		assert.False(t, tr.Outgoing)
		assert.Equal(t, TransferCancelled, tr.State)
		assert.Less(t, tr.Sent, tr.Total, "it was cut midway")
	})
}

// The receiver cancels a file while it arrives: its row says cancelled,
// nothing is kept, and the sender's result is a failure.
func TestReceiverCancelsAnIncomingFile(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(lim *server.Limits) { lim.Window = 64 << 10 }))
	bob := testkit.Login(t, srv.URL, "bob")
	aliceDir := t.TempDir()
	c, l := signInWith(t, srv.URL, "alice", func(cfg *session.Config) { cfg.TempDir = aliceDir })
	cancelAtFirstProgress(l, c)
	path, _ := writeRandom(t, "big.bin", 32<<20)
	task := bob.SendFile("alice", path, "f")
	l.await(t, "cancelled", func() bool { return len(c.Transfers.List) == 1 && c.Transfers.List[0].State == TransferCancelled })
	l.do(func() {
		tr := c.Transfers.List[0]
		assert.False(t, tr.Outgoing)
		assert.Equal(t, "cancelled", tr.StateText())
		assert.Less(t, tr.Sent, tr.Total, "it was cut midway")
	})
	assert.Equal(t, session.SENDFAIL, testkit.Await(t, bob, func(e session.SendFileRlst) bool { return e.TaskID == task }).Err)
	assertNoFiles(t, aliceDir, "the receiver keeps no partial file")
}

// An incoming file shows in the list while it arrives, with its progress.
func TestIncomingFileIsListedWhileArriving(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(lim *server.Limits) { lim.Window = 64 << 10 }))
	bob := testkit.Login(t, srv.URL, "bob")
	c, l := signInWith(t, srv.URL, "alice", func(cfg *session.Config) { cfg.TempDir = t.TempDir() })
	var midway []float64
	l.do(func() {
		c.OnChange = func(p Part) {
			if p == PartTransfers && len(c.Transfers.List) == 1 {
				if tr := c.Transfers.List[0]; tr.State == TransferSending {
					midway = append(midway, tr.Progress())
				}
			}
		}
	})
	path, _ := writeRandom(t, "video.mp4", 8<<20)
	bob.SendFile("alice", path, "f")
	l.await(t, "received", func() bool { return len(c.Transfers.List) == 1 && c.Transfers.List[0].State == TransferReceived })
	l.do(func() {
		require.NotEmpty(t, midway, "listed before it was complete")
		assert.IsNonDecreasing(t, midway)
		assert.Equal(t, 1.0, c.Transfers.List[0].Progress())
		assert.Equal(t, "video.mp4", c.Transfers.List[0].Name)
	})
}

func TestMessagesBothWays(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	c, l, _ := signIn(t, srv.URL, "alice")
	testkit.StartBot(t, srv.URL, "ada", 0)

	l.do(func() { c.Messages.Send("bob", "lunch at noon?") })
	got := testkit.Await[session.NotifyCmdData](t, bob, nil)
	assert.Equal(t, "alice", got.SourceUserID)
	assert.Equal(t, "lunch at noon?", string(got.Data))

	bob.SendCmd("alice", []byte("yes, see you"), "r")
	l.await(t, "bob's answer shows, unread", func() bool { return len(c.Messages.With("bob")) == 2 })
	l.do(func() {
		conv := c.Messages.With("bob")
		assert.True(t, conv[0].Mine)
		assert.Equal(t, session.NOERR, conv[0].Err, "delivered")
		assert.False(t, conv[1].Mine)
		assert.Equal(t, "yes, see you", conv[1].Text)
		assert.Equal(t, 1, c.Messages.Unread("bob"))
		c.Messages.Open("bob")
		assert.Equal(t, 0, c.Messages.Unread("bob"))
	})

	// The bot echoes; a conversation with it reads as one.
	l.do(func() { c.Messages.Open("ada"); c.Messages.Send("ada", "ping") })
	l.await(t, "echo", func() bool { return len(c.Messages.With("ada")) == 2 })
	l.do(func() {
		assert.Equal(t, "echo: ping", c.Messages.With("ada")[1].Text)
		assert.Equal(t, 0, c.Messages.Unread("ada"), "the open conversation is read as it comes")
	})

	// A line to someone who is not there is marked as not delivered.
	l.do(func() { c.Messages.Send("nobody", "hello?") })
	l.await(t, "failed", func() bool { return c.Messages.With("nobody")[0].Err != session.NOERR })
}
