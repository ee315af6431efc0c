package app

import (
	"math"
	"time"

	"huddle/media"
)

// Speaker opens the speaker called name ("" for the default) on its own,
// for the ringtone; close releases it. The desktop app uses SystemSpeaker;
// nil rings silently (tests of other flows, builds without audio).
type Speaker func(name string) (sink media.Sink, close func(), err error)

// SystemSpeaker is Speaker on the computer's own speaker (miniaudio; silent
// on the null backend).
func SystemSpeaker(name string) (media.Sink, func(), error) {
	spk, err := media.OpenSpeaker(name)
	if err != nil {
		return nil, nil, err
	}
	return spk, func() { spk.Close() }, nil
}

// The ringtone's cadence: two 0.4 s rings 0.2 s apart, then 2 s of quiet,
// of the two-tone (400 + 450 Hz) ring telephones have made for decades.
const (
	ringOn     = 400 * time.Millisecond
	ringGap    = 200 * time.Millisecond
	ringPeriod = 3 * time.Second
	ringLevel  = 0.2 // of full scale per tone: audible, not startling
)

// ringtone is a media.Source of the ring, generated (no sound file to ship).
type ringtone struct{ n int64 }

func (r *ringtone) ReadFrame(pcm []int16) error {
	for i := range pcm {
		t := float64(r.n) / media.SampleRate
		r.n++
		in := time.Duration(math.Mod(t, ringPeriod.Seconds()) * float64(time.Second))
		if in >= 2*ringOn+ringGap || (in >= ringOn && in < ringOn+ringGap) {
			pcm[i] = 0
			continue
		}
		v := ringLevel * (math.Sin(2*math.Pi*400*t) + math.Sin(2*math.Pi*450*t))
		pcm[i] = int16(v * math.MaxInt16)
	}
	return nil
}

// ringer plays the ringtone while an incoming call waits for an answer.
type ringer struct{ stop chan struct{} }

// syncRinging rings while a call comes in and is not being answered, and
// stops on accept, reject, the caller's cancel, the timeout or sign-out.
func (c *Client) syncRinging() {
	want := c.Calls.Phase == CallIncoming && !c.Calls.answering && !c.closed
	switch {
	case want && c.ring == nil && c.Speaker != nil:
		sink, closeSink, err := c.Speaker(c.Voice.Output)
		if err != nil {
			return // a call still shows without a ringtone
		}
		c.ring = &ringer{stop: make(chan struct{})}
		go c.ring.play(sink, closeSink)
	case !want && c.ring != nil:
		close(c.ring.stop)
		c.ring = nil
	}
}

// Ringing says whether the ringtone is playing.
func (c *Client) Ringing() bool { return c.ring != nil }

// play writes the ring a frame at a time, in real time (the speaker keeps
// no more than it can play), until stopped; it then releases the speaker
// here, off the UI goroutine, as closing a device waits for its thread.
func (r *ringer) play(sink media.Sink, closeSink func()) {
	defer closeSink()
	tick := time.NewTicker(media.FrameDuration)
	defer tick.Stop()
	var tone ringtone
	for {
		select {
		case <-r.stop:
			return
		case <-tick.C:
			pcm := make([]int16, media.FrameSamples)
			tone.ReadFrame(pcm)
			if sink.WriteFrame(pcm) != nil {
				<-r.stop // the speaker failed: wait quietly for the call to end
				return
			}
		}
	}
}
