package media

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWAVSinkHeaderIsValidBeforeClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rec.wav")
	sink, err := CreateWAVSink(path)
	require.NoError(t, err)
	tone := &Tone{Freq: 440, Amplitude: 0.5}
	frame := make([]int16, FrameSamples)
	for range 10 {
		tone.ReadFrame(frame)
		require.NoError(t, sink.WriteFrame(frame))
	}
	// Not closed: as if the process had been killed here.
	rate, pcm, err := ReadWAV(path)
	require.NoError(t, err)
	require.Equal(t, SampleRate, rate)
	require.Len(t, pcm, 10*FrameSamples)
	st, err := os.Stat(path)
	require.NoError(t, err)
	require.EqualValues(t, wavHeaderLen+10*FrameSamples*2, st.Size())
	require.NoError(t, sink.Close())
	require.Error(t, sink.WriteFrame(frame), "a closed sink takes no more frames")
	_, pcm, err = ReadWAV(path)
	require.NoError(t, err)
	require.Equal(t, 440.0, DominantFrequency(pcm, SampleRate))
}

func TestWAVSourceLoopsAndResamples(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tone.wav")
	require.NoError(t, WriteToneWAV(path, 660, 0.1)) // 5 frames
	src, err := OpenWAVSource(path)
	require.NoError(t, err)
	frame := make([]int16, FrameSamples)
	var all []int16
	for range 12 { // past the end twice
		require.NoError(t, src.ReadFrame(frame))
		all = append(all, frame...)
	}
	require.Equal(t, 660.0, DominantFrequency(all[len(all)-SampleRate/10:], SampleRate))

	// The same tone at 16 kHz stereo plays as 660 Hz at 48 kHz mono.
	rate16 := filepath.Join(t.TempDir(), "tone16.wav")
	writeStereo16k(t, rate16, all[:SampleRate/10])
	src, err = OpenWAVSource(rate16)
	require.NoError(t, err)
	require.NoError(t, src.ReadFrame(frame))
	require.Equal(t, 660.0, DominantFrequency(frame, SampleRate))
}

func TestWAVSourceRefusesNonPCM(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.wav")
	require.NoError(t, os.WriteFile(path, []byte("RIFF\x00\x00\x00\x00WAVEjunk"), 0o600))
	_, err := OpenWAVSource(path)
	require.Error(t, err)
	h := wavHeader(0)
	h[20] = 3 // IEEE float
	require.NoError(t, os.WriteFile(path, h, 0o600))
	_, err = OpenWAVSource(path)
	require.ErrorContains(t, err, "PCM 16-bit")
}

// writeStereo16k writes 48 kHz mono samples as a 16 kHz stereo WAV.
func writeStereo16k(t *testing.T, path string, mono []int16) {
	down := resample(mono, SampleRate, 16000)
	h := wavHeader(uint32(len(down) * 4))
	h[22] = 2                                     // channels
	h[24], h[25], h[26], h[27] = 0x80, 0x3e, 0, 0 // 16000 Hz
	h[28], h[29], h[30], h[31] = 0x00, 0xfa, 0, 0 // byte rate 64000
	h[32] = 4                                     // block align
	b := append([]byte(nil), h...)
	for _, v := range down {
		for range 2 {
			b = append(b, byte(v), byte(uint16(v)>>8))
		}
	}
	require.NoError(t, os.WriteFile(path, b, 0o600))
}
