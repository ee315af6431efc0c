package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/session"
)

// CRVideo_SaveFile offers a received file to the user as a download: the
// browser saves it, whole, under the name given.
func TestWebPageSavesAReceivedFile(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")
	want := pattern(transferSize)
	path := filepath.Join(t.TempDir(), "report.bin")
	require.NoError(t, os.WriteFile(path, want, 0o600))

	downloads := t.TempDir()
	done := make(chan struct{}, 1)
	chromedp.ListenBrowser(p.ctx, func(ev any) {
		if e, ok := ev.(*browser.EventDownloadProgress); ok && e.State == browser.DownloadProgressStateCompleted {
			select {
			case done <- struct{}{}:
			default:
			}
		}
	})
	events := true
	_, err := cdp.Call(p.ctx, chromedp.FromContext(p.ctx).Browser, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads, EventsEnabled: &events,
	})
	require.NoError(t, err)

	desk.SendFile("web", path, "")
	p.eval(`waitEvent("NotifyFileData", null).then(a => { CRVideo_SaveFile(a[1], "saved.bin"); return 0; })`, nil)
	select {
	case <-done:
	case <-time.After(testkit.WaitTimeout):
		t.Fatal("no download completed")
	}
	saved, err := os.ReadFile(filepath.Join(downloads, "saved.bin"))
	require.NoError(t, err)
	assert.Equal(t, sha(want), sha(saved))
}

// An empty file goes both ways; a small offered file, whose end frame came
// before the answer, is delivered on AcceptFile.
func TestWebEmptyAndSmallFiles(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	// The page's socket is watched for the end frame of a transfer.
	p.eval(`const WS = window.WebSocket;
	window.WebSocket = class extends WS {
		constructor(url) {
			super(url);
			this.addEventListener("message", e => {
				if (e.data instanceof ArrayBuffer && new Uint8Array(e.data)[0] === 2 && window.sawEnd) window.sawEnd(true);
			});
		}
	}; 0`, nil)
	p.login("web")
	desk := testkit.Login(t, srv.URL, "desk")
	empty := filepath.Join(t.TempDir(), "empty.txt")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))

	p.eval(`CRVideo_SendFile("desk", new File([], "nothing.txt"), "e")`, nil)
	got := testkit.Await[session.NotifyFileData](t, desk, nil)
	assert.Equal(t, "nothing.txt", got.OrgFileName)
	stored, err := os.ReadFile(got.TmpFile)
	require.NoError(t, err)
	assert.Empty(t, stored)
	assert.Equal(t, float64(0), p.await("SendFileRlst", "null")[2])

	desk.SendFile("web", empty, "")
	var size []any
	p.eval(`waitEvent("NotifyFileData", null).then(a => [a[2], a[1].size])`, &size)
	assert.Equal(t, []any{"empty.txt", float64(0)}, size)
	assert.Equal(t, protocol.NoErr, testkit.Await[session.SendFileRlst](t, desk, nil).Err)

	small := filepath.Join(t.TempDir(), "small.txt")
	require.NoError(t, os.WriteFile(small, []byte("a few bytes"), 0o600))
	p.eval(`askFirst(); window.endFrame = new Promise(seen => { window.sawEnd = seen; }); 0`, nil)
	id := desk.SendFile("web", small, "")
	p.await("NotifyFileOffer", "null")
	p.eval(`endFrame`, nil) // the whole file is on the page before it answers
	p.eval(fmt.Sprintf(`CRVideo_AcceptFile(%q); 0`, id), nil)
	var text string
	p.eval(`waitEvent("NotifyFileData", null).then(a => a[1].text())`, &text)
	assert.Equal(t, "a few bytes", text)
	assert.Equal(t, protocol.NoErr, testkit.Await[session.SendFileRlst](t, desk, nil).Err)
}
