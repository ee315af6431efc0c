package web

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
)

// Site serves a folder of web pages (huddle serve --web DIR): an existing
// web app beside /ws, on the same port, so its pages are same-origin.
//
// What it refuses, each answered 404 as if absent (docs/security.md):
// anything outside the folder (the file server cleans "..", and an
// os.Root confines symlinks to the folder, where os.DirFS would follow
// them anywhere); hidden files and folders (.git, .env), which a deploy
// often leaves there; a folder without index.html (never a listing);
// names with a NUL byte. Methods other than GET and HEAD get 405.
type Site struct {
	root  *os.Root
	files http.Handler
}

// NewSite opens dir; the folder stays open until Close.
func NewSite(dir string) (*Site, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("web folder: %w", err)
	}
	return &Site{root: root, files: http.FileServerFS(pagesFS{root.FS()})}, nil
}

// Close releases the folder.
func (s *Site) Close() error { return s.root.Close() }

// contentTypes fixes the types browsers insist on: mime.TypeByExtension
// also reads the system's mime.types, which may say application/javascript
// or nothing for .wasm (then WebAssembly.instantiateStreaming refuses it).
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json",
	".wasm": "application/wasm",
	".svg":  "image/svg+xml",
}

func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !readOnly(w, r) {
		return
	}
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if t, ok := contentTypes[strings.ToLower(path.Ext(r.URL.Path))]; ok {
		h.Set("Content-Type", t) // an error page replaces it with text/plain
	}
	s.files.ServeHTTP(w, r)
}

// pagesFS is the folder as the file server may see it: hidden names,
// names with NUL and folders without index.html do not exist.
type pagesFS struct{ fsys fs.FS }

func (p pagesFS) Open(name string) (fs.File, error) {
	notExist := &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	if strings.ContainsRune(name, 0) {
		return nil, notExist
	}
	for elem := range strings.SplitSeq(name, "/") {
		if strings.HasPrefix(elem, ".") && elem != "." {
			return nil, notExist
		}
	}
	f, err := p.fsys.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			return nil, err
		}
		// e.g. a symlink out of the folder ("path escapes from parent"):
		// say nothing about what lies there.
		return nil, notExist
	}
	info, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, notExist
	}
	if info.IsDir() {
		if idx, err := fs.Stat(p.fsys, path.Join(name, "index.html")); err != nil || idx.IsDir() {
			f.Close()
			return nil, notExist // no index: no listing either
		}
	}
	return f, nil
}
