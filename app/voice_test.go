package app

import (
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"huddle/internal/bot"
	"huddle/internal/testkit"
	"huddle/media"
	"huddle/protocol"
)

// memSink keeps what the app's "speaker" played.
type memSink struct {
	mu  sync.Mutex
	pcm []int16
}

func (s *memSink) WriteFrame(p []int16) error {
	s.mu.Lock()
	s.pcm = append(s.pcm, p...)
	s.mu.Unlock()
	return nil
}

// lastSecond is the last second played, nil before there is one.
func (s *memSink) lastSecond() []int16 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pcm) < media.SampleRate {
		return nil
	}
	return append([]int16(nil), s.pcm[len(s.pcm)-media.SampleRate:]...)
}

// A call from the app carries audio both ways once the user opens their
// microphone, and the mute button silences them at the other end.
func TestCallCarriesAudioAndMuteSilences(t *testing.T) {
	srv := testkit.StartServer(t)
	heard := filepath.Join(t.TempDir(), "bob.wav")
	rec, err := media.CreateWAVSink(heard)
	require.NoError(t, err)
	t.Cleanup(func() { rec.Close() })
	tone := filepath.Join(t.TempDir(), "660.wav")
	require.NoError(t, media.WriteToneWAV(tone, 660, 1))
	src, err := media.OpenWAVSource(tone)
	require.NoError(t, err)
	testkit.StartBotWith(t, srv.URL, "bob", 0, func(c *bot.Config) { c.Play, c.Record, c.JitterFrames = src, rec, 10 })

	speaker := &memSink{}
	var devices []string
	c, l := signInWith(t, srv.URL, "alice", nil)
	l.do(func() {
		c.Audio = func(in, out string) (media.Source, media.Sink, func(), error) {
			devices = append(devices, in+"|"+out)
			return &media.Tone{Freq: 440, Amplitude: 0.5}, speaker, func() {}, nil
		}
		c.Voice.Input, c.Voice.Output = "USB mic", "Headset"
	})
	l.await(t, "bob listed", func() bool { return c.Contacts.Len() == 1 })
	l.do(func() { c.Calls.Call("bob") })
	l.await(t, "the call is active with audio", func() bool { return c.Calls.Phase == CallActive && c.Voice.Active() })
	l.do(func() { require.Equal(t, []string{"USB mic|Headset"}, devices, "the chosen devices") })

	require.Eventually(t, func() bool {
		last := speaker.lastSecond()
		return last != nil && media.DominantFrequency(last, media.SampleRate) == 660
	}, 20*time.Second, 50*time.Millisecond, "alice hears bob")
	l.await(t, "bob shows as speaking", func() bool { c.Voice.SampleLevels(); return c.Voice.Speaking("bob") })
	l.do(func() {
		require.Equal(t, protocol.ModeDirect, c.Voice.call.Mode(), "the app and the bot talk directly")
	})

	bobHearsAlice := func() bool {
		_, pcm, err := media.ReadWAV(heard)
		if err != nil || len(pcm) < media.SampleRate/2 {
			return false
		}
		last := pcm[len(pcm)-media.SampleRate/2:]
		return media.DominantFrequency(last, media.SampleRate) == 440 && media.Level(last) > 0.2
	}
	require.False(t, bobHearsAlice(), "alice's microphone starts closed")
	// Her own indicator: dark while her microphone is closed, though it
	// hears her tone; lit once it is open; dark again when she mutes.
	l.do(func() {
		c.Voice.SampleLevels()
		require.False(t, c.Voice.Speaking("alice"), "muted, alice does not show as speaking")
	})
	l.do(c.Room.ToggleMic)
	l.await(t, "alice's microphone is open", func() bool { me, _ := c.Room.Me(); return me.AudioStatus == protocol.AudioOpen })
	l.await(t, "alice shows as speaking", func() bool { c.Voice.SampleLevels(); return c.Voice.Speaking("alice") })
	require.Eventually(t, bobHearsAlice, 20*time.Second, 50*time.Millisecond, "bob hears alice")
	l.do(c.Room.ToggleMic)
	require.Eventually(t, func() bool {
		_, pcm, err := media.ReadWAV(heard)
		return err == nil && media.Level(pcm[len(pcm)-media.SampleRate/2:]) == 0
	}, 20*time.Second, 50*time.Millisecond, "muted: bob hears silence")
	l.await(t, "muted, alice's indicator goes dark", func() bool { c.Voice.SampleLevels(); return !c.Voice.Speaking("alice") })

	l.do(func() { c.Calls.HangUp() })
	l.await(t, "the audio ends with the call", func() bool { return !c.Voice.Active() })
	l.do(func() { require.False(t, c.Voice.Speaking("bob"), "nobody speaks once the call is over") })
}
