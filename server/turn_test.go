package server_test

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pion/turn/v5"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/server"
	"huddle/session"
)

// turnCreds gets c's TURN server address and credentials.
func turnCreds(t *testing.T, c *testkit.Client) (addr, user, pass string) {
	t.Helper()
	c.GetICEServers("ice")
	ok := testkit.Await(t, c, func(e session.GetICEServersSuccess) bool { return e.Cookie == "ice" })
	for _, s := range ok.Servers {
		if s.Username != "" {
			u := strings.TrimPrefix(s.URLs[0], "turn:")
			u, _, _ = strings.Cut(u, "?")
			return u, s.Username, s.Credential
		}
	}
	t.Fatal("no TURN server")
	return
}

// allocate asks the TURN server for one relay with the given credentials.
func allocate(t *testing.T, addr, user, pass string) (net.PacketConn, error) {
	t.Helper()
	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	c, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: addr, STUNServerAddr: addr, Username: user, Password: pass, Realm: "huddle", Conn: conn, RTO: 100 * time.Millisecond})
	require.NoError(t, err)
	t.Cleanup(c.Close)
	require.NoError(t, c.Listen())
	relay, err := c.Allocate()
	if err == nil {
		t.Cleanup(func() { relay.Close() })
	}
	return relay, err
}

func TestTURNAllocationsAreCappedPerUser(t *testing.T) {
	srv := testkit.StartServer(t, func(c *server.Config) { c.Media.TURNAddr = "127.0.0.1:0" },
		testkit.WithLimits(func(l *server.Limits) { l.TURNAllocationsPerUser = 2 }))
	alice := testkit.Login(t, srv.URL, "alice")
	addr, user, pass := turnCreds(t, alice)
	for range 2 {
		_, err := allocate(t, addr, user, pass)
		require.NoError(t, err)
	}
	_, err := allocate(t, addr, user, pass)
	require.ErrorContains(t, err, "486", "a third relay for alice")

	// Bob has his own quota.
	bob := testkit.Login(t, srv.URL, "bob")
	addr, user, pass = turnCreds(t, bob)
	_, err = allocate(t, addr, user, pass)
	require.NoError(t, err)
}

func TestTURNCredentialsAreShortLivedAndTiedToTheSession(t *testing.T) {
	srv := testkit.StartServer(t, func(c *server.Config) { c.Media.TURNAddr = "127.0.0.1:0" })
	alice := testkit.Login(t, srv.URL, "alice")
	addr, user, pass := turnCreds(t, alice)
	_, user2, pass2 := turnCreds(t, alice)
	require.NotEqual(t, pass, pass2, "nothing static: each hand-out differs")

	// A forged or altered username fails: the password is an HMAC of it.
	exp, rest, _ := strings.Cut(user, ":")
	sec, _ := strconv.ParseInt(exp, 10, 64)
	_, err := allocate(t, addr, strconv.FormatInt(sec+3600, 10)+":"+rest, pass)
	require.Error(t, err, "a later expiry with the old password")

	// Once alice signs out, her credentials are refused.
	alice.Logout()
	require.Eventually(t, func() bool {
		_, err := allocate(t, addr, user2, pass2)
		return err != nil
	}, 10*time.Second, 100*time.Millisecond)
}

func TestTURNCredentialsExpire(t *testing.T) {
	srv := testkit.StartServer(t, func(c *server.Config) { c.Media.TURNAddr = "127.0.0.1:0" },
		testkit.WithLimits(func(l *server.Limits) { l.TURNCredentialTTL = time.Second }))
	alice := testkit.Login(t, srv.URL, "alice")
	addr, user, pass := turnCreds(t, alice)
	require.Eventually(t, func() bool {
		_, err := allocate(t, addr, user, pass)
		return err != nil
	}, 10*time.Second, 200*time.Millisecond)
}
