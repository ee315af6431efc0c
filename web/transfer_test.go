package web_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
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

	// A path is not something a page can send.
	p.eval(`CRVideo_SendFile("desk", "C:\\report.doc", "f2")`, &task)
	assert.Equal(t, []any{task, `C:\report.doc`, float64(protocol.SendFileFileInError), "f2"}, p.await("SendFileRlst", "null"))
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
