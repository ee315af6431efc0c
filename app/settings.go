package app

import (
	"crypto/md5"
	"encoding/hex"

	"fyne.io/fyne/v2"
	"github.com/adrg/xdg"
)

// DefaultServerURL is where a fresh install looks for its server (and
// starts a built-in one if none answers).
const DefaultServerURL = "ws://127.0.0.1:7090/ws"

// Settings are the sign-in details. The application secret is kept only as
// its MD5 hex, which is what the protocol sends anyway.
type Settings struct {
	ServerURL string
	AppID     string
	SecretMD5 string
	Nick      string
	UserID    string
	AuthCode  string
}

// SecretHash is the lowercase MD5 hex of an application secret.
func SecretHash(secret string) string {
	sum := md5.Sum([]byte(secret))
	return hex.EncodeToString(sum[:])
}

const (
	prefServer   = "signin.server"
	prefApp      = "signin.app"
	prefSecret   = "signin.secretMD5"
	prefNick     = "signin.nick"
	prefUser     = "signin.user"
	prefAuthCode = "signin.authCode"
)

// LoadSettings reads the remembered sign-in details; a first start gets the
// zero-set-up defaults (local server, demo application).
func LoadSettings(p fyne.Preferences) Settings {
	return Settings{
		ServerURL: p.StringWithFallback(prefServer, DefaultServerURL),
		AppID:     p.StringWithFallback(prefApp, "demo"),
		SecretMD5: p.StringWithFallback(prefSecret, SecretHash("demo")),
		Nick:      p.String(prefNick),
		UserID:    p.String(prefUser),
		AuthCode:  p.String(prefAuthCode),
	}
}

// Save remembers the sign-in details.
func (s Settings) Save(p fyne.Preferences) {
	p.SetString(prefServer, s.ServerURL)
	p.SetString(prefApp, s.AppID)
	p.SetString(prefSecret, s.SecretMD5)
	p.SetString(prefNick, s.Nick)
	p.SetString(prefUser, s.UserID)
	p.SetString(prefAuthCode, s.AuthCode)
}

// FileSettings say where received files go and whose files are taken
// without asking. Contacts are user IDs of the application signed in to.
type FileSettings struct {
	Downloads    string
	AlwaysAccept []string
}

const (
	prefDownloads    = "files.downloads"
	prefAlwaysAccept = "files.alwaysAccept"
)

// DefaultDownloads is the OS downloads folder (XDG's on Linux, the known
// folder on Windows, ~/Downloads on macOS).
func DefaultDownloads() string { return xdg.UserDirs.Download }

// LoadFileSettings reads the remembered file settings; the downloads
// folder defaults to the OS one.
func LoadFileSettings(p fyne.Preferences) FileSettings {
	return FileSettings{
		Downloads:    p.StringWithFallback(prefDownloads, DefaultDownloads()),
		AlwaysAccept: p.StringList(prefAlwaysAccept),
	}
}

// Save remembers the file settings.
func (f FileSettings) Save(p fyne.Preferences) {
	p.SetString(prefDownloads, f.Downloads)
	p.SetStringList(prefAlwaysAccept, f.AlwaysAccept)
}
