// Package cli holds Huddle's sub-commands; main.go only dispatches to them.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"huddle/internal/buildinfo"
	"huddle/server"
)

// DefaultAddr is where `huddle serve` listens and the desktop app looks.
const DefaultAddr = "127.0.0.1:7090"

// DefaultDataDir is the per-user folder the server keeps its data in.
func DefaultDataDir() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "huddle", "server")
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// Serve runs `huddle serve`.
func Serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	addr := fs.String("addr", envOr("HUDDLE_ADDR", DefaultAddr), "listen address (env HUDDLE_ADDR)")
	data := fs.String("data", envOr("HUDDLE_DATA", DefaultDataDir()), "data folder (env HUDDLE_DATA)")
	cert := fs.String("tls-cert", os.Getenv("HUDDLE_TLS_CERT"), "TLS certificate file; with -tls-key serves wss:// (env HUDDLE_TLS_CERT)")
	key := fs.String("tls-key", os.Getenv("HUDDLE_TLS_KEY"), "TLS key file (env HUDDLE_TLS_KEY)")
	origins := fs.String("allowed-origins", os.Getenv("HUDDLE_ALLOWED_ORIGINS"), "comma-separated browser origins allowed besides this server's own host, e.g. https://chat.example.com (env HUDDLE_ALLOWED_ORIGINS)")
	demo := fs.Bool("demo", false, `create application "demo" with secret "demo" if missing (loopback --addr only; for trying Huddle out)`)
	grace := fs.Duration("grace", 20*time.Second, "how long a dropped user keeps calls and meetings while reconnecting")
	def := server.DefaultLimits()
	var lim server.Limits
	fs.IntVar(&lim.ConnsPerIP, "conns-per-ip", def.ConnsPerIP, "simultaneous connections from one IP address (raise behind a reverse proxy)")
	fs.Float64Var(&lim.LoginRatePerIP, "login-rate-per-ip", def.LoginRatePerIP, "logins per second from one IP address (raise behind a reverse proxy)")
	fs.Float64Var(&lim.LoginRatePerApp, "login-rate-per-app", def.LoginRatePerApp, "logins per second into one application")
	fs.Float64Var(&lim.MsgRate, "msg-rate", def.MsgRate, "control messages per second one connection may send")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*cert == "") != (*key == "") {
		return errors.New("give both -tls-cert and -tls-key, or neither")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv, err := server.New(server.Config{
		DataDir: *data, Demo: *demo, Version: buildinfo.String(), Logger: log,
		AllowedOrigins: server.ParseOrigins(*origins), GracePeriod: *grace, Limits: lim,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() {
		if *cert != "" {
			errc <- srv.ServeTLS(ln, *cert, *key)
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
