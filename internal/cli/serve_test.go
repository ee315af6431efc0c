package cli

import (
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every `huddle serve` flag has its HUDDLE_ variable; a flag given on the
// command line wins over it.
func TestServeFlagsFromEnvironment(t *testing.T) {
	t.Setenv("HUDDLE_ADDR", "127.0.0.1:7777")
	t.Setenv("HUDDLE_GRACE", "5s")
	t.Setenv("HUDDLE_MSG_RATE", "7.5")
	t.Setenv("HUDDLE_CONNS_PER_IP", "9")
	t.Setenv("HUDDLE_DEMO", "true")
	t.Setenv("HUDDLE_ALLOWED_ORIGINS", "https://chat.example.com")
	t.Setenv("HUDDLE_MEETING_IDLE_EXPIRY", "48h")
	t.Setenv("HUDDLE_WEB", "/srv/pages")
	o, err := parseServe([]string{"--conns-per-ip", "11"})
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:7777", o.addr)
	assert.Equal(t, 5*time.Second, o.grace)
	assert.Equal(t, 7.5, o.limits.MsgRate)
	assert.Equal(t, 11, o.limits.ConnsPerIP, "the command line wins")
	assert.True(t, o.demo)
	assert.Equal(t, "https://chat.example.com", o.origins)
	assert.Equal(t, 48*time.Hour, o.limits.MeetingIdleExpiry)
	assert.Equal(t, "/srv/pages", o.web)

	t.Setenv("HUDDLE_LOGIN_RATE_PER_APP", "lots")
	_, err = parseServe(nil)
	assert.ErrorContains(t, err, "HUDDLE_LOGIN_RATE_PER_APP", "a bad value names its variable")
}

func TestServeHelpNamesEachVariable(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.String("tls-cert", "", "TLS certificate file")
	fs.SetOutput(new(nopWriter))
	require.ErrorIs(t, parseWithEnv(fs, []string{"-h"}), flag.ErrHelp)
	assert.Equal(t, "TLS certificate file (env HUDDLE_TLS_CERT)", fs.Lookup("tls-cert").Usage)
}

type nopWriter struct{}

func (nopWriter) Write(b []byte) (int, error) { return len(b), nil }

// --postgres, like every serve flag, also comes from its variable.
func TestServePostgresFromEnvironment(t *testing.T) {
	t.Setenv("HUDDLE_POSTGRES", "postgres://huddle@db.example.com/huddle")
	o, err := parseServe(nil)
	require.NoError(t, err)
	assert.Equal(t, "postgres://huddle@db.example.com/huddle", o.postgres)
}

func TestServeMetricsAddrFromEnvironment(t *testing.T) {
	o, err := parseServe(nil)
	require.NoError(t, err)
	assert.Empty(t, o.metricsAddr, "by default /metrics is beside /ws on a loopback -addr only")
	t.Setenv("HUDDLE_METRICS_ADDR", "127.0.0.1:7091")
	o, err = parseServe(nil)
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1:7091", o.metricsAddr)
}

func TestServeWebFlag(t *testing.T) {
	o, err := parseServe(nil)
	require.NoError(t, err)
	assert.Empty(t, o.web, "no pages unless asked")
	o, err = parseServe([]string{"--web", "/srv/app"})
	require.NoError(t, err)
	assert.Equal(t, "/srv/app", o.web)
}

// --web reaches the server: a folder that is not there stops serve before
// it listens.
func TestServeWebFolderMustExist(t *testing.T) {
	errc := make(chan error, 1)
	go func() {
		errc <- Serve([]string{"--addr", "127.0.0.1:0", "--data", t.TempDir(), "--web", filepath.Join(t.TempDir(), "missing")})
	}()
	select {
	case err := <-errc:
		assert.ErrorContains(t, err, "web folder")
	case <-time.After(10 * time.Second):
		t.Fatal("serve started without its web folder")
	}
}

// --nats and --node come from HUDDLE_NATS and HUDDLE_NODE too; a cluster
// node needs the shared store, and its name defaults to host and port.
func TestServeClusterFlags(t *testing.T) {
	o, err := parseServe(nil)
	require.NoError(t, err)
	assert.Empty(t, o.nats, "alone unless asked")
	assert.Empty(t, o.node)

	t.Setenv("HUDDLE_NATS", "nats://127.0.0.1:4222")
	_, err = parseServe(nil)
	assert.ErrorContains(t, err, "-postgres", "nodes share one store")

	t.Setenv("HUDDLE_POSTGRES", "postgres://huddle@db.example.com/huddle")
	o, err = parseServe([]string{"--addr", "127.0.0.1:7093"})
	require.NoError(t, err)
	assert.Equal(t, "nats://127.0.0.1:4222", o.nats)
	assert.Regexp(t, `^[A-Za-z0-9_-]+-7093$`, o.node)

	t.Setenv("HUDDLE_NODE", "node-b")
	o, err = parseServe(nil)
	require.NoError(t, err)
	assert.Equal(t, "node-b", o.node)

	_, err = parseServe([]string{"--nats", "", "--node", "x"})
	assert.ErrorContains(t, err, "-nats", "a node name without a cluster is a mistake")
}

// --node-timeout (HUDDLE_NODE_TIMEOUT) is how long another node may stay
// silent: within its limits, or a clear error.
func TestServeNodeTimeout(t *testing.T) {
	o, err := parseServe(nil)
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, o.nodeTimeout, "the default")
	t.Setenv("HUDDLE_NODE_TIMEOUT", "6s")
	o, err = parseServe(nil)
	require.NoError(t, err)
	assert.Equal(t, 6*time.Second, o.nodeTimeout)
	for _, bad := range []string{"1s", "9s"} {
		_, err = parseServe([]string{"--node-timeout", bad})
		assert.ErrorContains(t, err, "-node-timeout "+bad+": give 2s to 8s")
	}
}
