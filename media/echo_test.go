//go:build cgo && !windows && !nospeex

package media

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
)

// toneAmplitude is the amplitude (0..1 of full scale) of freq in pcm.
func toneAmplitude(pcm []int16, freq float64) float64 {
	var energy float64
	for _, v := range pcm {
		x := float64(v) / math.MaxInt16
		energy += x * x
	}
	// Power normalises by the energy; undo it for an absolute amplitude.
	return math.Sqrt(2 * Power(pcm, SampleRate, freq) * energy / float64(len(pcm)))
}

// echoRoom plays far-end audio through a speaker into a room whose
// microphone hears it back twice (after 30 ms at half strength, after 70 ms
// at a fifth) on top of the near-end talker, and runs the microphone
// through the canceller, frame by frame as the devices would.
type echoRoom struct {
	aec      *echoCanceller
	far      []int16 // everything the speaker played
	mic, out []int16 // everything captured, and cleaned
}

func (r *echoRoom) frame(far, near []int16) {
	r.aec.playback(far)
	r.far = append(r.far, far...)
	mic := make([]int16, FrameSamples)
	for i := range mic {
		n := len(r.far) - FrameSamples + i
		v := float64(near[i])
		if j := n - 30*SampleRate/1000; j >= 0 {
			v += 0.5 * float64(r.far[j])
		}
		if j := n - 70*SampleRate/1000; j >= 0 {
			v += 0.2 * float64(r.far[j])
		}
		mic[i] = int16(max(math.MinInt16, min(math.MaxInt16, v)))
	}
	out := make([]int16, FrameSamples)
	r.aec.capture(mic, out)
	r.mic, r.out = append(r.mic, mic...), append(r.out, out...)
}

// lastSecond is the final second of pcm.
func lastSecond(pcm []int16) []int16 { return pcm[len(pcm)-SampleRate:] }

// The other side's voice played on the speaker is removed from what the
// microphone sends, while the user's own voice, over it, still goes out.
func TestEchoCancellerRemovesTheSpeakerKeepsTheTalker(t *testing.T) {
	aec := newEchoCanceller()
	defer aec.close()
	room := &echoRoom{aec: aec}
	// Far end: a voice-like 440 Hz tone whose loudness wanders, with a
	// little noise; near end: silent, then a 660 Hz talker.
	rng := rand.New(rand.NewPCG(1, 2))
	voice := &Tone{Freq: 440, Amplitude: 0.4}
	talker := &Tone{Freq: 660, Amplitude: 0.2}
	far, near, silent := make([]int16, FrameSamples), make([]int16, FrameSamples), make([]int16, FrameSamples)
	for k := range 250 { // 5 s
		voice.ReadFrame(far)
		gain := 0.6 + 0.4*math.Sin(float64(k)/7)
		for i := range far {
			far[i] = int16(float64(far[i])*gain + rng.NormFloat64()*300)
		}
		if k < 150 {
			room.frame(far, silent)
			continue
		}
		talker.ReadFrame(near)
		room.frame(far, near)
	}

	// After 3 s of the far end alone, the echo that reached the
	// microphone is at least 20 dB down in what is sent (measured: 53).
	alone := len(room.out) * 3 / 5
	echo := 20 * math.Log10(toneAmplitude(lastSecond(room.out[:alone]), 440)/toneAmplitude(lastSecond(room.mic[:alone]), 440))
	assert.Less(t, echo, -20.0, "echo alone")

	// Both talking: the talker loses at most 6 dB (measured: 0), the echo
	// stays 15 dB down (measured: 25).
	talk := 20 * math.Log10(toneAmplitude(lastSecond(room.out), 660)/0.2)
	assert.Greater(t, talk, -6.0, "talker")
	echo = 20 * math.Log10(toneAmplitude(lastSecond(room.out), 440)/toneAmplitude(lastSecond(room.mic), 440))
	assert.Less(t, echo, -15.0, "echo over the talker")
}

// With nothing played, the canceller leaves the user's voice alone.
func TestEchoCancellerPassesTheTalkerWhenTheSpeakerIsSilent(t *testing.T) {
	aec := newEchoCanceller()
	defer aec.close()
	talker := &Tone{Freq: 660, Amplitude: 0.2}
	in, out := make([]int16, FrameSamples), make([]int16, FrameSamples)
	var sent []int16
	for range 100 {
		talker.ReadFrame(in)
		aec.capture(in, out) // no playback at all: the speaker is idle
		sent = append(sent, out...)
	}
	assert.InDelta(t, 0.2, toneAmplitude(lastSecond(sent), 660), 0.02)
}

// Closed, the canceller passes audio through instead of touching freed state.
func TestEchoCancellerAfterClosePassesThrough(t *testing.T) {
	aec := newEchoCanceller()
	aec.close()
	in, out := make([]int16, FrameSamples), make([]int16, FrameSamples)
	(&Tone{Freq: 660, Amplitude: 0.2}).ReadFrame(in)
	aec.playback(in)
	aec.capture(in, out)
	assert.Equal(t, in, out)
}
