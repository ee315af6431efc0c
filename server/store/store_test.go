package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"huddle/internal/pgtest"
)

// implementations are the stores every test here runs on; each open gives
// a fresh, empty database that is removed when the test ends. PostgreSQL's
// is a database of its own on $HUDDLE_TEST_POSTGRES (skipped without it,
// outside ./test.sh).
var implementations = []struct {
	name string
	open func(t *testing.T) Store
}{
	{"sqlite", func(t *testing.T) Store {
		s, err := OpenSQLite(filepath.Join(t.TempDir(), "huddle.db"))
		require.NoError(t, err)
		return s
	}},
	{"postgres", func(t *testing.T) Store {
		s, err := OpenPostgres(context.Background(), pgtest.DSN(t))
		require.NoError(t, err)
		return s
	}},
}

// eachStore runs test on a fresh database of every implementation.
func eachStore(t *testing.T, test func(t *testing.T, s Store)) {
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			s := impl.open(t)
			t.Cleanup(func() { s.Close() })
			test(t, s)
		})
	}
}

// A taken key is ErrExists (told by the driver's result code); other
// constraint failures are not.
func TestTakenKeysAreErrExists(t *testing.T) { eachStore(t, testTakenKeysAreErrExists) }

func testTakenKeysAreErrExists(t *testing.T, s Store) {
	ctx := context.Background()
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
	eachStore(t, testDeleteAppTakesItsUsersAndMeetings)
}

func testDeleteAppTakesItsUsersAndMeetings(t *testing.T, s Store) {
	ctx := context.Background()
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
