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
type writers struct {
	work     chan *conn    // unbuffered: a send succeeds only if a goroutine waits
	idle     time.Duration // how long a goroutine waits for more work
	quit     chan struct{} // closed at shutdown: waiting goroutines exit
	quitOnce sync.Once     // Shutdown may be called more than once
	wg       sync.WaitGroup
	// Goroutines started so far, and those running or waiting now.
	started atomic.Int64
	live    atomic.Int32
}

func newWriters(idle time.Duration) *writers {
	return &writers{work: make(chan *conn), idle: idle, quit: make(chan struct{})}
}

// run runs c.writeLoop on a waiting goroutine, or a new one.
func (w *writers) run(c *conn) {
	select {
	case w.work <- c:
	default:
		w.wg.Add(1)
		w.started.Add(1)
		w.live.Add(1)
		go w.serve(c)
	}
}

func (w *writers) serve(c *conn) {
	defer w.wg.Done()
	defer w.live.Add(-1)
	t := time.NewTimer(w.idle)
	defer t.Stop()
	for {
		c.writeLoop()
		c.srv.sessions.Done()
		t.Reset(w.idle)
		select {
		case c = <-w.work:
		case <-t.C:
			return
		case <-w.quit:
			return
		}
	}
}

// stop makes waiting goroutines exit and waits for them (after every write
// loop has ended).
func (w *writers) stop() {
	w.quitOnce.Do(func() { close(w.quit) })
	w.wg.Wait()
}
