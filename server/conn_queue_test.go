package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/protocol"
)

// A client whose queue is full is disconnected as a slow consumer; the
// queue of another is untouched, and nothing is queued after the close.
func TestFullSendQueueDisconnectsOnlyThatClient(t *testing.T) {
	s := &Server{cfg: Config{Limits: withDefaults(Limits{SendQueue: 3})}}
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
	assert.False(t, slow.Send([]byte(`{"ev":"x"}`)), "nothing is queued once closed")
	assert.True(t, other.Send([]byte(`{"ev":"x"}`)))
	assert.Len(t, other.takeQueued(), 1)
	assert.Empty(t, other.takeQueued(), "taking empties the queue")
}
