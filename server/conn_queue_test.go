package server

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/protocol"
)

// A client whose queue is full is disconnected as a slow consumer; the
// queue of another is untouched, and nothing is queued after the close.
func TestFullSendQueueDisconnectsOnlyThatClient(t *testing.T) {
	s := &Server{cfg: Config{Limits: withDefaults(Limits{SendQueue: 3})}, metrics: newMetrics()}
	slow, other := newConn(s, nil), newConn(s, nil)
	// Both write loops are stuck in a write (a client that stopped
	// reading): nothing leaves the queues while the test fills them.
	slow.writing, other.writing = true, true
	for range 3 {
		require.True(t, slow.Send([]byte(`{"ev":"x"}`)))
	}
	assert.False(t, slow.Send([]byte(`{"ev":"x"}`)), "the fourth message overflows")
	select {
	case <-slow.done:
	default:
		t.Fatal("slow client not closed")
	}
	assert.Equal(t, protocol.CloseSlowConsumer, slow.closeCode)
	assert.Equal(t, 1.0, testutil.ToFloat64(s.metrics.slowConsumerDisconnect), "counted in huddle_slow_consumer_disconnects_total")
	assert.False(t, slow.Send([]byte(`{"ev":"x"}`)), "nothing is queued once closed")
	assert.True(t, other.Send([]byte(`{"ev":"x"}`)))
	assert.Len(t, other.takeQueued(), 1)
	assert.Empty(t, other.takeQueued(), "taking empties the queue")
}

// The queue is bounded in bytes too: a presence round can put many changes
// in one message, so a count alone would not bound the memory.
func TestSendQueueIsBoundedInBytes(t *testing.T) {
	s := &Server{cfg: Config{Limits: withDefaults(Limits{SendQueueBytes: 1000})}, metrics: newMetrics()}
	slow := newConn(s, nil)
	slow.writing = true // its write loop is stuck in a write
	require.True(t, slow.Send(make([]byte, 600)))
	require.True(t, slow.Send(make([]byte, 400)), "exactly at the bound")
	assert.False(t, slow.Send([]byte("x")), "one byte over")
	assert.Equal(t, protocol.CloseSlowConsumer, slow.closeCode)

	fresh := newConn(s, nil)
	fresh.writing = true
	require.True(t, fresh.Send(make([]byte, 1000)))
	fresh.takeQueued()
	assert.True(t, fresh.Send(make([]byte, 1000)), "what the write loop took no longer counts")
}
