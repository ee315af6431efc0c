package server

import (
	"fmt"

	"huddle/protocol"
)

// A meeting's room is who is in the meeting now, with each member's
// microphone state, as CloudRoom's meeting component has it. A user is in
// at most one room. They enter by enter_meeting, or by a call or invite in
// the meeting being accepted (both parties); they leave by exit_meeting,
// when the last call that brought them in ends (hung up by either side),
// when their session ends (sign-out, pushed off by another sign-in, or the
// resume grace running out: a drop within it keeps them in), or when the
// meeting is destroyed. Everyone else in the room is told of each change.
//
// Rooms live in appCalls, under its mutex, beside the calls that fill
// them: accepting a call and entering its room, or destroying a meeting and
// emptying its room, is one step. All of a room's state is the room type
// below and appCalls.inRoom, so that a shared store can take their place.

// room is the members of one meeting, in the order they entered.
type room struct {
	order []*member
}

// member is one user in a room.
type member struct {
	user, nick string
	audio      int  // protocol.AudioNoMic, AudioClosed or AudioOpen
	peer       Peer // the user's session, for pushes
	// byCall: entered through a call or invite being accepted, and leaves
	// once no call of theirs is left in the meeting. An enter_meeting of a
	// user not yet in the room makes a member who stays until they exit.
	byCall bool
	// hears: the client knows room pushes (protocol.RoomsSince); an older
	// one is a member whom the others see, but is told nothing.
	hears bool
}

func (r *room) size() int { return len(r.order) }

func (r *room) get(user string) *member {
	for _, m := range r.order {
		if m.user == user {
			return m
		}
	}
	return nil
}

func (r *room) remove(user string) *member {
	for i, m := range r.order {
		if m.user == user {
			r.order = append(r.order[:i:i], r.order[i+1:]...)
			return m
		}
	}
	return nil
}

func (r *room) list() []protocol.Member {
	out := make([]protocol.Member, len(r.order))
	for i, m := range r.order {
		out[i] = protocol.Member{User: m.user, Nick: m.nick, Audio: m.audio}
	}
	return out
}

// tell sends push ev to every member who hears room pushes but skip.
func (cs *appCalls) tell(r *room, skip, ev string, payload any) {
	msg, err := protocol.Push(ev, payload)
	if err != nil {
		return
	}
	for _, m := range r.order {
		if m.hears && m.user != skip {
			cs.srv.metrics.messageOut(ev)
			m.peer.Send(msg)
		}
	}
}

// enter puts mb in m's room: the member gets meeting_entered, the others
// user_enter_meeting. Already in it is no change; mu held.
func (cs *appCalls) enter(m *meeting, mb *member) protocol.ErrCode {
	switch cur := cs.inRoom[mb.user]; {
	case cur == m:
		return protocol.NoErr
	case cur != nil:
		return protocol.ErrCallExist
	case m.room.size() >= cs.srv.cfg.Limits.RoomMembers:
		return protocol.MemberOverflowError
	}
	mb.audio = protocol.AudioClosed
	m.room.order = append(m.room.order, mb)
	cs.inRoom[mb.user] = m
	cs.busy(m)
	cs.saveMeeting(m)
	if mb.hears {
		cs.srv.metrics.push(mb.peer, protocol.EvMeetingEntered, protocol.MeetingEntered{Meet: m.info(mb.user), Members: m.room.list()})
	}
	cs.tell(&m.room, mb.user, protocol.EvUserEnter, protocol.UserEnter{Meet: int(m.ID), Member: protocol.Member{User: mb.user, Nick: mb.nick, Audio: mb.audio}})
	cs.refresh(mb.user)
	return protocol.NoErr
}

// leave takes user out of m's room. Everyone left in it is told, and so is
// the user (their SDK learns it is out) unless their session has ended;
// mu held.
func (cs *appCalls) leave(m *meeting, user string, tellUser bool) {
	mb := m.room.remove(user)
	if mb == nil {
		return
	}
	delete(cs.inRoom, user)
	cs.saveMeeting(m)
	cs.srv.sfu.leave(roomKey{cs.app, m.ID}, user)
	cs.directLeft(m, user)
	left := protocol.UserLeft{Meet: int(m.ID), User: user}
	cs.tell(&m.room, "", protocol.EvUserLeft, left)
	if tellUser && mb.hears {
		cs.srv.metrics.push(mb.peer, protocol.EvUserLeft, left)
	}
	cs.refresh(user)
	cs.vacated(m)
}

// leaveWithCall takes out of the room the parties of ended leg l whom a
// call brought in and who have no other call in the meeting; mu held.
func (cs *appCalls) leaveWithCall(l *leg) {
	for _, u := range []string{l.from, l.to} {
		if mb := l.meet.room.get(u); mb != nil && mb.byCall && !cs.hasLegIn(u, l.meet) {
			cs.leave(l.meet, u, true)
		}
	}
}

// hasLegIn: user has a call or invite (ringing or accepted) in m; mu held.
func (cs *appCalls) hasLegIn(user string, m *meeting) bool {
	for l := range cs.byUser[user] {
		if l.meet == m {
			return true
		}
	}
	return false
}

// empty takes everyone out of destroyed meeting m, telling nobody: the
// members are told meeting_stopped; mu held.
func (cs *appCalls) empty(m *meeting) {
	members := m.room.order
	m.room.order = nil
	cs.saveMeeting(m)
	for _, mb := range members {
		delete(cs.inRoom, mb.user)
		cs.srv.sfu.leave(roomKey{cs.app, m.ID}, mb.user)
		cs.refresh(mb.user)
	}
	cs.dropDirect(m)
}

// roomLeft: the session p of user has ended; out of its room; mu held.
func (cs *appCalls) roomLeft(user string, p Peer) {
	if m := cs.inRoom[user]; m != nil {
		if mb := m.room.get(user); mb != nil && mb.peer == p {
			cs.leave(m, user, false)
		}
	}
}

// rebindMember moves user's membership from peer old to peer new; mu held.
func (cs *appCalls) rebindMember(user string, old, new Peer) {
	if m := cs.inRoom[user]; m != nil {
		if mb := m.room.get(user); mb != nil && mb.peer == old {
			mb.peer = new
		}
	}
}

// roomFor checks that user may be put in m's room, with need more places
// (for them and whoever comes in with them): 601 in another meeting, 802
// full; mu held.
func (cs *appCalls) roomFor(m *meeting, need int, users ...string) (protocol.ErrCode, string) {
	for _, u := range users {
		if cur := cs.inRoom[u]; cur != nil && cur != m {
			return protocol.ErrCallExist, u + " is in another meeting"
		}
	}
	if m.room.size()+need > cs.srv.cfg.Limits.RoomMembers {
		return protocol.MemberOverflowError, fmt.Sprintf("the meeting is full (%d members at most)", cs.srv.cfg.Limits.RoomMembers)
	}
	return protocol.NoErr, ""
}

func (c *conn) hearsRooms() bool { return c.version >= protocol.RoomsSince }

func (c *conn) handleEnterMeeting(m protocol.Message) {
	var r protocol.EnterMeeting
	if !c.decode(m, &r) {
		return
	}
	cs := c.lockedCalls(m, "could not load meetings")
	if cs == nil {
		return
	}
	defer cs.mu.Unlock()
	mt := cs.meetings[int64(r.Meet)]
	if mt != nil && cs.inRoom[c.user] == mt {
		c.reply(m.ID, protocol.NoErr, nil) // in it already (a page entering after accepting a call)
		return
	}
	mt, code := cs.findMeeting(protocol.Meeting{ID: r.Meet, Pswd: r.Pswd})
	if code != protocol.NoErr {
		c.fail(m.ID, code, "cannot enter that meeting")
		return
	}
	for l := range cs.byUser[c.user] {
		if l.meet != mt {
			c.fail(m.ID, protocol.ErrCallExist, "you have a call in another meeting")
			return
		}
	}
	if code, why := cs.roomFor(mt, 1, c.user); code != protocol.NoErr {
		c.fail(m.ID, code, why)
		return
	}
	cs.enter(mt, &member{user: c.user, nick: c.nick, peer: c, hears: c.hearsRooms()})
	c.reply(m.ID, protocol.NoErr, nil)
}

// handleExitMeeting: the user leaves their meeting, and every call or
// invite of theirs in it ends as if they had hung up.
func (c *conn) handleExitMeeting(m protocol.Message) {
	var r struct{}
	if !c.decode(m, &r) {
		return
	}
	cs := c.srv.calls.of(c.app)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	mt := cs.inRoom[c.user]
	if mt == nil {
		c.fail(m.ID, protocol.MeetNotExist, "you are in no meeting")
		return
	}
	for l := range cs.byUser[c.user] {
		if l.meet == mt {
			cs.end(l, endHangup, c.user, "")
		}
	}
	cs.leave(mt, c.user, true)
	c.reply(m.ID, protocol.NoErr, nil)
}

// handleSetAudio opens or closes a member's microphone. Anyone sets their
// own; the meeting's creator may also close another member's (a host
// silencing a noisy room), but nobody opens someone else's.
func (c *conn) handleSetAudio(m protocol.Message) {
	var r protocol.SetAudio
	if !c.decode(m, &r) {
		return
	}
	if r.User == "" {
		r.User = c.user
	}
	cs := c.srv.calls.of(c.app)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	mt := cs.inRoom[c.user]
	if mt == nil {
		c.fail(m.ID, protocol.MeetNotExist, "you are in no meeting")
		return
	}
	target := mt.room.get(r.User)
	switch {
	case r.Audio != protocol.AudioOpen && r.Audio != protocol.AudioClosed && r.Audio != protocol.AudioNoMic:
		c.fail(m.ID, protocol.MeetParamErr, "audio: 1 no microphone, 2 closed or 3 open")
		return
	case target == nil:
		c.fail(m.ID, protocol.ErrUserNotFound, r.User+" is not in your meeting")
		return
	case r.User != c.user && r.Audio != protocol.AudioClosed:
		c.fail(m.ID, protocol.AuthError, "only its owner opens a microphone or reports none")
		return
	case r.User != c.user && c.user != mt.Creator:
		c.fail(m.ID, protocol.AuthError, "only the meeting's creator closes another member's microphone")
		return
	}
	old := target.audio
	if old == protocol.AudioNoMic && r.User != c.user {
		c.reply(m.ID, protocol.NoErr, nil) // no microphone: nothing to close
		return
	}
	if old != r.Audio {
		target.audio = r.Audio
		cs.saveMeeting(mt)
		cs.srv.sfu.setOpen(roomKey{cs.app, mt.ID}, r.User, r.Audio == protocol.AudioOpen)
		cs.directMic(mt, r.User)
		cs.tell(&mt.room, "", protocol.EvAudioStatus, protocol.AudioStatus{Meet: int(mt.ID), User: r.User, Old: old, New: r.Audio})
	}
	c.reply(m.ID, protocol.NoErr, nil)
}
