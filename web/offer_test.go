package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/session"
)

// A page that assigns CRVideo_NotifyFileOffer.callback is asked before it
// takes a file from a desktop user: it accepts one (which arrives whole,
// with ReceiveProgress), declines one (606), lets one time out (604, and
// NotifyCancelSend withdraws its prompt) and cancels one (1000).
func TestWebPageAnswersFileOffers(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	p.eval(`askFirst(); 0`, nil)
	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")
	want := pattern(transferSize)
	path := filepath.Join(t.TempDir(), "offered.bin")
	require.NoError(t, os.WriteFile(path, want, 0o600))
	result := func(id string) session.SendFileRlst {
		t.Helper()
		return testkit.Await[session.SendFileRlst](t, desk, func(e session.SendFileRlst) bool { return e.TaskID == id })
	}
	offerOf := func(id string) []any {
		t.Helper()
		return p.await("NotifyFileOffer", fmt.Sprintf(`a => a[0] === %q`, id))
	}

	// Accepted.
	id := desk.SendFile("web", path, "")
	assert.Equal(t, []any{id, "desk", "offered.bin", float64(transferSize)}, offerOf(id))
	var files int
	p.eval(`events.filter(e => e.name === "NotifyFileData").length`, &files)
	assert.Zero(t, files, "nothing is delivered before the answer")
	p.eval(fmt.Sprintf(`CRVideo_AcceptFile(%q)`, id), nil)
	var arrived []string
	p.eval(`waitEvent("NotifyFileData", null).then(async a => [a[0], a[2], await sha256hex(a[1])])`, &arrived)
	assert.Equal(t, []string{"desk", "offered.bin", sha(want)}, arrived)
	assert.Equal(t, protocol.NoErr, result(id).Err)
	last := p.await("ReceiveProgress", fmt.Sprintf(`a => a[3] === %d`, transferSize))
	assert.Equal(t, []any{id, "desk", "offered.bin", float64(transferSize), float64(transferSize)}, last)

	// Declined: the sender hears 606, the page keeps nothing.
	id = desk.SendFile("web", path, "")
	offerOf(id)
	p.eval(fmt.Sprintf(`CRVideo_RejectFile(%q)`, id), nil)
	assert.Equal(t, protocol.ErrRefuse, result(id).Err)

	// Cancelled by the page while offered: 1000 for the sender,
	// CancelSendRlst 0 for the page.
	id = desk.SendFile("web", path, "")
	offerOf(id)
	p.eval(fmt.Sprintf(`CRVideo_CancelSend(%q, "c")`, id), nil)
	assert.Equal(t, []any{id, float64(0), "c"}, p.await("CancelSendRlst", "null"))
	assert.Equal(t, protocol.SendFail, result(id).Err)

	// Not answered in time: 604, and the page's prompt is withdrawn.
	p.eval(`CRVideo_SetSDKParams({offerTimeout: 200}); 0`, nil)
	id = desk.SendFile("web", path, "")
	offerOf(id)
	p.await("NotifyCancelSend", fmt.Sprintf(`a => a[0] === %q`, id))
	assert.Equal(t, protocol.ErrNoAnswer, result(id).Err)
	p.eval(fmt.Sprintf(`CRVideo_AcceptFile(%q); 0`, id), nil) // too late: ignored

	p.eval(`events.filter(e => e.name === "NotifyFileData").length`, &files)
	assert.Equal(t, 1, files)
}
