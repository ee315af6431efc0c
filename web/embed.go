// Package web holds what Huddle serves to browsers, embedded in the binary:
// the CRVideo_* JavaScript SDK at /sdk/crvideo.js and the web client built
// on it at / (docs/web-sdk.md).
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"time"
)

//go:embed sdk/crvideo.js sdk/vendor/hash-wasm/xxhash128.umd.min.js client
var files embed.FS

// SDKPath is where every server serves the SDK.
const SDKPath = "/sdk/crvideo.js"

var (
	sdk = bundle(mustRead("sdk/vendor/hash-wasm/xxhash128.umd.min.js"), mustRead("sdk/crvideo.js"))
	// The content's hash is its ETag, so a browser revalidates cheaply and
	// gets a new SDK as soon as the server it talks to is upgraded.
	sdkETag = func() string { h := sha256.Sum256(sdk); return `"` + hex.EncodeToString(h[:8]) + `"` }()
	// Embedded files carry no time; the process start stands in for the
	// build's, which only makes Last-Modified conservative.
	started = time.Now()
)

// bundle makes the one script pages load: the vendored hash-wasm build
// (sdk/vendor/hash-wasm, MIT; its licence banner stays at its top) and the
// SDK, in one function scope. The UMD build sees a CommonJS-style exports
// object there, so it leaves no global behind; crvideo.js finds it as
// `hashwasm`.
func bundle(hashWasm, crvideo []byte) []byte {
	var b bytes.Buffer
	b.WriteString("/* Huddle's CRVideo_* SDK (docs/web-sdk.md): hash-wasm, then crvideo.js. */\n")
	b.WriteString("(function () {\nconst hashwasm = (function () {\nconst exports = {}, module = { exports: exports };\n")
	b.Write(hashWasm)
	b.WriteString("\nreturn module.exports;\n})();\n")
	b.Write(crvideo)
	b.WriteString("\n})();\n")
	return b.Bytes()
}

func mustRead(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err) // the file is embedded: missing means a broken build
	}
	return b
}

// ServeSDK answers GET/HEAD of the SDK with its MIME type and validators:
// browsers cache it and ask again (If-None-Match) before each use.
func ServeSDK(w http.ResponseWriter, r *http.Request) {
	if !readOnly(w, r) {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "no-cache") // may be stored, must be revalidated
	h.Set("ETag", sdkETag)
	h.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "crvideo.js", started, bytes.NewReader(sdk))
}

// readOnly answers 405 to anything but GET and HEAD, and says whether the
// request is one of those.
func readOnly(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	return false
}
