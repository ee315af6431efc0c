package server

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/protocol"
)

// Once Shutdown returns, no timer of the server fires: a call left ringing
// between two dropped (parked) users does not ring out afterwards.
func TestNoTimerFiresAfterShutdown(t *testing.T) {
	const ring = 1500 * time.Millisecond
	s, url := startTestServer(t, Config{GracePeriod: time.Minute, CallTimeout: ring})
	alice, _ := signIn(t, url, "alice", "")
	bob, _ := signIn(t, url, "bob", "")
	m := alice.call(protocol.OpCreateMeeting, protocol.CreateMeeting{Subject: "m"})
	var meet protocol.Meeting
	require.NoError(t, protocol.Decode(m.D, &meet))
	require.Equal(t, protocol.NoErr, alice.call(protocol.OpCall, protocol.Call{Call: "00112233445566778899aabbccddeeff", To: "bob", Meet: meet}).Code)
	rangAt := time.Now()
	alice.ws.Close()
	bob.ws.Close()
	awaitParked(t, s, "alice")
	awaitParked(t, s, "bob")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Shutdown(ctx))
	if time.Since(rangAt) >= ring {
		t.Skip("too slow a machine: the call rang out before Shutdown")
	}
	st, _ := s.presence.Status(DemoAppID, "alice")
	require.Equal(t, protocol.StatusBusy, st.Status)
	assert.Never(t, func() bool {
		st, _ := s.presence.Status(DemoAppID, "alice")
		return st.Status != protocol.StatusBusy
	}, ring+500*time.Millisecond-time.Since(rangAt), 10*time.Millisecond, "the ring-out timer fired after Shutdown")
}
