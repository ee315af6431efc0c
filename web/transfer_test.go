package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

// transferSize is over the server's 4 MiB window, so flow control (acks
// giving credit) is exercised, and not a multiple of the 256 KiB chunk.
const transferSize = 6<<20 + 12345

// pattern is the page's pattern(n): the same bytes on both sides.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*131 + 7 + i>>10)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// SendBuffer and SendFile both ways between a page and a desktop user,
// with progress and the content checked on arrival.
func TestWebTransfersBothWays(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")
	want := pattern(transferSize)

	// Buffer, web → desktop.
	var task string
	p.eval(fmt.Sprintf(`CRVideo_SendBuffer("desk", pattern(%d), "b1")`, transferSize), &task)
	got := testkit.Await[session.NotifyBufferData](t, desk, nil)
	assert.Equal(t, "web", got.SourceUserID)
	assert.Equal(t, sha(want), sha(got.Data))
	assert.Equal(t, []any{task, float64(0), "b1"}, p.await("SendBufferRlst", "null"))
	last := p.await("SendProgress", fmt.Sprintf(`a => a[1] === %d`, transferSize))
	assert.Equal(t, []any{task, float64(transferSize), float64(transferSize), "b1"}, last)

	// Buffer, desktop → web: the page gets it as text and as bytes.
	desk.SendBuffer("web", want, "")
	var hash string
	p.eval(`waitEvent("NotifyBufferData", null).then(a => a[0] === "desk" ? sha256hex(a[2]) : "from " + a[0])`, &hash)
	assert.Equal(t, sha(want), hash)
	assert.Equal(t, protocol.NoErr, testkit.Await[session.SendBufferRlst](t, desk, nil).Err)

	// File, web → desktop: a File from the page, under its name.
	p.eval(fmt.Sprintf(`CRVideo_SendFile("desk", new File([pattern(%d)], "report.bin"), "f1")`, transferSize), &task)
	file := testkit.Await[session.NotifyFileData](t, desk, nil)
	assert.Equal(t, "report.bin", file.OrgFileName)
	stored, err := os.ReadFile(file.TmpFile)
	require.NoError(t, err)
	assert.Equal(t, sha(want), sha(stored))
	assert.Equal(t, []any{task, "report.bin", float64(0), "f1"}, p.await("SendFileRlst", "null"))

	// File, desktop → web: a File (a Blob with its name) for the page.
	path := filepath.Join(t.TempDir(), "notes.bin")
	require.NoError(t, os.WriteFile(path, want, 0o600))
	desk.SendFile("web", path, "")
	var arrived []string
	p.eval(`waitEvent("NotifyFileData", null).then(async a => [a[0], a[1].name, a[2], await sha256hex(a[1])])`, &arrived)
	assert.Equal(t, []string{"desk", "notes.bin", "notes.bin", sha(want)}, arrived)
	assert.Equal(t, protocol.NoErr, testkit.Await[session.SendFileRlst](t, desk, nil).Err)

	// A path is not something a page can send: 1103, and a console error
	// that says what to pass instead.
	p.eval(`CRVideo_SendFile("desk", "C:\\report.doc", "f2")`, &task)
	assert.Equal(t, []any{task, `C:\report.doc`, float64(protocol.SendFileFileInError), "f2"}, p.await("SendFileRlst", "null"))
	problems := p.takeProblems()
	require.Len(t, problems, 1)
	assert.Contains(t, problems[0], `CRVideo_SendFile needs a File or Blob`)
	assert.Contains(t, problems[0], `report.doc`)
}

// The page cancels a file the desktop user has not taken yet: the offer is
// withdrawn, and the page gets CancelSendRlst(0) and no other result.
func TestWebCancelsAFile(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	p.login("web")
	desk := testkit.NewClient(t, srv.URL, func(c *session.Config) { c.AskBeforeReceiving = true })
	desk.Login(server.DemoAppID, server.PasswordFor(server.DemoAppSecret), "Desk", "desk", "", "")
	testkit.Await[session.LoginSuccess](t, desk, nil)

	var task string
	p.eval(fmt.Sprintf(`CRVideo_SendFile("desk", new File([pattern(%d)], "big.bin"), "f")`, transferSize), &task)
	offer := testkit.Await[session.NotifyFileOffer](t, desk, nil)
	assert.Equal(t, "big.bin", offer.FileName)
	p.eval(fmt.Sprintf(`CRVideo_CancelSend(%q)`, task), nil)
	assert.Equal(t, []any{task, float64(0), "f"}, p.await("CancelSendRlst", "null"))
	testkit.Await[session.NotifyCancelSend](t, desk, nil)
	p.eval(fmt.Sprintf(`CRVideo_CancelSend(%q, "again")`, task), nil)
	assert.Equal(t, []any{task, float64(protocol.TransIDInvalid), "again"}, p.await("CancelSendRlst", "null"))
	var results int
	p.eval(`events.filter(e => e.name === "SendFileRlst").length`, &results)
	assert.Zero(t, results)
}

// assertProgressRate checks the gaps between progress callbacks (the
// page's timestamps, taken just after the SDK's own, so a pause between the
// two shifts one by a few ms): at most one every 100 ms on average, and
// never a burst.
func assertProgressRate(t *testing.T, gaps []float64) {
	t.Helper()
	sum := 0.0
	for _, g := range gaps {
		assert.GreaterOrEqual(t, g, 80.0, "progress callbacks %v ms apart", gaps)
		sum += g
	}
	assert.GreaterOrEqual(t, sum, 100*float64(len(gaps))-20, "progress callbacks %v ms apart", gaps)
}

// slowWait bounds waiting for 50 MiB through a browser: on a loaded
// two-core machine under -race it takes longer than testkit.WaitTimeout.
const slowWait = 90 * time.Second

// awaitSlow is testkit.Await of the first event of type T within slowWait.
func awaitSlow[T session.Event](t *testing.T, c *testkit.Client) T {
	t.Helper()
	deadline := time.After(slowWait)
	for {
		changed := c.Changed()
		if evs := testkit.Unused[T](c); len(evs) > 0 {
			return evs[0]
		}
		select {
		case <-changed:
		case <-deadline:
			var zero T
			t.Fatalf("no %T within %v", zero, slowWait)
			return zero
		}
	}
}

// 50 MiB files both ways, the content hash checked on arrival; the page
// reads the one it sends a slice at a time, never whole; progress comes at
// most every 100 ms. The page cancels a file it sends and one it receives,
// the desktop one it sends, each on its way.
func TestWebBigFilesBothWaysAndCancelFromEitherSide(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MiB through a browser: not in -short")
	}
	const size = 50 << 20
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")
	want := pattern(size)

	// Every read of a Blob is recorded: the SDK must read the file in
	// slices (Blob.slice, then arrayBuffer), not all at once.
	p.eval(`window.reads = [];
		const read = Blob.prototype.arrayBuffer;
		Blob.prototype.arrayBuffer = function () { reads.push(this.size); return read.call(this); };
		0`, nil)
	var task string
	p.eval(fmt.Sprintf(`CRVideo_SendFile("desk", new File([pattern(%d)], "big.bin"), "up")`, size), &task)
	file := awaitSlow[session.NotifyFileData](t, desk)
	var reads []int
	p.eval(`reads`, &reads)
	require.NotEmpty(t, reads)
	assert.LessOrEqual(t, slices.Max(reads), 1<<20, "the largest read of the file")
	stored, err := os.ReadFile(file.TmpFile)
	require.NoError(t, err)
	assert.Equal(t, sha(want), sha(stored))
	assert.Equal(t, []any{task, "big.bin", float64(0), "up"}, p.await("SendFileRlst", "null"))
	var steps int
	p.eval(fmt.Sprintf(`events.filter(e => e.name === "SendProgress" && e.args[0] === %q).length`, task), &steps)
	assert.Greater(t, steps, 1, "progress as it goes, not only at the end")
	var gaps []float64
	p.eval(fmt.Sprintf(`gaps("SendProgress", %q)`, task), &gaps)
	assertProgressRate(t, gaps)

	// The page cancels its next upload at its first progress.
	p.eval(fmt.Sprintf(`CRVideo_SendFile("desk", new File([pattern(%d)], "again.bin"), "up2")`, size), &task)
	p.await("SendProgress", fmt.Sprintf(`a => a[0] === %q && a[1] > 0`, task))
	p.eval(fmt.Sprintf(`CRVideo_CancelSend(%q)`, task), nil)
	assert.Equal(t, []any{task, float64(0), "up2"}, p.await("CancelSendRlst", "null"))
	assert.Equal(t, task, testkit.Await[session.NotifyCancelSend](t, desk, nil).TaskID)

	path := filepath.Join(t.TempDir(), "down.bin")
	require.NoError(t, os.WriteFile(path, want, 0o600))
	desk.SendFile("web", path, "")
	var arrived []string
	p.eval(fmt.Sprintf(`waitEvent("NotifyFileData", null, %d).then(async a => [a[2], await sha256hex(a[1])])`, slowWait.Milliseconds()), &arrived)
	assert.Equal(t, []string{"down.bin", sha(want)}, arrived)
	down := testkit.Await[session.SendFileRlst](t, desk, nil)
	assert.Equal(t, protocol.NoErr, down.Err)
	p.eval(fmt.Sprintf(`gaps("ReceiveProgress", %q)`, down.TaskID), &gaps)
	assert.NotEmpty(t, gaps, "progress as it arrives")
	assertProgressRate(t, gaps)

	// Cancelled at its first progress, long before 50 MiB reach the page.
	id := desk.SendFile("web", path, "")
	testkit.Await[session.SendProgress](t, desk, func(e session.SendProgress) bool { return e.TaskID == id })
	desk.CancelSend(id)
	assert.Equal(t, protocol.NoErr, testkit.Await[session.CancelSendRlst](t, desk, nil).Err)
	cancelled := p.await("NotifyCancelSend", "null")
	assert.Len(t, cancelled[0], len(id))

	// The page cancels a file at its first progress.
	id = desk.SendFile("web", path, "")
	in := p.await("ReceiveProgress", fmt.Sprintf(`a => a[0] === %q && a[3] > 0`, id))
	assert.Less(t, in[3], float64(size))
	p.eval(fmt.Sprintf(`CRVideo_CancelSend(%q, "no")`, id), nil)
	assert.Equal(t, []any{id, float64(0), "no"}, p.await("CancelSendRlst", "null"))
	res := testkit.Await[session.SendFileRlst](t, desk, func(e session.SendFileRlst) bool { return e.TaskID == id })
	assert.Equal(t, protocol.SendFail, res.Err)

	var files int
	p.eval(`events.filter(e => e.name === "NotifyFileData").length`, &files)
	assert.Equal(t, 1, files, "nothing of the cancelled files is handed over")
}

// A page whose Content-Security-Policy forbids WebAssembly cannot hash, so
// its transfers stop at once, each way, with a console error saying what
// the policy needs; with 'wasm-unsafe-eval' they work.
func TestWebTransfersNeedWebAssembly(t *testing.T) {
	srv := testkit.StartServer(t)
	desk := testkit.Login(t, srv.URL, "desk")
	p := openPageAt(t, srv, "page.html", "csp="+url.QueryEscape("script-src 'self' 'unsafe-inline'"))
	p.login("web")

	var task string
	p.eval(`CRVideo_SendBuffer("desk", "hello", "b")`, &task)
	assert.Equal(t, []any{task, float64(protocol.InnerErr), "b"}, p.await("SendBufferRlst", "null"))
	id := desk.SendBuffer("web", []byte("hi"), "")
	assert.Equal(t, session.SendBufferRlst{TaskID: id, Err: protocol.SendFail}, testkit.Await[session.SendBufferRlst](t, desk, nil))
	p.await("NotifyCancelSend", "null")
	problems := p.takeProblems()
	require.NotEmpty(t, problems)
	for _, s := range problems {
		assert.Contains(t, s, "'wasm-unsafe-eval'")
	}

	allowed := openPageAt(t, srv, "page.html", "csp="+url.QueryEscape("script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'"))
	allowed.login("web2")
	allowed.eval(`CRVideo_SendBuffer("desk", "hello", "b")`, &task)
	assert.Equal(t, []any{task, float64(0), "b"}, allowed.await("SendBufferRlst", "null"))
}
