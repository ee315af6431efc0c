package views

import (
	"time"
)

// ticker runs a function on the UI goroutine at a fixed period, only while
// something live is shown (a call's clock, speaking indicators): an idle
// app wakes for nothing.
type ticker struct {
	do     func(func()) // onto the UI goroutine
	period time.Duration
	f      func()
	stop   chan struct{}
}

func newTicker(do func(func()), period time.Duration, f func()) *ticker {
	return &ticker{do: do, period: period, f: f}
}

// set starts the ticker when on and stops it when not; it is called on the
// UI goroutine on every refresh, so repeated calls are no-ops.
func (t *ticker) set(on bool) {
	switch {
	case on && t.stop == nil:
		t.stop = make(chan struct{})
		go t.run(t.stop)
	case !on && t.stop != nil:
		close(t.stop)
		t.stop = nil
	}
}

// running says whether the ticker is on.
func (t *ticker) running() bool { return t.stop != nil }

func (t *ticker) run(stop <-chan struct{}) {
	tk := time.NewTicker(t.period)
	defer tk.Stop()
	for {
		select {
		case <-tk.C:
			t.do(func() {
				select {
				case <-stop: // stopped while this tick was queued
				default:
					t.f()
				}
			})
		case <-stop:
			return
		}
	}
}
