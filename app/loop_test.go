package app

import (
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// loop stands in for Fyne's UI goroutine: functions run one at a time, in
// order, on one goroutine.
type loop struct {
	ch   chan func()
	stop chan struct{}
}

func newLoop(t *testing.T) *loop {
	l := &loop{ch: make(chan func(), 4096), stop: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case f := <-l.ch:
				f()
			case <-l.stop:
				return
			}
		}
	}()
	t.Cleanup(func() { close(l.stop); <-done })
	return l
}

// run queues f; after the test it is dropped, as Fyne drops work after quit.
func (l *loop) run(f func()) {
	select {
	case l.ch <- f:
	case <-l.stop:
	}
}

// do runs f on the loop and waits for it.
func (l *loop) do(f func()) {
	done := make(chan struct{})
	l.ch <- func() { f(); close(done) }
	<-done
}

// await waits until cond, evaluated on the loop, holds.
func (l *loop) await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, func() bool {
		var ok bool
		l.do(func() { ok = cond() })
		return ok
	}, 10*time.Second, 5*time.Millisecond, what)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}
