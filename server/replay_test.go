package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/protocol"
)

// Pushes are numbered from 1 per session, every line of a presence round
// carries its round's number, and an ack lets the server forget them; an
// ack of a push never sent is refused.
func TestPushesAreNumberedAndAcksTrimTheReplayBuffer(t *testing.T) {
	s, url := startTestServer(t, Config{})
	alice, _ := signIn(t, url, "alice", "")
	require.Equal(t, protocol.NoErr, alice.call(protocol.OpStartStatusNotify, nil).Code)
	signIn(t, url, "bob", "")
	m := alice.next()
	require.Equal(t, protocol.EvUserStatus, m.Ev)
	assert.Equal(t, uint64(1), m.Seq)

	p, _ := s.router.Lookup(DemoAppID, "alice")
	r := p.(*conn).replay
	kept := func() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.kept) }
	assert.Equal(t, 1, kept(), "kept until acknowledged")

	assert.Equal(t, protocol.ErrData, alice.call(protocol.OpAck, protocol.Ack{Seq: 2}).Code, "push 2 was never sent")
	assert.Equal(t, 1, kept())
	assert.Equal(t, protocol.NoErr, alice.call(protocol.OpAck, protocol.Ack{Seq: 1}).Code)
	assert.Equal(t, 0, kept())
}

func TestReplayBufferIsBounded(t *testing.T) {
	r := newReplay(Limits{ReplayBuffer: 3, ReplayBufferBytes: 10})
	assert.False(t, r.push([]byte("aaaa")))
	assert.False(t, r.push([]byte("bbbb")))
	assert.True(t, r.push([]byte("cccc")), "over the bytes: the oldest goes")
	assert.Equal(t, 8, r.bytes)
	assert.True(t, r.push([]byte("01234567890")), "larger than the whole buffer: not kept")
	assert.Zero(t, r.bytes, "nor what came before: a resume must start after it")
	c := &conn{done: make(chan struct{})}
	close(c.done)
	assert.False(t, r.deliverTo(c, 1, func() {}), "push 2 is gone")
	assert.False(t, r.deliverTo(c, 3, func() {}), "push 4 is gone")
	assert.True(t, r.deliverTo(c, 4, func() {}))
}
