package app

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/media"
	"huddle/session"
)

// ringSpeaker is the speaker the ringtone plays on: what it heard, and
// whether it is open.
type ringSpeaker struct {
	mu     sync.Mutex
	pcm    []int16
	opened []string
	open   bool
}

func (s *ringSpeaker) openSpeaker(name string) (media.Sink, func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opened, s.open, s.pcm = append(s.opened, name), true, nil
	return s, func() { s.mu.Lock(); s.open = false; s.mu.Unlock() }, nil
}

func (s *ringSpeaker) WriteFrame(p []int16) error {
	s.mu.Lock()
	s.pcm = append(s.pcm, p...)
	s.mu.Unlock()
	return nil
}

// playing says whether the speaker is open and has played a ring (audio
// over the speaking level).
func (s *ringSpeaker) playing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open && len(s.pcm) >= media.FrameSamples && media.Level(s.pcm[:media.FrameSamples]) > SpeakingLevel
}

func (s *ringSpeaker) closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.open
}

// The ringtone plays on the chosen speaker from the moment a call comes in
// and stops on each way the ringing ends: accept, reject, the caller's
// cancel or the 30 s timeout (the server hangs up), sign-out.
func TestRingtoneFollowsTheIncomingCall(t *testing.T) {
	c, _, _ := fakeClient()
	spk := &ringSpeaker{}
	c.Speaker = spk.openSpeaker
	c.Voice.Output = "Headset"
	rings := func(callID string) {
		t.Helper()
		c.Handle(session.NotifyCallIn{CallID: callID, CallerID: "bob"})
		require.True(t, c.Ringing(), callID)
		require.Eventually(t, spk.playing, 5*time.Second, 5*time.Millisecond, "the ring is heard")
	}
	stops := func(how string) {
		t.Helper()
		assert.False(t, c.Ringing(), how)
		require.Eventually(t, spk.closed, 5*time.Second, 5*time.Millisecond, how+": the speaker is released")
	}

	rings("in-1")
	c.Calls.Accept()
	stops("accept clicked")
	c.Handle(session.AcceptCallSuccess{CallID: "in-1"})
	assert.False(t, c.Ringing(), "in the call")
	c.Calls.HangUp()

	rings("in-2")
	c.Calls.Reject()
	stops("reject")

	rings("in-3")
	c.Handle(session.NotifyCallHungup{CallID: "in-3"}) // cancelled, or timed out
	stops("the caller hung up")

	rings("in-4")
	c.Handle(session.LineOff{Err: session.CREATE_CONN_FAILED})
	stops("the connection is gone")

	assert.Equal(t, []string{"Headset", "Headset", "Headset", "Headset"}, spk.opened, "the chosen speaker")

	c.Calls.Call("bob")
	assert.False(t, c.Ringing(), "an outgoing call does not ring here")
}

// The ring pattern: two rings, a gap between them, then quiet.
func TestRingtoneCadence(t *testing.T) {
	var r ringtone
	pcm := make([]int16, media.SampleRate*3)
	require.NoError(t, r.ReadFrame(pcm))
	at := func(from, to time.Duration) []int16 {
		return pcm[int(from.Seconds()*media.SampleRate):int(to.Seconds()*media.SampleRate)]
	}
	assert.Greater(t, media.Level(at(0, 400*time.Millisecond)), 0.1, "first ring")
	assert.Zero(t, media.Level(at(400*time.Millisecond, 600*time.Millisecond)), "gap")
	assert.Greater(t, media.Level(at(600*time.Millisecond, time.Second)), 0.1, "second ring")
	assert.Zero(t, media.Level(at(time.Second, 3*time.Second)), "quiet")
}
