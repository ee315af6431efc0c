package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// pgMigrations run in order, once each; their index+1 is the schema version
// kept in table schema_version. Append, never edit. Times are Unix seconds
// (BIGINT), as in the SQLite store, so that both give the same values.
var pgMigrations = []string{
	`CREATE TABLE apps (
		id            TEXT PRIMARY KEY,
		pswd_hash     BYTEA NOT NULL,
		user_auth     TEXT NOT NULL,
		sealed_secret BYTEA,
		created       BIGINT NOT NULL
	);
	CREATE TABLE users (
		app       TEXT NOT NULL REFERENCES apps(id),
		id        TEXT NOT NULL,
		nick      TEXT NOT NULL,
		dnd       INTEGER NOT NULL DEFAULT 0,
		last_seen BIGINT NOT NULL,
		PRIMARY KEY (app, id)
	);
	CREATE TABLE meetings (
		app        TEXT NOT NULL REFERENCES apps(id),
		id         BIGINT NOT NULL,
		subject    TEXT NOT NULL,
		pswd       TEXT NOT NULL,
		creator    TEXT NOT NULL,
		start_time BIGINT NOT NULL,
		PRIMARY KEY (app, id)
	);`,
}

// pgMigrationLock is the pg_advisory_xact_lock key that serialises
// migrations: several nodes starting at once against one database migrate
// one after the other, and the later ones find nothing left to do.
const pgMigrationLock = 0x68756464 // "hudd"

// pgUniqueViolation is PostgreSQL's SQLSTATE for a taken unique key.
const pgUniqueViolation = "23505"

// Postgres is the Store shared by the nodes of a cluster.
type Postgres struct {
	pool *pgxpool.Pool
}

// OpenPostgres connects to the database named by dsn (a libpq URL or
// key=value string) and brings its schema up to date. The pool reconnects
// by itself when the server comes back after a restart.
func OpenPostgres(ctx context.Context, dsn string) (*Postgres, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Postgres{pool: pool}
	if err := s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: migrate: %w", err)
	}
	return s, nil
}

func (s *Postgres) migrate(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, pgMigrationLock); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
			return err
		}
		var version int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&version); err != nil {
			return err
		}
		if version > len(pgMigrations) {
			return fmt.Errorf("the database has schema version %d, this huddle knows up to %d: run a newer huddle", version, len(pgMigrations))
		}
		for i := version; i < len(pgMigrations); i++ {
			if _, err := tx.Exec(ctx, pgMigrations[i]); err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
		}
		if version == len(pgMigrations) {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM schema_version`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO schema_version (version) VALUES ($1)`, len(pgMigrations))
		return err
	})
}

func (s *Postgres) Close() error { s.pool.Close(); return nil }

// Ping acquires a connection and pings the server (the server's /readyz).
func (s *Postgres) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// isPgUniqueViolation tells a taken key by its SQLSTATE: the message text
// is not an API.
func isPgUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == pgUniqueViolation
}

func (s *Postgres) CreateApp(ctx context.Context, a App) error {
	_, err := s.pool.Exec(ctx,
		`INSERT INTO apps (id, pswd_hash, user_auth, sealed_secret, created) VALUES ($1, $2, $3, $4, $5)`,
		a.ID, a.PswdHash, string(a.UserAuth), a.SealedSecret, a.Created.Unix())
	if isPgUniqueViolation(err) {
		return ErrExists
	}
	return err
}

func (s *Postgres) App(ctx context.Context, id string) (App, error) {
	a := App{ID: id}
	var auth string
	var created int64
	err := s.pool.QueryRow(ctx,
		`SELECT pswd_hash, user_auth, sealed_secret, created FROM apps WHERE id = $1`, id).
		Scan(&a.PswdHash, &auth, &a.SealedSecret, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return App{}, ErrNotFound
	}
	a.UserAuth, a.Created = UserAuth(auth), time.Unix(created, 0)
	return a, err
}

func (s *Postgres) Apps(ctx context.Context) ([]App, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, pswd_hash, user_auth, sealed_secret, created FROM apps ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var apps []App
	for rows.Next() {
		var a App
		var auth string
		var created int64
		if err := rows.Scan(&a.ID, &a.PswdHash, &auth, &a.SealedSecret, &created); err != nil {
			return nil, err
		}
		a.UserAuth, a.Created = UserAuth(auth), time.Unix(created, 0)
		apps = append(apps, a)
	}
	return apps, rows.Err()
}

func (s *Postgres) DeleteApp(ctx context.Context, id string) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Users and meetings reference the application (foreign keys): first them.
		for _, q := range []string{`DELETE FROM meetings WHERE app = $1`, `DELETE FROM users WHERE app = $1`} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `DELETE FROM apps WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotFound
		}
		return nil
	})
}

func (s *Postgres) TouchUser(ctx context.Context, app, id, nick string, seen time.Time) (User, error) {
	u := User{App: app, ID: id}
	var last int64
	err := s.pool.QueryRow(ctx,
		`INSERT INTO users (app, id, nick, last_seen) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (app, id) DO UPDATE SET nick = excluded.nick, last_seen = excluded.last_seen
		 RETURNING nick, dnd, last_seen`, app, id, nick, seen.Unix()).Scan(&u.Nick, &u.DND, &last)
	u.LastSeen = time.Unix(last, 0)
	return u, err
}

func (s *Postgres) SetDND(ctx context.Context, app, id string, dnd int) error {
	return s.execOne(ctx, `UPDATE users SET dnd = $1 WHERE app = $2 AND id = $3`, dnd, app, id)
}

func (s *Postgres) SetLastSeen(ctx context.Context, app, id string, seen time.Time) error {
	return s.execOne(ctx, `UPDATE users SET last_seen = $1 WHERE app = $2 AND id = $3`, seen.Unix(), app, id)
}

func (s *Postgres) Users(ctx context.Context, app string) ([]User, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT id, nick, dnd, last_seen FROM users WHERE app = $1 ORDER BY id`, app)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []User
	for rows.Next() {
		u := User{App: app}
		var last int64
		if err := rows.Scan(&u.ID, &u.Nick, &u.DND, &last); err != nil {
			return nil, err
		}
		u.LastSeen = time.Unix(last, 0)
		users = append(users, u)
	}
	return users, rows.Err()
}

// CreateMeeting and DeleteMeeting need no special care for durability:
// PostgreSQL's default (synchronous_commit on) flushes every commit.
func (s *Postgres) CreateMeeting(ctx context.Context, m Meeting) error {
	_, err := s.pool.Exec(ctx,
		`INSERT INTO meetings (app, id, subject, pswd, creator, start_time) VALUES ($1, $2, $3, $4, $5, $6)`,
		m.App, m.ID, m.Subject, m.Pswd, m.Creator, m.StartTime.Unix())
	if isPgUniqueViolation(err) {
		return ErrExists
	}
	return err
}

func (s *Postgres) DeleteMeeting(ctx context.Context, app string, id int64) error {
	return s.execOne(ctx, `DELETE FROM meetings WHERE app = $1 AND id = $2`, app, id)
}

func (s *Postgres) Meeting(ctx context.Context, app string, id int64) (Meeting, error) {
	m := Meeting{App: app, ID: id}
	var start int64
	err := s.pool.QueryRow(ctx,
		`SELECT subject, pswd, creator, start_time FROM meetings WHERE app = $1 AND id = $2`, app, id).
		Scan(&m.Subject, &m.Pswd, &m.Creator, &start)
	if errors.Is(err, pgx.ErrNoRows) {
		return Meeting{}, ErrNotFound
	}
	m.StartTime = time.Unix(start, 0)
	return m, err
}

func (s *Postgres) Meetings(ctx context.Context, app string) ([]Meeting, error) {
	rows, err := s.pool.Query(ctx,
		`SELECT id, subject, pswd, creator, start_time FROM meetings WHERE app = $1 ORDER BY start_time, id`, app)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Meeting
	for rows.Next() {
		m := Meeting{App: app}
		var start int64
		if err := rows.Scan(&m.ID, &m.Subject, &m.Pswd, &m.Creator, &start); err != nil {
			return nil, err
		}
		m.StartTime = time.Unix(start, 0)
		out = append(out, m)
	}
	return out, rows.Err()
}

// execOne runs a statement that must touch exactly one row.
func (s *Postgres) execOne(ctx context.Context, q string, args ...any) error {
	tag, err := s.pool.Exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}
