package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"huddle/internal/testkit"
	"huddle/server"
)

// The SDK runs in a real headless Chromium (Debian's chromium package,
// installed by scripts/install-deps.sh) against a real server, with a Go
// session user on the other side.

// requireBrowserEnv makes a missing browser a failure instead of a skip;
// ./test.sh sets it, so CI never passes without these tests.
const requireBrowserEnv = "HUDDLE_REQUIRE_BROWSER"

func findChromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(requireBrowserEnv) != "" {
		t.Fatalf("no chromium on PATH and %s is set: install it (scripts/install-deps.sh)", requireBrowserEnv)
	}
	t.Skipf("no chromium on PATH: browser tests skipped (scripts/install-deps.sh installs it; %s=1 makes this a failure)", requireBrowserEnv)
	return ""
}

// page is one browser tab on the test page, served by the same origin as
// the server's /ws and /sdk/crvideo.js.
type page struct {
	t   testing.TB
	ctx context.Context

	mu       sync.Mutex
	problems []string // console errors and uncaught exceptions
}

func openPage(t testing.TB, srv *testkit.Server) *page {
	t.Helper()
	return openPageAt(t, srv, "page.html", "")
}

// openPageAt opens testdata/name with query (e.g. "a=1&b=2", or "").
func openPageAt(t testing.TB, srv *testkit.Server, name, query string) *page {
	t.Helper()
	return openPageWith(t, srv, name, query)
}

// openPageWith is openPageAt in a browser started with extra flags.
func openPageWith(t testing.TB, srv *testkit.Server, name, query string, flags ...chromedp.ExecAllocatorOption) *page {
	t.Helper()
	findChromium(t) // skips before anything is started
	html, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	// The page comes from the server's own handler, so it is same-origin
	// with /ws as a page served by huddle itself is.
	mux := http.NewServeMux()
	mux.HandleFunc("/test.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// A test may give the page a Content-Security-Policy (csp=...).
		if csp := r.URL.Query().Get("csp"); csp != "" {
			w.Header().Set("Content-Security-Policy", csp)
		}
		w.Write(html)
	})
	mux.Handle("/", srv.Handler())
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	return openBrowser(t, hs.URL+"/test.html?"+query, flags...)
}

// openBrowser starts a headless Chromium on url; the test fails on any
// console error or uncaught exception of the page.
func openBrowser(t testing.TB, url string, flags ...chromedp.ExecAllocatorOption) *page {
	t.Helper()
	chromium := findChromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // tests run as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
	}
	opts = append(opts, flags...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })

	p := &page{t: t, ctx: ctx}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				p.problem("console.error: " + strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			desc := d.Text
			if d.Exception != nil {
				desc += " " + d.Exception.Description
			}
			p.problem(fmt.Sprintf("uncaught at %s:%d: %s", d.URL, d.LineNumber+1, desc))
		}
	})
	if err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("open the test page: %v", err)
	}
	t.Cleanup(p.assertNoProblems)
	return p
}

func (p *page) problem(s string) {
	p.mu.Lock()
	p.problems = append(p.problems, s)
	p.mu.Unlock()
}

// takeProblems returns the console errors and exceptions so far and
// clears them: for a test that expects some.
func (p *page) takeProblems() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	got := p.problems
	p.problems = nil
	return got
}

func (p *page) assertNoProblems() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.problems {
		p.t.Errorf("the page logged an error: %s", s)
	}
}

// eval runs JavaScript in the page, awaiting a promise it returns, and
// decodes its value into out (nil: ignore it).
func (p *page) eval(js string, out any) {
	p.t.Helper()
	raw, err := chromedp.Run(p.ctx, chromedp.Evaluate[json.RawMessage](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: %v", js, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			p.t.Fatalf("%s: decode %s: %v", js, raw, err)
		}
	}
}

// await waits for the page's callback CRVideo_<name> whose arguments the JS
// predicate match (an arrow function of the argument array, or "null")
// accepts, and returns its arguments.
func (p *page) await(name, match string) []any {
	p.t.Helper()
	var args []any
	p.eval(fmt.Sprintf("waitEvent(%q, %s)", name, match), &args)
	return args
}

func (p *page) login(user string) {
	p.t.Helper()
	p.eval(fmt.Sprintf(`CRVideo_Init().then(() => CRVideo_Login(%q, %q, "Web %s", %q, "", "in"))`,
		server.DemoAppID, server.PasswordFor(server.DemoAppSecret), user, user), nil)
	args := p.await("LoginSuccess", "null")
	if args[0] != user || args[1] != "in" {
		p.t.Fatalf("LoginSuccess(%v), want (%q, \"in\")", args, user)
	}
}
