package server

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// ReadyTimeout is how long /readyz waits for the store to answer a ping
// before it reports the server not ready.
const ReadyTimeout = 2 * time.Second

// OpsHandler serves what operators and their tools ask of a server:
// /metrics (Prometheus), /healthz and /readyz. huddle serve --metrics-addr
// puts it on a listener of its own.
func (s *Server) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	s.handleOps(mux, true)
	return mux
}

func (s *Server) handleOps(mux *http.ServeMux, withMetrics bool) {
	mux.HandleFunc("/healthz", s.serveHealthz)
	mux.HandleFunc("/readyz", s.serveReadyz)
	if withMetrics {
		mux.Handle("/metrics", s.MetricsHandler())
	}
}

// serveHealthz: alive. 200 while the server accepts clients, 503 before
// Serve and once Shutdown has begun.
func (s *Server) serveHealthz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "not serving", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}

// serveReadyz: ready for clients. 200 while the server accepts clients and
// its store answers a ping within ReadyTimeout; 503 otherwise, so a load
// balancer sends no one to a node that could not sign them in.
func (s *Server) serveReadyz(w http.ResponseWriter, r *http.Request) {
	if !s.ready.Load() {
		http.Error(w, "not serving", http.StatusServiceUnavailable)
		return
	}
	if s.cluster != nil && !s.cluster.connected() {
		http.Error(w, "not connected to NATS", http.StatusServiceUnavailable)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready: the store does not answer", "err", err)
		http.Error(w, "store not answering", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}
