package server

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pion/ice/v4"
	"github.com/prometheus/client_golang/prometheus"

	"huddle/protocol"
)

// Direct media (docs/protocol.md, "Voice"): the server decides each
// meeting's media mode. A meeting with exactly two members with audio,
// both of whom declared with media_join that they can carry it directly
// and who share a codec, is "direct": their clients connect peer to peer (through the embedded
// TURN when they cannot reach each other) and the server only relays
// their SDP and candidates. Any other meeting is "sfu" (sfu.go): clients
// that never declared it (the browser SDK) always use the SFU. The mode
// is a function of who has audio: a third member moves the pair to the
// SFU, and back to direct once they are two again. One thing is
// remembered: a pair whose direct connection never connected
// (direct_failed) stays on the SFU while both stay in the meeting.
//
// Everything here is under appCalls.mu.

// directRoom is a meeting's media mode and its members who can go direct.
type directRoom struct {
	members map[string]*directMember // by user: those who sent media_join
	mode    string                   // protocol.ModeSFU or ModeDirect
	gen     int                      // bumped at every change of mode or pair
	pair    [2]string                // direct mode: the two, offerer first
	// unreachable is a pair whose direct connection never connected: the
	// two cannot reach each other, so they talk through the SFU until one
	// of them leaves the meeting (and may come back from elsewhere).
	unreachable [2]string
}

// directMember is one direct-capable member: their codecs, and their
// signalling since their last SDP.
type directMember struct {
	codecs     []string // MIME types; nil: unknown, taken as sharing
	candidates int
}

// shareCodec: a and b can talk without the SFU transcoding.
func shareCodec(a, b *directMember) bool {
	if len(a.codecs) == 0 || len(b.codecs) == 0 {
		return true
	}
	for _, x := range a.codecs {
		for _, y := range b.codecs {
			if strings.EqualFold(x, y) {
				return true
			}
		}
	}
	return false
}

// directMetrics count the direct signalling the server relays.
type directMetrics struct {
	signals  *prometheus.CounterVec // relayed, by kind (sdp, candidate)
	meetings prometheus.Gauge       // meetings in direct mode now
	failed   prometheus.Counter     // direct connections that never connected
}

func newDirectMetrics(reg prometheus.Registerer) *directMetrics {
	d := &directMetrics{
		signals:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "huddle_media_direct_signals_total", Help: "direct_signal messages relayed between the two members of a direct-mode meeting, by kind (sdp, candidate)."}, []string{"kind"}),
		meetings: prometheus.NewGauge(prometheus.GaugeOpts{Name: "huddle_media_direct_meetings", Help: "Meetings whose audio flows directly between their two members, not through the SFU."}),
		failed:   prometheus.NewCounter(prometheus.CounterOpts{Name: "huddle_media_direct_failed_total", Help: "Direct connections that never connected (direct_failed taken): their meeting moved to the SFU."}),
	}
	reg.MustRegister(d.signals, d.meetings, d.failed)
	return d
}

// audioUsers are the members of mt with audio: direct-capable ones and
// those with an SFU connection; mu held.
func (cs *appCalls) audioUsers(mt *meeting) []string {
	users := cs.srv.sfu.users(roomKey{cs.app, mt.ID})
	if v := mt.direct; v != nil {
		for u := range v.members {
			if !slices.Contains(users, u) {
				users = append(users, u)
			}
		}
	}
	return users
}

func (c *conn) handleMediaJoin(m protocol.Message) {
	var r protocol.MediaJoin
	if !c.decode(m, &r) {
		return
	}
	cs := c.lockedCalls(m, "cannot read meetings")
	if cs == nil {
		return
	}
	defer cs.mu.Unlock()
	mt := cs.meetings[int64(r.Meet)]
	switch {
	case mt == nil:
		c.fail(m.ID, protocol.MeetNotExist, "no such meeting")
		return
	case mt.room.get(c.user) == nil:
		c.fail(m.ID, protocol.NotInMeeting, "you are not in that meeting")
		return
	}
	if mt.direct == nil {
		mt.direct = &directRoom{members: make(map[string]*directMember)}
	}
	v := mt.direct
	if users := cs.audioUsers(mt); !slices.Contains(users, c.user) && len(users) >= c.srv.cfg.Limits.MaxMediaMembers {
		c.fail(m.ID, protocol.MemberOverflowError, "the meeting's voice is full")
		return
	}
	// A new client connection: whatever the member had before is gone.
	c.srv.sfu.leave(roomKey{c.app, mt.ID}, c.user)
	if len(r.Codecs) > 8 {
		r.Codecs = r.Codecs[:8] // a real client has two; the rest cannot matter
	}
	v.members[c.user] = &directMember{codecs: r.Codecs}
	c.reply(m.ID, protocol.NoErr, nil)
	cs.directChanged(mt, c.user)
}

// directChanged decides mt's mode after its members with audio changed and
// tells the direct-capable members when it changed. joined, if not "",
// (re)joined: it is told the mode in any case, and a direct pair starts
// afresh (a new generation) since its old connection is gone; mu held.
func (cs *appCalls) directChanged(mt *meeting, joined string) {
	v := mt.direct
	if v == nil {
		return
	}
	users := cs.audioUsers(mt)
	mode, pair := protocol.ModeSFU, [2]string{}
	if len(users) == 2 && v.members[users[0]] != nil && v.members[users[1]] != nil && shareCodec(v.members[users[0]], v.members[users[1]]) {
		slices.Sort(users)
		if p := [2]string{users[0], users[1]}; p != v.unreachable {
			mode, pair = protocol.ModeDirect, p
		}
	}
	if mode == v.mode && pair == v.pair && (joined == "" || mode == protocol.ModeSFU) {
		if joined != "" {
			cs.tellMode(mt, joined)
		}
		return
	}
	if v.mode == protocol.ModeDirect {
		cs.srv.direct.meetings.Dec()
	}
	if mode == protocol.ModeDirect {
		cs.srv.direct.meetings.Inc()
	}
	v.gen++
	v.mode, v.pair = mode, pair
	cs.saveMeeting(mt) // a new home goes on from this generation
	for u, dm := range v.members {
		dm.candidates = 0
		if mode == protocol.ModeDirect {
			// Its SFU connection, if any, carries nothing any more.
			cs.srv.sfu.leave(roomKey{cs.app, mt.ID}, u)
		}
		cs.tellMode(mt, u)
	}
}

// tellMode pushes user's media mode in mt to them; mu held.
func (cs *appCalls) tellMode(mt *meeting, user string) {
	v, mb := mt.direct, mt.room.get(user)
	if v == nil || mb == nil {
		return
	}
	mm := protocol.MediaMode{Meet: int(mt.ID), Gen: v.gen, Mode: v.mode}
	if v.mode == protocol.ModeDirect {
		mm.Peer, mm.Offerer = v.pair[0], false
		if user == v.pair[0] {
			mm.Peer, mm.Offerer = v.pair[1], true
		}
		mm.Mic = mb.audio == protocol.AudioOpen
	}
	cs.srv.metrics.push(mb.peer, protocol.EvMediaMode, mm)
}

// directLeft: user's audio in mt ended (they left the room); mu held.
func (cs *appCalls) directLeft(mt *meeting, user string) {
	v := mt.direct
	if v == nil {
		return
	}
	delete(v.members, user)
	if slices.Contains(v.unreachable[:], user) {
		v.unreachable = [2]string{}
	}
	if len(v.members) == 0 {
		cs.dropDirect(mt)
		return
	}
	cs.directChanged(mt, "")
}

// dropDirect forgets mt's mode (nobody direct-capable is left, or the
// meeting ended); mu held.
func (cs *appCalls) dropDirect(mt *meeting) {
	if mt.direct != nil && mt.direct.mode == protocol.ModeDirect {
		cs.srv.direct.meetings.Dec()
	}
	mt.direct = nil
}

// directMic tells a direct-mode member that their microphone opened or
// closed: in direct mode only the sender can stop its audio; mu held.
func (cs *appCalls) directMic(mt *meeting, user string) {
	if v := mt.direct; v != nil && v.mode == protocol.ModeDirect && v.members[user] != nil {
		cs.tellMode(mt, user)
	}
}

// sfuRefused says whether user's media_offer of generation gen for mt is
// refused: their audio is direct, or the offer is of an older generation
// (its connection is gone); mu held.
func (mt *meeting) sfuRefused(user string, gen int) bool {
	v := mt.direct
	return v != nil && v.members[user] != nil && (v.mode == protocol.ModeDirect || gen != 0 && gen != v.gen)
}

func (c *conn) handleDirectSignal(m protocol.Message) {
	var r protocol.DirectSignal
	if !c.decode(m, &r) {
		return
	}
	lim := c.srv.cfg.Limits
	switch {
	case (r.SDP == nil) == (r.Cand == nil):
		c.fail(m.ID, protocol.ErrData, "exactly one of sdp and cand")
		return
	case r.SDP != nil && len(r.SDP.SDP) > lim.MaxSDPBytes:
		c.fail(m.ID, protocol.ErrData, fmt.Sprintf("SDP: at most %d bytes", lim.MaxSDPBytes))
		return
	case r.SDP != nil && r.SDP.Type != "offer" && r.SDP.Type != "answer":
		c.fail(m.ID, protocol.ErrData, `sdp type: "offer" or "answer"`)
		return
	}
	if r.SDP != nil {
		if err := checkOffer(r.SDP.SDP); err != nil {
			c.fail(m.ID, protocol.ErrData, err.Error())
			return
		}
	} else if _, err := ice.UnmarshalCandidate(r.Cand.Candidate); err != nil {
		c.fail(m.ID, protocol.ErrData, "malformed ICE candidate: "+err.Error())
		return
	}
	cs, mt := c.lockedDirect(m, r.Meet, r.Gen)
	if cs == nil {
		return
	}
	defer cs.mu.Unlock()
	v := mt.direct
	offerer := c.user == v.pair[0]
	other := v.pair[0]
	if offerer {
		other = v.pair[1]
	}
	kind := "candidate"
	if r.SDP != nil {
		kind = "sdp"
		if want := map[bool]string{true: "offer", false: "answer"}[offerer]; r.SDP.Type != want {
			c.fail(m.ID, protocol.ErrData, "in this pair you send the "+want)
			return
		}
		v.members[c.user].candidates = 0
	} else if v.members[c.user].candidates++; v.members[c.user].candidates > lim.MaxICECandidates {
		c.fail(m.ID, protocol.RateLimited, fmt.Sprintf("too many ICE candidates: at most %d per SDP", lim.MaxICECandidates))
		return
	}
	to := mt.room.get(other)
	if to == nil {
		c.fail(m.ID, protocol.MediaModeChanged, other+" left")
		return
	}
	r.From = c.user
	cs.srv.metrics.push(to.peer, protocol.EvDirectSignal, r)
	c.srv.direct.signals.WithLabelValues(kind).Inc()
	c.reply(m.ID, protocol.NoErr, nil)
}

// lockedDirect is meeting meet, locked, for a handler of m about its
// direct connection of generation gen: nil (m answered with the code) if
// there is no such meeting, the user is not in its audio, or its audio is
// not that direct connection any more. The caller unlocks cs.mu.
func (c *conn) lockedDirect(m protocol.Message, meet, gen int) (*appCalls, *meeting) {
	cs := c.lockedCalls(m, "cannot read meetings")
	if cs == nil {
		return nil, nil
	}
	mt := cs.meetings[int64(meet)]
	var code protocol.ErrCode
	var why string
	switch {
	case mt == nil:
		code, why = protocol.MeetNotExist, "no such meeting"
	case mt.room.get(c.user) == nil || mt.direct == nil || mt.direct.members[c.user] == nil:
		code, why = protocol.NotInMeeting, "you are not in that meeting's audio: media_join first"
	case mt.direct.mode != protocol.ModeDirect || gen != mt.direct.gen:
		code, why = protocol.MediaModeChanged, fmt.Sprintf("the meeting's audio is %s, generation %d", mt.direct.mode, mt.direct.gen)
	default:
		return cs, mt
	}
	cs.mu.Unlock()
	c.fail(m.ID, code, why)
	return nil, nil
}

// handleDirectFailed: a member's client says the direct connection of
// generation gen never connected. The meeting moves to the SFU (a new
// generation) and the pair is not tried directly again while both stay.
// The other member's report of the same connection, or a late one, is
// 1202 and changes nothing.
func (c *conn) handleDirectFailed(m protocol.Message) {
	var r protocol.DirectFailed
	if !c.decode(m, &r) {
		return
	}
	cs, mt := c.lockedDirect(m, r.Meet, r.Gen)
	if cs == nil {
		return
	}
	defer cs.mu.Unlock()
	v := mt.direct
	v.unreachable = v.pair
	cs.saveMeeting(mt)
	c.srv.direct.failed.Inc()
	c.reply(m.ID, protocol.NoErr, nil)
	cs.directChanged(mt, "")
}
