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
	c := &conn{done: make(chan struct{}), version: protocol.Version}
	close(c.done)
	assert.False(t, r.deliverTo(c, 1, func() {}), "push 2 is gone")
	assert.False(t, r.deliverTo(c, 3, func() {}), "push 4 is gone")
	assert.True(t, r.deliverTo(c, 4, func() {}))
}

// A client of protocol 2 knows nothing of numbers: its pushes come
// unnumbered and are not kept once queued, its login reply has no
// resumed (it decodes strictly), and a resume hands over what was kept
// since the drop, as before.
func TestOlderClientResumesUnnumbered(t *testing.T) {
	s, url := startTestServer(t, Config{})
	login := func(resume string) (*testClient, protocol.Message) {
		c := dialTest(t, url)
		require.Equal(t, protocol.NoErr, c.call(protocol.OpHello, protocol.Hello{Version: 2}).Code)
		m := c.call(protocol.OpLogin, protocol.Login{App: DemoAppID, Pswd: PasswordFor(DemoAppSecret), User: "alice", Resume: resume})
		require.Equal(t, protocol.NoErr, m.Code, m.Msg)
		return c, m
	}
	alice, m := login("")
	var r protocol.LoginReply
	require.NoError(t, protocol.Decode(m.D, &r))
	bob, _ := signIn(t, url, "bob", "")
	callID := ringCall(t, alice, "bob")
	require.Equal(t, protocol.NoErr, bob.call(protocol.OpAcceptCall, protocol.CallAnswer{Call: callID}).Code)
	m = alice.next()
	require.Equal(t, protocol.EvCallAccepted, m.Ev)
	assert.Zero(t, m.Seq)
	p, _ := s.router.Lookup(DemoAppID, "alice")
	rp := p.(*conn).replay
	rp.mu.Lock()
	assert.Empty(t, rp.kept, "delivered pushes are not kept for a client that cannot ack")
	rp.mu.Unlock()

	alice.ws.Close()
	awaitParked(t, s, "alice")
	require.Equal(t, protocol.NoErr, bob.call(protocol.OpHangupCall, protocol.CallAnswer{Call: callID}).Code)
	again, m := login(r.Resume)
	assert.NotContains(t, string(m.D), "resumed", "no field a strict protocol 2 client would refuse")
	m = again.next()
	require.Equal(t, protocol.EvCallHungup, m.Ev, "the push sent while away, and only that")
	assert.Zero(t, m.Seq)
}
