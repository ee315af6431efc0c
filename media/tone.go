package media

import "math"

// Tone is a Source of a pure sine wave, for tests, the bench and a
// ringtone.
type Tone struct {
	Freq      float64 // Hz
	Amplitude float64 // 0..1 of full scale
	n         int64
}

// ReadFrame fills pcm with the next FrameSamples of the sine.
func (t *Tone) ReadFrame(pcm []int16) error {
	for i := range pcm {
		v := t.Amplitude * math.Sin(2*math.Pi*t.Freq*float64(t.n)/SampleRate)
		pcm[i] = int16(v * math.MaxInt16)
		t.n++
	}
	return nil
}

// WriteToneWAV writes seconds of a sine at freq to a new WAV file (for
// `huddle bot --play` in tests and demos).
func WriteToneWAV(path string, freq, seconds float64) error {
	sink, err := CreateWAVSink(path)
	if err != nil {
		return err
	}
	tone := &Tone{Freq: freq, Amplitude: 0.5}
	frame := make([]int16, FrameSamples)
	for range int(seconds * 50) {
		tone.ReadFrame(frame)
		if err := sink.WriteFrame(frame); err != nil {
			sink.Close()
			return err
		}
	}
	return sink.Close()
}

// Power is the Goertzel power of freq in pcm, normalised by the window's
// energy: near 1 for a pure tone at freq, near 0 for one far from it or for
// silence.
func Power(pcm []int16, rate int, freq float64) float64 {
	if len(pcm) == 0 {
		return 0
	}
	w := 2 * math.Pi * freq / float64(rate)
	coeff := 2 * math.Cos(w)
	var s1, s2, energy float64
	for _, v := range pcm {
		x := float64(v)
		energy += x * x
		s0 := x + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	if energy == 0 {
		return 0
	}
	p := s1*s1 + s2*s2 - coeff*s1*s2
	return p / (energy * float64(len(pcm)) / 2)
}

// DominantFrequency is the strongest frequency in pcm between 50 Hz and
// 4 kHz, to the nearest 10 Hz (Goertzel at each step: speech band, and test
// tones are chosen on the grid); 0 for silence.
func DominantFrequency(pcm []int16, rate int) float64 {
	best, bestP := 0.0, 0.0
	for f := 50.0; f <= 4000; f += 10 {
		if p := Power(pcm, rate, f); p > bestP {
			best, bestP = f, p
		}
	}
	if bestP < 0.1 {
		return 0 // noise or silence: no tone stands out
	}
	return best
}

// Level is the RMS of pcm relative to full scale, 0..1: what a speaking
// indicator shows.
func Level(pcm []int16) float64 {
	if len(pcm) == 0 {
		return 0
	}
	var sum float64
	for _, v := range pcm {
		x := float64(v) / math.MaxInt16
		sum += x * x
	}
	return math.Sqrt(sum / float64(len(pcm)))
}
