package media

import (
	"context"
	"math"
	"sync"
	"time"
)

// Mixer sums every remote stream into one Sink on its own 20 ms clock, so
// the Sink gets one frame per tick whoever speaks: silence when nobody
// does, never a gap and never two frames at once. Each input keeps a small
// jitter buffer that fills before it plays and grows after an underrun.
type Mixer struct {
	sink   Sink
	jitter int // frames an input gathers before it plays

	mu     sync.Mutex
	inputs map[*MixInput]struct{}
	mixed  []int32
	out    []int16
}

// DefaultJitter is the jitter buffer of a conversation, in frames: an
// input starts playing once it holds this many, and buffers deeper after
// each underrun, up to four times as many. A recorder, which does not
// mind the delay, may ask for more (PeerConfig.JitterFrames).
const DefaultJitter = 3

// MixInput is one remote stream feeding a Mixer.
type MixInput struct {
	m       *Mixer
	frames  [][]int16 // under m.mu
	target  int       // frames to gather before playing
	playing bool
	last    []int16 // the last frame played, repeated (fading) to bridge an underrun
	bridged int     // frames bridged in a row
	level   float64 // the last played frame's level
	free    [][]int16
}

// maxBridged is how many frames an underrun is bridged by repeating the
// last one, fading (a late packet on a loaded machine, a scheduling stall);
// longer, the input goes quiet and waits to refill. Opus's own PLC does the
// same for lost packets; this covers packets that are late, not lost.
const maxBridged = 3

// NewMixer makes a mixer writing to sink with a jitter buffer of jitter
// frames per input (0: DefaultJitter); Run drives it.
func NewMixer(sink Sink, jitter int) *Mixer {
	if jitter <= 0 {
		jitter = DefaultJitter
	}
	return &Mixer{sink: sink, jitter: jitter, inputs: make(map[*MixInput]struct{}), mixed: make([]int32, FrameSamples), out: make([]int16, FrameSamples)}
}

// Input adds a stream; Remove takes it out.
func (m *Mixer) Input() *MixInput {
	in := &MixInput{m: m, target: m.jitter}
	m.mu.Lock()
	m.inputs[in] = struct{}{}
	m.mu.Unlock()
	return in
}

// Remove takes the input out of the mix.
func (in *MixInput) Remove() {
	in.m.mu.Lock()
	delete(in.m.inputs, in)
	in.m.mu.Unlock()
}

// Push queues a copy of one decoded frame.
func (in *MixInput) Push(pcm []int16) {
	m := in.m
	m.mu.Lock()
	defer m.mu.Unlock()
	var f []int16
	if n := len(in.free); n > 0 {
		f, in.free = in.free[n-1], in.free[:n-1]
	} else {
		f = make([]int16, FrameSamples)
	}
	copy(f, pcm)
	in.frames = append(in.frames, f)
	if len(in.frames) > 8*m.jitter {
		// A stalled receiver (or a sender's burst): keep the newest.
		in.free = append(in.free, in.frames[0])
		in.frames = in.frames[1:]
	}
}

// Level is the loudness (RMS, 0..1) of what the input played last: a
// speaking indicator.
func (in *MixInput) Level() float64 {
	in.m.mu.Lock()
	defer in.m.mu.Unlock()
	return in.level
}

// Run writes one mixed frame per FrameDuration until ctx ends or the sink
// fails.
func (m *Mixer) Run(ctx context.Context) error {
	tick := time.NewTicker(FrameDuration)
	defer tick.Stop()
	clock := newPacer(time.Now())
	for {
		select {
		case <-ctx.Done():
			return nil
		case now := <-tick.C:
			for range clock.due(now) {
				if err := m.sink.WriteFrame(m.mix()); err != nil {
					return err
				}
			}
		}
	}
}

// mix takes one frame from every input that is playing and sums them,
// clipped to 16 bits.
func (m *Mixer) mix() []int16 {
	m.mu.Lock()
	defer m.mu.Unlock()
	clear(m.mixed)
	for in := range m.inputs {
		if !in.playing && len(in.frames) >= in.target {
			in.playing = true
		}
		if !in.playing {
			continue
		}
		if len(in.frames) == 0 {
			in.target = min(in.target+1, 4*m.jitter) // late once: buffer deeper
			if in.last == nil || in.bridged == maxBridged {
				in.playing = false
				in.level = 0
				continue
			}
			in.bridged++
			for i := range in.last {
				in.last[i] = int16(int32(in.last[i]) * 7 / 10)
			}
			for i, v := range in.last {
				m.mixed[i] += int32(v)
			}
			in.level = Level(in.last)
			continue
		}
		if len(in.frames) > 2*in.target {
			// Far behind (after a stall): drop one frame to catch up.
			in.free = append(in.free, in.frames[0])
			in.frames = in.frames[1:]
		}
		f := in.frames[0]
		in.frames = in.frames[1:]
		for i, v := range f {
			m.mixed[i] += int32(v)
		}
		in.level = Level(f)
		in.bridged = 0
		if in.last == nil {
			in.last = make([]int16, FrameSamples)
		}
		copy(in.last, f)
		in.free = append(in.free, f)
	}
	for i, v := range m.mixed {
		m.out[i] = int16(max(math.MinInt16, min(math.MaxInt16, v)))
	}
	return m.out
}
