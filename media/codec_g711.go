package media

import (
	"errors"

	"github.com/zaf/g711"
)

// G.711 µ-law (PCMU) at 8 kHz: every WebRTC endpoint speaks it, and it
// needs no C library, so builds without Opus (the Windows cross-build)
// still talk to everyone. Frames are decimated from 48 kHz by averaging
// six samples (a box low-pass, enough for the 4 kHz voice band) and
// interpolated back.
const (
	g711Ratio   = SampleRate / 8000
	g711Samples = FrameSamples / g711Ratio
)

var g711Codec = Codec{
	Capability:  PCMUCapability,
	PayloadType: PCMUPayloadType,
	NewEncoder:  func() (Encoder, error) { return g711Encoder{}, nil },
	NewDecoder:  func() (Decoder, error) { return &g711Decoder{}, nil },
}

type g711Encoder struct{}

func (g711Encoder) Encode(pcm []int16, out []byte) (int, error) {
	if len(pcm) != FrameSamples || len(out) < g711Samples {
		return 0, errors.New("g711: wrong frame size")
	}
	for i := range g711Samples {
		sum := 0
		for _, v := range pcm[i*g711Ratio : (i+1)*g711Ratio] {
			sum += int(v)
		}
		out[i] = g711.EncodeUlawFrame(int16(sum / g711Ratio))
	}
	return g711Samples, nil
}

type g711Decoder struct {
	last int16 // the previous frame's last sample, to interpolate across frames
}

func (d *g711Decoder) Decode(payload []byte, pcm []int16) error {
	if len(payload) != g711Samples || len(pcm) != FrameSamples {
		return errors.New("g711: payload is not one 20 ms frame")
	}
	prev := float64(d.last)
	for i, b := range payload {
		cur := float64(g711.DecodeUlawFrame(b))
		for k := range g711Ratio {
			pcm[i*g711Ratio+k] = int16(prev + (cur-prev)*float64(k+1)/g711Ratio)
		}
		prev = cur
	}
	d.last = int16(prev)
	return nil
}

// Conceal fills a lost frame with silence: G.711 has no redundancy.
func (d *g711Decoder) Conceal(_ []byte, pcm []int16) error {
	clear(pcm)
	d.last = 0
	return nil
}
