// Package media carries Huddle's voice: 20 ms frames of 16-bit mono PCM at
// 48 kHz flow from a Source (a WAV file, a tone, a microphone) through a
// Codec (Opus, or G.711 where Opus is not built in) into a pion
// PeerConnection, and back out of it, decoded and mixed, into a Sink (a WAV
// file, a speaker). It has no UI; the bot and the desktop app drive it.
package media

import "time"

// The one PCM format inside Huddle: every Source fills, and every Sink
// takes, frames of FrameSamples mono samples at SampleRate.
const (
	SampleRate    = 48000
	FrameDuration = 20 * time.Millisecond
	FrameSamples  = SampleRate / 50
)

// Source produces audio one frame at a time. ReadFrame fills all of pcm
// (FrameSamples long) and may block until the frame is due (a microphone)
// or not at all (a file: the sender paces it).
type Source interface {
	ReadFrame(pcm []int16) error
}

// Sink consumes audio one frame at a time, in order, with no gaps: the
// mixer writes silence where nobody spoke.
type Sink interface {
	WriteFrame(pcm []int16) error
}
