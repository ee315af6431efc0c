package server

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/server/store"
)

// Shutdown stops every meeting's idle clock: none may fire into the closed
// store afterwards, and none holds the process's timers.
func TestShutdownStopsMeetingClocks(t *testing.T) {
	s, err := New(Config{DataDir: t.TempDir(), Limits: Limits{MeetingIdleExpiry: time.Hour}})
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, s.AddApp(ctx, "a", "secret", store.UserAuthNone))
	for id := range int64(3) {
		require.NoError(t, s.store.CreateMeeting(ctx, store.Meeting{App: "a", ID: 100000000 + id, Subject: "s", Creator: "u", StartTime: time.Now()}))
	}
	cs, err := s.calls.loaded("a")
	require.NoError(t, err)
	cs.mu.Lock()
	ms := cs.meetings
	for _, m := range ms {
		assert.NotNil(t, m.idle, "loaded empty: its clock runs")
	}
	cs.mu.Unlock()

	require.NoError(t, s.Shutdown(ctx))
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, m := range ms {
		assert.Nil(t, m.idle, "stopped at shutdown")
		cs.idle(m)
		assert.Nil(t, m.idle, "and never started again")
	}
}
