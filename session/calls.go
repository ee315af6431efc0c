package session

import (
	"crypto/rand"
	"encoding/hex"
	"unicode/utf8"

	"huddle/protocol"
)

// usrExtDat and subjects travel as JSON strings, which must be UTF-8; any
// other bytes would arrive altered, so they are refused with 5 up front.

// newCallID makes a 128-bit random call or invite ID, so Call and
// ClientInvite can return it before the server has answered.
func newCallID() string {
	b := make([]byte, protocol.CallIDLen/2)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Call rings calledUserID into meet (the caller's meeting; its Pswd must
// match if it has one) and returns the call's ID at once. Outcome:
// CallSuccess once the callee is ringing, or CallFail (605 unknown user,
// 603 offline, 602 busy or do-not-disturb, 601 already in a call, 800/801
// bad meeting). The call then goes on with NotifyCallAccepted,
// NotifyCallRejected (606 refused, 604 no answer) or NotifyCallHungup.
func (s *Session) Call(calledUserID string, meet MeetInfo, usrExtDat, cookie string) (callID string) {
	id := newCallID()
	if !utf8.ValidString(usrExtDat) {
		s.emit(CallFail{CallID: id, Err: protocol.MeetParamErr, Cookie: cookie})
		return id
	}
	s.call(protocol.OpCall, protocol.Call{Call: id, To: calledUserID, Meet: meetRef(meet), Ext: usrExtDat},
		func(protocol.Message) { s.emit(CallSuccess{CallID: id, Cookie: cookie}) },
		func(code ErrCode) { s.emit(CallFail{CallID: id, Err: code, Cookie: cookie}) })
	return id
}

// AcceptCall answers a NotifyCallIn (a call or an invite): both sides enter
// its meeting, and the caller gets NotifyCallAccepted with usrExtDat.
// meet may be the zero MeetInfo or the meeting of the NotifyCallIn.
// Outcome: AcceptCallSuccess or AcceptCallFail.
func (s *Session) AcceptCall(callID string, meet MeetInfo, usrExtDat, cookie string) {
	if !utf8.ValidString(usrExtDat) {
		s.emit(AcceptCallFail{CallID: callID, Err: protocol.MeetParamErr, Cookie: cookie})
		return
	}
	var ref *protocol.Meeting
	if meet.ID != 0 {
		r := meetRef(meet)
		ref = &r
	}
	s.call(protocol.OpAcceptCall, protocol.CallAnswer{Call: callID, Meet: ref, Ext: usrExtDat},
		func(protocol.Message) { s.emit(AcceptCallSuccess{CallID: callID, Cookie: cookie}) },
		func(code ErrCode) { s.emit(AcceptCallFail{CallID: callID, Err: code, Cookie: cookie}) })
}

// RejectCall refuses a ringing call; the caller gets NotifyCallRejected{606}.
// Outcome: RejectCallSuccess or RejectCallFail.
func (s *Session) RejectCall(callID, usrExtDat, cookie string) {
	if !utf8.ValidString(usrExtDat) {
		s.emit(RejectCallFail{CallID: callID, Err: protocol.MeetParamErr, Cookie: cookie})
		return
	}
	s.call(protocol.OpRejectCall, protocol.CallAnswer{Call: callID, Ext: usrExtDat},
		func(protocol.Message) { s.emit(RejectCallSuccess{CallID: callID, Cookie: cookie}) },
		func(code ErrCode) { s.emit(RejectCallFail{CallID: callID, Err: code, Cookie: cookie}) })
}

// HungupCall ends a call (ringing or accepted) from either side; the other
// gets NotifyCallHungup. Outcome: HangupCallSuccess or HangupCallFail.
func (s *Session) HungupCall(callID, usrExtDat, cookie string) {
	if !utf8.ValidString(usrExtDat) {
		s.emit(HangupCallFail{CallID: callID, Err: protocol.MeetParamErr, Cookie: cookie})
		return
	}
	s.call(protocol.OpHangupCall, protocol.CallAnswer{Call: callID, Ext: usrExtDat},
		func(protocol.Message) { s.emit(HangupCallSuccess{CallID: callID, Cookie: cookie}) },
		func(code ErrCode) { s.emit(HangupCallFail{CallID: callID, Err: code, Cookie: cookie}) })
}

// ClientInvite rings a third user into the meeting of this user's accepted
// call and returns the invite's ID at once. Outcome: ClientInviteRslt (error
// codes as for Call), then NotifyInviteStatus as the invite goes on.
func (s *Session) ClientInvite(called string, meet MeetInfo, cookie string) (inviteID string) {
	id := newCallID()
	s.call(protocol.OpInvite, protocol.Invite{Invite: id, To: called, Meet: meetRef(meet)},
		func(protocol.Message) { s.emit(ClientInviteRslt{InviteID: id, Err: protocol.NoErr, Cookie: cookie}) },
		func(code ErrCode) { s.emit(ClientInviteRslt{InviteID: id, Err: code, Cookie: cookie}) })
	return id
}

// ClientCancelInvite stops a ringing invite; the invitee gets
// NotifyCallHungup. Outcome: ClientCancelInviteRslt.
func (s *Session) ClientCancelInvite(inviteID, cookie string) {
	s.call(protocol.OpCancelInvite, protocol.InviteRef{Invite: inviteID},
		func(protocol.Message) {
			s.emit(ClientCancelInviteRslt{InviteID: inviteID, Err: protocol.NoErr, Cookie: cookie})
		},
		func(code ErrCode) { s.emit(ClientCancelInviteRslt{InviteID: inviteID, Err: code, Cookie: cookie}) })
}

func (s *Session) onCallIn(_ *link, m protocol.Message) {
	var r protocol.CallIn
	if protocol.Decode(m.D, &r) == nil {
		s.emit(NotifyCallIn{CallID: r.Call, Meet: meetInfoFrom(r.Meet), CallerID: r.Caller, UsrExtDat: r.Ext})
	}
}

func (s *Session) onCallAccepted(_ *link, m protocol.Message) {
	var r protocol.CallAccepted
	if protocol.Decode(m.D, &r) == nil {
		s.emit(NotifyCallAccepted{CallID: r.Call, Meet: meetInfoFrom(r.Meet), UsrExtDat: r.Ext})
	}
}

func (s *Session) onCallRejected(_ *link, m protocol.Message) {
	var r protocol.CallRejected
	if protocol.Decode(m.D, &r) == nil {
		s.emit(NotifyCallRejected{CallID: r.Call, Err: r.Code, UsrExtDat: r.Ext})
	}
}

func (s *Session) onCallHungup(_ *link, m protocol.Message) {
	var r protocol.CallHungup
	if protocol.Decode(m.D, &r) == nil {
		s.emit(NotifyCallHungup{CallID: r.Call, UsrExtDat: r.Ext})
	}
}

func (s *Session) onInviteStatus(_ *link, m protocol.Message) {
	var r protocol.InviteStatus
	if protocol.Decode(m.D, &r) == nil {
		s.emit(NotifyInviteStatus{InviteID: r.Invite, Status: r.Status})
	}
}
