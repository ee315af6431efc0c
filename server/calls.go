package server

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"huddle/protocol"
	"huddle/server/store"
)

// calls holds the live calls and invites of every application, and the
// meeting cache they refer to (meetings.go), one appCalls per application:
// one application's calls never wait for another's.
type calls struct {
	srv     *Server
	apps    sync.Map           // application ID → *appCalls; no server-wide lock
	stopped atomic.Bool        // shutting down: meeting clocks no longer run
	loads   singleflight.Group // meetings being read from the store, by application
}

// appCalls is one application's calls, invites and meetings. All of it sits
// under one mutex so that destroying a meeting and ending the calls in it
// is one step. The mutex is never held across a store read or write.
//
// Pushes and status changes are made while mu is held: each party then
// sees events, and subscribers see statuses, in the order the calls changed.
// That is safe because Peer.Send never blocks and presence never calls back;
// a status change may wait for this application's fan-out round (bounded:
// Sends only), never for another application's.
type appCalls struct {
	srv *Server
	app string

	mu       sync.Mutex
	meetings map[int64]*meeting // nil until read from the store (loaded)
	legs     map[string]*leg    // by call or invite ID
	byUser   map[string]map[*leg]struct{}
	inRoom   map[string]*meeting // whose room each user is in (rooms.go)
	stopped  bool                // shutting down: meeting clocks no longer run (meetinglife.go)

	// saved writes the live state to JetStream on a cluster node that is
	// the application's home (resumestate.go); nil on a server alone.
	saved *appState
}

// leg is a call, or a third-party invite, between two users. The one who
// rang is from (caller or inviter), the one rung is to.
type leg struct {
	app, id  string
	invite   bool
	from, to string
	fromPeer Peer
	toPeer   Peer
	// fromNick and fromHears describe the caller for the room they enter
	// when the call is accepted (rooms.go).
	fromNick   string
	fromHears  bool
	meet       *meeting
	accepted   bool
	timer      *timer    // rings out; stopped once accepted or ended
	ringsUntil time.Time // when it rings out
}

func newCalls(s *Server) *calls { return &calls{srv: s} }

// of returns app's calls, created empty the first time.
func (cs *calls) of(app string) *appCalls {
	if v, ok := cs.apps.Load(app); ok {
		return v.(*appCalls)
	}
	ac := &appCalls{srv: cs.srv, app: app, legs: make(map[string]*leg), byUser: make(map[string]map[*leg]struct{}), inRoom: make(map[string]*meeting)}
	if cl := cs.srv.cluster; cl != nil {
		ac.saved = newAppState(cl, ac)
	}
	v, loaded := cs.apps.LoadOrStore(app, ac)
	if loaded {
		ac.saved.stop()
	}
	ac = v.(*appCalls)
	if !loaded && cs.stopped.Load() {
		// stopClocks may have missed it: stopped is set before it looks.
		ac.mu.Lock()
		ac.stopped = true
		ac.mu.Unlock()
	}
	return ac
}

// loaded returns app's calls with its meetings in the cache, reading them
// from the store (outside every lock, once for concurrent callers) the
// first time.
func (cs *calls) loaded(app string) (*appCalls, error) {
	ac := cs.of(app)
	ac.mu.Lock()
	done := ac.meetings != nil
	ac.mu.Unlock()
	if done {
		return ac, nil
	}
	v, err, _ := cs.loads.Do(app, func() (any, error) { return cs.srv.store.Meetings(context.Background(), app) })
	if err != nil {
		return nil, err
	}
	ac.mu.Lock()
	defer ac.mu.Unlock()
	// Only the first read is installed. Meetings are written to the store
	// only once the cache is installed (creators and destroyers come
	// through here first), so that read missed no write, and the cache is
	// kept current from then on.
	if ac.meetings == nil {
		stored := v.([]store.Meeting)
		ac.meetings = make(map[int64]*meeting, len(stored))
		for _, m := range stored {
			ac.meetings[m.ID] = &meeting{Meeting: m, legs: make(map[*leg]struct{})}
		}
		for _, m := range ac.meetings {
			ac.idle(m)
		}
	}
	return ac, nil
}

// lockedCalls is the application's calls and meetings, locked, for a
// handler of m: nil (m answered SERVEREXCEPTION with why) when they
// cannot be loaded. The caller unlocks cs.mu.
func (c *conn) lockedCalls(m protocol.Message, why string) *appCalls {
	cs, err := c.srv.calls.loaded(c.app)
	if err != nil {
		c.srv.log.Error("load meetings", "app", c.app, "err", err)
		c.fail(m.ID, protocol.ServerException, why)
		return nil
	}
	cs.mu.Lock()
	return cs
}

// Why a leg ended; it decides what each side is told.
type endReason int

const (
	endHangup    endReason = iota // by a party
	endReject                     // by the one rung, while ringing
	endTimeout                    // nobody answered within CallTimeout
	endCancel                     // the inviter cancelled a ringing invite
	endDropped                    // a party's session ended
	endDestroyed                  // the meeting was destroyed
	endFull                       // accepted, but the meeting's room is full
)

// push sends event ev to p, counted.
func (m *metrics) push(p Peer, ev string, payload any) {
	if msg, err := protocol.Push(ev, payload); err == nil {
		m.messageOut(ev)
		p.Send(msg)
	}
}

// awaitSaved returns once app's state is written as it is now (a cluster
// home: resumestate.go), and tells whether a client may be told of it.
func (cs *calls) awaitSaved(app string) bool {
	if v, ok := cs.apps.Load(app); ok {
		return v.(*appCalls).saved.await()
	}
	return true
}

// handedOver tells whether app was handed over to its next home
// (resumestate.go): its sessions here end without ending anything.
func (cs *calls) handedOver(app string) bool {
	v, ok := cs.apps.Load(app)
	return ok && v.(*appCalls).saved.handedOver()
}

// add registers a new ringing leg and starts its ring-out timer; mu held.
func (cs *appCalls) add(l *leg) {
	cs.insert(l)
	cs.ring(l, cs.srv.cfg.CallTimeout)
	cs.refresh(l.from)
	cs.refresh(l.to)
}

// insert puts l among the live legs; mu held.
func (cs *appCalls) insert(l *leg) {
	cs.legs[l.id] = l
	for _, u := range []string{l.from, l.to} {
		k := u
		if cs.byUser[k] == nil {
			cs.byUser[k] = make(map[*leg]struct{})
		}
		cs.byUser[k][l] = struct{}{}
	}
	l.meet.legs[l] = struct{}{}
	cs.busy(l.meet)
	cs.saveLeg(l)
}

// ring starts l's ring-out timer: unanswered for d, it ends; mu held.
func (cs *appCalls) ring(l *leg, d time.Duration) {
	l.ringsUntil = time.Now().Add(d)
	l.timer = cs.srv.timers.afterFunc(d, func() {
		cs.mu.Lock()
		defer cs.mu.Unlock()
		if cs.legs[l.id] == l && !l.accepted {
			cs.end(l, endTimeout, "", "")
		}
	})
}

// end removes l and tells each party except by (who asked, and hears it
// from their own answer) what happened; mu held.
func (cs *appCalls) end(l *leg, why endReason, by, ext string) {
	l.timer.Stop()
	delete(cs.legs, l.id)
	cs.saveLeg(l)
	for _, u := range []string{l.from, l.to} {
		k := u
		delete(cs.byUser[k], l)
		if len(cs.byUser[k]) == 0 {
			delete(cs.byUser, k)
		}
	}
	delete(l.meet.legs, l)
	// Who leaves the room with this call leaves first: a client told the
	// call ended is out of its meeting already.
	cs.leaveWithCall(l)
	cs.vacated(l.meet)

	if l.from != by {
		switch {
		case l.invite:
			status := protocol.InviteHungUp
			switch why {
			case endReject, endFull:
				status = protocol.InviteRejected
			case endTimeout:
				status = protocol.InviteNoAnswer
			}
			cs.srv.metrics.push(l.fromPeer, protocol.EvInviteStatus, protocol.InviteStatus{Invite: l.id, Status: status})
		case why == endReject:
			cs.srv.metrics.push(l.fromPeer, protocol.EvCallRejected, protocol.CallRejected{Call: l.id, Code: protocol.ErrRefuse, Ext: ext})
		case why == endTimeout:
			cs.srv.metrics.push(l.fromPeer, protocol.EvCallRejected, protocol.CallRejected{Call: l.id, Code: protocol.ErrNoAnswer})
		case why == endFull:
			cs.srv.metrics.push(l.fromPeer, protocol.EvCallRejected, protocol.CallRejected{Call: l.id, Code: protocol.MemberOverflowError})
		default:
			cs.srv.metrics.push(l.fromPeer, protocol.EvCallHungup, protocol.CallHungup{Call: l.id, Ext: ext})
		}
	}
	if l.to != by {
		cs.srv.metrics.push(l.toPeer, protocol.EvCallHungup, protocol.CallHungup{Call: l.id, Ext: ext})
	}
	cs.refresh(l.from)
	cs.refresh(l.to)
}

// refresh sets user's status from their room and the legs they are in: 3
// in a meeting (its room, or any accepted leg), 2 ringing, 1 otherwise; mu
// held.
func (cs *appCalls) refresh(user string) {
	status := protocol.StatusIdle
	if cs.inRoom[user] != nil {
		status = protocol.StatusInMeeting
	}
	for l := range cs.byUser[user] {
		if status == protocol.StatusInMeeting {
			break
		}
		if l.accepted {
			status = protocol.StatusInMeeting
			break
		}
		status = protocol.StatusBusy
	}
	cs.srv.presence.SetStatus(cs.app, user, status)
}

// sessionEnded takes the closed session p out of its room and ends every
// leg it was a party of, telling the others.
func (cs *appCalls) sessionEnded(user string, p Peer) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.roomLeft(user, p)
	for l := range cs.byUser[user] {
		if (l.from == user && l.fromPeer == p) || (l.to == user && l.toPeer == p) {
			cs.end(l, endDropped, user, "")
		}
	}
}

// ringable checks that user can be rung by c: 605 unknown, 603 offline, 602
// busy (ringing, in a call or in a meeting) or do-not-disturb; mu held.
func (cs *appCalls) ringable(c *conn, user string) (Peer, protocol.ErrCode) {
	st, ok := cs.srv.presence.Status(c.app, user)
	if !ok {
		return nil, protocol.ErrUserNotFound
	}
	p, online := cs.srv.router.Lookup(c.app, user)
	if st.Status == protocol.StatusOffline || !online {
		return nil, protocol.ErrOffline
	}
	if st.DND != 0 || len(cs.byUser[user]) > 0 || cs.inRoom[user] != nil {
		return nil, protocol.ErrBusy
	}
	return p, protocol.NoErr
}

// checkNewLeg validates what Call and ClientInvite share.
func (c *conn) checkNewLeg(id, to, ext string) (protocol.ErrCode, string) {
	switch {
	case !protocol.ValidCallID(id):
		return protocol.MeetParamErr, fmt.Sprintf("call ID: %d lowercase hex digits", protocol.CallIDLen)
	case to == "" || len(to) > c.srv.cfg.Limits.MaxIDLen:
		return protocol.MeetParamErr, "no such user ID"
	case to == c.user:
		return protocol.MeetParamErr, "cannot call yourself"
	case len(ext) > c.srv.cfg.Limits.MaxExtLen:
		return protocol.MeetParamErr, fmt.Sprintf("usrExtDat: at most %d bytes", c.srv.cfg.Limits.MaxExtLen)
	}
	return protocol.NoErr, ""
}

func (c *conn) handleCall(m protocol.Message) {
	var r protocol.Call
	if !c.decode(m, &r) {
		return
	}
	if code, why := c.checkNewLeg(r.Call, r.To, r.Ext); code != protocol.NoErr {
		c.fail(m.ID, code, why)
		return
	}
	cs := c.lockedCalls(m, "cannot call into that meeting")
	if cs == nil {
		return
	}
	defer cs.mu.Unlock()
	if _, dup := cs.legs[r.Call]; dup {
		c.fail(m.ID, protocol.MeetParamErr, "call ID already in use")
		return
	}
	if len(cs.byUser[c.user]) > 0 {
		c.fail(m.ID, protocol.ErrCallExist, "you are already in a call")
		return
	}
	mt, code := cs.findMeeting(r.Meet)
	if code != protocol.NoErr {
		c.fail(m.ID, code, "cannot call into that meeting")
		return
	}
	need := 1 // the callee, and the caller unless in the room already
	if mt.room.get(c.user) == nil {
		need++
	}
	if code, why := cs.roomFor(mt, need, c.user); code != protocol.NoErr {
		c.fail(m.ID, code, why)
		return
	}
	callee, code := cs.ringable(c, r.To)
	if code != protocol.NoErr {
		c.fail(m.ID, code, "cannot ring "+r.To)
		return
	}
	l := &leg{app: c.app, id: r.Call, from: c.user, to: r.To, fromPeer: c, toPeer: callee, fromNick: c.nick, fromHears: c.hearsRooms(), meet: mt}
	cs.add(l)
	c.srv.metrics.push(callee, protocol.EvCallIn, protocol.CallIn{Call: l.id, Meet: mt.full(), Caller: c.user, Ext: r.Ext})
	c.reply(m.ID, protocol.NoErr, nil)
}

// ringingFor finds the leg c may answer: rung to c and still ringing; mu held.
func (cs *appCalls) ringingFor(c *conn, id string) *leg {
	l := cs.legs[id]
	if l == nil || l.to != c.user || l.accepted {
		return nil
	}
	return l
}

// decodeAnswer reads an accept, reject or hang-up, refusing an oversized
// usrExtDat with MEETPARAM_ERR.
func (c *conn) decodeAnswer(m protocol.Message) (protocol.CallAnswer, bool) {
	var r protocol.CallAnswer
	if !c.decode(m, &r) {
		return r, false
	}
	if len(r.Ext) > c.srv.cfg.Limits.MaxExtLen {
		c.fail(m.ID, protocol.MeetParamErr, fmt.Sprintf("usrExtDat: at most %d bytes", c.srv.cfg.Limits.MaxExtLen))
		return r, false
	}
	return r, true
}

func (c *conn) handleAcceptCall(m protocol.Message) {
	r, ok := c.decodeAnswer(m)
	if !ok {
		return
	}
	cs := c.srv.calls.of(c.app)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	l := cs.ringingFor(c, r.Call)
	if l == nil {
		c.fail(m.ID, protocol.InvalidCallID, "no such call ringing for you")
		return
	}
	if r.Meet != nil && r.Meet.ID != 0 && int64(r.Meet.ID) != l.meet.ID {
		c.fail(m.ID, protocol.MeetParamErr, "accept into the meeting you were called to")
		return
	}
	// Both parties enter the meeting's room: check there is room for them.
	mt, need := l.meet, 0
	for _, u := range []string{l.from, l.to} {
		if mt.room.get(u) == nil {
			need++
		}
	}
	if code, why := cs.roomFor(mt, need, l.from, l.to); code != protocol.NoErr {
		cs.end(l, endFull, c.user, "")
		c.fail(m.ID, code, why)
		return
	}
	l.accepted = true
	l.timer.Stop()
	cs.saveLeg(l)
	cs.enter(mt, &member{user: l.from, nick: l.fromNick, peer: l.fromPeer, byCall: true, hears: l.fromHears})
	cs.enter(mt, &member{user: l.to, nick: c.nick, peer: c, byCall: true, hears: c.hearsRooms()})
	if l.invite {
		c.srv.metrics.push(l.fromPeer, protocol.EvInviteStatus, protocol.InviteStatus{Invite: l.id, Status: protocol.InviteConnected})
	} else {
		c.srv.metrics.push(l.fromPeer, protocol.EvCallAccepted, protocol.CallAccepted{Call: l.id, Meet: l.meet.info(l.from), Ext: r.Ext})
	}
	cs.refresh(l.from)
	cs.refresh(l.to)
	c.reply(m.ID, protocol.NoErr, nil)
}

func (c *conn) handleRejectCall(m protocol.Message) {
	r, ok := c.decodeAnswer(m)
	if !ok {
		return
	}
	cs := c.srv.calls.of(c.app)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	l := cs.ringingFor(c, r.Call)
	if l == nil {
		c.fail(m.ID, protocol.InvalidCallID, "no such call ringing for you")
		return
	}
	cs.end(l, endReject, c.user, r.Ext)
	c.reply(m.ID, protocol.NoErr, nil)
}

func (c *conn) handleHangupCall(m protocol.Message) {
	r, ok := c.decodeAnswer(m)
	if !ok {
		return
	}
	cs := c.srv.calls.of(c.app)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	l := cs.legs[r.Call]
	if l == nil || (l.from != c.user && l.to != c.user) {
		c.fail(m.ID, protocol.InvalidCallID, "no such call of yours")
		return
	}
	cs.end(l, endHangup, c.user, r.Ext)
	c.reply(m.ID, protocol.NoErr, nil)
}
