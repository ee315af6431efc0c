package media

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// Each codec carries a 440 Hz tone through encode and decode: the decoded
// frames have the tone's frequency and most of its loudness.
func TestCodecsCarryATone(t *testing.T) {
	for _, c := range Codecs() {
		t.Run(c.Capability.MimeType, func(t *testing.T) {
			enc, err := c.NewEncoder()
			require.NoError(t, err)
			dec, err := c.NewDecoder()
			require.NoError(t, err)
			tone := &Tone{Freq: 440, Amplitude: 0.5}
			in, out, buf := make([]int16, FrameSamples), make([]int16, FrameSamples), make([]byte, 1500)
			var got []int16
			for range 25 {
				require.NoError(t, tone.ReadFrame(in))
				n, err := enc.Encode(in, buf)
				require.NoError(t, err)
				require.NoError(t, dec.Decode(buf[:n], out))
				got = append(got, out...)
			}
			tail := got[len(got)/2:] // past the codec's start-up
			require.Equal(t, 440.0, DominantFrequency(tail, SampleRate))
			require.InDelta(t, Level(in), Level(tail), 0.1)
		})
	}
}

// Opus's in-band FEC rebuilds a lost frame from the next packet.
func TestOpusFECRebuildsALostFrame(t *testing.T) {
	if !OpusBuiltIn() {
		t.Skip("this build has no Opus")
	}
	enc, err := opusCodec.NewEncoder()
	require.NoError(t, err)
	dec, err := opusCodec.NewDecoder()
	require.NoError(t, err)
	tone := &Tone{Freq: 440, Amplitude: 0.5}
	in, out := make([]int16, FrameSamples), make([]int16, FrameSamples)
	var packets [][]byte
	for range 20 {
		require.NoError(t, tone.ReadFrame(in))
		buf := make([]byte, 1500)
		n, err := enc.Encode(in, buf)
		require.NoError(t, err)
		packets = append(packets, buf[:n])
	}
	for _, p := range packets[:10] {
		require.NoError(t, dec.Decode(p, out))
	}
	// Packet 10 is lost: conceal it from packet 11's FEC.
	require.NoError(t, dec.Conceal(packets[11], out))
	require.Equal(t, 440.0, DominantFrequency(out, SampleRate))
	require.Greater(t, Level(out), 0.2)
}
