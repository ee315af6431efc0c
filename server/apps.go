package server

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"huddle/server/store"
)

// DemoApp is the application a loopback-only server creates for itself when
// it has none, so the desktop app works with zero set-up.
const (
	DemoAppID     = "demo"
	DemoAppSecret = "demo"
)

// PasswordFor is what the SDK sends as authPswd for an application secret:
// its lowercase MD5 hex.
func PasswordFor(secret string) string {
	sum := md5.Sum([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// AddApp creates an application in the store kept in dataDir's key file
// scheme. The secret is kept only as a bcrypt hash of its MD5 hex, plus,
// for JWT applications that need it as an HMAC key, sealed with the key.
func AddApp(ctx context.Context, st store.Store, dataDir, id, secret string, auth store.UserAuth) error {
	return addApp(ctx, st, dataDir, id, secret, auth, bcrypt.DefaultCost)
}

func addApp(ctx context.Context, st store.Store, dataDir, id, secret string, auth store.UserAuth, cost int) error {
	if !validID(id, DefaultLimits().MaxIDLen) {
		return fmt.Errorf("application ID %q: use 1-%d letters, digits, '.', '_', '-' or '@'", id, DefaultLimits().MaxIDLen)
	}
	if secret == "" {
		return fmt.Errorf("the application secret must not be empty")
	}
	if auth != store.UserAuthNone && auth != store.UserAuthJWT {
		return fmt.Errorf("user auth %q: want %q or %q", auth, store.UserAuthNone, store.UserAuthJWT)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(PasswordFor(secret)), cost)
	if err != nil {
		return err
	}
	a := store.App{ID: id, PswdHash: hash, UserAuth: auth, Created: time.Now()}
	if auth == store.UserAuthJWT {
		key, err := loadOrCreateKey(dataDir)
		if err != nil {
			return err
		}
		if a.SealedSecret, err = seal(key, []byte(secret)); err != nil {
			return err
		}
	}
	if err := st.CreateApp(ctx, a); err != nil {
		return fmt.Errorf("create application %q: %w", id, err)
	}
	return nil
}

// AddApp creates an application in this server's store.
func (s *Server) AddApp(ctx context.Context, id, secret string, auth store.UserAuth) error {
	return addApp(ctx, s.store, s.cfg.DataDir, id, secret, auth, s.cfg.HashCost)
}
