package server

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/protocol"
)

// Shutdown stops the server's own timers: a call left ringing between two
// dropped (parked) users has its ring-out and both grace timers pending
// until Shutdown, and none after it. (That a stopped timer never fires is
// the registry's promise, tested below without a server.)
func TestShutdownStopsEveryPendingTimer(t *testing.T) {
	s, url := startTestServer(t, Config{GracePeriod: time.Minute, CallTimeout: time.Minute})
	alice, _ := signIn(t, url, "alice", "")
	bob, _ := signIn(t, url, "bob", "")
	ringCall(t, alice, "bob")
	alice.ws.Close()
	bob.ws.Close()
	awaitParked(t, s, "alice")
	awaitParked(t, s, "bob")
	require.GreaterOrEqual(t, pendingTimers(s.timers), 3, "ring-out and two grace timers")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Shutdown(ctx))
	assert.Zero(t, pendingTimers(s.timers), "a timer outlived Shutdown")
	st, _ := s.presence.Status(DemoAppID, "alice")
	assert.Equal(t, protocol.StatusBusy, st.Status, "Shutdown itself ends no call")
}

// A timer stopped by stop never runs, and one started after it neither.
func TestStoppedTimersNeverFire(t *testing.T) {
	ts := newTimers()
	var fired atomic.Int32
	ts.afterFunc(20*time.Millisecond, func() { fired.Add(1) })
	ts.stop()
	ts.afterFunc(time.Millisecond, func() { fired.Add(1) })
	assert.Never(t, func() bool { return fired.Load() > 0 }, 200*time.Millisecond, 5*time.Millisecond)
	assert.Zero(t, pendingTimers(ts))
}

// stop returns only once a callback already running has returned, so
// nothing touches the server's state or store after Shutdown.
func TestStopWaitsForARunningTimer(t *testing.T) {
	ts := newTimers()
	started, release := make(chan struct{}), make(chan struct{})
	var finished atomic.Bool
	ts.afterFunc(0, func() {
		close(started)
		<-release
		finished.Store(true)
	})
	<-started
	stopped := make(chan struct{})
	go func() {
		ts.stop()
		close(stopped)
	}()
	assert.Never(t, func() bool {
		select {
		case <-stopped:
			return true
		default:
			return false
		}
	}, 100*time.Millisecond, 5*time.Millisecond, "stop returned while a callback ran")
	close(release)
	<-stopped
	assert.True(t, finished.Load())
}

// pendingTimers is how many timers of ts wait to fire.
func pendingTimers(ts *timers) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return len(ts.pending)
}
