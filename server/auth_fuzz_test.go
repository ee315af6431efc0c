package server

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"huddle/protocol"
	"huddle/server/store"
)

const fuzzSecret = "corp-secret"

func fuzzServer(f *testing.F) *Server {
	s, err := New(Config{DataDir: f.TempDir(), HashCost: bcrypt.MinCost, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(f, err)
	f.Cleanup(func() { s.store.Close() })
	ctx := context.Background()
	require.NoError(f, s.AddApp(ctx, "corp", fuzzSecret, store.UserAuthJWT))
	require.NoError(f, s.AddApp(ctx, "open", "open-secret", store.UserAuthNone))
	return s
}

func signedToken(f *testing.F, claims jwt.MapClaims, method jwt.SigningMethod, key any) string {
	tok, err := jwt.NewWithClaims(method, claims).SignedString(key)
	require.NoError(f, err)
	return tok
}

// FuzzAuthenticate drives the whole login check with arbitrary input. It
// must never panic, and it lets a login in only with the application's
// password, a valid user ID and, for a JWT application, a token that really
// is HS256-signed with its secret for that user.
// Seeds: testdata/fuzz/FuzzAuthenticate.
func FuzzAuthenticate(f *testing.F) {
	s := fuzzServer(f)
	good := signedToken(f, jwt.MapClaims{"sub": "alice", "exp": time.Now().Add(time.Hour).Unix()}, jwt.SigningMethodHS256, []byte(fuzzSecret))
	f.Add("corp", PasswordFor(fuzzSecret), "alice", good)
	f.Add("corp", PasswordFor(fuzzSecret), "", good)
	f.Add("corp", PasswordFor(fuzzSecret), "bob", good)
	f.Add("corp", PasswordFor(fuzzSecret), "alice", signedToken(f, jwt.MapClaims{"sub": "alice"}, jwt.SigningMethodHS512, []byte(fuzzSecret)))
	f.Add("corp", PasswordFor(fuzzSecret), "alice", signedToken(f, jwt.MapClaims{"sub": "alice"}, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType))
	f.Add("corp", PasswordFor(fuzzSecret), "alice", signedToken(f, jwt.MapClaims{"sub": "alice", "exp": 1}, jwt.SigningMethodHS256, []byte(fuzzSecret)))
	f.Add("open", PasswordFor("open-secret"), "../x", "")
	f.Add("open", PasswordFor("open-secret"), "", "tok")
	f.Add("nope", "", "", "")
	f.Fuzz(func(t *testing.T, app, pswd, user, auth string) {
		got, code := s.authenticate(context.Background(), protocol.Login{App: app, Pswd: pswd, User: user, AuthCode: auth})
		if code != protocol.NoErr {
			require.Empty(t, got)
			return
		}
		require.True(t, validID(got, s.cfg.Limits.MaxIDLen), "signed in as invalid ID %q", got)
		if user != "" {
			require.Equal(t, user, got)
		}
		switch app {
		case "open":
			require.Equal(t, PasswordFor("open-secret"), pswd)
			require.Empty(t, auth)
		case "corp":
			require.Equal(t, PasswordFor(fuzzSecret), pswd)
			tok, err := jwt.Parse(auth, func(tk *jwt.Token) (any, error) { return []byte(fuzzSecret), nil },
				jwt.WithValidMethods([]string{"HS256"}))
			require.NoError(t, err, "accepted a token that does not verify")
			sub, _ := tok.Claims.GetSubject()
			require.Equal(t, sub, got)
		default:
			t.Fatalf("signed in to application %q that does not exist", app)
		}
	})
}
