package session_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

func TestSendBufferAndFileErrorCodes(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) {
		l.MaxBuffer = 1000
		l.MaxFile = 2000
	}))
	alice := testkit.Login(t, srv.URL, "alice")
	testkit.Login(t, srv.URL, "bob")
	dir := t.TempDir()

	big := alice.SendBuffer("bob", make([]byte, 1001), "b")
	assert.Equal(t, session.SendBufferRlst{TaskID: big, Err: session.SENDBUFFER_LARGE, Cookie: "b"},
		testkit.Await[session.SendBufferRlst](t, alice, nil))
	off := alice.SendBuffer("nobody", []byte("x"), "o")
	assert.Equal(t, session.SendBufferRlst{TaskID: off, Err: session.SENDDATA_TARGETINVALID, Cookie: "o"},
		testkit.Await[session.SendBufferRlst](t, alice, nil))

	bigFile := filepath.Join(dir, "big")
	require.NoError(t, os.WriteFile(bigFile, make([]byte, 2001), 0o600))
	missing := filepath.Join(dir, "missing")
	for _, path := range []string{bigFile, missing, dir} {
		task := alice.SendFile("bob", path, "f")
		assert.Equal(t, session.SendFileRlst{TaskID: task, FileName: path, Err: session.SENDFILE_FILEINERROR, Cookie: "f"},
			testkit.Await[session.SendFileRlst](t, alice, nil), path)
	}
	okFile := filepath.Join(dir, "ok")
	require.NoError(t, os.WriteFile(okFile, []byte("fine"), 0o600))
	task := alice.SendFile("nobody", okFile, "f")
	assert.Equal(t, session.SENDDATA_TARGETINVALID, testkit.Await[session.SendFileRlst](t, alice, func(e session.SendFileRlst) bool { return e.TaskID == task }).Err)

	alice.CancelSend("no-such-task")
	assert.Equal(t, session.CancelSendRlst{TaskID: "no-such-task", Err: session.TRANSID_INVALID}, testkit.Await[session.CancelSendRlst](t, alice, nil))

	lone := testkit.NewClient(t, srv.URL)
	lone.SendBuffer("bob", []byte("x"), "nl")
	assert.Equal(t, session.NOT_LOGIN, testkit.Await[session.SendBufferRlst](t, lone, nil).Err)
	lone.SendFile("bob", okFile, "nl")
	assert.Equal(t, session.NOT_LOGIN, testkit.Await[session.SendFileRlst](t, lone, nil).Err)
}

func TestCancelBeforeFirstChunk(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob, bobDir := loginWithTemp(t, srv.URL, "bob")
	path := filepath.Join(t.TempDir(), "f.bin")
	require.NoError(t, os.WriteFile(path, randomBytes(t, 3<<20), 0o600))

	task := alice.SendFile("bob", path, "c")
	alice.CancelSend(task)
	assert.Equal(t, session.CancelSendRlst{TaskID: task, Err: session.NOERR, Cookie: "c"}, testkit.Await[session.CancelSendRlst](t, alice, nil))
	assert.Equal(t, task, testkit.Await[session.NotifyCancelSend](t, bob, nil).TaskID)
	testkit.Sync(t, alice)
	assert.Empty(t, testkit.All[session.SendFileRlst](alice), "a cancelled task has CancelSendRlst as its result")
	assert.Empty(t, testkit.All[session.NotifyFileData](bob))
	assertEmptyDir(t, bobDir)
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if !os.IsNotExist(err) {
		require.NoError(t, err)
	}
	assert.Empty(t, entries, "no partial data may be kept")
}

// A stalled receiver (it reads but never acknowledges) holds the sender at
// one window; cancelling then works, and the server never held more than
// the window.
func TestCancelMidwayAndServerMemoryBoundedUnderStalledReceiver(t *testing.T) {
	const window = 1 << 20
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.Window = window }))
	alice := testkit.Login(t, srv.URL, "alice")
	bob := rawLogin(t, srv.URL, "bob")

	task := alice.SendBuffer("bob", randomBytes(t, 32<<20), "mid")
	var offer protocol.XferOffer
	bob.push(protocol.EvXferOffer, &offer)
	assert.Equal(t, task, offer.Task)
	assert.Equal(t, int64(32<<20), offer.Size)
	got := 0
	for got < window {
		it := bob.await(func(it rawItem) bool { return it.frame != nil })
		assert.Equal(t, offer.Stream, it.frame.Stream)
		assert.Equal(t, int64(got), it.frame.Offset)
		got += len(it.frame.Payload)
		assert.LessOrEqual(t, srv.RelayBuffered(), int64(window))
	}
	assert.Equal(t, window, got)
	// Acknowledging more than the server handed over is ignored: otherwise
	// a receiver that never reads could make the server queue without end.
	bob.send(protocol.OpXferAck, 0, protocol.XferAck{Stream: offer.Stream, Acked: 16 << 20})
	bob.reply(bob.request(protocol.OpGetUserStatus, nil)) // the server has handled the ack
	testkit.Sync(t, alice)
	assert.LessOrEqual(t, srv.RelayBuffered(), int64(window))
	assert.Empty(t, testkit.All[session.SendProgress](alice), "nothing was acknowledged")

	alice.CancelSend(task)
	assert.Equal(t, session.CancelSendRlst{TaskID: task, Err: session.NOERR, Cookie: "mid"}, testkit.Await[session.CancelSendRlst](t, alice, nil))
	var cancel protocol.XferCancel
	bob.push(protocol.EvXferCancel, &cancel)
	assert.Equal(t, offer.Stream, cancel.Stream)
	assert.Empty(t, testkit.All[session.SendBufferRlst](alice))
	assert.Zero(t, srv.RelayBuffered())
}

// A sender that ignores the window is cut off: the server never buffers
// beyond it.
func TestServerRejectsSenderBeyondWindow(t *testing.T) {
	const window = 1 << 20
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.Window = window; l.Chunk = 256 << 10 }))
	alice := rawLogin(t, srv.URL, "alice")
	bob := rawLogin(t, srv.URL, "bob") // never acknowledges
	id := alice.request(protocol.OpXferStart, protocol.XferStart{To: "bob", Task: "t1", Kind: protocol.KindFile, Size: 8 << 20, Name: "x"})
	rep := alice.reply(id)
	require.Equal(t, protocol.NoErr, rep.Code)
	var start protocol.XferStartReply
	require.NoError(t, protocol.Decode(rep.D, &start))
	assert.Equal(t, int64(window), start.Window)
	payload := make([]byte, start.Chunk)
	for off := 0; off <= window; off += start.Chunk {
		alice.sendFrame(protocol.FrameData, start.Stream, int64(off), payload)
	}
	var res protocol.XferResult
	alice.push(protocol.EvXferResult, &res)
	assert.Equal(t, protocol.ErrData, res.Code)
	assert.Contains(t, res.Msg, "window")
	var cancel protocol.XferCancel
	bob.push(protocol.EvXferCancel, &cancel)
	assert.Equal(t, start.Stream, cancel.Stream)
	assert.LessOrEqual(t, srv.RelayBuffered(), int64(window))

	// A frame larger than a chunk is refused the same way.
	id = alice.request(protocol.OpXferStart, protocol.XferStart{To: "bob", Task: "t2", Kind: protocol.KindBuffer, Size: 1 << 20})
	require.NoError(t, protocol.Decode(alice.reply(id).D, &start))
	alice.sendFrame(protocol.FrameData, start.Stream, 0, make([]byte, start.Chunk+1))
	alice.push(protocol.EvXferResult, &res)
	assert.Equal(t, protocol.ErrData, res.Code)
	assert.Contains(t, res.Msg, "at most")
}

func TestCancelAfterEndIsTooLate(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	task := alice.SendBuffer("bob", []byte("done"), "e")
	testkit.Await[session.SendBufferRlst](t, alice, func(e session.SendBufferRlst) bool { return e.TaskID == task && e.Err == 0 })
	testkit.Await[session.NotifyBufferData](t, bob, nil)
	alice.CancelSend(task)
	assert.Equal(t, session.TRANSID_INVALID, testkit.Await[session.CancelSendRlst](t, alice, nil).Err)
	testkit.Sync(t, bob)
	assert.Empty(t, testkit.All[session.NotifyCancelSend](bob))
}

// The receiver can cancel a file while it arrives (CancelSend with the task
// ID ReceiveProgress named): the partial file is gone, the sender's result
// says the receiver cancelled, and later frames of it change nothing.
func TestReceiverCancelsAnArrivingFile(t *testing.T) {
	srv := testkit.StartServer(t)
	bob, bobDir := loginWithTemp(t, srv.URL, "bob")
	alice := rawLogin(t, srv.URL, "alice")
	start := alice.startFile("bob", "big", "big.bin")
	started := testkit.Await[session.ReceiveProgress](t, bob, nil)
	assert.Equal(t, "big", started.TaskID)

	bob.CancelSend(started.TaskID)
	assert.Equal(t, session.CancelSendRlst{TaskID: "big", Err: session.NOERR}, testkit.Await[session.CancelSendRlst](t, bob, nil))
	var res protocol.XferResult
	alice.push(protocol.EvXferResult, &res)
	assert.Equal(t, protocol.SendFail, res.Code)
	assert.Contains(t, res.Msg, "receiver cancelled")
	assertEmptyDir(t, bobDir)

	alice.sendFrame(protocol.FrameData, start.Stream, 1000, randomBytes(t, 1000))
	bob.CancelSend(started.TaskID)
	assert.Equal(t, session.TRANSID_INVALID, testkit.Await[session.CancelSendRlst](t, bob, func(e session.CancelSendRlst) bool { return e.Err != session.NOERR }).Err,
		"cancelling twice: nothing left to cancel")
	testkit.Sync(t, bob)
	assert.Empty(t, testkit.All[session.NotifyFileData](bob))
	assert.Empty(t, testkit.All[session.NotifyCancelSend](bob), "the receiver's own cancel is not the sender's")
	assertEmptyDir(t, bobDir)
}

// The receiving SDK drops a cancelled transfer's partial file.
func TestReceiverDropsPartialFileOnCancelAndSenderDrop(t *testing.T) {
	srv := testkit.StartServer(t)
	bob, bobDir := loginWithTemp(t, srv.URL, "bob")
	for _, how := range []string{"cancel", "drop"} {
		alice := rawLogin(t, srv.URL, "alice")
		start := alice.startFile("bob", how, "part.bin")
		entries, err := os.ReadDir(bobDir)
		require.NoError(t, err)
		require.Len(t, entries, 1, "the partial file exists while receiving")

		if how == "cancel" {
			require.Equal(t, protocol.NoErr, alice.reply(alice.request(protocol.OpXferCancel, protocol.XferCancel{Stream: start.Stream})).Code)
		} else {
			alice.ws.Close()
		}
		assert.Equal(t, how, testkit.Await[session.NotifyCancelSend](t, bob, nil).TaskID)
		assertEmptyDir(t, bobDir)
	}
	assert.Empty(t, testkit.All[session.NotifyFileData](bob))
}

func TestIntegrityMismatchFailsBothSides(t *testing.T) {
	srv := testkit.StartServer(t)
	bob, bobDir := loginWithTemp(t, srv.URL, "bob")
	alice := rawLogin(t, srv.URL, "alice")
	for _, kind := range []string{protocol.KindFile, protocol.KindBuffer} {
		data := randomBytes(t, 5000)
		id := alice.request(protocol.OpXferStart, protocol.XferStart{To: "bob", Task: kind, Kind: kind, Size: 5000, Name: "x"})
		var start protocol.XferStartReply
		require.NoError(t, protocol.Decode(alice.reply(id).D, &start))
		alice.sendFrame(protocol.FrameData, start.Stream, 0, data)
		wrong := contentSum(append(data, 1))
		alice.sendFrame(protocol.FrameEnd, start.Stream, 5000, wrong)
		var res protocol.XferResult
		alice.push(protocol.EvXferResult, &res)
		assert.Equal(t, protocol.ErrData, res.Code)
		assert.Equal(t, kind, testkit.Await[session.NotifyCancelSend](t, bob, nil).TaskID)
	}
	assert.Empty(t, testkit.All[session.NotifyFileData](bob))
	assert.Empty(t, testkit.All[session.NotifyBufferData](bob))
	assertEmptyDir(t, bobDir)
}

func TestReceiverDisconnectFailsSender(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")

	bob := rawLogin(t, srv.URL, "bob")
	task := alice.SendBuffer("bob", randomBytes(t, 16<<20), "r")
	bob.await(func(it rawItem) bool { return it.frame != nil })
	bob.ws.Close()
	assert.Equal(t, session.SendBufferRlst{TaskID: task, Err: session.SENDFAIL, Cookie: "r"},
		testkit.Await[session.SendBufferRlst](t, alice, nil))

	// A SendCmd whose receiver leaves before acknowledging fails too.
	carol := rawLogin(t, srv.URL, "carol")
	cmd := alice.SendCmd("carol", []byte("hello?"), "c")
	var data protocol.CmdData
	carol.push(protocol.EvCmdData, &data)
	assert.Equal(t, []byte("hello?"), data.Data)
	carol.ws.Close()
	assert.Equal(t, session.SendCmdRlst{TaskID: cmd, Err: session.SENDFAIL, Cookie: "c"},
		testkit.Await[session.SendCmdRlst](t, alice, nil))
}

func TestSenderDisconnectCancelsReceiver(t *testing.T) {
	srv := testkit.StartServer(t)
	proxy := testkit.StartProxy(t, srv.Addr)
	alice := testkit.NewClient(t, "ws://"+proxy.Addr()+"/ws")
	alice.Login(server.DemoAppID, demoPswd, "alice", "alice", "", "l")
	testkit.Await[session.LoginSuccess](t, alice, nil)
	bob := rawLogin(t, srv.URL, "bob")

	task := alice.SendBuffer("bob", randomBytes(t, 16<<20), "s")
	bob.await(func(it rawItem) bool { return it.frame != nil })
	proxy.Cut()
	var cancel protocol.XferCancel
	bob.push(protocol.EvXferCancel, &cancel)
	r := testkit.Await[session.SendBufferRlst](t, alice, nil)
	assert.Equal(t, task, r.TaskID)
	assert.NotEqual(t, session.NOERR, r.Err)
	testkit.Await[session.LineOff](t, alice, nil)
}

func TestConcurrentTransfersBothWaysWithCmdsInBetween(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, _ := loginWithTemp(t, srv.URL, "alice")
	bob, _ := loginWithTemp(t, srv.URL, "bob")
	src := t.TempDir()
	type sent struct {
		data []byte
		name string
	}
	send := func(from *testkit.Client, to string, i int) sent {
		data := randomBytes(t, 3<<20+i*1000)
		if i%2 == 0 {
			from.SendBuffer(to, data, "")
			return sent{data: data}
		}
		name := fmt.Sprintf("%s-%d.bin", to, i)
		path := filepath.Join(src, name)
		require.NoError(t, os.WriteFile(path, data, 0o600))
		from.SendFile(to, path, "")
		return sent{data: data, name: name}
	}
	var toBob, toAlice []sent
	for i := range 4 {
		toBob = append(toBob, send(alice, "bob", i))
		toAlice = append(toAlice, send(bob, "alice", i))
	}
	// Commands overtake the bulk data rather than queue behind it.
	alice.SendCmd("bob", []byte("ping"), "cmd")
	assert.Equal(t, []byte("ping"), testkit.Await[session.NotifyCmdData](t, bob, nil).Data)
	testkit.Await[session.SendCmdRlst](t, alice, nil)

	var wg sync.WaitGroup
	check := func(c *testkit.Client, want []sent) {
		defer wg.Done()
		for _, w := range want {
			if w.name == "" {
				got := testkit.Await[session.NotifyBufferData](t, c, func(e session.NotifyBufferData) bool { return bytes.Equal(e.Data, w.data) })
				assert.NotNil(t, got.Data)
				continue
			}
			got := testkit.Await[session.NotifyFileData](t, c, func(e session.NotifyFileData) bool { return e.OrgFileName == w.name })
			b, err := os.ReadFile(got.TmpFile)
			assert.NoError(t, err)
			assert.True(t, bytes.Equal(w.data, b), w.name)
		}
	}
	wg.Add(2)
	go check(bob, toBob)
	go check(alice, toAlice)
	wg.Wait()
	for _, c := range []*testkit.Client{alice, bob} {
		for range 2 {
			assert.Equal(t, session.NOERR, testkit.Await[session.SendBufferRlst](t, c, nil).Err)
			assert.Equal(t, session.NOERR, testkit.Await[session.SendFileRlst](t, c, nil).Err)
		}
	}
}

func TestHostileFileNamesEndToEnd(t *testing.T) {
	srv := testkit.StartServer(t)
	bob, bobDir := loginWithTemp(t, srv.URL, "bob")
	alice := rawLogin(t, srv.URL, "alice")
	for i, name := range []string{"../../etc/passwd", `..\..\windows\system32\evil.dll`, "CON", "nul.txt", "a\x00b\x1b[31m.txt", "..", "/", "report.pdf", "report.pdf"} {
		data := []byte(fmt.Sprintf("payload %d", i))
		id := alice.request(protocol.OpXferStart, protocol.XferStart{To: "bob", Task: "t", Kind: protocol.KindFile, Size: int64(len(data)), Name: name})
		var start protocol.XferStartReply
		require.NoError(t, protocol.Decode(alice.reply(id).D, &start))
		alice.sendFrame(protocol.FrameData, start.Stream, 0, data)
		alice.sendFrame(protocol.FrameEnd, start.Stream, int64(len(data)), contentSum(data))
		var res protocol.XferResult
		alice.push(protocol.EvXferResult, &res)
		require.Equal(t, protocol.NoErr, res.Code)
		got := testkit.Await[session.NotifyFileData](t, bob, nil)
		assert.Equal(t, session.CleanFileName(name), got.OrgFileName)
		assert.Equal(t, bobDir, filepath.Dir(got.TmpFile), "%q must land in the temp folder", name)
		b, err := os.ReadFile(got.TmpFile)
		require.NoError(t, err)
		assert.Equal(t, data, b)
	}
	entries, err := os.ReadDir(bobDir)
	require.NoError(t, err)
	assert.Len(t, entries, 9, "two files of one name never overwrite each other")
}

func TestCleanFileName(t *testing.T) {
	for in, want := range map[string]string{
		"report.pdf":            "report.pdf",
		"../../etc/passwd":      "passwd",
		`C:\Users\x\secret.txt`: "secret.txt",
		"..":                    "file",
		".":                     "file",
		"":                      "file",
		"/":                     "file",
		"dir/..":                "file",
		"CON":                   "_CON",
		"con.txt":               "_con.txt",
		"Com1.log":              "_Com1.log",
		"LPT9":                  "_LPT9",
		"COM10":                 "COM10",
		"console.txt":           "console.txt",
		"a\x00b\nc\x7f.txt":     "abc.txt",
		"what?.txt":             "what.txt",
		`a<b>c:"d|e*.txt`:       "abcde.txt",
		"trailing. . ":          "trailing",
		" spaced ":              "spaced",
		".bashrc":               ".bashrc",
		"naïve café.txt":        "naïve café.txt",
		"bad\xffutf8":           "bad_utf8",
		"\u202egnp.exe":         "gnp.exe", // a bidi override would show it as "exe.png"
		string(bytes.Repeat([]byte("é"), 150)) + ".txt": string(bytes.Repeat([]byte("é"), 98)) + ".txt",
	} {
		assert.Equal(t, want, session.CleanFileName(in), "%q", in)
	}
}

// Bad binary frames get an error and hurt nobody else: the connection, and
// other transfers, go on.
func TestBadBinaryFramesAreAnsweredNotFatal(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := rawLogin(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	mallory := rawLogin(t, srv.URL, "mallory")

	id := alice.request(protocol.OpXferStart, protocol.XferStart{To: "bob", Task: "t", Kind: protocol.KindBuffer, Size: 3})
	var start protocol.XferStartReply
	require.NoError(t, protocol.Decode(alice.reply(id).D, &start))

	require.NoError(t, mallory.ws.WriteMessage(websocket.BinaryMessage, []byte{1, 2, 3}))
	var e protocol.ErrorInfo
	mallory.push(protocol.EvError, &e)
	assert.Equal(t, protocol.ErrData, e.Code)
	mallory.sendFrame(protocol.FrameData, start.Stream, 0, []byte("bad")) // not mallory's stream
	mallory.push(protocol.EvError, &e)
	assert.Contains(t, e.Msg, "not yours")

	alice.sendFrame(protocol.FrameData, start.Stream, 0, []byte("abc"))
	alice.sendFrame(protocol.FrameEnd, start.Stream, 3, contentSum([]byte("abc")))
	var res protocol.XferResult
	alice.push(protocol.EvXferResult, &res)
	assert.Equal(t, protocol.NoErr, res.Code)
	assert.Equal(t, []byte("abc"), testkit.Await[session.NotifyBufferData](t, bob, nil).Data)
	assert.Equal(t, protocol.NoErr, mallory.reply(mallory.request(protocol.OpGetUserStatus, nil)).Code, "mallory is still connected")
}

func TestReceiveFolder(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // os.TempDir
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.NewClient(t, srv.URL, func(c *session.Config) { c.TempDir = "" }) // the default
	bob.Login(server.DemoAppID, demoPswd, "bob", "bob", "", "")
	testkit.Await[session.LoginSuccess](t, bob, nil)
	path := filepath.Join(t.TempDir(), "a.txt")
	require.NoError(t, os.WriteFile(path, []byte("hello"), 0o600))

	alice.SendFile("bob", path, "")
	got := testkit.Await[session.NotifyFileData](t, bob, nil)
	assert.True(t, strings.HasPrefix(filepath.Base(filepath.Dir(got.TmpFile)), "huddle-"))
	assert.Equal(t, tmp, filepath.Dir(filepath.Dir(got.TmpFile)))
	assert.Equal(t, session.NOERR, testkit.Await[session.SendFileRlst](t, alice, nil).Err)

	// A folder that cannot be made: the sender hears SENDFAIL, the receiver
	// is shown nothing.
	notDir := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(notDir, nil, 0o600))
	carol := testkit.NewClient(t, srv.URL, func(c *session.Config) { c.TempDir = filepath.Join(notDir, "sub") })
	carol.Login(server.DemoAppID, demoPswd, "carol", "carol", "", "")
	testkit.Await[session.LoginSuccess](t, carol, nil)
	alice.SendFile("carol", path, "c")
	assert.Equal(t, session.SENDFAIL, testkit.Await[session.SendFileRlst](t, alice, nil).Err)
	testkit.Sync(t, carol)
	assert.Empty(t, testkit.All[session.NotifyFileData](carol))
	assert.Empty(t, testkit.All[session.NotifyCancelSend](carol))
}

// Per-user transfer limits: a receiver held by a stalled transfer refuses
// more than MaxTransfers at once and more than MaxIncoming declared bytes,
// with SENDFAIL; other users' transfers go on.
func TestPerUserTransferLimits(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) {
		l.MaxTransfers = 2
		l.MaxIncoming = 8 << 20
	}))
	alice := testkit.Login(t, srv.URL, "alice")
	bob := rawLogin(t, srv.URL, "bob") // reads offers, never acknowledges: transfers stay open
	carol := testkit.Login(t, srv.URL, "carol")
	dave := testkit.Login(t, srv.URL, "dave")

	// Over MaxIncoming on its own.
	big := alice.SendBuffer("bob", randomBytes(t, 9<<20), "big")
	assert.Equal(t, session.SendBufferRlst{TaskID: big, Err: session.SENDFAIL, Cookie: "big"},
		testkit.Await[session.SendBufferRlst](t, alice, nil))

	// Two stalled transfers fill bob's MaxTransfers.
	var offer protocol.XferOffer
	alice.SendBuffer("bob", randomBytes(t, 1<<20), "one")
	bob.push(protocol.EvXferOffer, &offer)
	carol.SendBuffer("bob", randomBytes(t, 1<<20), "two")
	bob.push(protocol.EvXferOffer, &offer)
	third := alice.SendBuffer("bob", randomBytes(t, 1<<10), "three")
	assert.Equal(t, session.SendBufferRlst{TaskID: third, Err: session.SENDFAIL, Cookie: "three"},
		testkit.Await[session.SendBufferRlst](t, alice, func(e session.SendBufferRlst) bool { return e.Cookie == "three" }))

	// Someone else's transfers are not affected.
	data := randomBytes(t, 3<<20)
	task := carol.SendBuffer("dave", data, "ok")
	assert.Equal(t, session.SendBufferRlst{TaskID: task, Err: session.NOERR, Cookie: "ok"},
		testkit.Await[session.SendBufferRlst](t, carol, func(e session.SendBufferRlst) bool { return e.Cookie == "ok" }))
	assert.Equal(t, data, testkit.Await[session.NotifyBufferData](t, dave, nil).Data)
}

// The receiver acknowledges every chunk; those acknowledgements are flow
// control, not requests, so a transfer of far more chunks than the message
// rate allows still completes under the default limits.
func TestLongTransferIsNotRateLimited(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) {
		l.Chunk = 4 << 10
		l.Window = 16 << 10
		l.MsgRate = server.DefaultLimits().MsgRate
		l.MsgBurst = server.DefaultLimits().MsgBurst
	}))
	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	data := randomBytes(t, 2<<20) // 512 chunks, over twice the burst
	task := alice.SendBuffer("bob", data, "long")
	assert.Equal(t, session.SendBufferRlst{TaskID: task, Err: session.NOERR, Cookie: "long"},
		testkit.Await[session.SendBufferRlst](t, alice, nil))
	assert.Equal(t, data, testkit.Await[session.NotifyBufferData](t, bob, nil).Data)
}

// SendBuffer data is held whole in the receiver's memory: the buffers one
// user is receiving at once are bounded (MaxBufferedIn); the one that would
// pass it is refused with SENDBUFFER_LARGE, files still go through, and
// nobody else notices.
func TestBufferedBytesPerReceiverAreBounded(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) {
		l.MaxBuffer = 2 << 20
		l.MaxBufferedIn = 3 << 20
	}))
	alice := testkit.Login(t, srv.URL, "alice")
	bob := rawLogin(t, srv.URL, "bob") // reads offers, never acknowledges: transfers stay open
	carol := testkit.Login(t, srv.URL, "carol")
	dave := testkit.Login(t, srv.URL, "dave")

	var offer protocol.XferOffer
	alice.SendBuffer("bob", randomBytes(t, 2<<20), "one")
	bob.push(protocol.EvXferOffer, &offer)
	over := carol.SendBuffer("bob", randomBytes(t, 2<<20), "two")
	assert.Equal(t, session.SendBufferRlst{TaskID: over, Err: session.SENDBUFFER_LARGE, Cookie: "two"},
		testkit.Await[session.SendBufferRlst](t, carol, nil))

	path := filepath.Join(t.TempDir(), "f.bin")
	require.NoError(t, os.WriteFile(path, randomBytes(t, 2<<20), 0o600))
	carol.SendFile("bob", path, "file")
	bob.push(protocol.EvXferOffer, &offer)
	assert.Equal(t, protocol.KindFile, offer.Kind, "a file is not held in memory: it is not counted")

	data := randomBytes(t, 2<<20)
	task := carol.SendBuffer("dave", data, "ok")
	assert.Equal(t, session.SendBufferRlst{TaskID: task, Err: session.NOERR, Cookie: "ok"},
		testkit.Await[session.SendBufferRlst](t, carol, func(e session.SendBufferRlst) bool { return e.Cookie == "ok" }))
	assert.Equal(t, data, testkit.Await[session.NotifyBufferData](t, dave, nil).Data)
	assertUnaffected(t, alice)
}

// A receiver that fails a file at once (its folder cannot be made) answers
// before the server has even replied to the sender's start; the sender must
// still hear SENDFAIL every time, not wait for a result that went to a
// stream it did not know yet.
func TestFileFailedAtOnceByReceiverAlwaysReachesSender(t *testing.T) {
	srv := testkit.StartServer(t)
	alice := testkit.Login(t, srv.URL, "alice")
	notDir := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(notDir, nil, 0o600))
	carol := testkit.NewClient(t, srv.URL, func(c *session.Config) { c.TempDir = filepath.Join(notDir, "sub") })
	carol.Login(server.DemoAppID, demoPswd, "carol", "carol", "", "")
	testkit.Await[session.LoginSuccess](t, carol, nil)
	path := filepath.Join(t.TempDir(), "a.txt")
	require.NoError(t, os.WriteFile(path, []byte("hello"), 0o600))
	for i := range 200 {
		task := alice.SendFile("carol", path, fmt.Sprint(i))
		got := testkit.Await[session.SendFileRlst](t, alice, func(e session.SendFileRlst) bool { return e.TaskID == task })
		require.Equal(t, session.SENDFAIL, got.Err, "file %d", i)
	}
}
