//go:build cgo && !windows && !nospeex

package media

/*
#cgo pkg-config: speexdsp
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>

static int set_int(SpeexPreprocessState *pp, int request, int value) {
	return speex_preprocess_ctl(pp, request, &value);
}
static int set_echo_rate(SpeexEchoState *st, int rate) {
	return speex_echo_ctl(st, SPEEX_ECHO_SET_SAMPLING_RATE, &rate);
}
*/
import "C"

import (
	"sync"
	"unsafe"
)

// EchoCancellation says whether this build cleans the microphone of what
// the speaker plays (SpeexDSP; not in the Windows cross-build, which has
// no libspeexdsp for mingw, nor with -tags nospeex).
const EchoCancellation = true

// echoTail is how long an echo the canceller learns: the speaker's own
// buffering, the room's reverberation and the microphone's buffering all
// fall within it.
const echoTail = 250 * SampleRate / 1000

// echoReference bounds the speaker frames waiting for the microphone's:
// 200 ms, as much as either device buffers (maxDeviceBuffer).
const echoReference = maxDeviceBuffer / FrameSamples

// echoCanceller is SpeexDSP's adaptive echo canceller followed by its
// residual echo suppressor. The speaker's callback hands it each frame as
// it is played (playback); the microphone's hands it each frame captured
// and gets it back cleaned (capture). Speex's own capture/playback pair
// would print warnings on every device hiccup, so the two timelines are
// lined up here: each captured frame is cancelled against the oldest
// played frame not yet used, silence when the speaker played nothing.
type echoCanceller struct {
	mu      sync.Mutex
	st      *C.SpeexEchoState
	pp      *C.SpeexPreprocessState
	played  [][]int16 // played frames not yet matched with a captured one
	spare   [][]int16 // their buffers, for reuse
	silence []int16
}

func newEchoCanceller() *echoCanceller {
	e := &echoCanceller{
		st:      C.speex_echo_state_init(C.int(FrameSamples), C.int(echoTail)),
		pp:      C.speex_preprocess_state_init(C.int(FrameSamples), C.int(SampleRate)),
		silence: make([]int16, FrameSamples),
	}
	C.set_echo_rate(e.st, C.int(SampleRate))
	// Echo suppression only: noise suppression and gain control would also
	// change the voice, which is the other side's business.
	C.set_int(e.pp, C.SPEEX_PREPROCESS_SET_DENOISE, 0)
	C.set_int(e.pp, C.SPEEX_PREPROCESS_SET_AGC, 0)
	C.speex_preprocess_ctl(e.pp, C.SPEEX_PREPROCESS_SET_ECHO_STATE, unsafe.Pointer(e.st))
	return e
}

// playback records a frame (FrameSamples) the speaker is playing now.
func (e *echoCanceller) playback(frame []int16) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.st == nil {
		return
	}
	if len(e.played) == echoReference {
		// The microphone stopped taking frames: keep the newest.
		e.spare = append(e.spare, e.played[0])
		e.played = e.played[1:]
	}
	var buf []int16
	if n := len(e.spare); n > 0 {
		buf, e.spare = e.spare[n-1], e.spare[:n-1]
	} else {
		buf = make([]int16, FrameSamples)
	}
	copy(buf, frame)
	e.played = append(e.played, buf)
}

// capture cleans a frame (FrameSamples) the microphone captured now into out.
func (e *echoCanceller) capture(in, out []int16) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.st == nil {
		copy(out, in)
		return
	}
	ref := e.silence
	if len(e.played) > 0 {
		ref = e.played[0]
		e.played = e.played[1:]
		defer func() { e.spare = append(e.spare, ref) }()
	}
	C.speex_echo_cancellation(e.st, (*C.spx_int16_t)(&in[0]), (*C.spx_int16_t)(&ref[0]), (*C.spx_int16_t)(&out[0]))
	C.speex_preprocess_run(e.pp, (*C.spx_int16_t)(&out[0]))
}

// close frees the C state; playback and capture after it pass audio through.
func (e *echoCanceller) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.st == nil {
		return
	}
	C.speex_preprocess_state_destroy(e.pp)
	C.speex_echo_state_destroy(e.st)
	e.st, e.pp = nil, nil
}
