package server

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"huddle/protocol"
	"huddle/server/store"
)

// authenticate checks a login's application, password and user identity and
// returns the user ID to sign in as, or the SDK error code that explains why not.
func (s *Server) authenticate(ctx context.Context, l protocol.Login) (string, protocol.ErrCode) {
	app, err := s.apps.app(ctx, l.App)
	if errors.Is(err, store.ErrNotFound) {
		return "", protocol.AcntPswdErr
	} else if err != nil {
		s.log.Error("load application", "app", l.App, "err", err)
		return "", protocol.ServerException
	}
	// A JWT application's token is signed with its secret, so it proves the
	// application as well as the user: a login may carry the token alone and
	// no password (CRVideo_LoginByToken), and a web page need not hold one.
	tokenOnly := app.UserAuth == store.UserAuthJWT && l.Pswd == "" && l.AuthCode != ""
	if !tokenOnly && !s.checkPassword(app, l.Pswd) {
		return "", protocol.AcntPswdErr
	}
	if l.User != "" && !validID(l.User, s.cfg.Limits.MaxIDLen) {
		return "", protocol.MeetParamErr
	}
	switch app.UserAuth {
	case store.UserAuthJWT:
		return s.checkJWT(app, l.User, l.AuthCode)
	default:
		if l.AuthCode != "" {
			return "", protocol.CustomAuthNotSupport
		}
	}
	if l.User == "" {
		return newUserID(), protocol.NoErr
	}
	return l.User, protocol.NoErr
}

// checkPassword compares against the bcrypt hash once per application and
// password, then against a SHA-256 kept in memory: bcrypt on every login
// would cap the login rate at a few dozen per second per core. Wrong
// passwords always pay the full cost. What is kept names the hash it was
// checked against: an application added again with a new secret (its old
// one leaked, say) refuses the old secret once its new record is read
// (appCacheTTL).
func (s *Server) checkPassword(app store.App, pswd string) bool {
	sum := sha256.Sum256([]byte(app.ID + "\x00" + pswd))
	if v, ok := s.verified.Load(app.ID); ok {
		known := v.(verifiedPassword)
		if subtle.ConstantTimeCompare(known.sum[:], sum[:]) == 1 && known.hash == string(app.PswdHash) {
			return true
		}
	}
	// Many clients reconnecting at once (a server restart) would each pay
	// bcrypt before the first one fills the cache: checks of the same
	// password against the same hash share one bcrypt run instead.
	ok, _, _ := s.bcryptOnce.Do(string(sum[:])+string(app.PswdHash), func() (any, error) {
		if bcrypt.CompareHashAndPassword(app.PswdHash, []byte(pswd)) != nil {
			return false, nil
		}
		s.verified.Store(app.ID, verifiedPassword{hash: string(app.PswdHash), sum: sum})
		return true, nil
	})
	return ok.(bool)
}

// verifiedPassword is a password bcrypt accepted for an application.
type verifiedPassword struct {
	hash string   // the application's bcrypt hash it was checked against
	sum  [32]byte // SHA-256 of the application's ID and the password
}

// checkJWT verifies privAuthCode as an HS256 JWT signed with the
// application's secret whose subject is the user.
func (s *Server) checkJWT(app store.App, user, code string) (string, protocol.ErrCode) {
	if code == "" {
		return "", protocol.CustomAuthNoInfo
	}
	secret, err := unseal(s.key, app.SealedSecret)
	if err != nil {
		s.log.Error("unseal application secret", "app", app.ID, "err", err)
		return "", protocol.CustomAuthException
	}
	tok, err := jwt.Parse(code, func(*jwt.Token) (any, error) { return secret, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}))
	if errors.Is(err, jwt.ErrTokenExpired) {
		return "", protocol.TokenTimeout
	}
	if err != nil || !tok.Valid {
		return "", protocol.CustomAuthFailed
	}
	sub, err := tok.Claims.GetSubject()
	if err != nil || sub == "" || !validID(sub, s.cfg.Limits.MaxIDLen) {
		return "", protocol.CustomAuthFailed
	}
	if user != "" && user != sub {
		return "", protocol.CustomAuthFailed
	}
	return sub, protocol.NoErr
}

// validID accepts 1..max characters of letters, digits and . _ - @, which
// keeps IDs safe in URLs, file names and logs.
func validID(id string, max int) bool {
	if id == "" || len(id) > max {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '.' || r == '_' || r == '-' || r == '@':
		default:
			return false
		}
	}
	return true
}

// validNick accepts up to max printable characters.
func validNick(nick string, max int) bool {
	if !utf8.ValidString(nick) || utf8.RuneCountInString(nick) > max {
		return false
	}
	return !strings.ContainsFunc(nick, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newUserID gives a guest a unique, unguessable ID.
func newUserID() string {
	b := make([]byte, 10)
	rand.Read(b)
	return "guest-" + idEncoding.EncodeToString(b)
}
