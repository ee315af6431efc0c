//go:build linux

package clustertest

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/media"
	"huddle/protocol"
	"huddle/session"
)

// voiceBack bounds the wait for the voice to come back after a home died:
// the resume grace, within which the issue promises that calls go on.
const voiceBack = 20 * time.Second

// The application's home killed with kill -9 during a call whose voice
// goes through the SFU (the home runs it). The node that takes the
// application over has no media connection for anyone; after their
// sessions resume, each member hears the other's tone again without
// leaving the meeting, as a user would check.
func TestHomeNodeKilledSFUVoiceComesBackOnTheNewHome(t *testing.T) {
	c := Start(t, Options{})
	home := c.Nodes[0]
	alice, bob := aliceOnHomeBobOnEdge(t, c)
	meet := createMeeting(t, alice, "voice")
	accept(t, alice, bob, ring(t, alice, bob, meet))
	aliceHears := voiceOf(t, alice, meet.ID, 440, media.StartSFUCall)
	bobHears := voiceOf(t, bob, meet.ID, 660, media.StartSFUCall)
	bobHears.await(t, 0, 440, voiceBack, "bob hears alice before the kill")
	aliceHears.await(t, 0, 660, voiceBack, "alice hears bob before the kill")

	fromBob, fromAlice := bobHears.mark(), aliceHears.mark()
	home.Kill9(t)
	killed := time.Now()
	testkit.Await[session.Reconnected](t, alice, nil)
	testkit.Await[session.Reconnected](t, bob, nil)
	t.Logf("both resumed %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	back := bobHears.await(t, fromBob, 440, voiceBack, "bob hears alice again on the new home")
	t.Logf("bob hears alice again about %v after the kill (a whole second of her tone by %v)", back.Round(100*time.Millisecond), time.Since(killed).Round(100*time.Millisecond))
	back = aliceHears.await(t, fromAlice, 660, voiceBack, "alice hears bob again on the new home")
	t.Logf("alice hears bob again about %v after the kill (a whole second of his tone by %v)", back.Round(100*time.Millisecond), time.Since(killed).Round(100*time.Millisecond))
}

// voiceOf starts c's voice in meet as the desktop app does (start:
// media.StartCall or StartSFUCall), playing a tone of freq with the
// microphone open, restarting after each resumed session; it returns what
// c hears.
func voiceOf(t *testing.T, c *testkit.Client, meet int, freq float64, start func(media.Signaller, int, media.PeerConfig) (*media.Call, error)) *ear {
	t.Helper()
	c.OpenMic("")
	testkit.Await(t, c, func(e session.AudioStatusChanged) bool {
		return e.UserID == c.UserID() && e.NewStatus == protocol.AudioOpen
	})
	hears := &ear{}
	call, err := start(c.Session, meet, media.PeerConfig{Source: &media.Tone{Freq: freq, Amplitude: 0.5}, Sink: hears})
	require.NoError(t, err)
	testkit.Pump(t, c, func(ev session.Event) bool {
		if _, ok := ev.(session.Reconnected); ok {
			call.Restart()
			return false // the test awaits it too
		}
		return call.Handle(ev)
	})
	t.Cleanup(func() { call.Close() })
	return hears
}

// ear keeps what a client heard.
type ear struct {
	mu  sync.Mutex
	pcm []int16
}

func (e *ear) WriteFrame(pcm []int16) error {
	e.mu.Lock()
	e.pcm = append(e.pcm, pcm...)
	e.mu.Unlock()
	return nil
}

// mark is where what is heard from now on starts.
func (e *ear) mark() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.pcm)
}

// await waits, at most bound, until a whole second heard after sample
// from carries the tone freq in every 100 ms: the other member's voice,
// without gaps (more than a jitter buffer's worth: not what was on its
// way before). It returns how long after from that second began, in the
// sink's time (the receiver writes a frame every 20 ms, sound or not).
func (e *ear) await(t *testing.T, from int, freq float64, bound time.Duration, what string) time.Duration {
	t.Helper()
	const window = media.SampleRate / 10
	start := 0
	require.Eventually(t, func() bool {
		e.mu.Lock()
		pcm := e.pcm[from:]
		e.mu.Unlock()
		run := 0
		for i := 0; i+window <= len(pcm); i += window {
			if media.Power(pcm[i:i+window], media.SampleRate, freq) < 0.5 {
				run = 0
				continue
			}
			if run++; run == 10 {
				start = i - 9*window
				return true
			}
		}
		return false
	}, bound, 50*time.Millisecond, what)
	return time.Duration(start) * time.Second / media.SampleRate
}

// The same with the two members' audio direct (peer to peer: both can,
// and only two have audio): the home carries none of it, so the tones go
// on through the kill, and after the resume the clients' media_join
// (Call.Restart) reaches the new home, which puts them in direct mode
// again: each still hears the other.
func TestHomeNodeKilledDirectVoiceGoesOn(t *testing.T) {
	c := Start(t, Options{})
	home := c.Nodes[0]
	alice, bob := aliceOnHomeBobOnEdge(t, c)
	meet := createMeeting(t, alice, "voice")
	accept(t, alice, bob, ring(t, alice, bob, meet))
	aliceHears := voiceOf(t, alice, meet.ID, 440, media.StartCall)
	bobHears := voiceOf(t, bob, meet.ID, 660, media.StartCall)
	require.Eventually(t, func() bool {
		modes := testkit.All[session.NotifyMediaMode](alice)
		return len(modes) > 0 && modes[len(modes)-1].Mode == protocol.ModeDirect
	}, testkit.WaitTimeout, 20*time.Millisecond, "alice's audio is direct")
	bobHears.await(t, 0, 440, voiceBack, "bob hears alice before the kill")
	aliceHears.await(t, 0, 660, voiceBack, "alice hears bob before the kill")

	fromBob, fromAlice := bobHears.mark(), aliceHears.mark()
	home.Kill9(t)
	killed := time.Now()
	testkit.Await[session.Reconnected](t, alice, nil)
	testkit.Await[session.Reconnected](t, bob, nil)
	bob440 := bobHears.await(t, fromBob, 440, voiceBack, "bob hears alice after the kill")
	alice660 := aliceHears.await(t, fromAlice, 660, voiceBack, "alice hears bob after the kill")
	t.Logf("bob hears alice from %v after the kill, alice bob from %v (checked %v after it)",
		bob440.Round(100*time.Millisecond), alice660.Round(100*time.Millisecond), time.Since(killed).Round(100*time.Millisecond))
}
