package session

import "huddle/protocol"

// pushHandlers turns each server push into events. Files that add a feature
// add their pushes here.
var pushHandlers map[string]func(s *Session, l *link, m protocol.Message)

func init() {
	pushHandlers = map[string]func(*Session, *link, protocol.Message){
		protocol.EvUserStatus: (*Session).onUserStatus,
		protocol.EvLineOff:    (*Session).onLineOff,
		protocol.EvError:      (*Session).onServerError,

		protocol.EvMeetingStopped: (*Session).onMeetingStopped,
		protocol.EvCallIn:         (*Session).onCallIn,
		protocol.EvCallAccepted:   (*Session).onCallAccepted,
		protocol.EvCallRejected:   (*Session).onCallRejected,
		protocol.EvCallHungup:     (*Session).onCallHungup,
		protocol.EvInviteStatus:   (*Session).onInviteStatus,
		protocol.EvCmdData:        (*Session).onCmdData,
		protocol.EvXferOffer:      (*Session).onXferOffer,
		protocol.EvXferAck:        (*Session).onXferAck,
		protocol.EvXferResult:     (*Session).onXferResult,
		protocol.EvXferCancel:     (*Session).onXferCancel,
		protocol.EvMeetingEntered: (*Session).onMeetingEntered,
		protocol.EvUserEnter:      (*Session).onUserEnter,
		protocol.EvUserLeft:       (*Session).onUserLeft,
		protocol.EvAudioStatus:    (*Session).onAudioStatus,
		protocol.EvMediaCandidate: (*Session).onMediaCandidate,
		protocol.EvMediaUpdate:    (*Session).onMediaUpdate,
		protocol.EvMediaMode:      (*Session).onMediaMode,
		protocol.EvDirectSignal:   (*Session).onDirectSignal,
	}
}

// UnknownPushes counts the pushes this session ignored because their type
// is newer than this SDK (docs/protocol.md, "Compatibility"): an app may log
// it as a hint that an update exists. It is never an error.
func (s *Session) UnknownPushes() int64 { return s.unknownPushes.Load() }

func (s *Session) onUserStatus(_ *link, m protocol.Message) {
	var u protocol.UserStatus
	if protocol.Decode(m.D, &u) != nil {
		return
	}
	s.mu.Lock()
	cookie := s.notifyCookie
	s.sawStatus(u)
	s.mu.Unlock()
	s.emit(NotifyUserStatus{Status: userStatusFrom(u), Cookie: cookie})
}

// onLineOff: the server says why it is about to close; report that reason
// rather than the bare close that follows.
func (s *Session) onLineOff(l *link, m protocol.Message) {
	var lo protocol.LineOff
	if protocol.Decode(m.D, &lo) != nil {
		lo.Code = protocol.ForcedCloseConnection
	}
	s.endLink(l, lo.Code)
}

// onServerError: the server could not tie a problem to one of our requests.
// It means this SDK sent something the server did not understand, which is a
// bug here, not something the application can act on.
func (s *Session) onServerError(*link, protocol.Message) {}
