package store

import (
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
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

func TestUsersAndMeetings(t *testing.T) { eachStore(t, testUsersAndMeetings) }

func testUsersAndMeetings(t *testing.T, s Store) {
	ctx := context.Background()
	require.NoError(t, s.CreateApp(ctx, App{ID: "acme", PswdHash: []byte("h"), UserAuth: UserAuthJWT, SealedSecret: []byte{0, 1, 2}, Created: time.Unix(1700000000, 0)}))
	a, err := s.App(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, App{ID: "acme", PswdHash: []byte("h"), UserAuth: UserAuthJWT, SealedSecret: []byte{0, 1, 2}, Created: time.Unix(1700000000, 0)}, a)

	u, err := s.TouchUser(ctx, "acme", "alice", "Alice", time.Unix(1700000001, 0))
	require.NoError(t, err)
	require.Equal(t, User{App: "acme", ID: "alice", Nick: "Alice", LastSeen: time.Unix(1700000001, 0)}, u)
	require.NoError(t, s.SetDND(ctx, "acme", "alice", 1))
	u, err = s.TouchUser(ctx, "acme", "alice", "Alice B.", time.Unix(1700000002, 0))
	require.NoError(t, err)
	require.Equal(t, User{App: "acme", ID: "alice", Nick: "Alice B.", DND: 1, LastSeen: time.Unix(1700000002, 0)}, u, "a login keeps do-not-disturb")
	require.NoError(t, s.SetLastSeen(ctx, "acme", "alice", time.Unix(1700000003, 0)))
	require.ErrorIs(t, s.SetDND(ctx, "acme", "nobody", 1), ErrNotFound)
	require.ErrorIs(t, s.SetLastSeen(ctx, "acme", "nobody", time.Now()), ErrNotFound)
	users, err := s.Users(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, []User{{App: "acme", ID: "alice", Nick: "Alice B.", DND: 1, LastSeen: time.Unix(1700000003, 0)}}, users)

	later := Meeting{App: "acme", ID: 100000001, Subject: "会议", Pswd: "123456", Creator: "alice", StartTime: time.Unix(1700000020, 0)}
	earlier := Meeting{App: "acme", ID: 999999999, Subject: "standup", Creator: "alice", StartTime: time.Unix(1700000010, 0)}
	require.NoError(t, s.CreateMeeting(ctx, later))
	require.NoError(t, s.CreateMeeting(ctx, earlier))
	m, err := s.Meeting(ctx, "acme", later.ID)
	require.NoError(t, err)
	require.Equal(t, later, m)
	meets, err := s.Meetings(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, []Meeting{earlier, later}, meets, "oldest first")

	require.NoError(t, s.DeleteMeeting(ctx, "acme", later.ID))
	require.ErrorIs(t, s.DeleteMeeting(ctx, "acme", later.ID), ErrNotFound)
	_, err = s.Meeting(ctx, "acme", later.ID)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.App(ctx, "nope")
	require.ErrorIs(t, err, ErrNotFound)
}

// Several nodes starting at once on one empty database: the migrations run
// once (under the advisory lock), every node opens, and the version is the
// last migration's.
func TestPostgresMigratesOnceWhenNodesStartTogether(t *testing.T) {
	dsn, ctx := pgtest.DSN(t), context.Background()
	const nodes = 4
	errs := make(chan error, nodes)
	for range nodes {
		go func() {
			s, err := OpenPostgres(ctx, dsn)
			if err == nil {
				s.Close()
			}
			errs <- err
		}()
	}
	for range nodes {
		require.NoError(t, <-errs)
	}
	s, err := OpenPostgres(ctx, dsn)
	require.NoError(t, err)
	defer s.Close()
	var versions []int
	rows, err := s.pool.Query(ctx, `SELECT version FROM schema_version`)
	require.NoError(t, err)
	for rows.Next() {
		var v int
		require.NoError(t, rows.Scan(&v))
		versions = append(versions, v)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []int{len(pgMigrations)}, versions)
}

// A database from a newer huddle is refused, not written to.
func TestPostgresRefusesANewerSchema(t *testing.T) {
	dsn, ctx := pgtest.DSN(t), context.Background()
	s, err := OpenPostgres(ctx, dsn)
	require.NoError(t, err)
	_, err = s.pool.Exec(ctx, `UPDATE schema_version SET version = version + 1`)
	require.NoError(t, err)
	s.Close()
	_, err = OpenPostgres(ctx, dsn)
	require.ErrorContains(t, err, "run a newer huddle")
}

// Reopening keeps what was stored, and runs no migration twice.
func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	reopeners := map[string]func(t *testing.T) func() Store{
		"sqlite": func(t *testing.T) func() Store {
			path := filepath.Join(t.TempDir(), "huddle.db")
			return func() Store { s, err := OpenSQLite(path); require.NoError(t, err); return s }
		},
		"postgres": func(t *testing.T) func() Store {
			dsn := pgtest.DSN(t)
			return func() Store { s, err := OpenPostgres(ctx, dsn); require.NoError(t, err); return s }
		},
	}
	for _, impl := range implementations {
		t.Run(impl.name, func(t *testing.T) {
			open := reopeners[impl.name](t)
			s := open()
			require.NoError(t, s.CreateApp(ctx, App{ID: "acme", PswdHash: []byte("h"), UserAuth: UserAuthNone, Created: time.Unix(1, 0)}))
			require.NoError(t, s.CreateMeeting(ctx, Meeting{App: "acme", ID: 123456789, Subject: "kept", Creator: "alice", StartTime: time.Unix(2, 0)}))
			require.NoError(t, s.Close())
			s = open()
			defer s.Close()
			m, err := s.Meeting(ctx, "acme", 123456789)
			require.NoError(t, err)
			require.Equal(t, "kept", m.Subject)
		})
	}
}

// BenchmarkTouchUser is the write every login makes, on each store, from
// parallel goroutines as concurrent logins are.
func BenchmarkTouchUser(b *testing.B) {
	ctx := context.Background()
	opens := map[string]func() (Store, error){
		"sqlite":   func() (Store, error) { return OpenSQLite(filepath.Join(b.TempDir(), "huddle.db")) },
		"postgres": func() (Store, error) { return OpenPostgres(ctx, pgtest.DSN(b)) },
	}
	for _, impl := range implementations {
		b.Run(impl.name, func(b *testing.B) {
			s, err := opens[impl.name]()
			require.NoError(b, err)
			defer s.Close()
			require.NoError(b, s.CreateApp(ctx, App{ID: "acme", PswdHash: []byte("h"), UserAuth: UserAuthNone, Created: time.Now()}))
			var next atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					id := fmt.Sprintf("user-%d", next.Add(1)%1000)
					if _, err := s.TouchUser(ctx, "acme", id, "Nick", time.Now()); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// When PostgreSQL drops every connection (a restart, a failover), the store
// recovers by itself: an operation in flight may fail with an error, none
// hangs, the next ones succeed, and nothing committed is lost.
func TestPostgresRecoversWhenConnectionsDrop(t *testing.T) {
	dsn, ctx := pgtest.DSN(t), context.Background()
	s, err := OpenPostgres(ctx, dsn)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.CreateApp(ctx, App{ID: "acme", PswdHash: []byte("h"), UserAuth: UserAuthNone, Created: time.Now()}))
	require.NoError(t, s.CreateMeeting(ctx, Meeting{App: "acme", ID: 123456789, Subject: "kept", Creator: "alice", StartTime: time.Now()}))

	// Kill every backend of this database but the killer's own, as a
	// restart would, with the pool's connections idle in it.
	killer, err := OpenPostgres(ctx, dsn)
	require.NoError(t, err)
	defer killer.Close()
	var killed int
	require.NoError(t, killer.pool.QueryRow(ctx,
		`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		 WHERE datname = current_database() AND pid <> pg_backend_pid()`).Scan(&killed))
	require.Positive(t, killed)

	// Each attempt returns (none hangs: opCtx would fail it); failures
	// before the pool has replaced its dead connections are allowed.
	opCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var m Meeting
	for failures := 0; ; failures++ {
		if m, err = s.Meeting(opCtx, "acme", 123456789); err == nil {
			t.Logf("recovered after %d failed attempts", failures)
			break
		}
		require.NoError(t, opCtx.Err(), "the pool never recovered: %v", err)
		t.Logf("while reconnecting: %v", err)
	}
	require.Equal(t, "kept", m.Subject)
	_, err = s.TouchUser(ctx, "acme", "alice", "Alice", time.Now())
	require.NoError(t, err)
}

// Ping answers while the store is open and fails once it is closed (the
// server's /readyz rests on it).
func TestPingFailsOnceClosed(t *testing.T) { eachStore(t, testPingFailsOnceClosed) }

func testPingFailsOnceClosed(t *testing.T, s Store) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, s.Ping(ctx))
	require.NoError(t, s.Close())
	require.Error(t, s.Ping(ctx))
}

// Two processes opening one new SQLite file at once (`huddle app add`
// while `huddle serve` starts) migrate it once between them.
func TestSQLiteMigratesOnceWhenOpenedTogether(t *testing.T) {
	for range 20 {
		path := filepath.Join(t.TempDir(), "huddle.db")
		const openers = 4
		errs := make(chan error, openers)
		for range openers {
			go func() {
				s, err := OpenSQLite(path)
				if err == nil {
					s.Close()
				}
				errs <- err
			}()
		}
		for range openers {
			require.NoError(t, <-errs)
		}
	}
}
