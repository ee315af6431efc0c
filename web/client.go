package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

// ClientHandler serves the web client (web/client/, embedded) at / when
// the server has no --web folder: plain files, no build step, built only on
// /sdk/crvideo.js (docs/web-sdk.md, "Web client").
//
// Each file carries an ETag of its content and Cache-Control: no-cache, as
// the SDK does, so a browser revalidates and picks up an upgraded server at
// once. The pages show what other people typed (nicknames, messages, file
// names); the Content-Security-Policy allows scripts from this server only,
// so a slip that put such text into markup could still run nothing.
func ClientHandler() http.Handler { return clientFiles }

var clientFiles = mustClient()

type clientFile struct {
	body []byte
	etag string
	typ  string
}

type clientSite map[string]clientFile // by URL path

func mustClient() clientSite {
	sub, err := fs.Sub(files, "client")
	if err != nil {
		panic(err) // embedded: missing means a broken build
	}
	site := clientSite{}
	err = fs.WalkDir(sub, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(sub, name)
		if err != nil {
			return err
		}
		typ, ok := contentTypes[strings.ToLower(path.Ext(name))]
		if !ok {
			typ = http.DetectContentType(body)
		}
		h := sha256.Sum256(body)
		site["/"+name] = clientFile{body: body, etag: `"` + hex.EncodeToString(h[:8]) + `"`, typ: typ}
		return nil
	})
	if err != nil {
		panic(err)
	}
	site["/"] = site["/index.html"]
	delete(site, "/index.html") // one URL per page
	return site
}

// clientCSP: scripts, styles and connections to this server only; files
// received are offered as blob: downloads; the ringtone is synthesised.
// The SDK hashes transfers with WebAssembly (hash-wasm), which a policy
// must allow by name ('wasm-unsafe-eval': compiling wasm, not eval).
const clientCSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self' %s; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (s clientSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !readOnly(w, r) {
		return
	}
	f, ok := s[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", f.typ)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", f.etag)
	h.Set("X-Content-Type-Options", "nosniff")
	// connect-src 'self' covers ws:/wss: to this host in current browsers
	// (CSP level 3); older ones need the WebSocket origin spelled out.
	host := r.Host
	h.Set("Content-Security-Policy", strings.Replace(clientCSP, "%s", "ws://"+host+" wss://"+host, 1))
	h.Set("Referrer-Policy", "no-referrer")
	http.ServeContent(w, r, path.Base(r.URL.Path), started, bytes.NewReader(f.body))
}
