package session

// Event is one callback of the seed, as a plain value: nothing in it points
// into the session, so it can be handed to any goroutine.
type Event interface{ isEvent() }

// Login and presence.
type (
	LoginSuccess struct{ UsrID, Cookie string }
	LoginFail    struct {
		Err    ErrCode
		Cookie string
	}
	SetDNDStatusSuccess struct{ Cookie string }
	SetDNDStatusFail    struct {
		Err    ErrCode
		Cookie string
	}
	GetUserStatusSuccess struct {
		Users  []UserStatus
		Cookie string
	}
	GetUserStatusFail struct {
		Err    ErrCode
		Cookie string
	}
	StartUserStatusNotifyRslt struct {
		Err    ErrCode
		Cookie string
	}
	StopUserStatusNotifyRslt struct {
		Err    ErrCode
		Cookie string
	}
	// NotifyUserStatus carries the cookie given to StartUserStatusNotify.
	NotifyUserStatus struct {
		Status UserStatus
		Cookie string
	}
	LineOff struct{ Err ErrCode }
)

// Meetings.
type (
	CreateMeetingSuccess struct {
		Meet   MeetInfo
		Cookie string
	}
	CreateMeetingFail struct {
		Err    ErrCode
		Cookie string
	}
	DestroyMeetingRslt struct {
		Err    ErrCode
		Cookie string
	}
	// MeetingStopped goes to every member of a meeting someone else destroyed.
	MeetingStopped     struct{ MeetID int }
	GetMeetingsSuccess struct {
		Meetings []MeetInfo
		Cookie   string
	}
	GetMeetingsFail struct {
		Err    ErrCode
		Cookie string
	}
)

// Calls and invites.
type (
	CallSuccess struct{ CallID, Cookie string }
	CallFail    struct {
		CallID string
		Err    ErrCode
		Cookie string
	}
	AcceptCallSuccess struct{ CallID, Cookie string }
	AcceptCallFail    struct {
		CallID string
		Err    ErrCode
		Cookie string
	}
	RejectCallSuccess struct{ CallID, Cookie string }
	RejectCallFail    struct {
		CallID string
		Err    ErrCode
		Cookie string
	}
	HangupCallSuccess struct{ CallID, Cookie string }
	HangupCallFail    struct {
		CallID string
		Err    ErrCode
		Cookie string
	}
	NotifyCallIn struct {
		CallID              string
		Meet                MeetInfo
		CallerID, UsrExtDat string
	}
	NotifyCallAccepted struct {
		CallID    string
		Meet      MeetInfo
		UsrExtDat string
	}
	NotifyCallRejected struct {
		CallID    string
		Err       ErrCode
		UsrExtDat string
	}
	NotifyCallHungup struct{ CallID, UsrExtDat string }
	ClientInviteRslt struct {
		InviteID string
		Err      ErrCode
		Cookie   string
	}
	ClientCancelInviteRslt struct {
		InviteID string
		Err      ErrCode
		Cookie   string
	}
	// NotifyInviteStatus: 0 ringing, 1 connected, 2 rejected, 3 no answer, 4
	// hung up (protocol.InviteRinging … protocol.InviteHungUp).
	NotifyInviteStatus struct {
		InviteID string
		Status   int
	}
)

// Transparent channel.
type (
	SendCmdRlst struct {
		TaskID string
		Err    ErrCode
		Cookie string
	}
	SendBufferRlst struct {
		TaskID string
		Err    ErrCode
		Cookie string
	}
	SendFileRlst struct {
		TaskID, FileName string
		Err              ErrCode
		Cookie           string
	}
	SendProgress struct {
		TaskID              string
		SendedLen, TotalLen int64
		Cookie              string
	}
	CancelSendRlst struct {
		TaskID string
		Err    ErrCode
		Cookie string
	}
	NotifyCmdData struct {
		SourceUserID string
		Data         []byte
	}
	NotifyBufferData struct {
		SourceUserID string
		Data         []byte
	}
	NotifyFileData struct{ SourceUserID, TmpFile, OrgFileName string }
	// ReceiveProgress is Huddle's own addition (the seed reports progress
	// to the sender only): an incoming file at its start, every 1% and when
	// all bytes are in, so a receiver can show it arriving. TaskID is the
	// one a later NotifyCancelSend names; FileName is the cleaned name
	// NotifyFileData will carry as OrgFileName.
	ReceiveProgress struct {
		TaskID, SourceUserID, FileName string
		RecvLen, TotalLen              int64
	}
	NotifyCancelSend struct{ TaskID string }
	// NotifyFileOffer is Huddle's own addition, with
	// Config.AskBeforeReceiving: someone offers this user a file; answer
	// with AcceptFile or RejectFile (by TaskID) within the OfferTimeout.
	// FileName is the cleaned name NotifyFileData will carry. A
	// NotifyCancelSend with this TaskID withdraws the offer (the sender
	// cancelled or left, or the time to answer ran out).
	NotifyFileOffer struct {
		TaskID, SourceUserID, FileName string
		FileSize                       int64
	}
)

func (LoginSuccess) isEvent()              {}
func (LoginFail) isEvent()                 {}
func (SetDNDStatusSuccess) isEvent()       {}
func (SetDNDStatusFail) isEvent()          {}
func (GetUserStatusSuccess) isEvent()      {}
func (GetUserStatusFail) isEvent()         {}
func (StartUserStatusNotifyRslt) isEvent() {}
func (StopUserStatusNotifyRslt) isEvent()  {}
func (NotifyUserStatus) isEvent()          {}
func (LineOff) isEvent()                   {}
func (CreateMeetingSuccess) isEvent()      {}
func (CreateMeetingFail) isEvent()         {}
func (DestroyMeetingRslt) isEvent()        {}
func (MeetingStopped) isEvent()            {}
func (GetMeetingsSuccess) isEvent()        {}
func (GetMeetingsFail) isEvent()           {}
func (CallSuccess) isEvent()               {}
func (CallFail) isEvent()                  {}
func (AcceptCallSuccess) isEvent()         {}
func (AcceptCallFail) isEvent()            {}
func (RejectCallSuccess) isEvent()         {}
func (RejectCallFail) isEvent()            {}
func (HangupCallSuccess) isEvent()         {}
func (HangupCallFail) isEvent()            {}
func (NotifyCallIn) isEvent()              {}
func (NotifyCallAccepted) isEvent()        {}
func (NotifyCallRejected) isEvent()        {}
func (NotifyCallHungup) isEvent()          {}
func (ClientInviteRslt) isEvent()          {}
func (ClientCancelInviteRslt) isEvent()    {}
func (NotifyInviteStatus) isEvent()        {}
func (SendCmdRlst) isEvent()               {}
func (SendBufferRlst) isEvent()            {}
func (SendFileRlst) isEvent()              {}
func (SendProgress) isEvent()              {}
func (CancelSendRlst) isEvent()            {}
func (NotifyCmdData) isEvent()             {}
func (NotifyBufferData) isEvent()          {}
func (NotifyFileData) isEvent()            {}
func (NotifyCancelSend) isEvent()          {}
func (ReceiveProgress) isEvent()           {}
func (NotifyFileOffer) isEvent()           {}
