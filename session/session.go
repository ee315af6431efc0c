// Package session is Huddle's client SDK: the seed's CloudroomVideoMgr API
// in Go. Every method returns at once; its outcome arrives later as an Event
// that carries the caller's cookie back. Events are plain values delivered
// in the order they happened, either on Events() or, when Config.Handler is
// set, to that handler (through Config.Dispatch, e.g. fyne.Do, if given).
package session

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"huddle/protocol"
)

// Config sets up a Session. Only ServerURL is required.
type Config struct {
	// ServerURL is the server's WebSocket address, e.g. ws://127.0.0.1:7090/ws.
	ServerURL string
	// ConnectTimeout bounds dialing (203 CREATE_CONN_FAILED past it).
	ConnectTimeout time.Duration
	// RequestTimeout bounds waiting for any answer (202 NOSERVER_RSP past it).
	RequestTimeout time.Duration
	// ReadTimeout: a connection silent this long (no data, no ping) is
	// considered dropped (205 SOCKETTIMEOUT).
	ReadTimeout time.Duration
	// TLSConfig for wss:// servers; nil uses the system's roots.
	TLSConfig *tls.Config
	// Handler, if set, receives every event instead of Events().
	Handler func(Event)
	// Dispatch, if set with Handler, runs each handler call; the desktop
	// app passes fyne.Do so handlers run on the UI goroutine. Calls are made
	// in event order.
	Dispatch func(func())
	// ClientName is sent in the hello, for the server's logs.
	ClientName string
	// Reconnect signs the session in again by itself when the connection
	// drops (reconnect.go: the events it gives, and which drops it retries).
	Reconnect bool
	// ReconnectMin and ReconnectMax bound the jittered exponential wait
	// between attempts (defaults 500 ms and 30 s). ReconnectFor is how long
	// to keep trying before giving up with LineOff; 0 keeps trying until
	// Logout or Close.
	ReconnectMin, ReconnectMax, ReconnectFor time.Duration
	// TempDir receives files sent to this user (NotifyFileData.TmpFile);
	// default os.TempDir()/huddle-<OS user>. Created if missing. A file
	// arriving is written there under a partial name (PartialPrefix); the
	// partials a crash left of this user are removed at each sign-in.
	TempDir string
	// AskBeforeReceiving: a file offered to this user is announced with
	// NotifyFileOffer, and nothing of it is written or acknowledged until
	// AcceptFile. RejectFile, or no answer within OfferTimeout (default
	// DefaultOfferTimeout), fails it for the sender with ERR_REFUSE or
	// ERR_NOANSWER. Off, files are taken at once (the seed's behaviour).
	// Buffers are always taken at once.
	AskBeforeReceiving bool
	OfferTimeout       time.Duration
}

func (c Config) withDefaults() Config {
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 10 * time.Second
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = protocol.RequestTimeout
	}
	if c.ReadTimeout <= 0 {
		c.ReadTimeout = 75 * time.Second
	}
	if c.ClientName == "" {
		c.ClientName = "huddle-session-go"
	}
	if c.ReconnectMin <= 0 {
		c.ReconnectMin = 500 * time.Millisecond
	}
	if c.OfferTimeout <= 0 {
		c.OfferTimeout = DefaultOfferTimeout
	}
	if c.ReconnectMax < c.ReconnectMin {
		c.ReconnectMax = max(30*time.Second, c.ReconnectMin)
	}
	return c
}

// maxIncoming bounds one message from the server (long lists come in pages
// of the server's ListPageBytes, 256 KiB by default).
const maxIncoming = 64 << 20

type loginState int

const (
	stateIdle loginState = iota
	stateLoggingIn
	stateOnline
	stateReconnecting // dropped; reconnect.go is signing in again
)

// Session is one user's connection to a Huddle server. It is safe for
// concurrent use.
type Session struct {
	cfg Config
	d   *dispatcher

	mu           sync.Mutex
	link         *link // the live connection, nil when signed out
	state        loginState
	userID       string
	nextID       uint64
	pending      map[uint64]*pending
	notifyCookie string
	notifying    bool // subscribed to status changes (renewed on reconnect)
	// serverVersion is the protocol version the server's hello named: a
	// request field newer than it is not sent.
	serverVersion int
	// statusWatches are the user lists being fetched (lists.go).
	statusWatches map[*statusWatch]struct{}
	room          *room // the meeting this user is in (rooms.go)
	closed        bool

	login  protocol.Login // how the session signed in, for signing in again
	resume string         // the server's token for resuming after a drop
	// pushSeq numbers the last push of the session handled (resume.go);
	// ackedSeq the last one acknowledged to the server; ackDue: an ack is
	// scheduled.
	pushSeq, ackedSeq uint64
	ackDue            bool
	retryStop         chan struct{} // closed to stop reconnecting
	xfer              transfers     // transfer.go, receive.go

	unknownPushes atomic.Int64 // pushes.go
}

type pending struct {
	link    *link
	onReply func(protocol.Message)
	onFail  func(ErrCode)
	timer   *time.Timer
}

// New makes a session; nothing connects until Login.
func New(cfg Config) *Session {
	cfg = cfg.withDefaults()
	return &Session{
		cfg:     cfg,
		d:       newDispatcher(cfg.Handler, cfg.Dispatch),
		pending: make(map[uint64]*pending),
	}
}

// Events delivers every event in order. It is closed by Close. When
// Config.Handler is set it delivers nothing.
func (s *Session) Events() <-chan Event { return s.d.out }

// UserID is the signed-in user's ID, "" when signed out.
func (s *Session) UserID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.state != stateOnline {
		return ""
	}
	return s.userID
}

// Close logs out if needed and ends the session. Events not yet delivered
// are discarded and Events() is closed.
//
// Close returns once the logout has been written (or after closeFlushWait),
// so a program may exit right after it without the server taking the exit
// for a network drop and holding the user online for its grace period.
func (s *Session) Close() {
	s.mu.Lock()
	signedIn := s.link
	s.mu.Unlock()
	s.Logout()
	s.mu.Lock()
	s.closed = true
	l := s.link
	s.mu.Unlock()
	if l != nil {
		s.endLink(l, protocol.NotLogin)
	}
	s.d.close()
	if signedIn != nil {
		select {
		case <-signedIn.flushed:
		case <-time.After(closeFlushWait):
		}
	}
}

// closeFlushWait bounds how long Close waits for the logout to go out.
const closeFlushWait = 2 * time.Second

func (s *Session) emit(ev Event) { s.d.emit(ev) }

// Login connects and signs in. authPswd is the lowercase MD5 hex of the
// application secret. Outcome: LoginSuccess or LoginFail.
func (s *Session) Login(authAcnt, authPswd, nickName, privAcnt, privAuthCode, cookie string) {
	s.mu.Lock()
	if s.closed || s.state != stateIdle {
		s.mu.Unlock()
		s.emit(LoginFail{Err: protocol.LoginStateError, Cookie: cookie})
		return
	}
	s.state = stateLoggingIn
	s.mu.Unlock()
	login := protocol.Login{App: authAcnt, Pswd: authPswd, Nick: nickName, User: privAcnt, AuthCode: privAuthCode}
	go s.connectAndLogin(login, cookie)
}

func (s *Session) connectAndLogin(login protocol.Login, cookie string) {
	s.openSession(login, func() bool { return s.state == stateLoggingIn },
		func(r protocol.LoginReply) { s.emit(LoginSuccess{UsrID: r.User, Cookie: cookie}) },
		func(code ErrCode) {
			s.mu.Lock()
			if s.state == stateLoggingIn {
				s.state = stateIdle
			}
			s.mu.Unlock()
			s.emit(LoginFail{Err: code, Cookie: cookie})
		})
}

// openSession connects and signs in; then exactly one of ok or fail runs.
// On success the session is online, and remembers how to sign in again.
// still (called with s.mu held) says whether this attempt is still wanted
// once connected: a Logout, Close or newer Login may have come meanwhile.
func (s *Session) openSession(login protocol.Login, still func() bool, ok func(protocol.LoginReply), fail func(ErrCode)) {
	l, code := s.dial()
	if code != protocol.NoErr {
		fail(code)
		return
	}
	s.mu.Lock()
	if s.closed || !still() {
		s.mu.Unlock()
		l.close()
		fail(protocol.NotLogin)
		return
	}
	s.link = l
	s.mu.Unlock()
	go l.writeLoop(s.cfg.RequestTimeout)
	go s.readLoop(l)

	// Hello and login go out together: no round trip is spent waiting.
	s.request(l, protocol.OpHello, protocol.Hello{Version: protocol.Version, Client: s.cfg.ClientName},
		func(m protocol.Message) {
			var r protocol.HelloReply
			protocol.Decode(m.D, &r) // lenient; a server that says nothing is the oldest
			s.mu.Lock()
			if s.link == l {
				s.serverVersion = r.Version
			}
			s.mu.Unlock()
		},
		func(code ErrCode) { s.endLink(l, code) })
	s.request(l, protocol.OpLogin, login,
		func(m protocol.Message) {
			var r protocol.LoginReply
			if protocol.Decode(m.D, &r) != nil {
				s.endLink(l, protocol.ErrData)
				fail(protocol.ErrData)
				return
			}
			s.mu.Lock()
			if s.link != l {
				s.mu.Unlock()
				fail(protocol.NotLogin)
				return
			}
			s.state, s.userID = stateOnline, r.User
			s.login, s.resume = login, r.Resume
			dropped := false
			if !r.Resumed { // a new session: its pushes are numbered from 1, it is in no meeting
				s.pushSeq, s.ackedSeq = 0, 0
				dropped = s.dropRoom()
			}
			s.login.User, s.login.Resume, s.login.Seq = r.User, "", 0 // a guest comes back as the same guest
			s.mu.Unlock()
			if dropped {
				s.emit(MeetingDropped{})
			}
			s.removeStalePartials()
			ok(r)
		},
		func(code ErrCode) {
			s.endLink(l, code)
			fail(code)
		})
}

func (s *Session) dial() (*link, ErrCode) {
	dialer := websocket.Dialer{
		Proxy:            http.ProxyFromEnvironment,
		HandshakeTimeout: s.cfg.ConnectTimeout,
		TLSClientConfig:  s.cfg.TLSConfig,
		ReadBufferSize:   32 << 10,
		WriteBufferSize:  256 << 10, // one syscall per data chunk (link.go)
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ConnectTimeout)
	defer cancel()
	ws, resp, err := dialer.DialContext(ctx, s.cfg.ServerURL, nil)
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			return nil, protocol.RateLimited // too many connections from this address
		}
		var certErr *tls.CertificateVerificationError
		var unknownAuth x509.UnknownAuthorityError
		var hostErr x509.HostnameError
		if errors.As(err, &certErr) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) {
			return nil, protocol.SSLErr
		}
		return nil, protocol.CreateConnFailed
	}
	ws.SetReadLimit(maxIncoming)
	return newLink(ws), protocol.NoErr
}

func (s *Session) readLoop(l *link) {
	timeout := s.cfg.ReadTimeout
	l.ws.SetReadDeadline(time.Now().Add(timeout))
	l.ws.SetPingHandler(func(data string) error {
		l.ws.SetReadDeadline(time.Now().Add(timeout))
		return l.ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	for {
		typ, data, err := l.readMessage()
		if err != nil {
			s.endLink(l, closeError(err))
			return
		}
		l.ws.SetReadDeadline(time.Now().Add(timeout))
		switch typ {
		case websocket.TextMessage:
			err = protocol.DecodeFrame(data, func(m protocol.Message) error {
				s.handleMessage(l, m)
				return nil
			})
		case websocket.BinaryMessage:
			err = s.handleBinary(l, data)
		}
		if err != nil {
			// The server broke the protocol; nothing it says can be trusted now.
			s.endLink(l, protocol.ErrData)
			return
		}
	}
}

func (s *Session) handleMessage(l *link, m protocol.Message) {
	if m.Re != 0 {
		s.mu.Lock()
		p, ok := s.pending[m.Re]
		if ok && p.link == l {
			delete(s.pending, m.Re)
		} else {
			ok = false
		}
		s.mu.Unlock()
		if !ok {
			return // answered after it timed out; the caller has been told already
		}
		p.timer.Stop()
		if m.Code != protocol.NoErr {
			p.onFail(m.Code)
		} else {
			p.onReply(m)
		}
		return
	}
	if m.Seq != 0 && !s.numberedPush(l, m.Seq) {
		return
	}
	if h, ok := pushHandlers[m.Ev]; ok {
		h(s, l, m)
		return
	}
	// Unknown pushes come from a newer server; ignoring them is what lets
	// the protocol grow without breaking older clients.
	s.unknownPushes.Add(1)
}

// endLink drops l if it is still the session's link: every request waiting
// on it fails with code, and a signed-in user is told LineOff{code}.
func (s *Session) endLink(l *link, code ErrCode) {
	if l.loggingOut.Load() {
		code = protocol.NotLogin
	}
	s.mu.Lock()
	if s.link != l {
		s.mu.Unlock()
		l.close()
		return
	}
	wasOnline := s.state == stateOnline
	retry := wasOnline && s.cfg.Reconnect && !s.closed && retryable(code)
	renotify := s.notifying
	switch {
	case retry:
		s.state, s.retryStop = stateReconnecting, make(chan struct{})
	case s.state == stateReconnecting:
		// An attempt failed; the reconnect loop decides what next.
	default:
		s.state, s.notifying = stateIdle, false
	}
	stop := s.retryStop
	s.link, s.userID = nil, ""
	dropped := false
	if !retry && s.state != stateReconnecting {
		dropped = s.dropRoom() // a resume may still keep it
	}
	var failed []*pending
	for id, p := range s.pending {
		if p.link == l {
			failed = append(failed, p)
			delete(s.pending, id)
		}
	}
	s.mu.Unlock()
	l.close()
	s.transfersEnded(l, code)
	for _, p := range failed {
		p.timer.Stop()
		p.onFail(code)
	}
	switch {
	case retry:
		s.emit(Reconnecting{Err: code})
		go s.reconnectLoop(code, renotify, stop)
	case wasOnline && code != protocol.NotLogin:
		if dropped {
			s.emit(MeetingDropped{})
		}
		s.emit(LineOff{Err: code})
	}
}

// request sends op on l; exactly one of onReply or onFail runs, on failure
// with the server's code, 202 if no answer comes in time, or the link's
// LineOff code if the connection drops first.
func (s *Session) request(l *link, op string, payload any, onReply func(protocol.Message), onFail func(ErrCode)) {
	s.mu.Lock()
	s.nextID++
	id := s.nextID
	p := &pending{link: l, onReply: onReply, onFail: onFail}
	s.pending[id] = p
	p.timer = time.AfterFunc(s.cfg.RequestTimeout, func() {
		if s.takePending(id) {
			onFail(protocol.NoServerRsp)
		}
	})
	s.mu.Unlock()
	msg, err := protocol.Request(op, id, payload)
	if err == nil && l.send(msg) {
		return
	}
	if s.takePending(id) {
		p.timer.Stop()
		if err != nil {
			onFail(protocol.ErrData)
		} else {
			onFail(protocol.NotLogin)
		}
	}
}

func (s *Session) takePending(id uint64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pending[id]; !ok {
		return false
	}
	delete(s.pending, id)
	return true
}

// call sends op for a signed-in user; when signed out it fails at once
// with NOT_LOGIN, through the same onFail as any other failure.
func (s *Session) call(op string, payload any, onReply func(protocol.Message), onFail func(ErrCode)) {
	s.mu.Lock()
	l, online := s.link, s.state == stateOnline
	s.mu.Unlock()
	if !online {
		onFail(protocol.NotLogin)
		return
	}
	s.request(l, op, payload, onReply, onFail)
}

// Logout signs out; no event follows (the seed has none). Waiting requests
// fail with NOT_LOGIN.
func (s *Session) Logout() {
	s.mu.Lock()
	s.dropRoom() // signing out leaves the meeting; no event, as for ExitMeeting
	if s.state == stateReconnecting {
		s.state = stateIdle
		close(s.retryStop)
	}
	l, online := s.link, s.state != stateIdle
	s.mu.Unlock()
	if l == nil {
		return
	}
	if online {
		if msg, err := protocol.Request(protocol.OpLogout, 0, nil); err == nil {
			l.loggingOut.Store(true)
			l.send(msg)
		}
	}
	s.endLink(l, protocol.NotLogin)
}
