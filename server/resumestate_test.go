package server

import (
	"log/slog"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A home whose JetStream does not answer still tells its clients: the
// write loops waiting for the round are let go once it is overdue
// (resumeAwaitTimeout), and later ones do not wait while it stays so.
func TestAwaitLetsWritersGoWhenJetStreamDoesNotAnswer(t *testing.T) {
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true}) // no JetStream
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(ns.Shutdown)
	nc, err := nats.Connect(ns.ClientURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	require.NoError(t, err)

	cl := &cluster{srv: &Server{metrics: newMetrics()}, nc: nc, js: js, log: slog.New(slog.DiscardHandler),
		started: time.Now(), timeout: time.Hour}
	a := newAppState(cl, &appCalls{app: "demo"})
	t.Cleanup(a.stop)

	a.pushed("s1", 1, []byte(`{"ev":"user_status"}`))
	told := make(chan bool)
	go func() { told <- a.await() }()
	select {
	case ok := <-told:
		assert.True(t, ok, "the client is told")
	case <-time.After(resumeAwaitTimeout + 10*time.Second):
		t.Fatal("a writer still waits for a round JetStream never acknowledges")
	}

	a.pushed("s1", 2, []byte(`{"ev":"user_status"}`))
	assert.True(t, a.await(), "while the round is overdue, writers do not wait")
}
