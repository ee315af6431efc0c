//go:build !cgo || windows || nospeex

package media

// EchoCancellation says whether this build cleans the microphone of what
// the speaker plays: not this one (see echo_speex.go); the app recommends
// a headset instead.
const EchoCancellation = false

// echoCanceller is absent from this build: newEchoCanceller gives none and
// the devices pass audio through.
type echoCanceller struct{}

func newEchoCanceller() *echoCanceller         { return nil }
func (*echoCanceller) playback([]int16)        {}
func (*echoCanceller) capture(in, out []int16) { copy(out, in) }
func (*echoCanceller) close()                  {}
