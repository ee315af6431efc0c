package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/bot"
	"huddle/internal/testkit"
	"huddle/media"
	"huddle/session"
)

// The web client in Firefox (Debian's firefox-esr, installed by
// scripts/install-deps.sh), driven through WebDriver BiDi, the standard
// remote protocol Firefox speaks: the same flows as in Chromium, so the
// client is known to need nothing Chromium-only. Clicks are real pointer
// input; the test fails on any error the page logs.

// firefoxStartTimeout: a fresh profile takes Firefox several seconds.
const firefoxStartTimeout = 60 * time.Second

type firefox struct {
	t        *testing.T
	ws       *websocket.Conn
	context  string // the tab
	download string // where downloads land

	mu       sync.Mutex
	next     int
	waiting  map[int]chan bidiReply
	problems []string
}

type bidiReply struct {
	Type    string          `json:"type"`
	ID      int             `json:"id"`
	Method  string          `json:"method"`
	Result  json.RawMessage `json:"result"`
	Params  json.RawMessage `json:"params"`
	Error   string          `json:"error"`
	Message string          `json:"message"`
}

func findFirefox(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"firefox-esr", "firefox"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(requireBrowserEnv) != "" {
		t.Fatalf("no firefox-esr on PATH and %s is set: install it (scripts/install-deps.sh)", requireBrowserEnv)
	}
	t.Skipf("no firefox-esr on PATH: Firefox tests skipped (scripts/install-deps.sh installs it; %s=1 makes this a failure)", requireBrowserEnv)
	return ""
}

var bidiListening = regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`)

// startFirefox opens url in a fresh headless Firefox; prefs are extra
// user.js lines.
func startFirefox(t *testing.T, url string, prefs ...string) *firefox {
	t.Helper()
	bin := findFirefox(t)
	profile, download := t.TempDir(), t.TempDir()
	// Downloads go to a known folder without a question, as a user who
	// chose "always save" has it.
	userJS := fmt.Sprintf(`user_pref("browser.download.dir", %q);
user_pref("browser.download.folderList", 2);
user_pref("browser.download.useDownloadDir", true);
user_pref("browser.download.always_ask_before_handling_new_types", false);
user_pref("browser.download.alwaysOpenPanel", false);
`, download) + strings.Join(prefs, "\n")
	require.NoError(t, os.WriteFile(filepath.Join(profile, "user.js"), []byte(userJS), 0o600))

	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-remote", "--profile", profile, "--remote-debugging-port=0", "about:blank")
	cmd.Env = append(os.Environ(), "MOZ_CRASHREPORTER_DISABLE=1")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cancel(); cmd.Wait() })

	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := bidiListening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	var endpoint string
	select {
	case endpoint = <-found:
	case <-time.After(firefoxStartTimeout):
		t.Fatalf("firefox did not open WebDriver BiDi within %v", firefoxStartTimeout)
	}
	ws, _, err := websocket.DefaultDialer.Dial(endpoint+"/session", nil)
	require.NoError(t, err)
	f := &firefox{t: t, ws: ws, download: download, waiting: map[int]chan bidiReply{}}
	go f.read()
	t.Cleanup(func() { ws.Close() })
	t.Cleanup(f.assertNoProblems)

	// Firefox opens its BiDi port before it has finished starting: under a
	// loaded machine the first session takes as long as the start itself.
	f.callWithin(firefoxStartTimeout, "session.new", map[string]any{"capabilities": map[string]any{}}, nil)
	f.call("session.subscribe", map[string]any{"events": []string{"log.entryAdded"}}, nil)
	var tree struct {
		Contexts []struct {
			Context string `json:"context"`
		} `json:"contexts"`
	}
	f.call("browsingContext.getTree", map[string]any{}, &tree)
	require.NotEmpty(t, tree.Contexts)
	f.context = tree.Contexts[0].Context
	f.call("browsingContext.setViewport", map[string]any{"context": f.context, "viewport": map[string]int{"width": 900, "height": 640}}, nil)
	f.call("browsingContext.navigate", map[string]any{"context": f.context, "url": url, "wait": "complete"}, nil)
	return f
}

func (f *firefox) read() {
	for {
		var r bidiReply
		if err := f.ws.ReadJSON(&r); err != nil {
			return
		}
		switch {
		case r.Type == "event" && r.Method == "log.entryAdded":
			var e struct {
				Level string `json:"level"`
				Text  string `json:"text"`
				Type  string `json:"type"`
			}
			json.Unmarshal(r.Params, &e)
			if e.Level == "error" {
				f.mu.Lock()
				f.problems = append(f.problems, e.Type+": "+e.Text)
				f.mu.Unlock()
			}
		case r.ID != 0:
			f.mu.Lock()
			ch := f.waiting[r.ID]
			delete(f.waiting, r.ID)
			f.mu.Unlock()
			if ch != nil {
				ch <- r
			}
		}
	}
}

func (f *firefox) assertNoProblems() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, p := range f.problems {
		f.t.Errorf("the page logged an error in Firefox: %s", p)
	}
}

// call sends one command and decodes its result into out (nil: ignore).
func (f *firefox) call(method string, params any, out any) {
	f.t.Helper()
	f.callWithin(testkit.WaitTimeout+5*time.Second, method, params, out)
}

func (f *firefox) callWithin(timeout time.Duration, method string, params any, out any) {
	f.t.Helper()
	f.mu.Lock()
	f.next++
	id := f.next
	ch := make(chan bidiReply, 1)
	f.waiting[id] = ch
	f.mu.Unlock()
	require.NoError(f.t, f.ws.WriteJSON(map[string]any{"id": id, "method": method, "params": params}))
	select {
	case r := <-ch:
		if r.Type == "error" {
			f.t.Fatalf("%s: %s: %s", method, r.Error, r.Message)
		}
		if out != nil {
			require.NoError(f.t, json.Unmarshal(r.Result, out))
		}
	case <-time.After(timeout):
		f.t.Fatalf("%s: no answer from firefox within %v", method, timeout)
	}
}

// eval runs JavaScript (a promise is awaited) and returns its value.
func (f *firefox) eval(js string) any {
	f.t.Helper()
	var res struct {
		Type   string `json:"type"`
		Result struct {
			Value any `json:"value"`
		} `json:"result"`
		ExceptionDetails struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	f.call("script.evaluate", map[string]any{"expression": js, "target": map[string]string{"context": f.context}, "awaitPromise": true}, &res)
	if res.Type == "exception" {
		f.t.Fatalf("%s: %s", js, res.ExceptionDetails.Text)
	}
	return res.Result.Value
}

// until waits, inside the page, for a condition to hold.
func (f *firefox) until(cond string) {
	f.t.Helper()
	ok := f.eval(fmt.Sprintf(`new Promise(resolve => {
		const end = Date.now() + %d;
		const look = () => { if (%s) resolve(true); else if (Date.now() > end) resolve(false); else setTimeout(look, 20); };
		look(); })`, testkit.WaitTimeout.Milliseconds(), cond))
	if ok != true {
		f.t.Fatalf("waiting for %s; the page shows:\n%v", cond, f.eval(`document.body.innerText`))
	}
}

func (f *firefox) untilText(sel, want string) {
	f.t.Helper()
	f.until(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.getClientRects().length > 0 && e.textContent.includes(%q); })()`, sel, want))
}

// click moves the pointer to the middle of sel and presses it, once
// nothing lies over it.
func (f *firefox) click(sel string) {
	f.t.Helper()
	f.until(fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false;
		const r = e.getBoundingClientRect(), top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
		return !!top && (top === e || e.contains(top)); })()`, sel))
	at := f.eval(fmt.Sprintf(`(() => { const r = document.querySelector(%q).getBoundingClientRect(); return [Math.round(r.x + r.width / 2), Math.round(r.y + r.height / 2)]; })()`, sel))
	xy := at.([]any)
	// BiDi serialises an array as {type, value} items.
	pos := func(i int) float64 { return xy[i].(map[string]any)["value"].(float64) }
	f.call("input.performActions", map[string]any{"context": f.context, "actions": []any{map[string]any{
		"type": "pointer", "id": "mouse", "parameters": map[string]string{"pointerType": "mouse"},
		"actions": []any{
			map[string]any{"type": "pointerMove", "x": int(pos(0)), "y": int(pos(1))},
			map[string]any{"type": "pointerDown", "button": 0},
			map[string]any{"type": "pointerUp", "button": 0},
		},
	}}}, nil)
}

// typeInto clicks the field and types text with real key presses.
func (f *firefox) typeInto(sel, text string) {
	f.t.Helper()
	f.click(sel)
	var keys []any
	for _, r := range text {
		k := string(r)
		if r == '\n' {
			k = "\uE007" // Enter
		}
		keys = append(keys, map[string]any{"type": "keyDown", "value": k}, map[string]any{"type": "keyUp", "value": k})
	}
	f.call("input.performActions", map[string]any{"context": f.context, "actions": []any{map[string]any{
		"type": "key", "id": "keyboard", "actions": keys}}}, nil)
}

func TestWebClientInFirefox(t *testing.T) {
	findFirefox(t)
	srv := testkit.StartServer(t)
	bob := person(t, srv, "bob", "Bob")
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	f := startFirefox(t, hs.URL+"/")

	f.untilText("#f-server", strings.TrimPrefix(hs.URL, "http://"))
	f.typeInto("#f-nick", "Fox")
	f.typeInto("#f-user", "fox")
	f.click("#signin-button")
	f.untilText("#self", "Fox (fox) · idle")
	row := `#contact-list [data-user="bob"]`
	f.untilText(row, "Bob  (bob)")

	// web → desktop, accepted, hung up by the page.
	f.click(row + ` button[title="Call"]`)
	f.untilText("dialog[open]", "Calling Bob")
	in := testkit.Await[session.NotifyCallIn](t, bob, nil)
	bob.AcceptCall(in.CallID, in.Meet, "", "")
	f.untilText("#call-who", "In a call with Bob")
	f.click("#call-hangup")
	assert.Equal(t, in.CallID, testkit.Await[session.NotifyCallHungup](t, bob, nil).CallID)

	// desktop → web, accepted in the page, hung up by the desktop.
	bob.CreateMeeting("Review", 0, "")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	id := bob.Call("fox", meet, "", "")
	f.untilText("dialog[open]", "Bob is calling")
	f.click(`dialog[open] button[title="Accept"]`)
	assert.Equal(t, id, testkit.Await[session.NotifyCallAccepted](t, bob, nil).CallID)
	f.untilText("#call-who", "In a call with Bob")
	bob.HungupCall(id, "", "")
	f.untilText("#note", "Bob hung up.")

	// Messages both ways.
	f.click(row + " .name")
	f.typeInto("#msg-input", "Hello from Firefox\n")
	assert.Equal(t, "Hello from Firefox", string(testkit.Await[session.NotifyCmdData](t, bob, nil).Data))
	bob.SendCmd("fox", []byte("Hi Fox!"), "")
	f.untilText("#conv", "Bob: Hi Fox!")

	// A file dropped on Bob's row (the drop event a drag from the desktop
	// makes), checked on arrival.
	f.eval(`(() => {
		const b = new Uint8Array(300000); for (let i = 0; i < b.length; i++) b[i] = (i * 131 + 7 + (i >> 10)) & 255;
		const dt = new DataTransfer(); dt.items.add(new File([b], "fox.bin"));
		const row = document.querySelector('#contact-list [data-user="bob"]');
		for (const type of ["dragenter", "dragover", "drop"]) row.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
		return true; })()`)
	file := testkit.Await[session.NotifyFileData](t, bob, nil)
	assert.Equal(t, "fox.bin", file.OrgFileName)
	stored, err := os.ReadFile(file.TmpFile)
	require.NoError(t, err)
	assert.Equal(t, sha(pattern(300000)), sha(stored))
	f.untilText("#transfer-list li:nth-child(1)", "fox.bin (293.0 KiB) to Bob — sent")

	// desktop → web: offered, accepted, saved through Firefox's download.
	want := pattern(1<<20 + 3)
	bob.SendFile("fox", writePattern(t, "report.bin", len(want)), "")
	f.untilText("dialog[open]", "Bob wants to send you")
	f.click(`dialog[open] button[title="Accept"]`)
	f.untilText("#transfer-list li:nth-child(1)", "report.bin (1.0 MiB) from Bob — received")
	assert.Equal(t, session.NOERR, testkit.Await[session.SendFileRlst](t, bob, nil).Err)
	f.click(`#transfer-list li:nth-child(1) button[title="Save as…"]`)
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(filepath.Join(f.download, "report.bin"))
		return err == nil && sha(b) == sha(want)
	}, testkit.WaitTimeout, 20*time.Millisecond, "the saved download is the file sent")
}

// Voice in Firefox: its fake microphone (a tone Firefox generates; it
// cannot play a file as Chromium can), no permission prompt, and sound
// allowed without a click (what a user's click gives a real page). A bot at
// 440 Hz calls; Firefox shows it speaking (it receives and measures the
// audio), and the bot hears Firefox's tone only while the page is unmuted.
func TestWebClientTalksInFirefox(t *testing.T) {
	findFirefox(t)
	srv := testkit.StartServer(t)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	f := startFirefox(t, hs.URL+"/",
		`user_pref("media.navigator.streams.fake", true);`,
		`user_pref("media.navigator.permission.disabled", true);`,
		`user_pref("media.autoplay.default", 0);`, // sound without a click, as Chromium's autoplay flag
		// Headless Firefox on a machine without a sound card never starts
		// an AudioContext (it stays "suspended"); cubeb's mock output runs
		// it, as Chromium's headless fake output does.
		`user_pref("media.cubeb.force_mock_context", true);`)
	f.untilText("#f-server", strings.TrimPrefix(hs.URL, "http://"))
	f.typeInto("#f-nick", "Fox")
	f.typeInto("#f-user", "fox")
	f.click("#signin-button")
	f.untilText("#self", "Fox (fox) · idle")
	heard, sink := botRecorder(t)
	testkit.StartBotWith(t, srv.URL, "ada", 0, func(c *bot.Config) {
		c.CallUser, c.Play, c.Record, c.JitterFrames = "fox", botTone(t, 440), sink, 10
	})
	f.untilText("dialog[open]", "is calling")
	f.click(`dialog[open] button[title="Accept"]`)
	f.until(`document.querySelector('#room-members [data-user="ada"]')?.dataset.speaking === "yes"`)

	level := func() float64 {
		rate, pcm, err := media.ReadWAV(heard)
		require.NoError(t, err)
		if len(pcm) < rate/2 {
			return 0
		}
		return media.Level(pcm[len(pcm)-rate/2:])
	}
	assert.Less(t, level(), 0.01, "muted on entering")
	f.click("#room-mic")
	f.untilText("#room-mic", "Mute")
	require.Eventually(t, func() bool { return level() > 0.05 }, 20*time.Second, 50*time.Millisecond, "the bot hears Firefox")
	f.click("#room-mic")
	f.untilText("#room-mic", "Unmute")
	require.Eventually(t, func() bool { return level() < 0.01 }, 10*time.Second, 50*time.Millisecond, "muted again")
}
