package server

import (
	"net/http"
	"net/url"
	"strings"
)

// checkOrigin guards the WebSocket upgrade against cross-site WebSocket
// hijacking: a web page on another site must not open a session with the
// visitor's network position. Native clients send no Origin and are let in;
// a browser's Origin must be this server's own host or one of
// Config.AllowedOrigins ("*" allows every origin). Others get 403.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	for _, allowed := range s.cfg.AllowedOrigins {
		if allowed == "*" || strings.EqualFold(strings.TrimRight(allowed, "/"), origin) {
			return true
		}
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

// ParseOrigins splits a comma-separated --allowed-origins value.
func ParseOrigins(list string) []string {
	var out []string
	for _, o := range strings.Split(list, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}
