package testkit

import (
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
)

// Proxy is a loopback TCP proxy that can cut its connections, or silently
// swallow what passes through them, to inject network failures for real.
type Proxy struct {
	ln      net.Listener
	targets []string      // each new connection goes to the next, in turn; under mu
	next    atomic.Uint64 // connections made
	mu      sync.Mutex
	links   []*proxyLink
	down    bool
}

// proxyLink is one client connection through the proxy and its way on to
// the target.
type proxyLink struct {
	in, out net.Conn
	holed   atomic.Bool // bytes are read and dropped, in both directions
}

// StartProxy forwards a loopback port to target until the test ends.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	return StartBalancer(t, target)
}

// StartBalancer is a proxy that sends each new connection to the next of
// targets in turn, as a round-robin load balancer in front of a cluster.
func StartBalancer(t testing.TB, targets ...string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("proxy listen: %v", err)
	}
	p := &Proxy{ln: ln, targets: targets}
	go p.accept()
	t.Cleanup(func() { ln.Close(); p.Cut() })
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

func (p *Proxy) accept() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			in.Close()
			continue
		}
		p.mu.Lock()
		target := p.targets[(p.next.Add(1)-1)%uint64(len(p.targets))]
		p.mu.Unlock()
		out, err := net.Dial("tcp", target)
		if err != nil {
			in.Close()
			continue
		}
		l := &proxyLink{in: in, out: out}
		p.mu.Lock()
		if p.down {
			in.Close()
			out.Close()
		} else {
			p.links = append(p.links, l)
		}
		p.mu.Unlock()
		go l.pipe(out, in)
		go l.pipe(in, out)
	}
}

// pipe copies src to dst, dropping what it reads while the link is a
// blackhole, and closes dst when src ends.
func (l *proxyLink) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && !l.holed.Load() {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// Cut drops every connection through the proxy, as a network failure would.
func (p *Proxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.links {
		l.in.Close()
		l.out.Close()
	}
	p.links = nil
}

// Blackhole makes every connection now open through the proxy a half-open
// link: both ends go on writing without an error, and nothing arrives,
// until Cut (or Down) closes them. Later connections pass normally.
func (p *Proxy) Blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.links {
		l.holed.Store(true)
	}
}

// Down cuts every connection and refuses new ones until Up: the network
// is down.
func (p *Proxy) Down() {
	p.mu.Lock()
	p.down = true
	p.mu.Unlock()
	p.Cut()
}

// Up lets connections through again.
func (p *Proxy) Up() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// StartSilentServer runs a WebSocket endpoint that accepts connections and
// never answers, and returns its ws:// URL.
func StartSilentServer(t testing.TB) string {
	t.Helper()
	var up websocket.Upgrader
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var mu sync.Mutex
	var held []*websocket.Conn
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ws, err := up.Upgrade(w, r, nil); err == nil {
			mu.Lock()
			held = append(held, ws)
			mu.Unlock()
		}
	})}
	go srv.Serve(ln)
	t.Cleanup(func() {
		srv.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, ws := range held {
			ws.Close()
		}
	})
	return "ws://" + ln.Addr().String() + "/ws"
}

// setTargets changes where new connections go (a restarted cluster).
func (p *Proxy) setTargets(targets []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.targets = targets
}
