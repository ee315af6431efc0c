package session

// Placeholders so the desktop app can build while meetings and calls are
// written; replaced by meetings.go and calls.go. DELETE THIS FILE.

func (s *Session) CreateMeeting(meetSubject string, createPswd int, cookie string) {
	s.emit(CreateMeetingFail{Err: INNER_ERR, Cookie: cookie})
}
func (s *Session) DestroyMeeting(meetID int, cookie string) {
	s.emit(DestroyMeetingRslt{Err: INNER_ERR, Cookie: cookie})
}
func (s *Session) GetMeetings(cookie string) { s.emit(GetMeetingsFail{Err: INNER_ERR, Cookie: cookie}) }
func (s *Session) Call(calledUserID string, meet MeetInfo, usrExtDat, cookie string) (callID string) {
	s.emit(CallFail{Err: INNER_ERR, Cookie: cookie})
	return ""
}
func (s *Session) AcceptCall(callID string, meet MeetInfo, usrExtDat, cookie string) {
	s.emit(AcceptCallFail{CallID: callID, Err: INNER_ERR, Cookie: cookie})
}
func (s *Session) RejectCall(callID, usrExtDat, cookie string) {
	s.emit(RejectCallFail{CallID: callID, Err: INNER_ERR, Cookie: cookie})
}
func (s *Session) HungupCall(callID, usrExtDat, cookie string) {
	s.emit(HangupCallFail{CallID: callID, Err: INNER_ERR, Cookie: cookie})
}
func (s *Session) ClientInvite(called string, meet MeetInfo, cookie string) (inviteID string) {
	s.emit(ClientInviteRslt{Err: INNER_ERR, Cookie: cookie})
	return ""
}
func (s *Session) ClientCancelInvite(inviteID, cookie string) {
	s.emit(ClientCancelInviteRslt{InviteID: inviteID, Err: INNER_ERR, Cookie: cookie})
}
