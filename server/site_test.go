package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secret is what lies outside the web folder, or in its hidden files; no
// answer may ever contain it.
const secret = "TOP-SECRET-do-not-serve"

// siteDir builds a web folder next to a secret file: pages, one file per
// MIME type, a folder without index.html, dotfiles and symlinks out of it.
func siteDir(t *testing.T) string {
	t.Helper()
	top := t.TempDir()
	dir := filepath.Join(top, "site")
	files := map[string]string{
		"index.html":     "<!doctype html><title>home</title>",
		"sub/index.html": "<!doctype html><title>sub</title>",
		"app.js":         "console.log('app')",
		"style.css":      "body{margin:0}",
		"mod.wasm":       "\x00asm\x01\x00\x00\x00",
		"logo.svg":       `<svg xmlns="http://www.w3.org/2000/svg"/>`,
		"data.json":      `{"a":1}`,
		"empty/note.txt": "no index here",
		"metrics":        "a page named like an ops path",
		"sdk/other.js":   "a page under the SDK's prefix",
		".env":           secret,
		".git/config":    secret,
		"sub/.hidden":    secret,
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(top, "secret"), []byte(secret), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(top, "site-secret"), []byte(secret), 0o644))
	require.NoError(t, os.Symlink(filepath.Join(top, "secret"), filepath.Join(dir, "link-out")))
	require.NoError(t, os.Symlink("../secret", filepath.Join(dir, "rel-link-out")))
	require.NoError(t, os.Symlink(top, filepath.Join(dir, "dir-out")))
	require.NoError(t, os.Symlink("/etc", filepath.Join(dir, "etc")))
	require.NoError(t, os.Symlink("app.js", filepath.Join(dir, "link-in.js")))
	return dir
}

// startSite runs a server with cfg on a loopback listener that says it is
// public (no /metrics beside /ws) and returns its base URL.
func startSite(t *testing.T, cfg Config) string {
	t.Helper()
	cfg.DataDir = t.TempDir()
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(cfg)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- s.Serve(publicAddr{ln}) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		<-done
	})
	return "http://" + ln.Addr().String()
}

// rawGet sends target exactly as written (no client-side cleaning or
// escaping) and follows redirects the same way, at most 5 of them.
func rawGet(t *testing.T, base, target string) (*http.Response, string) {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	for range 6 {
		c, err := net.Dial("tcp", u.Host)
		require.NoError(t, err)
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, u.Host)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err, target)
		body, err := io.ReadAll(resp.Body)
		c.Close()
		require.NoError(t, err)
		if resp.StatusCode < 300 || resp.StatusCode > 399 {
			return resp, string(body)
		}
		loc, err := url.Parse(resp.Header.Get("Location"))
		require.NoError(t, err)
		target = (&url.URL{Path: "/"}).ResolveReference(&url.URL{Path: target}).ResolveReference(loc).RequestURI()
	}
	t.Fatalf("%s: too many redirects", target)
	return nil, ""
}

func TestWebDirServesPagesWithTheirTypes(t *testing.T) {
	base := startSite(t, Config{WebDir: siteDir(t)})
	for path, want := range map[string]struct{ typ, body string }{
		"/":           {"text/html; charset=utf-8", "<title>home</title>"},
		"/index.html": {"text/html; charset=utf-8", "<title>home</title>"}, // redirected to /
		"/sub/":       {"text/html; charset=utf-8", "<title>sub</title>"},
		"/sub":        {"text/html; charset=utf-8", "<title>sub</title>"}, // redirected to /sub/
		"/app.js":     {"text/javascript; charset=utf-8", "console.log"},
		"/link-in.js": {"text/javascript; charset=utf-8", "console.log"}, // a symlink inside the folder
		"/style.css":  {"text/css; charset=utf-8", "margin"},
		"/mod.wasm":   {"application/wasm", "asm"},
		"/logo.svg":   {"image/svg+xml", "<svg"},
		"/data.json":  {"application/json", `"a"`},
	} {
		resp, body := rawGet(t, base, path)
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Equal(t, want.typ, resp.Header.Get("Content-Type"), path)
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), path)
		assert.Contains(t, body, want.body, path)
	}
}

// The server's own paths win over files of the same name in the folder.
func TestWebDirLeavesTheServersPathsAlone(t *testing.T) {
	base := startSite(t, Config{WebDir: siteDir(t)})
	resp, body := rawGet(t, base, "/sdk/crvideo.js")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "CRVideo_")
	resp, _ = rawGet(t, base, "/healthz")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, _ = rawGet(t, base, "/readyz")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	resp, body = rawGet(t, base, "/metrics")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "not served on a public listener, and not the folder's file either")
	assert.NotContains(t, body, "ops path")
	resp, body = rawGet(t, base, "/sdk/other.js")
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "/sdk/ is the server's")
	assert.NotContains(t, body, "SDK's prefix")
	resp, _ = rawGet(t, base, "/ws")
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "/ws still answers (a plain GET is no WebSocket upgrade)")
}

func TestWebDirRefusesHostilePaths(t *testing.T) {
	base := startSite(t, Config{WebDir: siteDir(t)})
	for _, path := range []string{
		"/../secret", "/../site-secret", "/%2e%2e/secret", "/%2E%2E/secret", "/..%2fsecret", "/..%2Fsecret",
		"/%2e%2e%2fsecret", "/sub/../../secret", "/sub/..%2f..%2fsecret", "/./../secret", "/..\\secret",
		"//etc/passwd", "/etc/passwd", "/etc/hostname", "/.env", "/.git/config", "/.git/", "/.git",
		"/sub/.hidden", "/%2egit/config", "/link-out", "/rel-link-out", "/dir-out/secret", "/dir-out/",
		"/empty/", "/empty", "/%00", "/index.html%00", "/app.js%00.html", "/sub%00/",
	} {
		resp, body := rawGet(t, base, path)
		assert.Contains(t, []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound}, resp.StatusCode, path)
		assert.NotContains(t, body, secret, path)
		assert.NotContains(t, body, "root:", path)
		assert.NotContains(t, body, "note.txt", "%s: no directory listing", path)
	}
}

func TestWebDirOnlyAnswersGetAndHead(t *testing.T) {
	base := startSite(t, Config{WebDir: siteDir(t)})
	resp, err := http.Post(base+"/app.js", "text/plain", strings.NewReader("x"))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	resp, err = http.Head(base + "/app.js")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

// Without a web folder, / is the web client, and paths it does not have
// are 404, never a file of the server's.
func TestNoWebDirServesTheWebClient(t *testing.T) {
	base := startSite(t, Config{})
	resp, body := rawGet(t, base, "/")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, body, "<title>Huddle</title>")
	for _, path := range []string{"/index.html", "/page.js", "/../huddle.db", "/key", "/metrics"} {
		resp, _ := rawGet(t, base, path)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}
	resp, _ = rawGet(t, base, "/sdk/crvideo.js")
	assert.Equal(t, http.StatusOK, resp.StatusCode)
}

func TestWebDirMustBeAFolder(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), WebDir: filepath.Join(t.TempDir(), "missing")}
	_, err := New(cfg)
	assert.ErrorContains(t, err, "web folder")
}
