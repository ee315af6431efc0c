package server

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// linkFrame is a frame as the receiving node sees it.
type linkFrame struct {
	kind byte
	id   uint64
	data []byte
}

// startLink connects a nodeLink to a real nats-server, and a subscriber
// on its subject that hands every frame (batched or not) to frames and
// counts the messages that carried them.
func startLink(t *testing.T, maxPayload int32) (*nodeLink, chan linkFrame, func() int) {
	ns, err := natsserver.NewServer(&natsserver.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true, MaxPayload: maxPayload})
	require.NoError(t, err)
	go ns.Start()
	require.True(t, ns.ReadyForConnections(10*time.Second))
	t.Cleanup(ns.Shutdown)
	nc, err := nats.Connect(ns.ClientURL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	sub, err := nats.Connect(ns.ClientURL())
	require.NoError(t, err)
	t.Cleanup(sub.Close)

	frames, messages := make(chan linkFrame, 10000), make(chan struct{}, 10000)
	_, err = sub.Subscribe("huddle.node.b", func(m *nats.Msg) {
		messages <- struct{}{}
		n := len(m.Data) - envelopeLen
		kind, id := m.Data[n], binary.BigEndian.Uint64(m.Data[n+1:])
		if kind != kindBatch {
			frames <- linkFrame{kind, id, m.Data[:n]}
			return
		}
		eachEntry(m.Data[:n], func(kind byte, id uint64, frame []byte) { frames <- linkFrame{kind, id, frame} })
	})
	require.NoError(t, err)
	require.NoError(t, sub.Flush())

	cl := &cluster{srv: &Server{metrics: newMetrics()}, nc: nc, subject: "huddle.node.a", room: int(nc.MaxPayload()) - envelopeLen}
	l := cl.link("huddle.node.b")
	l.heard(&nats.Msg{Header: batchesHeader}) // as from a node of this build
	return l, frames, func() int { return len(messages) }
}

func awaitFrames(t *testing.T, frames chan linkFrame, n int) []linkFrame {
	t.Helper()
	var got []linkFrame
	timeout := time.After(10 * time.Second)
	for len(got) < n {
		select {
		case f := <-frames:
			got = append(got, f)
		case <-timeout:
			t.Fatalf("%d of %d frames arrived", len(got), n)
		}
	}
	return got
}

// Frames given while a message is on its way are gathered into the next
// one; every frame arrives, in the order given, whatever its size, and a
// frame given alone goes out at once as a message of its own.
func TestNodeLinkGathersFramesInOrder(t *testing.T) {
	l, frames, messages := startLink(t, 0)

	require.NoError(t, l.send(kindOut, 1, []byte(`{"ev":"alone"}`), false))
	alone := awaitFrames(t, frames, 1)
	assert.Equal(t, linkFrame{kindOut, 1, []byte(`{"ev":"alone"}`)}, alone[0])
	assert.Equal(t, 1, messages())

	big := bytes.Repeat([]byte{7}, batchFrameMax+1)
	var want []linkFrame
	l.pubMu.Lock() // a message is being published
	for i := range 500 {
		f := linkFrame{kindOut, uint64(i), fmt.Appendf(nil, `{"ev":"user_status","i":%d}`, i)}
		want = append(want, f)
		require.NoError(t, l.send(f.kind, f.id, f.data, false))
	}
	l.pubMu.Unlock()
	// A large frame goes alone, after everything given before it.
	require.NoError(t, l.send(kindOutBinary, 9, big, false))
	want = append(want, linkFrame{kindOutBinary, 9, big})
	require.NoError(t, l.send(kindClose, 3, closePayload(1000, "bye"), false))
	want = append(want, linkFrame{kindClose, 3, closePayload(1000, "bye")})

	got := awaitFrames(t, frames, len(want))
	assert.Equal(t, want, got)
	assert.LessOrEqual(t, messages(), 1+3+1, "500 frames given during one publish, one large frame and one after")
}

// A batch never exceeds NATS's payload limit: frames gathered beyond it
// go in the next message.
func TestNodeLinkRespectsThePayloadLimit(t *testing.T) {
	l, frames, messages := startLink(t, 64<<10)
	frame := bytes.Repeat([]byte{'x'}, 10<<10)
	l.pubMu.Lock()
	for i := range 20 {
		require.NoError(t, l.send(kindOut, uint64(i), frame, false))
	}
	l.pubMu.Unlock()
	got := awaitFrames(t, frames, 20)
	for i, f := range got {
		assert.Equal(t, uint64(i), f.id)
		assert.Equal(t, frame, f.data)
	}
	// 20 frames of 10 KiB, at most 6 to a 64 KiB message.
	assert.Equal(t, 4, messages())
}

// A node that did not say it reads batches (an older build, during a
// rolling upgrade) gets every frame in a message of its own, and once it
// says so, frames are gathered for it.
func TestNodeLinkGathersOnlyForANodeThatReadsBatches(t *testing.T) {
	l, frames, messages := startLink(t, 0)
	l.heard(&nats.Msg{}) // a message without the header
	for i := range 50 {
		require.NoError(t, l.send(kindOut, uint64(i), []byte(`{"ev":"user_status"}`), false))
	}
	awaitFrames(t, frames, 50)
	assert.Equal(t, 50, messages())

	send := func(n int) {
		l.pubMu.Lock() // a message is being published
		for i := range n {
			require.NoError(t, l.send(kindOut, uint64(i), []byte(`{"ev":"user_status"}`), false))
		}
		l.pubMu.Unlock()
	}
	l.heard(&nats.Msg{Header: batchesHeader})
	send(50)
	awaitFrames(t, frames, 50)
	assert.Less(t, messages(), 50+50)
}

// A malformed batch stops at its first bad entry.
func TestEachEntryStopsAtABadEntry(t *testing.T) {
	var b []byte
	b = withEnvelope(binary.BigEndian.AppendUint32(b, 2), kindOut, 1)
	b = append(b[:entryHead], append([]byte("ok"), b[entryHead:]...)...)
	b = binary.BigEndian.AppendUint32(b, 1<<30) // longer than what follows
	b = append(b, make([]byte, 20)...)
	var ids []uint64
	eachEntry(b, func(_ byte, id uint64, _ []byte) { ids = append(ids, id) })
	assert.Equal(t, []uint64{1}, ids)
}
