package protocol

// Meetings, calls and third-party invites. docs/protocol.md, "Meetings and
// calls", describes each operation and push.
const (
	OpCreateMeeting  = "create_meeting"
	OpDestroyMeeting = "destroy_meeting"
	OpGetMeetings    = "get_meetings"
	OpCall           = "call"
	OpAcceptCall     = "accept_call"
	OpRejectCall     = "reject_call"
	OpHangupCall     = "hangup_call"
	OpInvite         = "invite"
	OpCancelInvite   = "cancel_invite"
)

const (
	EvMeetingStopped = "meeting_stopped"
	EvCallIn         = "call_in"
	EvCallAccepted   = "call_accepted"
	EvCallRejected   = "call_rejected"
	EvCallHungup     = "call_hungup"
	EvInviteStatus   = "invite_status"
)

// Invite statuses pushed to the inviter in EvInviteStatus.
const (
	InviteRinging   = 0
	InviteConnected = 1
	InviteRejected  = 2
	InviteNoAnswer  = 3
	InviteHungUp    = 4
)

// CallIDLen is the length of a call or invite ID: 128 random bits as
// lowercase hex, chosen by the client so Call can return it at once.
const CallIDLen = 32

// ValidCallID reports whether id is 32 lowercase hex digits.
func ValidCallID(id string) bool {
	if len(id) != CallIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Meeting is CRVideo_MeetInfoObj on the wire. In requests only ID and Pswd
// are read; the server fills in the rest.
type Meeting struct {
	ID        int    `json:"id"`
	Pswd      string `json:"pswd,omitempty"`
	Subject   string `json:"subject,omitempty"`
	URL       string `json:"url,omitempty"`
	Creator   string `json:"creator,omitempty"`
	Members   int    `json:"members"`
	StartTime int64  `json:"start,omitempty"`
}

type CreateMeeting struct {
	Subject string `json:"subject"`
	Pswd    int    `json:"pswd"` // > 0: the server generates a password
	// ForCall makes a meeting for one call: not stored, and ended by the
	// server once no call rings or runs in it, however the calls ended.
	ForCall bool `json:"for_call,omitempty"`
}

type MeetingRef struct {
	Meet int `json:"meet"`
}

// MeetingList is one page of meetings, oldest first; Next as in
// UserStatusList.
type MeetingList struct {
	Meetings []Meeting `json:"meetings"`
	Next     string    `json:"next,omitempty"`
}

// Call asks the server to ring To; Call is the client-chosen call ID.
type Call struct {
	Call string  `json:"call"`
	To   string  `json:"to"`
	Meet Meeting `json:"meet"`
	Ext  string  `json:"ext,omitempty"`
}

// CallAnswer is accept_call (with Meet), reject_call and hangup_call.
type CallAnswer struct {
	Call string   `json:"call"`
	Meet *Meeting `json:"meet,omitempty"`
	Ext  string   `json:"ext,omitempty"`
}

type Invite struct {
	Invite string  `json:"invite"`
	To     string  `json:"to"`
	Meet   Meeting `json:"meet"`
}

type InviteRef struct {
	Invite string `json:"invite"`
}

// CallIn is EvCallIn: someone rings this user (for an invite, Call is the
// invite ID and Caller the inviter).
type CallIn struct {
	Call   string  `json:"call"`
	Meet   Meeting `json:"meet"`
	Caller string  `json:"caller"`
	Ext    string  `json:"ext,omitempty"`
}

// CallAccepted is EvCallAccepted, to the caller.
type CallAccepted struct {
	Call string  `json:"call"`
	Meet Meeting `json:"meet"`
	Ext  string  `json:"ext,omitempty"`
}

// CallRejected is EvCallRejected, to the caller: Code 606 refused, 604 no answer.
type CallRejected struct {
	Call string  `json:"call"`
	Code ErrCode `json:"code"`
	Ext  string  `json:"ext,omitempty"`
}

// CallHungup is EvCallHungup: the other side (or the server) ended the call.
type CallHungup struct {
	Call string `json:"call"`
	Ext  string `json:"ext,omitempty"`
}

type InviteStatus struct {
	Invite string `json:"invite"`
	Status int    `json:"status"`
}
