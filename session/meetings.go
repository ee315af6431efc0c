package session

import (
	"unicode/utf8"

	"huddle/protocol"
)

func meetInfoFrom(m protocol.Meeting) MeetInfo {
	return MeetInfo{ID: m.ID, Pswd: m.Pswd, Subject: m.Subject, PubMeetUrl: m.URL,
		Creator: m.Creator, MemberCount: m.Members, StartTime: m.StartTime}
}

// meetRef is what the server needs of a MeetInfo the app passes in.
func meetRef(m MeetInfo) protocol.Meeting { return protocol.Meeting{ID: m.ID, Pswd: m.Pswd} }

// CreateMeeting creates a meeting with a subject of 1 to 50 characters;
// createPswd > 0 has the server generate a password. Outcome:
// CreateMeetingSuccess (with the new meeting) or CreateMeetingFail.
func (s *Session) CreateMeeting(meetSubject string, createPswd int, cookie string) {
	s.createMeeting(protocol.CreateMeeting{Subject: meetSubject, Pswd: createPswd}, cookie)
}

// CreateCallMeeting is CreateMeeting for one call (Huddle's own): the
// server ends the meeting once no call rings or runs in it, however its
// calls ended — hung up, dropped, signed out, or the app quit or crashed —
// and keeps it only in memory. Same outcome events as CreateMeeting. A
// server older than protocol.PagesSince makes a plain meeting instead.
func (s *Session) CreateCallMeeting(meetSubject string, createPswd int, cookie string) {
	s.mu.Lock()
	forCall := s.serverVersion >= protocol.PagesSince
	s.mu.Unlock()
	s.createMeeting(protocol.CreateMeeting{Subject: meetSubject, Pswd: createPswd, ForCall: forCall}, cookie)
}

func (s *Session) createMeeting(r protocol.CreateMeeting, cookie string) {
	if !utf8.ValidString(r.Subject) {
		s.emit(CreateMeetingFail{Err: protocol.MeetParamErr, Cookie: cookie})
		return
	}
	s.call(protocol.OpCreateMeeting, r,
		func(m protocol.Message) {
			var mt protocol.Meeting
			if protocol.Decode(m.D, &mt) != nil {
				s.emit(CreateMeetingFail{Err: protocol.ErrData, Cookie: cookie})
				return
			}
			s.emit(CreateMeetingSuccess{Meet: meetInfoFrom(mt), Cookie: cookie})
		},
		func(code ErrCode) { s.emit(CreateMeetingFail{Err: code, Cookie: cookie}) })
}

// DestroyMeeting ends a meeting this user created; its other members get
// MeetingStopped and calls in it end. Outcome: DestroyMeetingRslt.
func (s *Session) DestroyMeeting(meetID int, cookie string) {
	s.call(protocol.OpDestroyMeeting, protocol.MeetingRef{Meet: meetID},
		func(protocol.Message) {
			s.leftMeeting(meetID)
			s.emit(DestroyMeetingRslt{Err: protocol.NoErr, Cookie: cookie})
		},
		func(code ErrCode) { s.emit(DestroyMeetingRslt{Err: code, Cookie: cookie}) })
}

// GetMeetings lists the application's meetings, oldest first; passwords
// only of those this user created or is in. Long lists come in pages
// (lists.go); a meeting created or destroyed while they do may or may not
// be in the result. Outcome: GetMeetingsSuccess or GetMeetingsFail.
func (s *Session) GetMeetings(cookie string) {
	var list []MeetInfo
	s.fetchPages(protocol.OpGetMeetings,
		func(m protocol.Message) (string, error) {
			var r protocol.MeetingList
			err := protocol.Decode(m.D, &r)
			for _, mt := range r.Meetings {
				list = append(list, meetInfoFrom(mt))
			}
			return r.Next, err
		},
		func(code ErrCode) {
			if code != protocol.NoErr {
				s.emit(GetMeetingsFail{Err: code, Cookie: cookie})
				return
			}
			if list == nil {
				list = []MeetInfo{}
			}
			s.emit(GetMeetingsSuccess{Meetings: list, Cookie: cookie})
		})
}

func (s *Session) onMeetingStopped(_ *link, m protocol.Message) {
	var r protocol.MeetingRef
	if protocol.Decode(m.D, &r) == nil {
		s.leftMeeting(r.Meet)
		s.emit(MeetingStopped{MeetID: r.Meet})
	}
}

// leftMeeting forgets meeting meetID if this user is in it: it has ended.
func (s *Session) leftMeeting(meetID int) {
	s.mu.Lock()
	if s.room != nil && s.room.meet.ID == meetID {
		s.room = nil
	}
	s.mu.Unlock()
}
