package app

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"time"

	"huddle/internal/buildinfo"
	"huddle/internal/cli"
	"huddle/server"
)

// LocalServer is a server the app runs inside itself because none answered
// at the default local address.
type LocalServer struct {
	srv  *server.Server
	Addr string
	done chan error
}

// EnsureLocalServer starts a built-in server when url is the default local
// one and nothing listens there; it returns nil when none was needed (a
// server answered, or the address is another one). A second instance of
// the app then finds this one's server and joins it.
func EnsureLocalServer(url string) (*LocalServer, error) {
	if url != DefaultServerURL {
		return nil, nil
	}
	return ensureServerAt(cli.DefaultAddr, cli.DefaultDataDir())
}

func ensureServerAt(addr, dataDir string) (*LocalServer, error) {
	if conn, err := net.DialTimeout("tcp", addr, 500*time.Millisecond); err == nil {
		conn.Close()
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		// Another instance won the race to start one: use that.
		if conn, derr := net.DialTimeout("tcp", addr, 500*time.Millisecond); derr == nil {
			conn.Close()
			return nil, nil
		}
		return nil, err
	}
	srv, err := server.New(server.Config{
		DataDir: dataDir,
		Demo:    true, // zero set-up: the sign-in form's defaults work
		Version: buildinfo.String(),
		Logger:  slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
	if err != nil {
		ln.Close()
		return nil, err
	}
	ls := &LocalServer{srv: srv, Addr: ln.Addr().String(), done: make(chan error, 1)}
	go func() { ls.done <- srv.Serve(ln) }()
	return ls, nil
}

// Stop shuts the built-in server down.
func (ls *LocalServer) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := ls.srv.Shutdown(ctx)
	if serr := <-ls.done; err == nil && serr != nil && !errors.Is(serr, net.ErrClosed) && serr.Error() != "http: Server closed" {
		err = serr
	}
	return err
}
