package session

import "huddle/protocol"

// SetDNDStatus turns do-not-disturb off (0) or on (any other value, meaning
// up to the app). Outcome: SetDNDStatusSuccess or SetDNDStatusFail.
func (s *Session) SetDNDStatus(dndStatus int, cookie string) {
	s.call(protocol.OpSetDND, protocol.SetDND{DND: dndStatus},
		func(protocol.Message) { s.emit(SetDNDStatusSuccess{Cookie: cookie}) },
		func(code ErrCode) { s.emit(SetDNDStatusFail{Err: code, Cookie: cookie}) })
}

// GetUserStatus lists every user of the application, offline ones too,
// sorted by ID, however many pages the server sends it in (lists.go).
// Outcome: GetUserStatusSuccess or GetUserStatusFail.
func (s *Session) GetUserStatus(cookie string) {
	w := s.watchStatus()
	var pages []protocol.UserStatus
	s.fetchPages(protocol.OpGetUserStatus,
		func(m protocol.Message) (string, error) {
			var r protocol.UserStatusList
			err := protocol.Decode(m.D, &r)
			pages = append(pages, r.Users...)
			return r.Next, err
		},
		func(code ErrCode) {
			users := s.unwatchStatus(w, pages)
			if code != protocol.NoErr {
				s.emit(GetUserStatusFail{Err: code, Cookie: cookie})
				return
			}
			s.emit(GetUserStatusSuccess{Users: users, Cookie: cookie})
		})
}

// StartUserStatusNotify subscribes to every status change in the
// application; each arrives as NotifyUserStatus carrying this cookie.
// Outcome: StartUserStatusNotifyRslt.
func (s *Session) StartUserStatusNotify(cookie string) {
	s.call(protocol.OpStartStatusNotify, nil,
		func(protocol.Message) {
			s.mu.Lock()
			s.notifyCookie, s.notifying = cookie, true
			s.mu.Unlock()
			s.emit(StartUserStatusNotifyRslt{Err: protocol.NoErr, Cookie: cookie})
		},
		func(code ErrCode) { s.emit(StartUserStatusNotifyRslt{Err: code, Cookie: cookie}) })
}

// StopUserStatusNotify ends the subscription. Outcome: StopUserStatusNotifyRslt.
func (s *Session) StopUserStatusNotify(cookie string) {
	s.call(protocol.OpStopStatusNotify, nil,
		func(protocol.Message) {
			s.mu.Lock()
			s.notifying = false
			s.mu.Unlock()
			s.emit(StopUserStatusNotifyRslt{Err: protocol.NoErr, Cookie: cookie})
		},
		func(code ErrCode) { s.emit(StopUserStatusNotifyRslt{Err: code, Cookie: cookie}) })
}
