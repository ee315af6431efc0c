// Package bot is a headless Huddle participant on the session SDK: it
// answers calls after a short ring, leaves when the other side does, echoes
// text commands and answers each received file with a summary; it can also
// greet one user and send them a file as soon as they are online. People try
// the desktop app alone with it (`huddle bot`), and tests use it as the
// other party of real calls.
package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"huddle/media"
	"huddle/protocol"
	"huddle/session"
)

// EchoPrefix starts every echoed line. A line that already starts with it
// is not echoed again, so two bots cannot ping-pong forever.
const EchoPrefix = "echo: "

// Config is who the bot is and where it signs in.
type Config struct {
	ServerURL string
	AppID     string
	SecretMD5 string // lowercase MD5 hex of the application secret
	Name      string // user ID and nickname
	// RingFor is how long the bot lets a call ring before it answers.
	RingFor time.Duration
	// RetryDelay is the wait before trying the first sign-in again after
	// the n-th network failure in a row (the server may still be starting);
	// nil means 1 s, 2 s, 4 s … up to 30 s. Once signed in, the SDK signs
	// in again by itself after a drop.
	RetryDelay func(attempt int) time.Duration
	// ReconnectMin and ReconnectMax bound the SDK's wait between reconnect
	// attempts; zero takes its defaults.
	ReconnectMin, ReconnectMax time.Duration
	// SendTo, if set, is a user the bot writes Say to (one message each)
	// and then sends the file SendFile (if set) as soon as they are
	// online, once per run.
	SendTo   string
	Say      []string
	SendFile string
	// FilesDir is where files sent to the bot arrive; empty takes the
	// SDK's default (a folder in the system's temporary folder).
	FilesDir string
	// Voice (voice.go). CallUser, if set, is called once, as soon as they
	// are online; InviteUser is invited into the meeting of the bot's call
	// once it is connected; HangupAfter, if positive, ends each call that
	// long after it connected. Play is sent, looped, in every call or
	// meeting the bot is in (nil: its microphone stays closed); Record gets
	// what it hears. JitterFrames is its receive jitter buffer
	// (media.PeerConfig). Codecs, if set, are the only ones it offers
	// (media.CodecsNamed: PCMU alone acts as a build without Opus).
	CallUser     string
	InviteUser   string
	HangupAfter  time.Duration
	Play         media.Source
	Record       media.Sink
	JitterFrames int
	Codecs       []media.Codec
	Log          *slog.Logger // nil discards
}

// Bot is one running participant. Its state is owned by Run's goroutine.
type Bot struct {
	cfg  Config
	sess *session.Session
	log  *slog.Logger

	call       string // the call or invite it is ringing in or connected to
	meet       session.MeetInfo
	ringing    <-chan time.Time // fires when it is time to answer call
	retry      <-chan time.Time
	attempt    int
	signedIn   chan struct{} // closed at the first sign-in, for tests
	firstDone  bool
	back       chan struct{} // one value per sign-in again after a drop
	delivered  bool          // Say and SendFile went to SendTo
	sendTask   string
	sentTenths int
	sent       chan error // SendFile's outcome, for tests

	voice voiceState // voice.go
}

// New makes a bot; Run signs it in.
func New(cfg Config) *Bot {
	if cfg.RetryDelay == nil {
		cfg.RetryDelay = func(n int) time.Duration { return min(time.Second<<min(n, 5), 30*time.Second) }
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Bot{cfg: cfg, log: cfg.Log.With("bot", cfg.Name), signedIn: make(chan struct{}), back: make(chan struct{}, 16), sent: make(chan error, 1)}
}

// SignedIn is closed once the bot has signed in for the first time.
func (b *Bot) SignedIn() <-chan struct{} { return b.signedIn }

// Reconnected receives a value each time the bot has signed in again
// after a drop (and has checked whether its call survived); values are
// dropped if nobody reads them.
func (b *Bot) Reconnected() <-chan struct{} { return b.back }

// FileSent receives SendFile's outcome once (nil: delivered intact).
func (b *Bot) FileSent() <-chan error { return b.sent }

// ErrSignedInElsewhere ends Run when the same user signs in somewhere else.
var ErrSignedInElsewhere = errors.New("signed in somewhere else")

// Run signs in and answers until ctx ends (nil error) or the sign-in is
// refused for a reason that retrying cannot fix.
func (b *Bot) Run(ctx context.Context) error {
	b.sess = session.New(session.Config{
		ServerURL: b.cfg.ServerURL, ClientName: "huddle-bot", TempDir: b.cfg.FilesDir,
		Reconnect: true, ReconnectMin: b.cfg.ReconnectMin, ReconnectMax: b.cfg.ReconnectMax,
	})
	defer b.sess.Close()
	b.login()
	for {
		select {
		case <-ctx.Done():
			b.stopVoice()
			if b.call != "" {
				b.sess.HungupCall(b.call, "", "quit")
			}
			b.sess.Logout()
			return nil
		case <-b.retry:
			b.retry = nil
			b.login()
		case <-b.ringing:
			b.ringing = nil
			b.log.Info("answering", "call", b.call)
			b.sess.AcceptCall(b.call, b.meet, "", "accept")
		case <-b.voice.hangup:
			b.voice.hangup = nil
			if b.call != "" {
				b.log.Info("hanging up", "call", b.call, "after", b.cfg.HangupAfter)
				b.sess.HungupCall(b.call, "", "hangup")
				b.endCall("hung up after " + b.cfg.HangupAfter.String())
			}
		case ev := <-b.sess.Events():
			if err := b.handle(ev); err != nil {
				return err
			}
		}
	}
}

func (b *Bot) login() {
	b.sess.Login(b.cfg.AppID, b.cfg.SecretMD5, b.cfg.Name, b.cfg.Name, "", "login")
}

func (b *Bot) handle(ev session.Event) error {
	if b.voiceEvent(ev) {
		return nil
	}
	switch e := ev.(type) {
	case session.LoginSuccess:
		b.attempt = 0
		b.log.Info("signed in", "user", e.UsrID)
		if !b.firstDone {
			b.firstDone = true
			close(b.signedIn)
			if b.cfg.SendTo != "" || b.cfg.CallUser != "" {
				// Presence says when SendTo or CallUser comes online.
				b.sess.StartUserStatusNotify("deliver")
				b.sess.GetUserStatus("deliver")
			}
		}
	case session.LoginFail:
		if !isNetwork(e.Err) {
			return fmt.Errorf("sign-in refused: %v", e.Err)
		}
		b.scheduleRetry(e.Err)
	case session.Reconnecting:
		// The server holds a call through a short drop: keep it.
		b.log.Info("connection lost, signing in again", "why", e.Err.String())
	case session.Reconnected:
		b.log.Info("signed in again", "user", e.UsrID, "state_lost", e.StateLost)
		if e.StateLost { // the server ended the session, and the call
			b.endCall("it ended while the connection was down")
		} else {
			b.restartVoice()
		}
		b.signedInAgain()
	case session.GetUserStatusSuccess:
		if e.Cookie == "deliver" {
			for _, u := range e.Users {
				b.maybeDeliver(u)
			}
		}
	case session.LineOff:
		b.endCall("signed out")
		if e.Err == session.USER_BEEN_KICKOUT {
			return ErrSignedInElsewhere
		}
		return fmt.Errorf("signed out: %v", e.Err)
	case session.NotifyCallIn:
		if b.call != "" {
			b.sess.RejectCall(e.CallID, "", "busy")
			return nil
		}
		b.log.Info("ringing", "call", e.CallID, "from", e.CallerID)
		b.call, b.meet = e.CallID, e.Meet
		b.ringing = time.After(b.cfg.RingFor)
	case session.AcceptCallFail:
		if e.CallID == b.call {
			b.endCall("could not answer: " + e.Err.String())
		}
	case session.AcceptCallSuccess:
		if e.CallID == b.call {
			b.connected()
		}
	case session.NotifyCallHungup:
		if e.CallID == b.call {
			b.endCall("the other side hung up")
		}
	case session.MeetingStopped:
		if b.call != "" && e.MeetID == b.meet.ID {
			b.endCall("the meeting ended")
		}
	case session.NotifyCmdData:
		text := string(e.Data)
		if !utf8.ValidString(text) {
			text = fmt.Sprintf("(%d bytes that are not text)", len(e.Data))
		}
		if !strings.HasPrefix(text, EchoPrefix) {
			b.sess.SendCmd(e.SourceUserID, []byte(EchoPrefix+text), "echo")
		}
	case session.NotifyFileData:
		summary, err := Summarize(e.TmpFile, e.OrgFileName)
		if err != nil {
			summary = "could not read " + e.OrgFileName + ": " + err.Error()
		}
		b.log.Info("file received", "from", e.SourceUserID, "summary", summary)
		b.sess.SendCmd(e.SourceUserID, []byte(summary), "file-summary")
		if err := os.Remove(e.TmpFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			b.log.Warn("removing received file", "err", err)
		}
	case session.NotifyUserStatus:
		b.maybeDeliver(e.Status)
	case session.SendProgress:
		// One line per tenth of the file, not per event.
		if tenth := int(e.SendedLen * 10 / max(e.TotalLen, 1)); e.TaskID == b.sendTask && tenth > b.sentTenths {
			b.sentTenths = tenth
			b.log.Info("sending file", "sent", e.SendedLen, "of", e.TotalLen)
		}
	case session.SendFileRlst:
		if e.TaskID != b.sendTask {
			return nil
		}
		var err error
		if e.Err != session.NOERR {
			err = fmt.Errorf("sending %s to %s: %v", e.FileName, b.cfg.SendTo, e.Err)
			b.log.Warn("file not sent", "to", b.cfg.SendTo, "err", e.Err.String())
		} else {
			b.log.Info("file sent", "to", b.cfg.SendTo, "file", e.FileName)
		}
		b.sent <- err
	case session.SendCmdRlst:
		if e.Err != session.NOERR {
			b.log.Warn("reply not delivered", "err", e.Err.String())
		}
	}
	return nil
}

// maybeDeliver writes to and sends the file to SendTo the first time u
// shows them online.
func (b *Bot) maybeDeliver(u session.UserStatus) {
	b.maybeCall(u)
	if b.delivered || b.cfg.SendTo == "" || u.UserID != b.cfg.SendTo || u.UserStatus == protocol.StatusOffline {
		return
	}
	b.delivered = true
	b.log.Info("delivering", "to", u.UserID)
	for _, line := range b.cfg.Say {
		b.sess.SendCmd(u.UserID, []byte(line), "say")
	}
	if b.cfg.SendFile != "" {
		b.sendTask = b.sess.SendFile(u.UserID, b.cfg.SendFile, "send-file")
	}
}

func (b *Bot) signedInAgain() {
	select {
	case b.back <- struct{}{}:
	default:
	}
}

func (b *Bot) endCall(why string) {
	if b.call == "" {
		return
	}
	b.log.Info("call over", "call", b.call, "why", why)
	b.stopVoice()
	b.ringing = nil
	b.call, b.meet = "", session.MeetInfo{}
}

func (b *Bot) scheduleRetry(why session.ErrCode) {
	d := b.cfg.RetryDelay(b.attempt)
	b.attempt++
	b.log.Info("signing in again", "why", why.String(), "in", d)
	b.retry = time.After(d)
}

// isNetwork says whether a code means the server could not be reached (the
// 2xx codes), which is worth retrying.
func isNetwork(code session.ErrCode) bool { return code >= 200 && code < 300 }

// Summarize describes a received file in the line the bot sends back:
// name, size and SHA-256.
func Summarize(path, name string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("received %s: %d bytes, sha256 %s", name, n, hex.EncodeToString(h.Sum(nil))), nil
}
