package server

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

// serveReady serves s on ln until the test ends and returns once /healthz
// says it accepts clients.
func serveReady(t *testing.T, s *Server, ln net.Listener) {
	t.Helper()
	done := make(chan struct{})
	go func() { s.Serve(ln); close(done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
		<-done
	})
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 10*time.Second, 5*time.Millisecond)
}

func quietConfig(t *testing.T) Config {
	return Config{DataDir: t.TempDir(), HashCost: bcrypt.MinCost, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// A loopback server is what docs/security.md puts behind a reverse proxy:
// it must not grow a well-known application by itself.
func TestNoDemoAppUnlessAsked(t *testing.T) {
	s, err := New(quietConfig(t))
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	serveReady(t, s, ln)
	apps, err := s.store.Apps(context.Background())
	require.NoError(t, err)
	require.Empty(t, apps, "an application was created nobody asked for")
}

func TestDemoAppWhenAsked(t *testing.T) {
	cfg := quietConfig(t)
	cfg.Demo = true
	s, err := New(cfg)
	require.NoError(t, err)
	app, err := s.store.App(context.Background(), DemoAppID)
	require.NoError(t, err, "the demo application exists before Serve")
	require.True(t, s.checkPassword(app, PasswordFor(DemoAppSecret)))
	require.NoError(t, s.Shutdown(context.Background()))

	again, err := New(cfg) // a restart keeps it, and does not fail on it
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	serveReady(t, again, ln)
}

func TestDemoAppRefusesAPublicListener(t *testing.T) {
	cfg := quietConfig(t)
	cfg.Demo = true
	s, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Shutdown(context.Background()) })
	ln, err := net.Listen("tcp", ":0")
	require.NoError(t, err)
	defer ln.Close()
	require.ErrorContains(t, s.Serve(ln), "loopback only")
}
