package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func openTemp(t *testing.T) *SQLite {
	t.Helper()
	s, err := OpenSQLite(filepath.Join(t.TempDir(), "huddle.db"))
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// A taken key is ErrExists (told by the driver's result code); other
// constraint failures are not.
func TestTakenKeysAreErrExists(t *testing.T) {
	s, ctx := openTemp(t), context.Background()
	app := App{ID: "acme", PswdHash: []byte("h"), UserAuth: UserAuthNone, Created: time.Now()}
	require.NoError(t, s.CreateApp(ctx, app))
	require.ErrorIs(t, s.CreateApp(ctx, app), ErrExists)

	m := Meeting{App: "acme", ID: 123456789, Subject: "standup", Creator: "alice", StartTime: time.Now()}
	require.NoError(t, s.CreateMeeting(ctx, m))
	require.ErrorIs(t, s.CreateMeeting(ctx, m), ErrExists)

	m.App = "no-such-app" // a foreign key failure, not a taken key
	err := s.CreateMeeting(ctx, m)
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrExists)
}

func TestDeleteAppTakesItsUsersAndMeetings(t *testing.T) {
	s, ctx := openTemp(t), context.Background()
	for _, id := range []string{"zeta", "acme"} {
		require.NoError(t, s.CreateApp(ctx, App{ID: id, PswdHash: []byte("h"), UserAuth: UserAuthNone, Created: time.Now()}))
		_, err := s.TouchUser(ctx, id, "alice", "Alice", time.Now())
		require.NoError(t, err)
		require.NoError(t, s.CreateMeeting(ctx, Meeting{App: id, ID: 1, Subject: "s", Creator: "alice", StartTime: time.Now()}))
	}
	apps, err := s.Apps(ctx)
	require.NoError(t, err)
	require.Len(t, apps, 2)
	require.Equal(t, "acme", apps[0].ID, "sorted by ID")

	require.NoError(t, s.DeleteApp(ctx, "zeta"))
	require.ErrorIs(t, s.DeleteApp(ctx, "zeta"), ErrNotFound)
	_, err = s.App(ctx, "zeta")
	require.ErrorIs(t, err, ErrNotFound)
	users, err := s.Users(ctx, "zeta")
	require.NoError(t, err)
	require.Empty(t, users)
	meets, err := s.Meetings(ctx, "zeta")
	require.NoError(t, err)
	require.Empty(t, meets)

	users, err = s.Users(ctx, "acme")
	require.NoError(t, err)
	require.Len(t, users, 1, "the other application keeps its users")
}
