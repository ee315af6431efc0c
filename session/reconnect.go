package session

import (
	"math/rand/v2"
	"time"

	"huddle/protocol"
)

// Automatic re-login (Config.Reconnect).
//
// When the connection of a signed-in session drops for a reason that may
// pass (a network failure, a silent server, a server restarting: codes
// 202-207, 8 and 1200), the session does not report LineOff. It emits
// Reconnecting{Err} once and signs in again by itself, waiting a jittered,
// exponentially growing time between attempts (Config.ReconnectMin to
// ReconnectMax). On success it emits Reconnected{UsrID}: the user is the
// same and status notification is renewed if it was on. If the server
// still held the session (its grace period, 20 s by default), calls and
// meetings carry on and every push meant for this user that was not
// handled yet arrives now, once, even one written into the link as it died
// (resume.go); status changes while the link was down are not among them,
// so the application reads the user list again. Otherwise (a longer
// outage, a server restart, more pushes missed than the server keeps)
// Reconnected has StateLost set: the server ended the session, its calls
// are over, and the application should refresh everything it shows
// (GetUserStatus, GetMeetings).
//
// It gives up with LineOff{code} when an attempt is refused for good (wrong
// secret 7, expired token 18, kicked out 10, certificate 209...) or when
// Config.ReconnectFor has passed. Logout and Close stop it. While it runs,
// methods fail with NOT_LOGIN and UserID is "".
type (
	// Reconnecting: the connection dropped with Err; the session is signing in again.
	Reconnecting struct{ Err ErrCode }
	// Reconnected: signed in again as UsrID after a Reconnecting.
	// StateLost: the server could not resume the session; this is a new
	// one, calls have ended and pushes were missed.
	Reconnected struct {
		UsrID     string
		StateLost bool
	}
)

func (Reconnecting) isEvent() {}
func (Reconnected) isEvent()  {}

// retryable tells the codes after which signing in again may succeed.
func retryable(code ErrCode) bool {
	switch code {
	case protocol.NoServerRsp, protocol.CreateConnFailed, protocol.SocketException,
		protocol.SocketTimeout, protocol.ForcedCloseConnection, protocol.ConnectionLost,
		protocol.ServerException, protocol.RateLimited:
		return true
	}
	return false
}

// backoff is the wait before attempt n (1, 2, ...): ReconnectMin doubled
// per attempt up to ReconnectMax, of which a random half is taken off so
// that many clients dropped at once do not come back at once.
func (s *Session) backoff(n int) time.Duration {
	d := s.cfg.ReconnectMax
	if n < 32 {
		d = min(s.cfg.ReconnectMin<<(n-1), s.cfg.ReconnectMax)
	}
	return d/2 + rand.N(d/2+1)
}

func (s *Session) reconnectLoop(code ErrCode, renotify bool, stop chan struct{}) {
	started := time.Now()
	for attempt := 1; ; attempt++ {
		select {
		case <-time.After(s.backoff(attempt)):
		case <-stop:
			return
		}
		s.mu.Lock()
		if s.state != stateReconnecting || s.retryStop != stop {
			s.mu.Unlock()
			return
		}
		login := s.login
		login.Resume = s.resume
		if s.serverVersion >= protocol.ReplaySince { // an older server refuses the field
			login.Seq = s.pushSeq
		}
		s.mu.Unlock()

		result := make(chan ErrCode, 1)
		var back Reconnected
		s.openSession(login, func() bool { return s.state == stateReconnecting && s.retryStop == stop },
			func(r protocol.LoginReply) {
				back = Reconnected{UsrID: r.User, StateLost: !r.Resumed}
				result <- protocol.NoErr
			},
			func(c ErrCode) { result <- c })
		c := <-result
		if c == protocol.NoErr {
			if renotify {
				s.call(protocol.OpStartStatusNotify, nil, func(protocol.Message) {
					s.mu.Lock()
					s.notifying = true
					s.mu.Unlock()
				}, func(ErrCode) {})
			}
			s.emit(back)
			return
		}
		s.mu.Lock()
		if s.state != stateReconnecting || s.retryStop != stop {
			s.mu.Unlock()
			return // logged out or closed meanwhile
		}
		giveUp := !retryable(c) || (s.cfg.ReconnectFor > 0 && time.Since(started) >= s.cfg.ReconnectFor)
		dropped := false
		if giveUp {
			s.state, s.notifying = stateIdle, false
			dropped = s.dropRoom()
		}
		s.mu.Unlock()
		if giveUp {
			if dropped {
				s.emit(MeetingDropped{})
			}
			s.emit(LineOff{Err: c})
			return
		}
	}
}
