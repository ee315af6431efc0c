package app

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// EmbeddedServer is a server the app can run inside itself. The app only
// starts and stops it: main hands one in, so this package links neither
// the server nor the tools that come with its command line (load tool, bot).
type EmbeddedServer interface {
	Serve(ln net.Listener) error
	Shutdown(ctx context.Context) error
}

// LocalServer is a server the app runs inside itself because none answered
// at the default local address.
type LocalServer struct {
	srv  EmbeddedServer
	Addr string
	done chan error
}

// EnsureLocalServer starts a built-in server (made by newServer) on addr
// when url is ws://addr/ws and nothing listens there; it returns nil when
// none was needed (a server answered, or url is another one). A second
// instance of the app then finds this one's server and joins it.
func EnsureLocalServer(url, addr string, newServer func() (EmbeddedServer, error)) (*LocalServer, error) {
	if url != "ws://"+addr+"/ws" {
		return nil, nil
	}
	return ensureServerAt(addr, newServer)
}

func ensureServerAt(addr string, newServer func() (EmbeddedServer, error)) (*LocalServer, error) {
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
	srv, err := newServer()
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
	if serr := <-ls.done; err == nil && serr != nil && !errors.Is(serr, net.ErrClosed) && !errors.Is(serr, http.ErrServerClosed) {
		err = serr
	}
	return err
}
