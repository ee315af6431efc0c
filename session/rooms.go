package session

import (
	"slices"

	"huddle/protocol"
)

// Rooms: being in a meeting, as CloudRoom's meeting component has it
// (docs/protocol.md, "Rooms"). The session keeps the meeting it is in and
// its members, as the server's pushes tell it; GetAllMembers reads that
// copy. It may be ahead of the events the application has handled: a UI
// that redraws its member list from GetAllMembers on each room event
// (UserEnterMeeting, UserLeftMeeting, AudioStatusChanged) always shows the
// newest state and never a member twice.

// MemberInfo is CRVideo_MemberInfo: one user in the meeting.
type MemberInfo struct {
	UserID   string
	NickName string
	// AudioStatus is the member's microphone, CloudRoom's ASTATUS:
	// protocol.AudioUnknown (0), AudioNoMic (1), AudioClosed (2),
	// AudioOpen (3), AudioOpening (4: this user's own, asked for and not yet
	// confirmed by the server).
	AudioStatus int
}

// Room events.
type (
	// EnterMeetingRslt answers EnterMeeting: 0 in the meeting (its members
	// are in GetAllMembers), 800 no such meeting (or it has ended), 801
	// wrong password, 802 the meeting is full, 601 in another meeting or
	// with a call in one (exit it first).
	EnterMeetingRslt struct {
		Err    ErrCode
		Cookie string
	}
	// UserEnterMeeting: someone else entered this user's meeting.
	UserEnterMeeting struct{ UserID string }
	// UserLeftMeeting: someone else left this user's meeting (exited, hung
	// up the call that brought them, signed out or dropped off for good).
	UserLeftMeeting struct{ UserID string }
	// AudioStatusChanged: a member's microphone changed, this user's own
	// included (ASTATUS values, as MemberInfo.AudioStatus).
	AudioStatusChanged struct {
		UserID               string
		OldStatus, NewStatus int
	}
	// MeetingDropped: this user is out of their meeting because their
	// session ended (LineOff follows) or could not be resumed after a drop
	// (Reconnected{StateLost: true} follows). A drop the session resumes
	// from keeps the meeting, and gives no event.
	MeetingDropped struct{}
	// OpenMicFailed and CloseMicFailed: the server refused OpenMic or
	// CloseMic (800 not in a meeting, 605 no such member, 801 not allowed:
	// only the meeting's creator closes another member's microphone, and
	// nobody opens another's). AudioStatusChanged puts back the state an own
	// microphone had.
	OpenMicFailed struct {
		UserID string
		Err    ErrCode
	}
	CloseMicFailed struct {
		UserID string
		Err    ErrCode
	}
)

func (EnterMeetingRslt) isEvent()   {}
func (UserEnterMeeting) isEvent()   {}
func (UserLeftMeeting) isEvent()    {}
func (AudioStatusChanged) isEvent() {}
func (MeetingDropped) isEvent()     {}
func (OpenMicFailed) isEvent()      {}
func (CloseMicFailed) isEvent()     {}

// room is the meeting the session is in; s.mu guards it.
type room struct {
	meet    MeetInfo
	members []MemberInfo // in the order they entered
	// ownAudio is this user's microphone as the server last said;
	// pending counts the changes of it asked for and not yet answered.
	ownAudio, pending int
}

func (r *room) find(user string) int {
	return slices.IndexFunc(r.members, func(m MemberInfo) bool { return m.UserID == user })
}

// EnterMeeting enters meeting meetID (pswd: its password, "" if none).
// Accepting a call or an invite enters its meeting without it; entering the
// meeting this user is in already succeeds. Outcome: EnterMeetingRslt;
// the others in the meeting get UserEnterMeeting.
func (s *Session) EnterMeeting(meetID int, pswd, cookie string) {
	s.call(protocol.OpEnterMeeting, protocol.EnterMeeting{Meet: meetID, Pswd: pswd},
		func(protocol.Message) { s.emit(EnterMeetingRslt{Err: protocol.NoErr, Cookie: cookie}) },
		func(code ErrCode) { s.emit(EnterMeetingRslt{Err: code, Cookie: cookie}) })
}

// ExitMeeting leaves the meeting this user is in, at once (as CloudRoom's,
// it has no outcome event): the others get UserLeftMeeting, and every call
// or invite of this user in the meeting ends as if hung up.
func (s *Session) ExitMeeting() {
	s.mu.Lock()
	in := s.room != nil
	s.room = nil
	s.mu.Unlock()
	if in {
		s.call(protocol.OpExitMeeting, nil, func(protocol.Message) {}, func(ErrCode) {})
	}
}

// GetAllMembers lists the members of the meeting this user is in, this
// user included, in the order they entered; nil when in none.
func (s *Session) GetAllMembers() []MemberInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.room == nil {
		return nil
	}
	return slices.Clone(s.room.members)
}

// CurrentMeeting is the meeting this user is in; ok false when in none.
func (s *Session) CurrentMeeting() (meet MeetInfo, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.room == nil {
		return MeetInfo{}, false
	}
	return s.room.meet, true
}

// OpenMic opens userID's microphone: this user's own (userID "" means the
// same). It goes to AudioOpening at once, then AudioOpen once the server
// confirms; every member gets AudioStatusChanged. Outcome on failure:
// OpenMicFailed.
func (s *Session) OpenMic(userID string) {
	s.setMic(userID, protocol.AudioOpen, func(u string, c ErrCode) { s.emit(OpenMicFailed{UserID: u, Err: c}) })
}

// CloseMic closes userID's microphone: this user's own, which closes at
// once, or, for the meeting's creator, another member's. Every member gets
// AudioStatusChanged. Outcome on failure: CloseMicFailed.
func (s *Session) CloseMic(userID string) {
	s.setMic(userID, protocol.AudioClosed, func(u string, c ErrCode) { s.emit(CloseMicFailed{UserID: u, Err: c}) })
}

func (s *Session) setMic(userID string, want int, failed func(string, ErrCode)) {
	s.mu.Lock()
	me, r := s.userID, s.room
	if userID == "" {
		userID = me
	}
	if r == nil {
		s.mu.Unlock()
		failed(userID, protocol.MeetNotExist)
		return
	}
	// One's own microphone changes here at once: closing stops capture
	// now, opening shows AudioOpening until the server has it. Until every
	// change asked for is answered, the server's pushes about it are only
	// noted (one may be older than the newest change); then what is shown
	// settles on the server's state.
	own := userID == me
	var ev Event
	if own {
		r.pending++
		if i := r.find(me); i >= 0 {
			old, now := r.members[i].AudioStatus, want
			if want == protocol.AudioOpen && old != protocol.AudioOpen {
				now = protocol.AudioOpening
			}
			if now != old {
				r.members[i].AudioStatus = now
				ev = AudioStatusChanged{UserID: me, OldStatus: old, NewStatus: now}
			}
		}
	}
	s.mu.Unlock()
	if ev != nil {
		s.emit(ev)
	}
	s.call(protocol.OpSetAudio, protocol.SetAudio{User: userID, Audio: want},
		func(protocol.Message) {
			if own {
				s.settleMic(r, me)
			}
		},
		func(code ErrCode) {
			if own {
				s.settleMic(r, me)
			}
			failed(userID, code)
		})
}

// settleMic: a change of own microphone has been answered; once none is
// waiting, what is shown becomes the server's state (AudioOpen after an
// opening, the old state after a refusal).
func (s *Session) settleMic(r *room, me string) {
	s.mu.Lock()
	r.pending--
	i := r.find(me)
	if s.room != r || r.pending > 0 || i < 0 || r.members[i].AudioStatus == r.ownAudio {
		s.mu.Unlock()
		return
	}
	old := r.members[i].AudioStatus
	r.members[i].AudioStatus = r.ownAudio
	s.mu.Unlock()
	s.emit(AudioStatusChanged{UserID: me, OldStatus: old, NewStatus: r.ownAudio})
}

// dropRoom forgets the meeting, as the session that was in it has ended;
// true if there was one. s.mu held.
func (s *Session) dropRoom() bool {
	in := s.room != nil
	s.room = nil
	return in
}

func membersFrom(ms []protocol.Member) []MemberInfo {
	out := make([]MemberInfo, len(ms))
	for i, m := range ms {
		out[i] = MemberInfo{UserID: m.User, NickName: m.Nick, AudioStatus: m.Audio}
	}
	return out
}

func (s *Session) onMeetingEntered(_ *link, m protocol.Message) {
	var r protocol.MeetingEntered
	if protocol.Decode(m.D, &r) != nil {
		return
	}
	s.mu.Lock()
	rm := &room{meet: meetInfoFrom(r.Meet), members: membersFrom(r.Members)}
	if i := rm.find(s.userID); i >= 0 {
		rm.ownAudio = rm.members[i].AudioStatus
	}
	s.room = rm
	s.mu.Unlock()
}

// inRoom runs fn on the session's room if it is meeting meet (a push for
// a meeting this user has already exited is ignored); fn runs under s.mu
// and returns the event to emit, if any.
func (s *Session) inRoom(meet int, fn func(r *room) Event) {
	s.mu.Lock()
	var ev Event
	if s.room != nil && s.room.meet.ID == meet {
		ev = fn(s.room)
	}
	s.mu.Unlock()
	if ev != nil {
		s.emit(ev)
	}
}

func (s *Session) onUserEnter(_ *link, m protocol.Message) {
	var r protocol.UserEnter
	if protocol.Decode(m.D, &r) != nil {
		return
	}
	s.inRoom(r.Meet, func(rm *room) Event {
		if rm.find(r.User) >= 0 {
			return nil
		}
		rm.members = append(rm.members, MemberInfo{UserID: r.User, NickName: r.Nick, AudioStatus: r.Audio})
		rm.meet.MemberCount = len(rm.members)
		return UserEnterMeeting{UserID: r.User}
	})
}

func (s *Session) onUserLeft(_ *link, m protocol.Message) {
	var r protocol.UserLeft
	if protocol.Decode(m.D, &r) != nil {
		return
	}
	s.inRoom(r.Meet, func(rm *room) Event {
		if r.User == s.userID {
			s.room = nil // out: a call that brought this user in has ended
			return nil
		}
		i := rm.find(r.User)
		if i < 0 {
			return nil
		}
		rm.members = slices.Delete(rm.members, i, i+1)
		rm.meet.MemberCount = len(rm.members)
		return UserLeftMeeting{UserID: r.User}
	})
}

func (s *Session) onAudioStatus(_ *link, m protocol.Message) {
	var r protocol.AudioStatus
	if protocol.Decode(m.D, &r) != nil {
		return
	}
	s.inRoom(r.Meet, func(rm *room) Event {
		i := rm.find(r.User)
		if r.User == s.userID {
			rm.ownAudio = r.New
			if rm.pending > 0 {
				return nil // settleMic shows it once the change is answered
			}
		}
		if i < 0 || rm.members[i].AudioStatus == r.New {
			return nil
		}
		old := rm.members[i].AudioStatus
		rm.members[i].AudioStatus = r.New
		return AudioStatusChanged{UserID: r.User, OldStatus: old, NewStatus: r.New}
	})
}
