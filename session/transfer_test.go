package session_test

import (
	"bytes"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

const chunk = 256 << 10 // the server's default chunk

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return b
}

// loginWithTemp signs user in with its own receive folder.
func loginWithTemp(t *testing.T, url, user string) (*testkit.Client, string) {
	t.Helper()
	dir := t.TempDir()
	c := testkit.NewClient(t, url, func(cfg *session.Config) { cfg.TempDir = dir })
	c.Login(server.DemoAppID, demoPswd, user, user, "", "login")
	testkit.Await[session.LoginSuccess](t, c, nil)
	return c, dir
}

func TestSendCmdDeliversAndAcknowledges(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")

	for _, n := range []int{0, 1, 1000, protocol.MaxCmd} {
		data := randomBytes(t, n)
		task := alice.SendCmd("bob", data, "c1")
		require.NotEmpty(t, task)
		got := testkit.Await[session.NotifyCmdData](t, bob, nil)
		assert.Equal(t, "alice", got.SourceUserID)
		assert.True(t, bytes.Equal(data, got.Data), "size %d", n)
		r := testkit.Await[session.SendCmdRlst](t, alice, func(e session.SendCmdRlst) bool { return e.TaskID == task })
		assert.Equal(t, session.SendCmdRlst{TaskID: task, Err: session.NOERR, Cookie: "c1"}, r)
	}
}

func TestSendCmdErrors(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")

	big := alice.SendCmd("bob", make([]byte, protocol.MaxCmd+1), "big")
	assert.Equal(t, session.SendCmdRlst{TaskID: big, Err: session.SENDCMD_LARGE, Cookie: "big"},
		testkit.Await[session.SendCmdRlst](t, alice, nil))

	off := alice.SendCmd("nobody", []byte("x"), "off")
	assert.Equal(t, session.SendCmdRlst{TaskID: off, Err: session.SENDDATA_TARGETINVALID, Cookie: "off"},
		testkit.Await[session.SendCmdRlst](t, alice, nil))

	// A SendCmd cannot be cancelled.
	task := alice.SendCmd("bob", []byte("hi"), "c")
	alice.CancelSend(task)
	assert.Equal(t, session.TRANSID_INVALID, testkit.Await[session.CancelSendRlst](t, alice, nil).Err)
	testkit.Await[session.SendCmdRlst](t, alice, func(e session.SendCmdRlst) bool { return e.TaskID == task && e.Err == 0 })
	testkit.Sync(t, bob)
	assert.Empty(t, testkit.Unused[session.NotifyCancelSend](bob))

	// Signed out: NOT_LOGIN at once.
	lone := testkit.NewClient(t, srv.URL)
	lone.SendCmd("bob", []byte("x"), "nl")
	assert.Equal(t, session.NOT_LOGIN, testkit.Await[session.SendCmdRlst](t, lone, nil).Err)
}

func TestSendBufferSizes(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")

	for _, n := range []int{0, 1, chunk - 1, chunk, chunk + 1, 5<<20 + 17} {
		data := randomBytes(t, n)
		task := alice.SendBuffer("bob", data, "buf")
		got := testkit.Await[session.NotifyBufferData](t, bob, nil)
		assert.Equal(t, "alice", got.SourceUserID)
		require.Equal(t, len(data), len(got.Data), "size %d", n)
		assert.True(t, bytes.Equal(data, got.Data), "size %d: content differs", n)
		r := testkit.Await[session.SendBufferRlst](t, alice, func(e session.SendBufferRlst) bool { return e.TaskID == task })
		assert.Equal(t, session.SendBufferRlst{TaskID: task, Err: session.NOERR, Cookie: "buf"}, r)
		assertProgress(t, alice, task, int64(n))
	}
}

// assertProgress checks the task's SendProgress events rise monotonically to
// the total, all before its result, and stay few.
func assertProgress(t *testing.T, c *testkit.Client, task string, total int64) {
	t.Helper()
	var last int64 = -1
	count := 0
	for _, p := range testkit.All[session.SendProgress](c) {
		if p.TaskID != task {
			continue
		}
		count++
		assert.Equal(t, total, p.TotalLen)
		assert.Greater(t, p.SendedLen, last, "progress must rise")
		last = p.SendedLen
	}
	assert.Equal(t, total, last, "progress must end at the total")
	assert.LessOrEqual(t, count, 101, "progress is rate-limited")
}

func TestSendFileBytesForBytes(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, _ := loginWithTemp(t, srv.URL, "alice")
	bob, bobDir := loginWithTemp(t, srv.URL, "bob")

	src := t.TempDir()
	for _, n := range []int{0, 1, chunk - 1, chunk, chunk + 1, 6<<20 + 3} {
		data := randomBytes(t, n)
		path := filepath.Join(src, "report.bin")
		require.NoError(t, os.WriteFile(path, data, 0o600))
		task := alice.SendFile("bob", path, "file")
		r := testkit.Await[session.SendFileRlst](t, alice, func(e session.SendFileRlst) bool { return e.TaskID == task })
		assert.Equal(t, session.SendFileRlst{TaskID: task, FileName: path, Err: session.NOERR, Cookie: "file"}, r)
		got := testkit.Await[session.NotifyFileData](t, bob, nil)
		assert.Equal(t, "alice", got.SourceUserID)
		assert.Equal(t, "report.bin", got.OrgFileName)
		assert.Equal(t, bobDir, filepath.Dir(got.TmpFile))
		received, err := os.ReadFile(got.TmpFile)
		require.NoError(t, err)
		assert.True(t, bytes.Equal(data, received), "size %d: content differs", n)
		assertProgress(t, alice, task, int64(n))
		assertReceiveProgress(t, bob, task, int64(n))
	}
	// Six files of one name: six distinct temp files, none overwritten.
	names := map[string]bool{}
	for _, e := range testkit.All[session.NotifyFileData](bob) {
		names[e.TmpFile] = true
	}
	assert.Len(t, names, 6)
}

// assertReceiveProgress: the receiver saw the file arrive, from 0 to its
// size, never going back, about once per percent, before NotifyFileData.
func assertReceiveProgress(t *testing.T, c *testkit.Client, task string, size int64) {
	t.Helper()
	var seen []int64
	for _, p := range testkit.All[session.ReceiveProgress](c) {
		if p.TaskID == task {
			assert.Equal(t, "alice", p.SourceUserID)
			assert.Equal(t, "report.bin", p.FileName)
			assert.Equal(t, size, p.TotalLen)
			seen = append(seen, p.RecvLen)
		}
	}
	require.NotEmpty(t, seen, "no ReceiveProgress for %s", task)
	assert.Equal(t, int64(0), seen[0], "reported at the start")
	assert.Equal(t, size, seen[len(seen)-1], "reported complete")
	assert.IsNonDecreasing(t, seen)
	assert.LessOrEqual(t, len(seen), 102, "about once per percent, not once per chunk")
}
