package web_test

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
)

// Every server serves the SDK, as JavaScript: the vendored hash-wasm build
// with its licence, then crvideo.js, byte for byte what is in the
// repository, with a validator that lets a browser revalidate it cheaply.
func TestServerServesTheSDK(t *testing.T) {
	srv := testkit.StartServer(t)
	crvideo, err := os.ReadFile("sdk/crvideo.js")
	require.NoError(t, err)
	hashWasm, err := os.ReadFile("sdk/vendor/hash-wasm/xxhash128.umd.min.js")
	require.NoError(t, err)

	res, err := http.Get("http://" + srv.Addr + "/sdk/crvideo.js")
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "text/javascript; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", res.Header.Get("Cache-Control"))
	at := strings.Index(string(body), string(crvideo))
	assert.Positive(t, at, "crvideo.js, after hash-wasm")
	assert.Positive(t, strings.Index(string(body), string(hashWasm)))
	assert.Less(t, strings.Index(string(body), string(hashWasm)), at)
	assert.Contains(t, string(body), "@license MIT")
	etag := res.Header.Get("ETag")
	require.NotEmpty(t, etag)

	req, err := http.NewRequest(http.MethodGet, "http://"+srv.Addr+"/sdk/crvideo.js", nil)
	require.NoError(t, err)
	req.Header.Set("If-None-Match", etag)
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusNotModified, res.StatusCode, "a browser holding this version revalidates without a download")

	res, err = http.Post("http://"+srv.Addr+"/sdk/crvideo.js", "text/plain", nil)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
}
