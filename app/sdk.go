package app

import "huddle/session"

// SDK is the part of *session.Session the app drives. Tests of call and
// transfer flows put a recording fake in its place to feed events by hand.
type SDK interface {
	Login(authAcnt, authPswd, nickName, privAcnt, privAuthCode, cookie string)
	Close()
	SetDNDStatus(dndStatus int, cookie string)
	GetUserStatus(cookie string)
	StartUserStatusNotify(cookie string)
	CreateMeeting(meetSubject string, createPswd int, cookie string)
	CreateCallMeeting(meetSubject string, createPswd int, cookie string)
	DestroyMeeting(meetID int, cookie string)
	GetMeetings(cookie string)
	Call(calledUserID string, meet session.MeetInfo, usrExtDat, cookie string) string
	AcceptCall(callID string, meet session.MeetInfo, usrExtDat, cookie string)
	RejectCall(callID, usrExtDat, cookie string)
	HungupCall(callID, usrExtDat, cookie string)
	ClientInvite(called string, meet session.MeetInfo, cookie string) string
	ClientCancelInvite(inviteID, cookie string)
	EnterMeeting(meetID int, pswd, cookie string)
	ExitMeeting()
	GetAllMembers() []session.MemberInfo
	CurrentMeeting() (session.MeetInfo, bool)
	OpenMic(userID string)
	CloseMic(userID string)
	SendCmd(targetUserID string, data []byte, cookie string) string
	SendFile(targetUserID, fileName string, cookie string) string
	CancelSend(taskID string)
	AcceptFile(taskID string)
	RejectFile(taskID string)
	MediaOffer(meetID int, sdp, cookie string)
	MediaOfferFor(meetID, gen int, sdp, cookie string)
	MediaReady(meetID, gen, answer int)
	MediaOfferOn(meetID, gen int, conn, sdp, cookie string)
	MediaCandidate(meetID int, c session.ICECandidate)
	MediaCandidateFor(meetID, gen int, c session.ICECandidate)
	GetICEServers(cookie string)
	MediaJoin(meetID int, codecs []string, cookie string)
	DirectSignal(meetID, gen int, sdp *session.SessionDescription, cand *session.ICECandidate)
	DirectFailed(meetID, gen int)
}

var _ SDK = (*session.Session)(nil)
