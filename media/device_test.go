//go:build cgo

package media

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// On miniaudio's null backend (no sound card, as in CI) a microphone
// delivers silent frames in real time and a speaker takes frames.
func TestNullBackendDevices(t *testing.T) {
	t.Setenv("HUDDLE_AUDIO_BACKEND", "null")
	names, err := ListDevices(true)
	require.NoError(t, err)
	require.NotEmpty(t, names)
	spk, err := OpenSpeaker(names[0]) // any name: unknown ones take the default
	require.NoError(t, err)
	defer spk.Close()
	mic, err := OpenMicrophone("", spk) // cleaned of the speaker's echo, where built in
	require.NoError(t, err)
	defer mic.Close()
	pcm := make([]int16, FrameSamples)
	start := time.Now()
	for range 10 {
		require.NoError(t, mic.ReadFrame(pcm))
		require.Zero(t, Level(pcm))
		require.NoError(t, spk.WriteFrame(pcm))
	}
	// Ten frames took about 200 ms of capture, not an instant of padding.
	require.Greater(t, time.Since(start), 100*time.Millisecond)
}
