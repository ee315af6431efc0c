package media_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/media"
	"huddle/protocol"
)

// hearsTone waits until the last half second sink heard is freq, loud.
func hearsTone(t *testing.T, sink *media.CaptureSink, freq float64, within time.Duration) {
	t.Helper()
	require.Eventually(t, func() bool {
		pcm := sink.Snapshot()
		if len(pcm) < media.SampleRate/2 {
			return false
		}
		last := pcm[len(pcm)-media.SampleRate/2:]
		return media.DominantFrequency(last, media.SampleRate) == freq && media.Level(last) > 0.2
	}, within, 50*time.Millisecond, "%v Hz heard", freq)
}

// Two members whose UDP cannot reach each other (their NATs let nothing in
// from the other, and the server runs no TURN) while both reach the
// server: their direct connection never connects, a client says so, and
// the server moves them to its SFU, where they hear each other.
func TestUnreachablePairFallsBackToTheSFU(t *testing.T) {
	srv := testkit.StartServer(t)
	alice, bob, meet := meetingCall(t, srv.URL)
	partition := testkit.NewUDPPartition()
	start := func(c *testkit.Client, freq float64) (*media.Call, *media.CaptureSink) {
		network, err := partition.Side()
		require.NoError(t, err)
		openMic(t, c)
		sink := media.NewCaptureSink()
		call, err := media.StartCall(c.Session, meet.ID, media.PeerConfig{Source: &media.Tone{Freq: freq, Amplitude: 0.5}, Sink: sink, JitterFrames: media.RecorderJitter, Net: network})
		require.NoError(t, err)
		testkit.Pump(t, c, call.Handle)
		t.Cleanup(func() { call.Close() })
		return call, sink
	}
	joined := time.Now()
	aliceCall, aliceHears := start(alice, 440)
	bobCall, bobHears := start(bob, 660)

	bound := media.DirectConnectTimeout + 20*time.Second
	hearsTone(t, bobHears, 440, bound)
	hearsTone(t, aliceHears, 660, bound)
	t.Logf("they hear each other %v after joining", time.Since(joined).Round(100*time.Millisecond))
	media.HeardTone(t, bobHears, 440)
	media.HeardTone(t, aliceHears, 660)
	require.Equal(t, protocol.ModeSFU, aliceCall.Mode())
	require.Equal(t, protocol.ModeSFU, bobCall.Mode())
	require.Positive(t, forwarded(t, srv), "through the SFU")
	require.Zero(t, metric(t, srv, "huddle_media_direct_meetings"))
	require.Equal(t, 1.0, metric(t, srv, "huddle_media_direct_failed_total"), "one report taken; the other's is stale")
}
