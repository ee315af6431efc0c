// Package store keeps what must survive a restart: applications, users and
// meetings. Store is an interface so that a PostgreSQL implementation can sit
// beside the SQLite one; the SQL is kept portable for that reason.
package store

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a looked-up record does not exist.
var ErrNotFound = errors.New("not found")

// ErrExists is returned when creating a record whose key is taken.
var ErrExists = errors.New("already exists")

// UserAuth says how an application proves its users' identity.
type UserAuth string

const (
	UserAuthNone UserAuth = "none" // privAuthCode must be empty
	UserAuthJWT  UserAuth = "jwt"  // privAuthCode is an HS256 JWT signed with the app secret
)

// App is one organisation. Its secret is never stored in clear: PswdHash is
// a bcrypt hash of the MD5 hex the SDK sends, and SealedSecret (only for JWT
// apps, which need the secret as an HMAC key) is encrypted with the server's
// key file.
type App struct {
	ID           string
	PswdHash     []byte
	UserAuth     UserAuth
	SealedSecret []byte
	Created      time.Time
}

// User is someone who has signed in to an application at least once.
type User struct {
	App      string
	ID       string
	Nick     string
	DND      int
	LastSeen time.Time
}

// Meeting is a stored meeting; membership is live state held by the server.
type Meeting struct {
	App       string
	ID        int64
	Subject   string
	Pswd      string
	Creator   string
	StartTime time.Time
}

// Store is the persistence the server needs. Implementations are safe for
// concurrent use.
type Store interface {
	CreateApp(ctx context.Context, a App) error // ErrExists if taken
	App(ctx context.Context, id string) (App, error)
	Apps(ctx context.Context) ([]App, error) // sorted by ID
	// DeleteApp removes an application with its users and meetings;
	// ErrNotFound if there is none.
	DeleteApp(ctx context.Context, id string) error

	// TouchUser records a login: creates the user or updates nick and last seen.
	TouchUser(ctx context.Context, app, id, nick string, seen time.Time) (User, error)
	SetDND(ctx context.Context, app, id string, dnd int) error
	SetLastSeen(ctx context.Context, app, id string, seen time.Time) error
	Users(ctx context.Context, app string) ([]User, error)

	CreateMeeting(ctx context.Context, m Meeting) error // ErrExists if the ID is taken
	DeleteMeeting(ctx context.Context, app string, id int64) error
	Meeting(ctx context.Context, app string, id int64) (Meeting, error)
	Meetings(ctx context.Context, app string) ([]Meeting, error)

	// Ping checks the database answers (the server's /readyz).
	Ping(ctx context.Context) error
	Close() error
}
