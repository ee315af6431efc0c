package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite" // registers the pure-Go "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// migrations run in order, once each; their index+1 is the schema version
// kept in PRAGMA user_version. Append, never edit.
var migrations = []string{
	`CREATE TABLE apps (
		id            TEXT PRIMARY KEY,
		pswd_hash     BLOB NOT NULL,
		user_auth     TEXT NOT NULL,
		sealed_secret BLOB,
		created       INTEGER NOT NULL
	);
	CREATE TABLE users (
		app       TEXT NOT NULL REFERENCES apps(id),
		id        TEXT NOT NULL,
		nick      TEXT NOT NULL,
		dnd       INTEGER NOT NULL DEFAULT 0,
		last_seen INTEGER NOT NULL,
		PRIMARY KEY (app, id)
	);
	CREATE TABLE meetings (
		app        TEXT NOT NULL REFERENCES apps(id),
		id         INTEGER NOT NULL,
		subject    TEXT NOT NULL,
		pswd       TEXT NOT NULL,
		creator    TEXT NOT NULL,
		start_time INTEGER NOT NULL,
		PRIMARY KEY (app, id)
	);`,
}

// maxConns bounds the pool: SQLite runs one writer at a time anyway, and
// more connections only contend for its lock.
const maxConns = 4

// SQLite is the default Store: one file, WAL journal, no set-up.
type SQLite struct {
	db *sql.DB
}

// OpenSQLite opens (creating if needed) the database at path and brings its
// schema up to date.
//
// synchronous(NORMAL) in WAL mode loses nothing when the process is killed
// (the WAL is in the kernel's page cache); only a power cut can roll back
// the last commits. Every login writes (its user row), and an fsync per
// login halved the login rate, so the fsync is kept for what must survive
// a power cut too: creating and destroying meetings (durably).
func OpenSQLite(path string) (*SQLite, error) {
	// busy_timeout first: the pragmas run in order on every new
	// connection, and switching a new file to WAL waits for other openers.
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	// Keep connections open: database/sql's default of 2 idle ones means
	// that under concurrent logins most queries open a new SQLite
	// connection (file open, schema parse), which cost more than the query.
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	s := &SQLite{db: db}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return s, nil
}

// migrate runs the missing migrations in one transaction begun IMMEDIATE,
// which takes the write lock before reading the version: two processes
// opening a new file at once (`huddle app add` while `huddle serve`
// starts) migrate it once between them, the second waiting (busy_timeout)
// and then finding nothing to do.
func (s *SQLite) migrate() error {
	ctx := context.Background()
	conn, err := s.firstConn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return err
	}
	if err := migrateLocked(ctx, conn); err != nil {
		conn.ExecContext(ctx, `ROLLBACK`)
		return err
	}
	_, err = conn.ExecContext(ctx, `COMMIT`)
	return err
}

// openBusyWait bounds firstConn's retries; as long as busy_timeout.
const openBusyWait = 5 * time.Second

// firstConn opens a connection, trying again while it answers SQLITE_BUSY:
// switching a new file to WAL (a pragma of every new connection) fails at
// once, without waiting busy_timeout, while another process switches it.
func (s *SQLite) firstConn(ctx context.Context) (*sql.Conn, error) {
	deadline := time.Now().Add(openBusyWait)
	for {
		conn, err := s.db.Conn(ctx)
		var e *sqlite.Error
		if err == nil || !errors.As(err, &e) || e.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return conn, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func migrateLocked(ctx context.Context, conn *sql.Conn) error {
	var version int
	if err := conn.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return err
	}
	if version > len(migrations) {
		return fmt.Errorf("the database has schema version %d, this huddle knows up to %d: run a newer huddle", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		if _, err := conn.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	if version == len(migrations) {
		return nil
	}
	_, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, len(migrations)))
	return err
}

func (s *SQLite) Close() error { return s.db.Close() }

func (s *SQLite) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// isUniqueViolation tells a taken key by the driver's extended result code:
// the message text is not an API.
func isUniqueViolation(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func (s *SQLite) CreateApp(ctx context.Context, a App) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO apps (id, pswd_hash, user_auth, sealed_secret, created) VALUES (?, ?, ?, ?, ?)`,
		a.ID, a.PswdHash, string(a.UserAuth), a.SealedSecret, a.Created.Unix())
	if isUniqueViolation(err) {
		return ErrExists
	}
	return err
}

func (s *SQLite) App(ctx context.Context, id string) (App, error) {
	a := App{ID: id}
	var auth string
	var created int64
	err := s.db.QueryRowContext(ctx,
		`SELECT pswd_hash, user_auth, sealed_secret, created FROM apps WHERE id = ?`, id).
		Scan(&a.PswdHash, &auth, &a.SealedSecret, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return App{}, ErrNotFound
	}
	a.UserAuth, a.Created = UserAuth(auth), time.Unix(created, 0)
	return a, err
}

func (s *SQLite) Apps(ctx context.Context) ([]App, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, pswd_hash, user_auth, sealed_secret, created FROM apps ORDER BY id`)
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

func (s *SQLite) DeleteApp(ctx context.Context, id string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Users and meetings reference the application (foreign keys): first them.
	for _, q := range []string{`DELETE FROM meetings WHERE app = ?`, `DELETE FROM users WHERE app = ?`} {
		if _, err := tx.ExecContext(ctx, q, id); err != nil {
			return err
		}
	}
	if err := oneRow(tx.ExecContext(ctx, `DELETE FROM apps WHERE id = ?`, id)); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *SQLite) TouchUser(ctx context.Context, app, id, nick string, seen time.Time) (User, error) {
	u := User{App: app, ID: id}
	var last int64
	err := s.db.QueryRowContext(ctx,
		`INSERT INTO users (app, id, nick, last_seen) VALUES (?, ?, ?, ?)
		 ON CONFLICT (app, id) DO UPDATE SET nick = excluded.nick, last_seen = excluded.last_seen
		 RETURNING nick, dnd, last_seen`, app, id, nick, seen.Unix()).Scan(&u.Nick, &u.DND, &last)
	u.LastSeen = time.Unix(last, 0)
	return u, err
}

func (s *SQLite) SetDND(ctx context.Context, app, id string, dnd int) error {
	return s.execOne(ctx, `UPDATE users SET dnd = ? WHERE app = ? AND id = ?`, dnd, app, id)
}

func (s *SQLite) SetLastSeen(ctx context.Context, app, id string, seen time.Time) error {
	return s.execOne(ctx, `UPDATE users SET last_seen = ? WHERE app = ? AND id = ?`, seen.Unix(), app, id)
}

func (s *SQLite) Users(ctx context.Context, app string) ([]User, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, nick, dnd, last_seen FROM users WHERE app = ? ORDER BY id`, app)
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

func (s *SQLite) CreateMeeting(ctx context.Context, m Meeting) error {
	_, err := s.durably(ctx,
		`INSERT INTO meetings (app, id, subject, pswd, creator, start_time) VALUES (?, ?, ?, ?, ?, ?)`,
		m.App, m.ID, m.Subject, m.Pswd, m.Creator, m.StartTime.Unix())
	if isUniqueViolation(err) {
		return ErrExists
	}
	return err
}

func (s *SQLite) DeleteMeeting(ctx context.Context, app string, id int64) error {
	n, err := s.durably(ctx, `DELETE FROM meetings WHERE app = ? AND id = ?`, app, id)
	if err == nil && n == 0 {
		return ErrNotFound
	}
	return err
}

// durably runs one statement with synchronous(FULL) on its connection, so
// its commit is fsynced before it returns; it reports the rows affected.
func (s *SQLite) durably(ctx context.Context, q string, args ...any) (int64, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
		return 0, err
	}
	// Back to the pool's setting whatever happens, for the next user of conn.
	defer conn.ExecContext(context.Background(), `PRAGMA synchronous = NORMAL`)
	res, err := conn.ExecContext(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (s *SQLite) Meeting(ctx context.Context, app string, id int64) (Meeting, error) {
	m := Meeting{App: app, ID: id}
	var start int64
	err := s.db.QueryRowContext(ctx,
		`SELECT subject, pswd, creator, start_time FROM meetings WHERE app = ? AND id = ?`, app, id).
		Scan(&m.Subject, &m.Pswd, &m.Creator, &start)
	if errors.Is(err, sql.ErrNoRows) {
		return Meeting{}, ErrNotFound
	}
	m.StartTime = time.Unix(start, 0)
	return m, err
}

func (s *SQLite) Meetings(ctx context.Context, app string) ([]Meeting, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT id, subject, pswd, creator, start_time FROM meetings WHERE app = ? ORDER BY start_time, id`, app)
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
func (s *SQLite) execOne(ctx context.Context, q string, args ...any) error {
	return oneRow(s.db.ExecContext(ctx, q, args...))
}

// oneRow is the result of a statement that must have touched a row:
// ErrNotFound if it touched none.
func oneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}
