package server

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pion/turn/v5"
	"github.com/prometheus/client_golang/prometheus"

	"huddle/protocol"
)

// turnServer is the TURN/STUN server `huddle serve --turn-addr` embeds
// (pion/turn), on UDP and TCP at the same address, for clients that cannot
// reach the SFU directly.
//
// Credentials are TURN REST style: the username is
// "EXPIRY:APP:USER:SESSION:NONCE" and the password an HMAC of it under a key
// derived from the server's secret key, so nothing is stored and nothing
// is static. Each is handed to one signed-in session (get_ice_servers),
// lasts Limits.TURNCredentialTTL, and is refused once its user is signed
// out. Allocations are capped per user (Limits.TURNAllocationsPerUser) and
// expire unless refreshed (Limits.TURNAllocationLifetime).
type turnServer struct {
	srv    *Server
	server *turn.Server
	host   string // what clients dial
	port   int
	key    []byte

	mu     sync.Mutex
	byUser map[string]int // live allocations by app/user

	allocations prometheus.Gauge
	refused     prometheus.Counter
}

const turnRealm = "huddle"

// listenTURN listens on addr over UDP and TCP, one port for both. With
// port 0 the system picks a free UDP port, which TCP may have in use: then
// another is picked (a busy machine running many servers hit this).
func listenTURN(addr string) (net.PacketConn, net.Listener, error) {
	_, port, _ := net.SplitHostPort(addr)
	for try := 0; ; try++ {
		udp, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, err
		}
		tcp, err := net.Listen("tcp", udp.LocalAddr().String())
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		if port != "0" || try == 20 || !errors.Is(err, syscall.EADDRINUSE) {
			return nil, nil, err
		}
	}
}

func startTURN(s *Server) (*turnServer, error) {
	udp, tcp, err := listenTURN(s.cfg.Media.TURNAddr)
	if err != nil {
		return nil, fmt.Errorf("turn: %w", err)
	}
	ua := udp.LocalAddr().(*net.UDPAddr)
	relayIP := turnRelayIP(s.cfg.Media.PublicIPs, ua.IP)
	mac := hmac.New(sha256.New, s.key)
	mac.Write([]byte("huddle turn credentials"))
	t := &turnServer{srv: s, host: relayIP.String(), port: ua.Port, key: mac.Sum(nil), byUser: make(map[string]int)}
	t.allocations = prometheus.NewGauge(prometheus.GaugeOpts{Name: "huddle_turn_allocations", Help: "Live TURN allocations."})
	t.refused = prometheus.NewCounter(prometheus.CounterOpts{Name: "huddle_turn_refused_total", Help: "TURN requests refused: bad or expired credentials, a signed-out user, or the per-user allocation cap."})
	s.metrics.reg.MustRegister(t.allocations, t.refused)
	gen := func() turn.RelayAddressGenerator {
		return &turn.RelayAddressGeneratorStatic{RelayAddress: relayIP, Address: listenHost(ua.IP)}
	}
	t.server, err = turn.NewServer(turn.ServerConfig{
		Realm:              turnRealm,
		AuthHandler:        t.auth,
		QuotaHandler:       t.quota,
		AllocationLifetime: s.cfg.Limits.TURNAllocationLifetime,
		EventHandler: turn.EventHandler{
			OnAllocationCreated: func(_, _ net.Addr, _, userID, _ string, _ net.Addr, _ int) { t.count(userID, 1) },
			OnAllocationDeleted: func(_, _ net.Addr, _, userID, _ string) { t.count(userID, -1) },
		},
		PacketConnConfigs: []turn.PacketConnConfig{{PacketConn: udp, RelayAddressGenerator: gen()}},
		ListenerConfigs:   []turn.ListenerConfig{{Listener: tcp, RelayAddressGenerator: gen()}},
	})
	if err != nil {
		udp.Close()
		tcp.Close()
		return nil, fmt.Errorf("turn: %w", err)
	}
	return t, nil
}

// turnRelayIP is the address relays are announced at: the configured
// public one, else the listening one, else this machine's first
// non-loopback IPv4 address, else loopback.
func turnRelayIP(public []string, listen net.IP) net.IP {
	for _, p := range public {
		if ip := net.ParseIP(p); ip != nil {
			return ip
		}
	}
	if !listen.IsUnspecified() {
		return listen
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP
		}
	}
	return net.IPv4(127, 0, 0, 1)
}

func listenHost(ip net.IP) string {
	if ip.IsUnspecified() {
		return "0.0.0.0"
	}
	return ip.String()
}

func (t *turnServer) close() error { return t.server.Close() }

// credentials makes a username and password for one session of user.
func (t *turnServer) credentials(app, user, session string, now time.Time) (username, password string) {
	exp := now.Add(t.srv.cfg.Limits.TURNCredentialTTL).Unix()
	sid := sha256.Sum256([]byte(session))
	nonce := make([]byte, 9)
	rand.Read(nonce)
	username = strconv.FormatInt(exp, 10) + ":" + app + ":" + user + ":" + base64.RawURLEncoding.EncodeToString(sid[:9]) + ":" + base64.RawURLEncoding.EncodeToString(nonce)
	return username, t.password(username)
}

func (t *turnServer) password(username string) string {
	mac := hmac.New(sha256.New, t.key)
	mac.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

var errTURNCredential = errors.New("bad TURN username")

// parseTURNUser splits a username made by credentials.
func parseTURNUser(username string) (exp time.Time, app, user string, err error) {
	parts := strings.Split(username, ":")
	if len(parts) != 5 {
		return time.Time{}, "", "", errTURNCredential
	}
	sec, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return time.Time{}, "", "", errTURNCredential
	}
	return time.Unix(sec, 0), parts[1], parts[2], nil
}

// auth checks a TURN request's username: made by this server, not expired,
// for a user still signed in. The key is what the client's password
// must produce (long-term credential mechanism).
func (t *turnServer) auth(ra *turn.RequestAttributes) (string, []byte, bool) {
	exp, app, user, err := parseTURNUser(ra.Username)
	if err != nil || time.Now().After(exp) {
		t.refused.Inc()
		return "", nil, false
	}
	if _, online := t.srv.router.Lookup(app, user); !online {
		t.refused.Inc()
		return "", nil, false
	}
	return app + "/" + user, turn.GenerateAuthKey(ra.Username, ra.Realm, t.password(ra.Username)), true
}

// quota admits a new allocation while its user has fewer than
// Limits.TURNAllocationsPerUser; over it the client gets 486.
func (t *turnServer) quota(userID, _ string, _ net.Addr) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byUser[userID] >= t.srv.cfg.Limits.TURNAllocationsPerUser {
		t.refused.Inc()
		return false
	}
	return true
}

func (t *turnServer) count(userID string, d int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.byUser[userID] += d
	if t.byUser[userID] <= 0 {
		delete(t.byUser, userID)
	}
	t.allocations.Add(float64(d))
}

// Allocations is how many allocations user of app holds now.
func (t *turnServer) allocationsOf(app, user string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.byUser[app+"/"+user]
}

// handleGetICEServers hands the session the servers to gather candidates
// from: this server's TURN (UDP and TCP) and STUN, with fresh credentials;
// none when the server runs no TURN.
func (c *conn) handleGetICEServers(m protocol.Message) {
	t := c.srv.turn
	if t == nil {
		c.reply(m.ID, protocol.NoErr, protocol.ICEServers{Servers: []protocol.ICEServer{}})
		return
	}
	user, pass := t.credentials(c.app, c.user, c.token, time.Now())
	hp := net.JoinHostPort(t.host, strconv.Itoa(t.port))
	c.reply(m.ID, protocol.NoErr, protocol.ICEServers{
		Servers: []protocol.ICEServer{
			{URLs: []string{"stun:" + hp}},
			{URLs: []string{"turn:" + hp + "?transport=udp", "turn:" + hp + "?transport=tcp"}, Username: user, Credential: pass},
		},
		TTL: int(c.srv.cfg.Limits.TURNCredentialTTL / time.Second),
	})
}
