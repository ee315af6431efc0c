package media

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorderJitter is the jitter buffer the tests' listeners use, as a
// recording bot does: deep enough that a loaded test machine's stalls do
// not break the tone.
const recorderJitter = 10

// connect signals two peers to each other directly: a offers, b answers,
// candidates cross as they are gathered.
func connect(t *testing.T, a, b *Peer) {
	t.Helper()
	a.OnCandidate(func(c webrtc.ICECandidateInit) { assert.NoError(t, b.AddCandidate(c)) })
	b.OnCandidate(func(c webrtc.ICECandidateInit) { assert.NoError(t, a.AddCandidate(c)) })
	offer, err := a.Offer(false)
	require.NoError(t, err)
	answer, err := b.Answer(offer)
	require.NoError(t, err)
	require.NoError(t, a.SetAnswer(answer))
}

// heardTone checks what a listener recorded: audio starts, and from its
// first loud frame on every 20 ms frame for the next second is loud (no
// gaps) and each 100 ms window's dominant frequency is freq.
func heardTone(t *testing.T, sink *captureSink, freq float64) {
	t.Helper()
	start := -1
	defer func() {
		if t.Failed() {
			pcm := sink.snapshot()
			loud := 0
			for i := 0; i+FrameSamples <= len(pcm); i += FrameSamples {
				if Level(pcm[i:i+FrameSamples]) > 0.05 {
					loud++
				}
			}
			t.Logf("recorded %d frames, %d loud, first loud sample %d", len(pcm)/FrameSamples, loud, start)
		}
	}()
	require.Eventually(t, func() bool {
		pcm := sink.snapshot()
		start = -1
		for i := 0; i+FrameSamples <= len(pcm); i += FrameSamples {
			if Level(pcm[i:i+FrameSamples]) > 0.05 {
				start = i
				break
			}
		}
		return start >= 0 && len(pcm) >= start+SampleRate
	}, 10*time.Second, 20*time.Millisecond, "a second of audio after it starts")
	pcm := sink.snapshot()[start : start+SampleRate]
	for i := 0; i < len(pcm); i += FrameSamples {
		require.Greater(t, Level(pcm[i:i+FrameSamples]), 0.05, "frame at %d ms is silent: a gap", i*1000/SampleRate)
	}
	for i := 0; i < len(pcm); i += SampleRate / 10 {
		// Within one step of the grid: bridging a late frame shifts the phase.
		require.InDelta(t, freq, DominantFrequency(pcm[i:i+SampleRate/10], SampleRate), 10, "window at %d ms", i*1000/SampleRate)
	}
}

func twoPeers(t *testing.T, codecs []Codec) (aSink, bSink *captureSink) {
	aSink, bSink = newCaptureSink(), newCaptureSink()
	a, err := NewPeer(PeerConfig{Source: &Tone{Freq: 440, Amplitude: 0.5}, Sink: aSink, Codecs: codecs, Loopback: true, JitterFrames: recorderJitter})
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	b, err := NewPeer(PeerConfig{Source: &Tone{Freq: 660, Amplitude: 0.5}, Sink: bSink, Codecs: codecs, Loopback: true, JitterFrames: recorderJitter})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	connect(t, a, b)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("a: %s %+v; b: %s %+v", a.pc.ConnectionState(), a.Stats(), b.pc.ConnectionState(), b.Stats())
		}
	})
	return aSink, bSink
}

func TestTwoPeersHearEachOthersTone(t *testing.T) {
	aSink, bSink := twoPeers(t, nil)
	heardTone(t, bSink, 440)
	heardTone(t, aSink, 660)
}

func TestTwoPeersOverG711(t *testing.T) {
	aSink, bSink := twoPeers(t, []Codec{g711Codec})
	heardTone(t, bSink, 440)
	heardTone(t, aSink, 660)
}

// A peer with Opus and one without still talk: they settle on G.711.
func TestOpusPeerTalksToG711OnlyPeer(t *testing.T) {
	if !OpusBuiltIn() {
		t.Skip("this build has no Opus")
	}
	sink := newCaptureSink()
	a, err := NewPeer(PeerConfig{Source: &Tone{Freq: 440, Amplitude: 0.5}, Loopback: true, JitterFrames: recorderJitter})
	require.NoError(t, err)
	defer a.Close()
	b, err := NewPeer(PeerConfig{Sink: sink, Codecs: []Codec{g711Codec}, Loopback: true, JitterFrames: recorderJitter})
	require.NoError(t, err)
	defer b.Close()
	connect(t, a, b)
	heardTone(t, sink, 440)
}

func TestMutedPeerSendsNothing(t *testing.T) {
	sink := newCaptureSink()
	a, err := NewPeer(PeerConfig{Source: &Tone{Freq: 440, Amplitude: 0.5}, Loopback: true, JitterFrames: recorderJitter})
	require.NoError(t, err)
	defer a.Close()
	b, err := NewPeer(PeerConfig{Sink: sink, Loopback: true, JitterFrames: recorderJitter})
	require.NoError(t, err)
	defer b.Close()
	connect(t, a, b)
	heardTone(t, sink, 440)
	a.SetMuted(true)
	// Once the jitter buffer has drained, a second of silence follows.
	silent := func() bool {
		pcm := sink.snapshot()
		return len(pcm) > SampleRate && Level(pcm[len(pcm)-SampleRate:]) == 0
	}
	require.Eventually(t, silent, 10*time.Second, 20*time.Millisecond)
	sent := a.Stats().Sent
	<-sink.wake
	require.True(t, silent())
	require.Equal(t, sent, a.Stats().Sent, "a muted peer sent packets")
	a.SetMuted(false)
	heardTone(t, sink, 440)
}
