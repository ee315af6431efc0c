package server

import "huddle/protocol"

// A third-party invite is a leg like a call, rung by someone in a meeting
// (through an accepted call or enter_meeting), into that meeting. The invitee sees an ordinary
// incoming call; the inviter follows it through invite_status pushes.

func (c *conn) handleInvite(m protocol.Message) {
	var r protocol.Invite
	if !c.decode(m, &r) {
		return
	}
	if code, why := c.checkNewLeg(r.Invite, r.To, ""); code != protocol.NoErr {
		c.fail(m.ID, code, why)
		return
	}
	cs := c.lockedCalls(m, "cannot invite into that meeting")
	if cs == nil {
		return
	}
	defer cs.mu.Unlock()
	if _, dup := cs.legs[r.Invite]; dup {
		c.fail(m.ID, protocol.MeetParamErr, "invite ID already in use")
		return
	}
	in := cs.inRoom[c.user]
	if in == nil {
		c.fail(m.ID, protocol.InvalidCallID, "invite from inside a meeting (an accepted call, or enter_meeting)")
		return
	}
	mt, code := cs.findMeeting(r.Meet)
	if code != protocol.NoErr {
		c.fail(m.ID, code, "cannot invite into that meeting")
		return
	}
	if mt != in {
		c.fail(m.ID, protocol.AuthError, "invite into the meeting you are in")
		return
	}
	if code, why := cs.roomFor(mt, 1); code != protocol.NoErr {
		c.fail(m.ID, code, why)
		return
	}
	invitee, code := cs.ringable(c, r.To)
	if code != protocol.NoErr {
		c.fail(m.ID, code, "cannot ring "+r.To)
		return
	}
	l := &leg{app: c.app, id: r.Invite, invite: true, from: c.user, to: r.To, fromPeer: c, toPeer: invitee, fromNick: c.nick, fromHears: c.hearsRooms(), meet: mt}
	cs.add(l)
	c.srv.metrics.push(invitee, protocol.EvCallIn, protocol.CallIn{Call: l.id, Meet: mt.full(), Caller: c.user})
	c.reply(m.ID, protocol.NoErr, nil)
	c.srv.metrics.push(c, protocol.EvInviteStatus, protocol.InviteStatus{Invite: l.id, Status: protocol.InviteRinging})
}

func (c *conn) handleCancelInvite(m protocol.Message) {
	var r protocol.InviteRef
	if !c.decode(m, &r) {
		return
	}
	cs := c.srv.calls.of(c.app)
	cs.mu.Lock()
	defer cs.mu.Unlock()
	l := cs.legs[r.Invite]
	if l == nil || !l.invite || l.from != c.user || l.accepted {
		c.fail(m.ID, protocol.InvalidCallID, "no such ringing invite of yours")
		return
	}
	cs.end(l, endCancel, c.user, "")
	c.reply(m.ID, protocol.NoErr, nil)
}
