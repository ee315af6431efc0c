package server

import (
	"fmt"

	"huddle/protocol"
)

// Voice signalling (docs/protocol.md, "Voice"): the handlers check who may
// send what, then hand over to the SFU (sfu.go).

// mediaRoom finds the room and the member's connection for a media request
// about meet: 800 if the meeting does not exist, NOT_IN_MEETING if the user
// is not in it, MEDIA_MODE_CHANGED if a request of generation gen is not for
// the member's mode now (direct.go). create makes the connection on the first offer; otherwise
// a member without one gets NOT_IN_MEETING too.
func (c *conn) mediaRoom(meet, gen int, create bool) (*sfuRoom, *participant, protocol.ErrCode, string) {
	cs, err := c.srv.calls.loaded(c.app)
	if err != nil {
		return nil, nil, protocol.ServerException, "cannot read meetings"
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	mt := cs.meetings[int64(meet)]
	if mt == nil {
		return nil, nil, protocol.MeetNotExist, "no such meeting"
	}
	mb := mt.room.get(c.user)
	if mb == nil {
		return nil, nil, protocol.NotInMeeting, "you are not in that meeting"
	}
	key := roomKey{c.app, mt.ID}
	if mt.sfuRefused(c.user, gen) {
		return nil, nil, protocol.MediaModeChanged, "your audio in this meeting is not in that mode any more (media_mode)"
	}
	if !create {
		r, pt := c.srv.sfu.find(key, c.user)
		if pt == nil {
			return nil, nil, protocol.NotInMeeting, "send media_offer first"
		}
		return r, pt, protocol.NoErr, ""
	}
	r, pt, code := c.srv.sfu.join(key, c.user, c, mb.audio == protocol.AudioOpen)
	if code != protocol.NoErr {
		return nil, nil, code, "the meeting's voice is full"
	}
	cs.directChanged(mt, "")
	return r, pt, protocol.NoErr, ""
}

func (c *conn) handleMediaOffer(m protocol.Message) {
	var r protocol.MediaOffer
	if !c.decode(m, &r) {
		return
	}
	if len(r.SDP) > c.srv.cfg.Limits.MaxSDPBytes {
		c.fail(m.ID, protocol.ErrData, fmt.Sprintf("SDP: at most %d bytes", c.srv.cfg.Limits.MaxSDPBytes))
		return
	}
	if err := checkOffer(r.SDP); err != nil {
		c.fail(m.ID, protocol.ErrData, err.Error())
		return
	}
	if r.Conn != "" && !c.srv.sfu.has(roomKey{c.app, int64(r.Meet)}, c.user, r.Conn) {
		// Answering on a new connection would change the DTLS certificate
		// under the client, which WebRTC does not renegotiate: no audio,
		// and no error. The client opens a new connection instead.
		c.fail(m.ID, protocol.MediaConnectionGone, "no such media connection here (the meeting's server changed): open a new one")
		return
	}
	room, pt, code, why := c.mediaRoom(r.Meet, r.Gen, true)
	if code != protocol.NoErr {
		c.fail(m.ID, code, why)
		return
	}
	answer, code, err := c.srv.sfu.offer(room, pt, r.SDP)
	if err != nil {
		c.fail(m.ID, code, "offer refused: "+err.Error())
		return
	}
	c.reply(m.ID, protocol.NoErr, answer)
}

func (c *conn) handleMediaCandidate(m protocol.Message) {
	var r protocol.MediaCandidate
	if !c.decode(m, &r) {
		return
	}
	room, pt, code, why := c.mediaRoom(r.Meet, r.Gen, false)
	if code == protocol.NoErr {
		code, why = c.srv.sfu.candidate(room, pt, r.Cand)
	}
	if code != protocol.NoErr {
		c.fail(m.ID, code, why)
		return
	}
	c.reply(m.ID, protocol.NoErr, nil)
}

func (c *conn) handleMediaReady(m protocol.Message) {
	var r protocol.MediaReady
	if !c.decode(m, &r) {
		return
	}
	room, pt, code, why := c.mediaRoom(r.Meet, r.Gen, false)
	if code == protocol.NoErr {
		code, why = c.srv.sfu.ready(room, pt, r.Answer)
	}
	if code != protocol.NoErr {
		c.fail(m.ID, code, why)
		return
	}
	c.reply(m.ID, protocol.NoErr, nil)
}
