package server

import (
	"sync"
	"sync/atomic"
	"time"
)

// writerIdle is how long a write goroutine waits for the next connection:
// longer than the gaps inside a burst, short enough that idle costs nothing.
const writerIdle = time.Second

// writers runs connections' write loops on reused goroutines. A write loop
// runs only while its connection has something to write, so a presence
// change to 10,000 subscribers starts 10,000 of them; on fresh goroutines
// each would first grow its stack to the depth of a socket write, which was
// 17% of the server's CPU in that fan-out (pprof, docs/performance.md). A
// goroutine that finished a loop waits a moment for the next connection
// before it exits, so an idle server still holds none.
//
// A waiting goroutine waits on a channel of its own, handed work by run
// and retired by one sweep timer for the whole pool: a receive on one
// channel. Waiting in a select on a shared channel, a timer of its own and
// the quit channel, re-armed for every loop, was 10% of a cluster home's
// CPU in that fan-out.
type writers struct {
	idle time.Duration // how long a goroutine waits for more work

	mu sync.Mutex
	// waiting goroutines, the one that went idle last at the end: run takes
	// from the end (a warm one), sweep retires from the front (the oldest).
	waiting  []*writer
	sweeping bool // a sweep is due
	stopped  bool // at shutdown: no goroutine waits any more

	wg sync.WaitGroup
	// Goroutines started so far, and those running or waiting now.
	started atomic.Int64
	live    atomic.Int32
}

// writer is a waiting goroutine: its next connection, or nil to exit.
type writer struct {
	next  chan *conn // capacity 1: handed at most one before it waits again
	since time.Time  // when it began to wait (under writers.mu)
}

func newWriters(idle time.Duration) *writers {
	return &writers{idle: idle}
}

// run runs c.writeLoop on a waiting goroutine, or a new one.
func (w *writers) run(c *conn) {
	w.mu.Lock()
	if n := len(w.waiting); n > 0 {
		wr := w.waiting[n-1]
		w.waiting[n-1] = nil
		w.waiting = w.waiting[:n-1]
		w.mu.Unlock()
		wr.next <- c
		return
	}
	w.mu.Unlock()
	w.wg.Add(1)
	w.started.Add(1)
	w.live.Add(1)
	go w.serve(c)
}

func (w *writers) serve(c *conn) {
	defer w.wg.Done()
	defer w.live.Add(-1)
	wr := &writer{next: make(chan *conn, 1)}
	for c != nil {
		c.writeLoop()
		c.srv.sessions.Done()
		if !w.wait(wr) {
			return
		}
		c = <-wr.next
	}
}

// wait puts wr among the waiting, unless the pool has stopped.
func (w *writers) wait(wr *writer) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return false
	}
	wr.since = time.Now()
	w.waiting = append(w.waiting, wr)
	if !w.sweeping {
		w.sweeping = true
		time.AfterFunc(w.idle, w.sweep)
	}
	return true
}

// sweep retires the goroutines that waited w.idle, and comes back when the
// oldest of the others will have.
func (w *writers) sweep() {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	n := 0
	for n < len(w.waiting) && now.Sub(w.waiting[n].since) >= w.idle {
		w.waiting[n].next <- nil
		n++
	}
	rest := copy(w.waiting, w.waiting[n:])
	clear(w.waiting[rest:])
	w.waiting = w.waiting[:rest]
	w.sweeping = len(w.waiting) > 0
	if w.sweeping {
		time.AfterFunc(w.idle-now.Sub(w.waiting[0].since), w.sweep)
	}
}

// stop makes waiting goroutines exit and waits for them (after every write
// loop has ended).
func (w *writers) stop() {
	w.mu.Lock()
	w.stopped = true
	for _, wr := range w.waiting {
		wr.next <- nil
	}
	clear(w.waiting)
	w.waiting = w.waiting[:0]
	w.mu.Unlock()
	w.wg.Wait()
}
