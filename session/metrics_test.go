package session_test

// A server's metrics and health are its own process's: these tests run on
// one server even when the suite runs on a cluster (testkit.StartSingle).

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/server/store"
	"huddle/session"
)

// scrape reads /metrics at base over HTTP, as Prometheus would.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return fams
}

// value is the sample of family name whose labels include want (name=value
// pairs); 0 if there is none.
func value(fams map[string]*dto.MetricFamily, name string, want ...string) float64 {
	f := fams[name]
	if f == nil {
		return 0
	}
next:
	for _, m := range f.GetMetric() {
		for i := 0; i < len(want); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == want[i] && l.GetValue() == want[i+1] {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		}
	}
	return 0
}

// labelValues lists the values label takes in family name.
func labelValues(fams map[string]*dto.MetricFamily, name, label string) []string {
	var vals []string
	for _, m := range fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == label {
				vals = append(vals, l.GetValue())
			}
		}
	}
	return vals
}

// Two users who sign in, send a SendCmd and a buffer, call each other and
// someone unknown, and change their status move the counters a scrape of /metrics shows; the Go runtime and
// process collectors are there too.
func TestMetricsCountWhatClientsDo(t *testing.T) {
	srv := testkit.StartSingle(t)
	base := "http://" + srv.Addr
	before := scrape(t, base)
	require.NotNil(t, before["go_goroutines"], "Go runtime collector")
	require.NotNil(t, before["process_open_fds"], "process collector")

	alice := testkit.Login(t, srv.URL, "alice")
	bob := testkit.Login(t, srv.URL, "bob")
	bob.StartUserStatusNotify("n")
	testkit.Await(t, bob, func(e session.StartUserStatusNotifyRslt) bool { return e.Err == session.NOERR })

	task := alice.SendCmd("bob", []byte("hello"), "cmd")
	assert.Equal(t, session.NOERR, testkit.Await(t, alice, func(e session.SendCmdRlst) bool { return e.TaskID == task }).Err)
	payload := []byte(strings.Repeat("x", 1000))
	buf := alice.SendBuffer("bob", payload, "buf")
	assert.Equal(t, session.NOERR, testkit.Await(t, alice, func(e session.SendBufferRlst) bool { return e.TaskID == buf }).Err)
	assert.Equal(t, payload, testkit.Await[session.NotifyBufferData](t, bob, nil).Data)
	meet := createMeeting(t, alice, "metrics", 0)
	assert.Equal(t, session.ERR_USER_NOT_FOUND, callFail(t, alice, "nobody", meet))
	accept(t, alice, bob, ring(t, alice, bob, meet, "x"), "y")
	alice.SetDNDStatus(1, "dnd")
	testkit.Await(t, bob, func(e session.NotifyUserStatus) bool { return e.Status.UserID == "alice" && e.Status.DNDType == 1 })

	after := scrape(t, base)
	moved := func(name string, labels ...string) float64 {
		return value(after, name, labels...) - value(before, name, labels...)
	}
	assert.Equal(t, 2.0, value(after, "huddle_connections"))
	assert.Equal(t, 2.0, moved("huddle_logins_total", "result", "ok"))
	assert.Equal(t, 2.0, moved("huddle_messages_in_total", "op", protocol.OpLogin))
	assert.Equal(t, 1.0, moved("huddle_messages_in_total", "op", protocol.OpSendCmd))
	assert.Equal(t, 1.0, moved("huddle_messages_in_total", "op", protocol.OpCmdAck))
	assert.Equal(t, 2.0, moved("huddle_messages_in_total", "op", protocol.OpCall))
	assert.Equal(t, 1.0, moved("huddle_messages_out_total", "op", protocol.EvCallIn))
	assert.Equal(t, 1.0, moved("huddle_messages_out_total", "op", protocol.EvCallAccepted))
	assert.Equal(t, 1.0, moved("huddle_messages_out_total", "op", protocol.EvCmdData))
	assert.Equal(t, 1.0, moved("huddle_messages_out_total", "op", protocol.EvXferOffer))
	assert.GreaterOrEqual(t, moved("huddle_messages_out_total", "op", "reply"), 8.0)
	assert.GreaterOrEqual(t, moved("huddle_messages_out_total", "op", protocol.EvUserStatus), 1.0)
	assert.Equal(t, 1.0, moved("huddle_errors_total", "code", "ERR_USER_NOT_FOUND"))
	assert.Equal(t, 1.0, moved("huddle_transfers_started_total", "kind", protocol.KindBuffer))
	assert.Equal(t, 1.0, moved("huddle_transfers_finished_total", "result", "ok"))
	assert.Equal(t, float64(len(payload)), moved("huddle_relayed_bytes_total"))
	assert.GreaterOrEqual(t, moved("huddle_presence_rounds_total"), 1.0)
	assert.GreaterOrEqual(t, moved("huddle_presence_notifications_total"), 1.0)
	assert.Equal(t, 0.0, moved("huddle_slow_consumer_disconnects_total"))
}

// Made-up ops from a raw client all count as "unknown": a client cannot
// add series.
func TestMetricsLabelsStayBounded(t *testing.T) {
	srv := testkit.StartSingle(t)
	base := "http://" + srv.Addr
	raw := loginRaw(t, srv.URL, "mallory")
	for _, op := range []string{"no_such_op", "another_made_up_op", "x\"y"} {
		assert.Equal(t, protocol.ErrData, raw.call(op, nil).Code)
	}
	fams := scrape(t, base)
	assert.Equal(t, 3.0, value(fams, "huddle_messages_in_total", "op", "unknown"))
	assert.Equal(t, 3.0, value(fams, "huddle_errors_total", "code", "ERR_DATA"))
	for _, op := range labelValues(fams, "huddle_messages_in_total", "op") {
		assert.NotContains(t, []string{"no_such_op", "another_made_up_op", "x\"y"}, op)
	}
}

// status is the status code of GET base/path.
func status(t *testing.T, base, path string) int {
	t.Helper()
	resp, err := http.Get(base + path)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// /readyz answers 503 once the store stops answering, while /healthz (the
// process serves) stays 200.
func TestReadyzFailsWhenTheStoreIsClosed(t *testing.T) {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "huddle.db"))
	require.NoError(t, err)
	srv := testkit.StartSingle(t, func(c *server.Config) { c.Store = st })
	base := "http://" + srv.Addr
	assert.Equal(t, http.StatusOK, status(t, base, "/readyz"))
	require.NoError(t, st.Close())
	assert.Equal(t, http.StatusServiceUnavailable, status(t, base, "/readyz"))
	assert.Equal(t, http.StatusOK, status(t, base, "/healthz"))
}

// closeGate is a store whose Close waits, so a test can look at the
// server while its Shutdown is under way.
type closeGate struct {
	store.Store
	closing chan struct{}
	gate    chan struct{}
}

func (g *closeGate) Close() error {
	close(g.closing)
	<-g.gate
	return g.Store.Close()
}

// During Shutdown /readyz (on the operations listener, which outlives the
// main one) answers 503 though the store still answers.
func TestReadyzFailsDuringShutdown(t *testing.T) {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "huddle.db"))
	require.NoError(t, err)
	g := &closeGate{Store: st, closing: make(chan struct{}), gate: make(chan struct{})}
	srv := testkit.StartSingle(t, func(c *server.Config) { c.Store = g })
	ops := httptest.NewServer(srv.OpsHandler())
	defer ops.Close()
	testkit.Login(t, srv.URL, "alice")
	assert.Equal(t, http.StatusOK, status(t, ops.URL, "/readyz"))
	assert.Equal(t, http.StatusOK, status(t, ops.URL, "/healthz"))

	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Stop(t)
	}()
	select {
	case <-g.closing:
	case <-time.After(testkit.WaitTimeout):
		t.Fatal("Shutdown never reached the store")
	}
	assert.NoError(t, st.Ping(context.Background()), "the store itself still answers")
	assert.Equal(t, http.StatusServiceUnavailable, status(t, ops.URL, "/readyz"))
	assert.Equal(t, http.StatusServiceUnavailable, status(t, ops.URL, "/healthz"), "no longer serving")
	assert.Equal(t, 0.0, value(scrape(t, ops.URL), "huddle_connections"), "every session ended")
	close(g.gate)
	<-done
}

// With MetricsElsewhere (huddle serve --metrics-addr) the main listener
// serves no /metrics, even on loopback, but still /healthz and /readyz; the
// operations handler serves all three.
func TestMetricsElsewhereKeepsThemOffTheMainListener(t *testing.T) {
	srv := testkit.StartSingle(t, func(c *server.Config) { c.MetricsElsewhere = true })
	base := "http://" + srv.Addr
	assert.Equal(t, http.StatusNotFound, status(t, base, "/metrics"))
	assert.Equal(t, http.StatusOK, status(t, base, "/healthz"))
	assert.Equal(t, http.StatusOK, status(t, base, "/readyz"))
	ops := httptest.NewServer(srv.OpsHandler())
	defer ops.Close()
	assert.NotNil(t, scrape(t, ops.URL)["huddle_connections"])
}
