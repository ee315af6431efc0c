package server

import (
	"sync"
	"time"
)

// timers starts the server's one-shot timers (ring-out, grace period,
// SendCmd acknowledgement) so that Shutdown can stop them all: once it
// returns, none fires and none is still running, so nothing touches state
// or the store after the server is gone.
type timers struct {
	mu      sync.Mutex
	stopped bool
	pending map[*timer]struct{}
	running sync.WaitGroup
}

// timer is one pending callback of timers.
type timer struct {
	ts *timers
	t  *time.Timer // nil if started after Shutdown: it never fires
}

func newTimers() *timers { return &timers{pending: make(map[*timer]struct{})} }

// afterFunc runs f after d unless the timer is stopped first, or the
// server shut down.
func (ts *timers) afterFunc(d time.Duration, f func()) *timer {
	tm := &timer{ts: ts}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.stopped {
		return tm
	}
	ts.pending[tm] = struct{}{}
	tm.t = time.AfterFunc(d, func() {
		ts.mu.Lock()
		if _, ok := ts.pending[tm]; !ok || ts.stopped {
			ts.mu.Unlock()
			return
		}
		delete(ts.pending, tm)
		ts.running.Add(1)
		ts.mu.Unlock()
		defer ts.running.Done()
		f()
	})
	return tm
}

// Stop keeps the callback from running, if it has not started; it reports
// whether it was still pending.
func (tm *timer) Stop() bool {
	tm.ts.mu.Lock()
	_, pending := tm.ts.pending[tm]
	delete(tm.ts.pending, tm)
	tm.ts.mu.Unlock()
	if tm.t != nil {
		tm.t.Stop()
	}
	return pending
}

// stop stops every pending timer, refuses new ones, and waits for those
// already running. It must not be called from a timer's callback.
func (ts *timers) stop() {
	ts.mu.Lock()
	ts.stopped = true
	for tm := range ts.pending {
		tm.t.Stop()
	}
	clear(ts.pending)
	ts.mu.Unlock()
	ts.running.Wait()
}
