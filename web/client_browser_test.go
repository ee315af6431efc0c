package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/log"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

// The web client at / in a real Chromium, driven as a person would (typing,
// clicking, picking and dropping files), against a real server with a
// desktop (Go SDK) user on the other side. Any console error, uncaught
// exception, failed load or Content-Security-Policy refusal fails it.

// screenshotsEnv names a folder to save a PNG of each screen in
// (docs/web-screenshots.sh sets it to docs/screenshots).
const screenshotsEnv = "HUDDLE_WEB_SCREENSHOTS"

type client struct {
	*page
	files []string // what the next file chooser picks
	mu    sync.Mutex
	// netDown: the test cut the network, so the browser's own "WebSocket
	// connection failed" lines are expected (any other error still fails).
	netDown atomic.Bool
}

func openClient(t *testing.T, srv *testkit.Server, flags ...chromedp.ExecAllocatorOption) *client {
	t.Helper()
	findChromium(t)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return openClientAt(t, hs.URL, flags...)
}

// openClientAt opens the client at base (http://host:port), in a browser
// started with extra flags.
func openClientAt(t *testing.T, base string, flags ...chromedp.ExecAllocatorOption) *client {
	t.Helper()
	c := &client{page: openBrowser(t, "about:blank", flags...)}
	// Errors the browser itself logs (a resource that failed to load, a
	// policy violation) are no console.error call: the Log domain has them.
	err := chromedp.Listen(c.ctx, func(ev any) {
		switch e := ev.(type) {
		case *log.EventEntryAdded:
			if e.Entry.Level == log.EntryLevelError && !(c.netDown.Load() && strings.HasPrefix(e.Entry.Text, "WebSocket connection to")) {
				c.problem(fmt.Sprintf("browser log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		case *cdppage.EventFileChooserOpened:
			c.mu.Lock()
			files := c.files
			c.mu.Unlock()
			// Not from the listener itself: a command there would wait on
			// the goroutine that reads its answer.
			go func() {
				_, err := chromedp.Call(c.ctx, dom.SetFileInputFiles, dom.SetFileInputFilesParams{Files: files, BackendNodeID: e.BackendNodeID})
				if err != nil {
					c.problem("picking files: " + err.Error())
				}
			}()
		}
	})
	require.NoError(t, err)
	c.run(command(log.Enable, cdp.Empty{}), chromedp.EmulateViewport(900, 640),
		command(cdppage.SetInterceptFileChooserDialog, cdppage.SetInterceptFileChooserDialogParams{Enabled: true}),
		chromedp.Navigate(base+"/"))
	return c
}

// command is a protocol command as a step of run.
func command[P, R any](cmd cdp.Command[P, R], params P) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, cmd, params)
		return chromedp.Void{}, err
	}
}

func (c *client) run(steps ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(c.ctx, testkit.WaitTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		c.t.Fatalf("in the page: %v", err)
	}
}

// eval returns the value of a JavaScript expression.
func eval[T any](c *client, js string) T {
	c.t.Helper()
	v, err := chromedp.Run(c.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		c.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// until waits for a JavaScript condition on the page to hold.
func (c *client) until(cond string) {
	c.t.Helper()
	_, err := chromedp.Run(c.ctx, chromedp.Poll[chromedp.Void](cond,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(testkit.WaitTimeout)))
	if err != nil {
		body, _ := chromedp.Run(c.ctx, chromedp.Evaluate[string](`document.body.innerText`))
		c.t.Fatalf("waiting for %s: %v; the page shows:\n%s", cond, err, body)
	}
}

// untilText waits for the element sel to show text containing want.
func (c *client) untilText(sel, want string) {
	c.t.Helper()
	c.until(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.getClientRects().length > 0 && e.textContent.includes(%q); })()`, sel, want))
}

// click clicks the middle of sel once a person could (nothing, such as a
// closing dialog, lies over it), by its place on the screen as a person
// does: lists are redrawn as presence changes, so a row's node may be a
// new one by the time the click lands, at the same place.
func (c *client) click(sel string) {
	c.t.Helper()
	c.until(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false;
		const r = e.getBoundingClientRect(), top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
		return !!top && (top === e || e.contains(top)); })()`, sel))
	at := eval[[]float64](c, fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`, sel))
	c.run(chromedp.MouseClickXY(at[0], at[1]))
}

// button is the selector of a visible button labelled label inside sel.
func button(sel, label string) string { return sel + ` button[title="` + label + `"]` }

func (c *client) shot(name string) {
	c.t.Helper()
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		return
	}
	// Let a frame with the last change be drawn first.
	eval[bool](c, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`)
	png, err := chromedp.Run(c.ctx, chromedp.CaptureScreenshot())
	require.NoError(c.t, err)
	require.NoError(c.t, os.WriteFile(filepath.Join(dir, name), png, 0o644))
}

func (c *client) signIn(nick, user string) {
	c.t.Helper()
	c.untilText("#f-server", strings.TrimPrefix(c.location(), "http://"))
	c.shot("web-signin.png")
	c.run(chromedp.SendKeys(chromedp.ID("f-nick"), nick), chromedp.SendKeys(chromedp.ID("f-user"), user))
	c.click("#signin-button")
	c.untilText("#self", nick+" ("+user+") · idle")
}

func (c *client) location() string { return eval[string](c, `location.host`) }

// person signs a desktop (Go SDK) user in with a real name.
func person(t *testing.T, srv *testkit.Server, user, nick string, tweak ...func(*session.Config)) *testkit.Client {
	t.Helper()
	c := testkit.NewClient(t, srv.URL, tweak...)
	c.Login(server.DemoAppID, server.PasswordFor(server.DemoAppSecret), nick, user, "", "")
	testkit.Await[session.LoginSuccess](t, c, nil)
	return c
}

func asks(c *session.Config) { c.AskBeforeReceiving = true }

func writePattern(t *testing.T, name string, n int) string {
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, pattern(n), 0o600))
	return path
}

func TestWebClientSignsInCallsMessagesAndSendsFiles(t *testing.T) {
	srv := testkit.StartServer(t)
	person(t, srv, "linus", "Linus").Close() // known, and offline
	bob := person(t, srv, "bob", "Bob")
	ada := person(t, srv, "ada", "Ada", asks) // online, to invite; asks before taking files
	c := openClient(t, srv)

	// A wrong secret is said in words, and the form stays.
	c.run(chromedp.SendKeys(chromedp.ID("f-secret"), "not the secret"))
	c.run(chromedp.SendKeys(chromedp.ID("f-nick"), "Wendy"))
	c.click("#signin-button")
	c.untilText("#signin-message", "The application ID or secret is wrong.")
	c.run(chromedp.Reload()) // the default secret again
	c.signIn("Wendy", "web")

	// Contacts, online first, with live presence: Bob goes into DND.
	row := `#contact-list [data-user="bob"]`
	c.untilText("#contact-list li:nth-child(1)", "Ada  (ada)")
	c.untilText("#contact-list li:nth-child(2)", "Bob  (bob)")
	c.untilText("#contact-list li:nth-child(3)", "Linus  (linus)")
	c.untilText(`#contact-list [data-user="linus"]`, "offline")
	c.until(`document.querySelector('#contact-list [data-user="linus"] button[title=Call]').disabled`)
	c.untilText(row, "idle")
	bob.SetDNDStatus(1, "")
	c.untilText(row, "idle · do not disturb")
	bob.SetDNDStatus(0, "")
	c.until(`!document.querySelector('#contact-list [data-user="bob"]').textContent.includes("disturb")`)
	c.run(chromedp.SendKeys(chromedp.ID("search"), "LIN"))
	c.until(`document.querySelectorAll("#contact-list li").length === 1 && !!document.querySelector('#contact-list [data-user="linus"]')`)
	eval[bool](c, `(() => { const s = document.getElementById("search"); s.value = ""; return s.dispatchEvent(new Event("input")); })()`)
	c.until(`document.querySelectorAll("#contact-list li").length === 3`)
	c.shot("web-contacts.png")

	// web → desktop: the dialog rings until Bob accepts.
	c.click(button(row, "Call"))
	c.untilText("dialog[open]", "Calling Bob")
	in := testkit.Await[session.NotifyCallIn](t, bob, nil)
	assert.Equal(t, "web", in.CallerID)
	c.untilText("dialog[open]", "Ringing… 0:0")
	c.shot("web-outgoing-call.png")
	bob.AcceptCall(in.CallID, in.Meet, "", "")
	c.untilText("#call-who", "In a call with Bob")
	c.until(`!document.querySelector("dialog[open]")`)

	// Invite a third person: Ada's status shows live, ringing until she
	// answers; she hangs up later, and the panel says so.
	c.click("#call-invite")
	c.run(chromedp.SetValue(chromedp.ID("pick-who"), "ada"))
	eval[bool](c, `document.getElementById("pick-who").dispatchEvent(new Event("change"))`)
	c.click(button("dialog[open]", "Invite"))
	c.untilText("#call-invites", "Invited Ada: ringing")
	inv := testkit.Await[session.NotifyCallIn](t, ada, nil)
	ada.AcceptCall(inv.CallID, inv.Meet, "", "")
	c.untilText("#call-invites", "Invited Ada: connected")
	c.untilText("#call-who", "In a call with Bob, Ada")
	c.shot("web-in-call.png")
	ada.HungupCall(inv.CallID, "", "")
	c.untilText("#call-invites", "Invited Ada: hung up")
	c.untilText("#call-who", "In a call with Bob")

	c.click("#call-hangup")
	hung := testkit.Await[session.NotifyCallHungup](t, bob, nil)
	assert.Equal(t, in.CallID, hung.CallID)
	c.untilText("#note", "Call ended after 0:0")
	c.until(`document.getElementById("call-panel").hidden`)

	// desktop → web: rings in the page, which accepts; Bob hangs up.
	bob.CreateMeeting("Review", 0, "")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	id := bob.Call("web", meet, "", "")
	c.untilText("dialog[open]", "Bob is calling")
	c.untilText("dialog[open]", "Meeting: Review")
	c.untilText("dialog[open]", "Answer within 0:")
	c.shot("web-incoming-call.png")
	c.click(button("dialog[open]", "Accept"))
	acc := testkit.Await[session.NotifyCallAccepted](t, bob, nil)
	assert.Equal(t, id, acc.CallID)
	c.untilText("#call-who", "In a call with Bob")
	bob.HungupCall(id, "", "")
	c.untilText("#note", "Bob hung up.")
	c.until(`document.getElementById("call-panel").hidden`)

	// desktop → web again: the page rejects, and Bob hears 606.
	id = bob.Call("web", meet, "", "")
	c.untilText("dialog[open]", "Bob is calling")
	c.click(button("dialog[open]", "Reject"))
	rej := testkit.Await[session.NotifyCallRejected](t, bob, func(e session.NotifyCallRejected) bool { return e.CallID == id })
	assert.Equal(t, session.ERR_REFUSE, rej.Err)
	c.untilText("#note", "You declined the call from Bob.")

	// The call log lists the three calls, newest first.
	c.click(`.tabs [data-tab="calls"]`)
	c.untilText("#call-log li:nth-child(1)", "Declined call from Bob")
	c.untilText("#call-log li:nth-child(2)", "Call from Bob")
	c.untilText("#call-log li:nth-child(3)", "Call to Bob")
	c.shot("web-call-log.png")

	// Messages both ways, in the conversation with Bob.
	c.click(`.tabs [data-tab="contacts"]`)
	c.click(row + " .name")
	c.untilText("#conv-title", "Conversation with Bob")
	c.run(chromedp.SendKeys(chromedp.ID("msg-input"), "Hi Bob, the slides are on their way ✓\n"))
	got := testkit.Await[session.NotifyCmdData](t, bob, nil)
	assert.Equal(t, "web", got.SourceUserID)
	assert.Equal(t, "Hi Bob, the slides are on their way ✓", string(got.Data))
	c.untilText("#conv", "You: Hi Bob, the slides are on their way ✓")
	bob.SendCmd("web", []byte("Thanks! I'll look at them after lunch."), "")
	c.untilText("#conv", "Bob: Thanks! I'll look at them after lunch.")
	c.shot("web-messages.png")

	// A file through the picker (the row's send button), web → desktop.
	picked := writePattern(t, "slides.pdf", 3<<20+17)
	c.mu.Lock()
	c.files = []string{picked}
	c.mu.Unlock()
	c.click(button(row, "Send a file"))
	file := testkit.Await[session.NotifyFileData](t, bob, nil)
	assert.Equal(t, "slides.pdf", file.OrgFileName)
	stored, err := os.ReadFile(file.TmpFile)
	require.NoError(t, err)
	assert.Equal(t, sha(pattern(3<<20+17)), sha(stored))
	c.untilText("#transfer-list li:nth-child(1)", "slides.pdf (3.0 MiB) to Bob — sent")

	// A file dropped on the contact's row (a real drag from outside the page).
	dropped := writePattern(t, "notes.txt", 100<<10)
	c.click(`.tabs [data-tab="contacts"]`)
	box := eval[[]float64](c, `(() => { const r = document.querySelector('#contact-list [data-user="bob"] .name').getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`)
	drag := &input.DragData{Items: []*input.DragDataItem{}, Files: []string{dropped}, DragOperationsMask: 1}
	for _, typ := range []input.DispatchDragEventType{input.DispatchDragEventTypeDragEnter, input.DispatchDragEventTypeDragOver, input.DispatchDragEventTypeDrop} {
		c.run(command(input.DispatchDragEvent, input.DispatchDragEventParams{Type: typ, X: box[0], Y: box[1], Data: drag}))
	}
	file = testkit.Await[session.NotifyFileData](t, bob, nil)
	assert.Equal(t, "notes.txt", file.OrgFileName)
	stored, err = os.ReadFile(file.TmpFile)
	require.NoError(t, err)
	assert.Equal(t, sha(pattern(100<<10)), sha(stored))
	c.untilText("#transfer-list li:nth-child(1)", "notes.txt (100.0 KiB) to Bob — sent")

	// A send the receiver has not accepted yet is cancelled from the page:
	// Ada's prompt is withdrawn.
	c.mu.Lock()
	c.files = []string{writePattern(t, "big.iso", 6<<20)}
	c.mu.Unlock()
	c.click(`.tabs [data-tab="contacts"]`)
	c.click(button(`#contact-list [data-user="ada"]`, "Send a file"))
	offer := testkit.Await[session.NotifyFileOffer](t, ada, nil)
	assert.Equal(t, "big.iso", offer.FileName)
	c.untilText("#transfer-list li:nth-child(1)", "big.iso (6.0 MiB) to Ada — starting…")
	c.click(button("#transfer-list li:nth-child(1)", "Cancel"))
	c.untilText("#transfer-list li:nth-child(1)", "big.iso (6.0 MiB) to Ada — cancelled")
	assert.Equal(t, offer.TaskID, testkit.Await[session.NotifyCancelSend](t, ada, nil).TaskID)

	// desktop → web: the page asks first; accepted, the file is listed as
	// received and saved through the browser's download, byte for byte.
	downloads := t.TempDir()
	_, err = chromedp.CallBrowser(c.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads})
	require.NoError(t, err)
	want := pattern(2<<20 + 5)
	bob.SendFile("web", writePattern(t, "budget.xlsx", len(want)), "")
	c.untilText("dialog[open]", "Bob wants to send you\nbudget.xlsx (2.0 MiB).")
	c.shot("web-file-offer.png")
	c.click(button("dialog[open]", "Accept"))
	c.untilText("#transfer-list li:nth-child(1)", "budget.xlsx (2.0 MiB) from Bob — received")
	assert.Equal(t, session.NOERR, testkit.Await[session.SendFileRlst](t, bob, nil).Err)
	c.click(button("#transfer-list li:nth-child(1)", "Save as…"))
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(filepath.Join(downloads, "budget.xlsx"))
		return err == nil && sha(b) == sha(want)
	}, testkit.WaitTimeout, 20*time.Millisecond, "the saved download is the file sent")
	c.untilText("#transfer-list li:nth-child(1)", "— saved")

	// Declined: the sender hears 606. Always accept: asked once, then not.
	ada.SendFile("web", writePattern(t, "spam.bin", 1000), "")
	c.untilText("dialog[open]", "Ada wants to send you")
	c.click(button("dialog[open]", "Decline"))
	assert.Equal(t, session.ERR_REFUSE, testkit.Await[session.SendFileRlst](t, ada, nil).Err)
	c.untilText("#transfer-list li:nth-child(1)", "spam.bin (1000 B) from Ada — declined")
	bob.SendFile("web", writePattern(t, "photo.jpg", 300<<10), "")
	c.click(button("dialog[open]", "Always accept from Bob"))
	c.untilText("#transfer-list li:nth-child(1)", "photo.jpg (300.0 KiB) from Bob — received")
	assert.Equal(t, session.NOERR, testkit.Await[session.SendFileRlst](t, bob, nil).Err)
	bob.SendFile("web", writePattern(t, "photo2.jpg", 300<<10), "")
	assert.Equal(t, session.NOERR, testkit.Await[session.SendFileRlst](t, bob, nil).Err)
	c.untilText("#transfer-list li:nth-child(1)", "photo2.jpg (300.0 KiB) from Bob — received")
	assert.False(t, eval[bool](c, `!!document.querySelector("dialog[open]")`), "no prompt for Bob's files any more")
	c.shot("web-transfers.png")
}

// The connection drops: a banner says the page is reconnecting, and goes
// once it is back; signed in elsewhere, the page is back at sign-in with
// the reason.
func TestWebClientReconnectsAndIsSignedOutElsewhere(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := person(t, srv, "bob", "Bob")
	proxy := testkit.StartProxy(t, srv.Addr)
	c := openClientAt(t, "http://"+proxy.Addr())
	c.signIn("Wendy", "web")
	c.untilText(`#contact-list [data-user="bob"]`, "idle")

	c.netDown.Store(true)
	proxy.Down()
	c.untilText("#banner", "Connection lost — reconnecting…")
	c.untilText("#self", "Wendy (web) · reconnecting…")
	c.until(`document.getElementById("dnd").disabled`)
	c.shot("web-reconnecting.png")
	bob.SetDNDStatus(1, "") // while the page is away
	proxy.Up()
	c.until(`document.getElementById("banner").hidden`)
	c.untilText("#self", "Wendy (web) · idle")
	c.untilText(`#contact-list [data-user="bob"]`, "idle · do not disturb")
	c.netDown.Store(false)

	person(t, srv, "web", "Wendy elsewhere")
	c.untilText("#signin-message", "You signed in somewhere else, so you were signed out here.")
	c.until(`document.getElementById("main").hidden`)
}

// Meetings: create (with a password), the link, call someone into one, end.
func TestWebClientMeetings(t *testing.T) {
	srv := testkit.StartServer(t)
	desk := person(t, srv, "bob", "Bob")
	c := openClient(t, srv)
	c.signIn("Wendy", "web")

	c.click(`.tabs [data-tab="meetings"]`)
	c.untilText("#meetings-empty", "No meetings yet.")
	c.click("#new-meeting")
	c.run(chromedp.SendKeys(chromedp.ID("meeting-subject"), "Design review"), chromedp.Click(chromedp.ID("meeting-pswd")))
	c.click(button("dialog[open]", "Create"))
	c.untilText("#meeting-list li", "Design review · #")
	c.untilText("#meeting-list li", "by Wendy · 0 in it · password ")

	// The desktop user sees it too; their own shows in the page's list.
	desk.GetMeetings("")
	list := testkit.Await[session.GetMeetingsSuccess](t, desk, nil).Meetings
	require.Len(t, list, 1)
	assert.Equal(t, "Design review", list[0].Subject)
	mine := fmt.Sprintf(`#meeting-list [data-meeting="%d"]`, list[0].ID)
	desk.CreateMeeting("Standup", 0, "")
	theirs := fmt.Sprintf(`#meeting-list [data-meeting="%d"]`, testkit.Await[session.CreateMeetingSuccess](t, desk, nil).Meet.ID)
	c.click("#refresh-meetings")
	c.untilText(theirs, "Standup · #")
	c.untilText(theirs, "by Bob · 0 in it · since ")
	c.until(`!document.querySelector('` + theirs + ` button[title=End]')`)
	c.shot("web-meetings.png")

	// Link: copied (the test reads the clipboard back, as a paste would).
	_, err := chromedp.CallBrowser(c.ctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "clipboard-read"}, Setting: browser.PermissionSettingGranted})
	require.NoError(t, err)
	c.click(button(mine, "Link"))
	c.untilText("#note", "Copied the link of “Design review”.")
	assert.Equal(t, list[0].PubMeetUrl, eval[string](c, `navigator.clipboard.readText()`))

	// Call the desktop user into the meeting; they decline.
	c.click(button(mine, "Call in…"))
	c.run(chromedp.SetValue(chromedp.ID("pick-who"), "bob"))
	eval[bool](c, `document.getElementById("pick-who").dispatchEvent(new Event("change"))`)
	c.click(button("dialog[open]", "Call"))
	in := testkit.Await[session.NotifyCallIn](t, desk, nil)
	assert.Equal(t, list[0].ID, in.Meet.ID)
	desk.RejectCall(in.CallID, "", "")
	c.untilText("#note", "Bob declined the call.")

	// End: asked first, then gone for everyone.
	c.click(button(mine, "End"))
	c.untilText("dialog[open]", "End “Design review” for everyone in it?")
	c.click(button("dialog[open]", "Yes"))
	c.until(`document.querySelectorAll("#meeting-list li").length === 1`)
	desk.GetMeetings("")
	assert.Len(t, testkit.Await[session.GetMeetingsSuccess](t, desk, nil).Meetings, 1)
}

// Do not disturb from the page: the desktop sees it and its call is busy.
// A call that rang unanswered is a missed call: counted on the caller's
// row and the Calls tab until the log is looked at.
func TestWebClientDoNotDisturbAndMissedCalls(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := person(t, srv, "bob", "Bob")
	c := openClient(t, srv)
	c.signIn("Wendy", "web")
	row := `#contact-list [data-user="bob"]`
	c.untilText(row, "idle")

	bob.StartUserStatusNotify("")
	testkit.Await[session.StartUserStatusNotifyRslt](t, bob, nil)
	c.click("#dnd")
	testkit.Await[session.NotifyUserStatus](t, bob, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "web" && e.Status.DNDType == 1
	})
	c.until(`document.getElementById("dnd").checked`)
	bob.CreateMeeting("Call", 0, "")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	bob.Call("web", meet, "", "")
	assert.Equal(t, session.ERR_BUSY, testkit.Await[session.CallFail](t, bob, nil).Err)
	c.click("#dnd")
	testkit.Await[session.NotifyUserStatus](t, bob, func(e session.NotifyUserStatus) bool {
		return e.Status.UserID == "web" && e.Status.DNDType == 0
	})

	id := bob.Call("web", meet, "", "")
	c.untilText("dialog[open]", "Bob is calling")
	bob.HungupCall(id, "", "")
	c.untilText("#note", "Missed call from Bob.")
	c.until(`!document.querySelector("dialog[open]")`)
	c.untilText(row, "idle · 1 missed call")
	c.untilText(".tabs", "Calls (1)")
	c.click(`.tabs [data-tab="calls"]`)
	c.untilText("#call-log li:nth-child(1)", "Missed call from Bob")
	c.until(`document.getElementById("calls-tab-text").textContent === "Calls"`)
	c.until(`!document.querySelector('#contact-list [data-user="bob"]').textContent.includes("missed")`)

	// Call back from the log rings Bob.
	c.click(button("#call-log li:nth-child(1)", "Call back"))
	in := testkit.Await[session.NotifyCallIn](t, bob, nil)
	assert.Equal(t, "web", in.CallerID)
	c.click(button("dialog[open]", "Cancel"))
	testkit.Await[session.NotifyCallHungup](t, bob, func(e session.NotifyCallHungup) bool { return e.CallID == in.CallID })
	c.untilText("#note", "Call cancelled.")
}

// An organisation of thousands: the count says how many, the list draws
// the first rows and says how many more, and search finds anyone.
func TestWebClientFindsContactsInABigOrganisation(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithCrowd(2000, 0))
	c := openClient(t, srv)
	c.signIn("Wendy", "web")
	c.untilText("#contact-count", "2000")
	c.until(`document.querySelectorAll("#contact-list li.contact").length === 500`)
	c.untilText("#contact-list li.more", "1500 more: search to find them.")
	c.run(chromedp.SendKeys(chromedp.ID("search"), "001999"))
	c.until(`document.querySelectorAll("#contact-list li").length === 1`)
	c.untilText("#contact-list li", "Crowd member 001999  (member-001999)")
	c.untilText("#contact-count", "1")
}

// Conversations and the call log are kept in the browser per account: a
// reload finds them; another account signed in on the same browser does
// not see them.
func TestWebClientKeepsConversationsAndCallsAcrossAReload(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := person(t, srv, "bob", "Bob")
	c := openClient(t, srv)
	c.signIn("Wendy", "web")
	row := `#contact-list [data-user="bob"]`
	c.click(row + " .name")
	c.run(chromedp.SendKeys(chromedp.ID("msg-input"), "Are we still on for three?\n"))
	testkit.Await[session.NotifyCmdData](t, bob, nil)
	bob.SendCmd("web", []byte("Yes, see you then."), "")
	c.untilText("#conv", "Bob: Yes, see you then.")
	bob.CreateMeeting("Call", 0, "")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	id := bob.Call("web", meet, "", "")
	c.untilText("dialog[open]", "Bob is calling")
	bob.HungupCall(id, "", "")
	c.untilText(".tabs", "Calls (1)")

	// The sign-in form is filled in from last time: one click.
	c.run(chromedp.Reload())
	c.until(`document.getElementById("f-nick").value === "Wendy" && document.getElementById("f-user").value === "web"`)
	c.click("#signin-button")
	c.untilText("#self", "Wendy (web) · idle")
	c.untilText(".tabs", "Calls (1)")
	c.untilText(row, "idle · 1 missed call")
	c.click(row + " .name")
	c.untilText("#conv li:nth-child(1)", "You: Are we still on for three?")
	c.untilText("#conv li:nth-child(2)", "Bob: Yes, see you then.")
	c.click(`.tabs [data-tab="calls"]`)
	c.untilText("#call-log li:nth-child(1)", "Missed call from Bob")

	// Someone else on this browser starts with nothing of it.
	c.click("#sign-out")
	eval[bool](c, `(() => { for (const id of ["f-nick", "f-user"]) document.getElementById(id).value = ""; return true; })()`)
	c.signIn("Olga", "olga")
	c.untilText(".tabs", "Calls")
	c.until(`document.getElementById("calls-tab-text").textContent === "Calls"`)
	c.click(row + " .name")
	c.untilText("#conv-title", "Conversation with Bob")
	c.until(`document.querySelectorAll("#conv li").length === 0`)
}

// Being in a meeting: Join from the Meetings tab, the members panel with
// microphones, Mute/Unmute, the creator muting another, Leave; a meeting
// with a password asks for it.
func TestWebClientJoinsAMeeting(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := person(t, srv, "bob", "Bob")
	c := openClient(t, srv)
	c.signIn("Wendy", "web")
	c.click(`.tabs [data-tab="meetings"]`)
	c.click("#new-meeting")
	c.run(chromedp.SendKeys(chromedp.ID("meeting-subject"), "Planning"))
	c.click(button("dialog[open]", "Create"))
	c.untilText("#meeting-list li", "Planning · #")
	bob.GetMeetings("")
	planning := testkit.Await[session.GetMeetingsSuccess](t, bob, nil).Meetings[0]
	row := fmt.Sprintf(`#meeting-list [data-meeting="%d"]`, planning.ID)

	c.click(button(row, "Join"))
	c.untilText("#room-title", "Meeting “Planning” · 1 in it")
	c.untilText("#room-members", "Wendy (you): muted")
	c.until(`!!document.querySelector('` + row + ` button[title="Joined"]')`)
	bob.EnterMeeting(planning.ID, "", "")
	testkit.Await[session.EnterMeetingRslt](t, bob, nil)
	c.untilText("#room-title", "Meeting “Planning” · 2 in it")
	c.untilText(`#room-members [data-user="bob"]`, "Bob: muted")

	// Bob unmutes; the page, the meeting's creator, mutes him.
	bob.OpenMic("")
	c.untilText(`#room-members [data-user="bob"]`, "Bob: microphone on")
	c.click(button(`#room-members [data-user="bob"]`, "Mute"))
	testkit.Await[session.AudioStatusChanged](t, bob, func(e session.AudioStatusChanged) bool {
		return e.UserID == "bob" && e.NewStatus == protocol.AudioClosed
	})
	c.untilText(`#room-members [data-user="bob"]`, "Bob: muted")
	// The page unmutes itself.
	c.click("#room-mic")
	c.untilText("#room-members", "Wendy (you): microphone on")
	testkit.Await[session.AudioStatusChanged](t, bob, func(e session.AudioStatusChanged) bool {
		return e.UserID == "web" && e.NewStatus == protocol.AudioOpen
	})
	c.untilText("#room-mic", "Mute")
	c.shot("web-room.png")

	c.click("#room-leave")
	c.until(`document.getElementById("room-panel").hidden`)
	assert.Equal(t, "web", testkit.Await[session.UserLeftMeeting](t, bob, nil).UserID)

	// Bob's meeting has a password: Join asks for it.
	bob.CreateMeeting("Budget", 1, "")
	budget := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	c.click("#refresh-meetings")
	brow := fmt.Sprintf(`#meeting-list [data-meeting="%d"]`, budget.ID)
	c.click(button(brow, "Join"))
	c.untilText("dialog[open]", "Password for “Budget”")
	c.run(chromedp.SendKeys(chromedp.ID("meeting-password"), budget.Pswd+"\n"))
	c.untilText("#room-title", "Meeting “Budget” · 1 in it")
}
