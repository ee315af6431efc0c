package server

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gorilla/websocket"

	"huddle/protocol"
)

// handler runs one client request on the connection's read loop.
type handler func(c *conn, m protocol.Message)

type route struct {
	fn        handler
	needLogin bool
}

// routes maps every client operation to its handler. Files that add a
// feature add their operations here, so this table is the whole API.
var routes map[string]route

func init() {
	routes = map[string]route{
		protocol.OpHello:             {fn: (*conn).handleHello},
		protocol.OpLogin:             {fn: (*conn).handleLogin},
		protocol.OpLogout:            {fn: (*conn).handleLogout, needLogin: true},
		protocol.OpSetDND:            {fn: (*conn).handleSetDND, needLogin: true},
		protocol.OpGetUserStatus:     {fn: (*conn).handleGetUserStatus, needLogin: true},
		protocol.OpStartStatusNotify: {fn: (*conn).handleStartNotify, needLogin: true},
		protocol.OpStopStatusNotify:  {fn: (*conn).handleStopNotify, needLogin: true},
		protocol.OpAck:               {fn: (*conn).handleAck, needLogin: true},
		protocol.OpCreateMeeting:     {fn: (*conn).handleCreateMeeting, needLogin: true},
		protocol.OpDestroyMeeting:    {fn: (*conn).handleDestroyMeeting, needLogin: true},
		protocol.OpGetMeetings:       {fn: (*conn).handleGetMeetings, needLogin: true},
		protocol.OpCall:              {fn: (*conn).handleCall, needLogin: true},
		protocol.OpAcceptCall:        {fn: (*conn).handleAcceptCall, needLogin: true},
		protocol.OpRejectCall:        {fn: (*conn).handleRejectCall, needLogin: true},
		protocol.OpHangupCall:        {fn: (*conn).handleHangupCall, needLogin: true},
		protocol.OpInvite:            {fn: (*conn).handleInvite, needLogin: true},
		protocol.OpCancelInvite:      {fn: (*conn).handleCancelInvite, needLogin: true},
		protocol.OpEnterMeeting:      {fn: (*conn).handleEnterMeeting, needLogin: true},
		protocol.OpExitMeeting:       {fn: (*conn).handleExitMeeting, needLogin: true},
		protocol.OpSetAudio:          {fn: (*conn).handleSetAudio, needLogin: true},
		protocol.OpSendCmd:           {fn: (*conn).handleSendCmd, needLogin: true},
		protocol.OpCmdAck:            {fn: (*conn).handleCmdAck, needLogin: true},
		protocol.OpXferStart:         {fn: (*conn).handleXferStart, needLogin: true},
		protocol.OpXferAck:           {fn: (*conn).handleXferAck, needLogin: true},
		protocol.OpXferDone:          {fn: (*conn).handleXferDone, needLogin: true},
		protocol.OpXferCancel:        {fn: (*conn).handleXferCancel, needLogin: true},
		protocol.OpMediaOffer:        {fn: (*conn).handleMediaOffer, needLogin: true},
		protocol.OpMediaCandidate:    {fn: (*conn).handleMediaCandidate, needLogin: true},
		protocol.OpMediaReady:        {fn: (*conn).handleMediaReady, needLogin: true},
		protocol.OpGetICEServers:     {fn: (*conn).handleGetICEServers, needLogin: true},
		protocol.OpMediaJoin:         {fn: (*conn).handleMediaJoin, needLogin: true},
		protocol.OpDirectSignal:      {fn: (*conn).handleDirectSignal, needLogin: true},
		protocol.OpDirectFailed:      {fn: (*conn).handleDirectFailed, needLogin: true},
	}
}

// handle dispatches one message from the client, enforcing the handshake
// order: hello, then login, then everything else.
func (c *conn) handle(m protocol.Message) error {
	if m.Op == "" {
		c.pushError(protocol.ErrData, "clients send requests (op), not replies or events")
		return nil
	}
	c.srv.metrics.messageIn(m.Op)
	r, ok := routes[m.Op]
	switch {
	case !ok:
		c.fail(m.ID, protocol.ErrData, fmt.Sprintf("unknown op %q", m.Op))
	case !c.helloDone && m.Op != protocol.OpHello:
		c.fail(m.ID, protocol.LoginStateError, "say hello first")
	case r.needLogin && !c.loggedIn:
		c.fail(m.ID, protocol.NotLogin, "log in first")
	default:
		r.fn(c, m)
	}
	return nil
}

// decode reads a request's payload, answering ERR_DATA if it is malformed.
func (c *conn) decode(m protocol.Message, v any) bool {
	if err := protocol.DecodeStrict(m.D, v); err != nil {
		c.fail(m.ID, protocol.ErrData, err.Error())
		return false
	}
	return true
}

func (c *conn) handleHello(m protocol.Message) {
	var h protocol.Hello
	if !c.decode(m, &h) {
		return
	}
	if c.helloDone {
		c.fail(m.ID, protocol.LoginStateError, "hello already said")
		return
	}
	if refusal := versionRefusal(h.Version); refusal != "" {
		versions := protocol.HelloReply{Version: protocol.Version, MinVersion: protocol.MinVersion}
		if m.ID == 0 {
			c.pushError(protocol.MismatchClientVer, refusal)
		} else {
			c.srv.metrics.outReply.Inc()
			c.srv.metrics.errorSent(protocol.MismatchClientVer)
			c.sendNow(protocol.ErrorReplyWith(m.ID, protocol.MismatchClientVer, refusal, versions))
		}
		return
	}
	c.helloDone, c.version = true, h.Version
	c.reply(m.ID, protocol.NoErr, protocol.HelloReply{
		Version: protocol.Version, MinVersion: protocol.MinVersion,
		Server: "huddle/" + c.srv.cfg.Version, MaxFrame: c.srv.cfg.Limits.MaxFrame,
	})
}

// versionRefusal says why a client speaking protocol version v cannot be
// served, naming which side needs the update; "" if it can.
func versionRefusal(v int) string {
	switch {
	case v < protocol.MinVersion:
		return fmt.Sprintf("protocol version %d is too old: this server speaks %d to %d; update the app", v, protocol.MinVersion, protocol.Version)
	case v > protocol.Version:
		return fmt.Sprintf("protocol version %d is newer than this server (it speaks %d to %d); update the server", v, protocol.MinVersion, protocol.Version)
	}
	return ""
}

func (c *conn) handleLogin(m protocol.Message) {
	var l protocol.Login
	if !c.decode(m, &l) {
		return
	}
	if c.loggedIn {
		c.fail(m.ID, protocol.LoginStateError, "already logged in")
		return
	}
	lim := c.srv.cfg.Limits
	if !validNick(l.Nick, lim.MaxNickLen) {
		c.fail(m.ID, protocol.MeetParamErr, fmt.Sprintf("nickname: at most %d printable characters", lim.MaxNickLen))
		return
	}
	if cl := c.srv.cluster; cl != nil && !cl.admitsLogin(l.App) {
		// The application lives on another node now: the client signs in
		// again (the SDK does so by itself) and its node finds the right one.
		c.fail(m.ID, protocol.ServerException, "the application moved to another node; sign in again")
		c.close(websocket.CloseGoingAway, "the application moved to another node")
		return
	}
	g := c.srv.guard
	if ok, why := g.admitLogin(c.ip, l.App, time.Now()); !ok {
		c.srv.metrics.logins.rateLimited.Inc()
		c.fail(m.ID, protocol.RateLimited, why)
		return
	}
	user, code := c.srv.authenticate(context.Background(), l)
	g.loginResult(c.ip, l.App, code, time.Now())
	if code != protocol.NoErr {
		c.srv.metrics.logins.refused.Inc()
		c.fail(m.ID, code, "login refused")
		return
	}
	nick := l.Nick
	if nick == "" {
		nick = user
	}
	if err := c.srv.signIn(c, l.App, user, nick, l.Resume, l.Seq, m.ID); err != nil {
		c.srv.metrics.logins.failed.Inc()
		c.srv.log.Error("sign in", "app", l.App, "user", user, "err", err)
		c.fail(m.ID, protocol.ServerException, "could not record the login")
		return
	}
	c.srv.metrics.logins.ok.Inc()
	if c.edge != nil {
		c.edge.loggedIn()
	}
}

func (c *conn) handleLogout(m protocol.Message) {
	c.reply(m.ID, protocol.NoErr, nil)
	c.close(protocol.CloseLoggedOut, "logged out")
}

// handleAck: the client has processed the pushes up to a.Seq; they need
// not be kept for a resume any more.
func (c *conn) handleAck(m protocol.Message) {
	var a protocol.Ack
	if !c.decode(m, &a) {
		return
	}
	if !c.replay.ack(a.Seq) {
		c.fail(m.ID, protocol.ErrData, "ack of a push never sent")
		return
	}
	c.reply(m.ID, protocol.NoErr, nil)
}

func (c *conn) handleSetDND(m protocol.Message) {
	var d protocol.SetDND
	if !c.decode(m, &d) {
		return
	}
	if err := c.srv.presence.SetDND(c.app, c.user, d.DND); err != nil {
		c.srv.log.Error("set dnd", "err", err)
		c.fail(m.ID, protocol.ServerException, "could not store the do-not-disturb status")
		return
	}
	c.reply(m.ID, protocol.NoErr, nil)
}

func (c *conn) handleGetUserStatus(m protocol.Message) {
	var r protocol.ListPage
	if !c.decode(m, &r) {
		return
	}
	page, err := c.srv.presence.Page(c.app, r.After, c.srv.cfg.Limits.ListPageBytes)
	if err != nil {
		c.srv.log.Error("list users", "err", err)
		c.fail(m.ID, protocol.ServerException, "could not list users")
		return
	}
	if c.cannotPage(m.ID, page.Next) {
		return
	}
	c.reply(m.ID, protocol.NoErr, page)
}

func (c *conn) handleStartNotify(m protocol.Message) {
	err := c.srv.presence.Subscribe(c.app, c)
	if errors.Is(err, errTooManySubscribers) {
		c.fail(m.ID, protocol.RateLimited, err.Error())
		return
	}
	if err != nil {
		c.fail(m.ID, protocol.ServerException, "could not subscribe")
		return
	}
	c.subscribed = true
	c.reply(m.ID, protocol.NoErr, nil)
}

func (c *conn) handleStopNotify(m protocol.Message) {
	c.srv.presence.Unsubscribe(c.app, c)
	c.subscribed = false
	c.reply(m.ID, protocol.NoErr, nil)
}
