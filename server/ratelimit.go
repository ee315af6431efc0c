package server

import (
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"huddle/protocol"
)

// guard holds the server-wide abuse limits: login rates per IP address and
// per application, failed logins per IP address and application, and
// connections per IP address. Its locks are leaves: nothing is called while
// one is held.
type guard struct {
	lim         Limits
	loginsByIP  *keyedLimiter
	loginsByApp *keyedLimiter

	mu     sync.Mutex
	conns  map[string]int          // IP → open connections
	failed map[ipApp]*failedLogins // IP+app → recent wrong passwords
}

type ipApp struct{ ip, app string }

type failedLogins struct {
	count int
	last  time.Time
}

func newGuard(l Limits) *guard {
	return &guard{
		lim:         l,
		loginsByIP:  newKeyedLimiter(rate.Limit(l.LoginRatePerIP), l.LoginBurst),
		loginsByApp: newKeyedLimiter(rate.Limit(l.LoginRatePerApp), l.LoginBurst),
		conns:       make(map[string]int),
		failed:      make(map[ipApp]*failedLogins),
	}
}

// clientIP is the address the request came from. Behind a reverse proxy
// that is the proxy; docs/security.md explains what that means for limits.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// openConn counts a new connection from ip; false if ip has too many.
func (g *guard) openConn(ip string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conns[ip] >= g.lim.ConnsPerIP {
		return false
	}
	g.conns[ip]++
	return true
}

func (g *guard) closeConn(ip string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.conns[ip]--; g.conns[ip] <= 0 {
		delete(g.conns, ip)
	}
}

// admitLogin decides whether a login attempt may be checked at all; the
// reason is for the client when it may not.
func (g *guard) admitLogin(ip, app string, now time.Time) (bool, string) {
	if !g.loginsByIP.allow(ip, now) {
		return false, "too many logins from your address; try again shortly"
	}
	if g.lockedOut(ip, app, now) {
		return false, "too many failed logins; wait before trying again"
	}
	if !g.loginsByApp.allow(app, now) {
		return false, "too many logins into this application; try again shortly"
	}
	return true, ""
}

func (g *guard) lockedOut(ip, app string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	f := g.failed[ipApp{ip, app}]
	return f != nil && f.count >= g.lim.MaxFailedLogins && now.Sub(f.last) < g.lim.FailedLoginDelay
}

// loginResult records how a checked login went: failures of the secret or
// token count towards the lock-out, a success clears it.
func (g *guard) loginResult(ip, app string, code protocol.ErrCode, now time.Time) {
	k := ipApp{ip, app}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch code {
	case protocol.NoErr:
		delete(g.failed, k)
	case protocol.AcntPswdErr, protocol.CustomAuthFailed:
		f := g.failed[k]
		if f == nil || now.Sub(f.last) >= g.lim.FailedLoginDelay {
			if len(g.failed) > maxTracked {
				g.pruneFailed(now)
			}
			f = &failedLogins{}
			g.failed[k] = f
		}
		f.count++
		f.last = now
	}
}

func (g *guard) pruneFailed(now time.Time) {
	for k, f := range g.failed {
		if now.Sub(f.last) >= g.lim.FailedLoginDelay {
			delete(g.failed, k)
		}
	}
}

// maxTracked is how many keys a table holds before idle ones are dropped;
// it keeps memory flat when an attacker sends from many addresses.
const maxTracked = 4096

// keyedLimiter is one token bucket per key (IP address, application).
type keyedLimiter struct {
	r     rate.Limit
	burst int

	mu sync.Mutex
	m  map[string]*rate.Limiter
}

func newKeyedLimiter(r rate.Limit, burst int) *keyedLimiter {
	return &keyedLimiter{r: r, burst: burst, m: make(map[string]*rate.Limiter)}
}

func (k *keyedLimiter) allow(key string, now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	l := k.m[key]
	if l == nil {
		if len(k.m) >= maxTracked {
			k.prune(now)
		}
		l = rate.NewLimiter(k.r, k.burst)
		k.m[key] = l
	}
	return l.AllowN(now, 1)
}

// prune forgets buckets that are full again: a new bucket behaves the same.
func (k *keyedLimiter) prune(now time.Time) {
	for key, l := range k.m {
		if l.TokensAt(now) >= float64(k.burst) {
			delete(k.m, key)
		}
	}
}

// connLimiter is one connection's message rate; owned by its read loop.
type connLimiter struct {
	msgs    *rate.Limiter
	strikes int // refused messages in a row
}

func newConnLimiter(l Limits) connLimiter {
	return connLimiter{msgs: rate.NewLimiter(rate.Limit(l.MsgRate), l.MsgBurst)}
}

// errRateClosed stops the rest of a frame once its sender has been closed.
var errRateClosed = errors.New("closed: far above the message rate limit")

// admit runs m if the connection is within its message rate. A short burst
// over gets RATE_LIMITED answers; a client that keeps on is closed.
func (c *conn) admit(m protocol.Message) error {
	if unmetered[m.Op] {
		return c.handle(m)
	}
	if c.limiter.msgs.Allow() {
		c.limiter.strikes = 0
		return c.handle(m)
	}
	c.limiter.strikes++
	if c.limiter.strikes >= c.srv.cfg.Limits.MsgStrikes {
		c.close(protocol.CloseRateLimited, "far above the message rate limit")
		return errRateClosed
	}
	c.fail(m.ID, protocol.RateLimited, "too many messages; slow down")
	return nil
}

// unmetered are the receiver's flow-control answers. They are bounded by
// what the server itself relayed (an ack beyond the bytes handed over, or
// for a command never sent, is ignored), and refusing one would stall the
// sender's window: a large file needs thousands of them.
var unmetered = map[string]bool{
	protocol.OpXferAck: true,
	protocol.OpCmdAck:  true,
}
