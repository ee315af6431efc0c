package web_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/web"
)

func get(t *testing.T, h http.Handler, method, path string, header map[string]string) (*http.Response, string) {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	r.Host = "huddle.example:7090"
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	resp := w.Result()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(body)
}

// The client's files come with their types, validators and a policy that
// lets the page run scripts and open connections to this server only.
func TestWebClientFilesAreServedWithTypesAndPolicy(t *testing.T) {
	h := web.ClientHandler()
	for path, want := range map[string]struct{ typ, body string }{
		"/":             {"text/html; charset=utf-8", "/sdk/crvideo.js"},
		"/main.js":      {"text/javascript; charset=utf-8", "CRVideo_Init"},
		"/calls.js":     {"text/javascript; charset=utf-8", "NotifyCallIn"},
		"/style.css":    {"text/css; charset=utf-8", "--primary"},
		"/icon.svg":     {"image/svg+xml", "<svg"},
		"/words.js":     {"text/javascript; charset=utf-8", "The application ID or secret is wrong."},
		"/transfers.js": {"text/javascript; charset=utf-8", "SaveFile"},
	} {
		resp, body := get(t, h, http.MethodGet, path, nil)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.Equal(t, want.typ, resp.Header.Get("Content-Type"), path)
		assert.Contains(t, body, want.body, path)
		assert.Equal(t, "nosniff", resp.Header.Get("X-Content-Type-Options"), path)
		assert.Equal(t, "no-cache", resp.Header.Get("Cache-Control"), path)
		csp := resp.Header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "script-src 'self' 'wasm-unsafe-eval';", path)
		assert.Contains(t, csp, "connect-src 'self' ws://huddle.example:7090 wss://huddle.example:7090;", path)
		assert.Contains(t, csp, "frame-ancestors 'none'", path)

		// A browser that has the file revalidates it for nothing.
		etag := resp.Header.Get("ETag")
		require.NotEmpty(t, etag, path)
		again, rest := get(t, h, http.MethodGet, path, map[string]string{"If-None-Match": etag})
		assert.Equal(t, http.StatusNotModified, again.StatusCode, path)
		assert.Empty(t, rest, path)
	}
	for _, path := range []string{"/index.html", "/nope.js", "/../web/embed.go", "/client/main.js", "/sdk/crvideo.js", "/metrics", "/main.js/"} {
		resp, _ := get(t, h, http.MethodGet, path, nil)
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, path)
	}
	resp, _ := get(t, h, http.MethodPost, "/", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
}

// The client's logo is the app's icon, not a copy drifting away from it.
func TestWebClientIconIsTheAppIcon(t *testing.T) {
	app, err := os.ReadFile(filepath.Join("..", "assets", "icon.svg"))
	require.NoError(t, err)
	_, served := get(t, web.ClientHandler(), http.MethodGet, "/icon.svg", nil)
	assert.True(t, bytes.Equal(app, []byte(served)), "web/client/icon.svg differs from assets/icon.svg: copy it again")
}

// Every server without --web serves the client at /, beside the SDK it
// is built on.
func TestServerServesTheWebClientAtRoot(t *testing.T) {
	srv := testkit.StartServer(t)
	base := "http://" + srv.Addr
	for path, want := range map[string]string{"/": "<title>Huddle</title>", "/sdk/crvideo.js": "CRVideo_Login", "/main.js": "CRVideo_Init"} {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, path)
		assert.True(t, strings.Contains(string(body), want), path)
	}
}
