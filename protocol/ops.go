package protocol

// Requests from client to server. Each is answered by a message with
// Re = the request's ID, unless the table in docs/protocol.md says otherwise.
const (
	OpHello             = "hello"
	OpLogin             = "login"
	OpLogout            = "logout"
	OpSetDND            = "set_dnd"
	OpGetUserStatus     = "get_user_status"
	OpStartStatusNotify = "start_status_notify"
	OpStopStatusNotify  = "stop_status_notify"
	OpAck               = "ack"
)

// Pushes from server to client.
const (
	EvUserStatus = "user_status"
	EvLineOff    = "line_off"
	EvError      = "error" // a problem with a message that had no request ID
)

// Hello opens every connection.
type Hello struct {
	Version int    `json:"v"`
	Client  string `json:"client,omitempty"`
}

// HelloReply tells the client the server's limits so it can size its sends,
// and the protocol versions it serves; a refused hello (code 4) carries the
// versions too.
type HelloReply struct {
	Version    int    `json:"v"`
	MinVersion int    `json:"min_v"`
	Server     string `json:"server,omitempty"`
	MaxFrame   int64  `json:"max_frame,omitempty"`
}

// Login carries the seed's CRVideo_Login arguments.
type Login struct {
	App      string `json:"app"`            // authAcnt
	Pswd     string `json:"pswd"`           // authPswd: lowercase MD5 hex of the app secret
	Nick     string `json:"nick,omitempty"` // nickName
	User     string `json:"user,omitempty"` // privAcnt; empty asks the server for an ID
	AuthCode string `json:"auth,omitempty"` // privAuthCode
	// Resume is the token of an earlier session of this user whose
	// connection dropped: its calls and meetings carry over to this one.
	Resume string `json:"resume,omitempty"`
	// Seq is the last push of that session the client processed; the
	// server replays the ones after it.
	Seq uint64 `json:"seq,omitempty"`
}

type LoginReply struct {
	User string `json:"user"`
	// Resume is this session's token, for signing in again after a drop.
	Resume string `json:"resume,omitempty"`
	// Resumed: the login carried over the session its resume token named,
	// and every push after its seq follows this answer. False after a login
	// with a token means the state is lost: this is a new session.
	Resumed bool `json:"resumed,omitempty"`
}

// Ack tells the server the client has processed every push up to Seq, so
// it need not keep them for a resume any longer. One-way (no id).
type Ack struct {
	Seq uint64 `json:"seq"`
}

type SetDND struct {
	DND int `json:"dnd"`
}

// User statuses (UserStatus.Status), as the SDK numbers them. The one set
// of them: the server, the SDK and the app all use these.
const (
	StatusOffline   = 0
	StatusIdle      = 1
	StatusBusy      = 2
	StatusInMeeting = 3
)

// UserStatus is one user's presence, in lists and in EvUserStatus pushes.
type UserStatus struct {
	User   string `json:"user"`
	Nick   string `json:"nick,omitempty"`
	Status int    `json:"status"` // 0 offline, 1 idle, 2 busy, 3 in a meeting
	DND    int    `json:"dnd"`
}

// PagesSince is the first protocol version that pages long lists and
// knows create_meeting's for_call. An older client cannot ask for the rest
// of a list, so it gets no next (code 4 instead, for a list longer than
// one page); an older server refuses for_call, so the SDK leaves it out.
const PagesSince = 3

// ReplaySince is the first protocol version whose clients number pushes
// (docs/protocol.md, "Resuming after a drop"): they get seq on pushes and
// resumed in the login reply, acknowledge with ack, and name the last push
// they processed when they resume. The SDK sends login's seq only to a
// server that said this version or later in its hello.
const ReplaySince = 3

// ListPage asks for one page of a long list (get_user_status,
// get_meetings): After is the Next of the page before, empty for the first.
type ListPage struct {
	After string `json:"after,omitempty"`
}

// UserStatusList is one page of users, sorted by ID. Next is set when more
// pages follow: ask again with After = Next.
type UserStatusList struct {
	Users []UserStatus `json:"users"`
	Next  string       `json:"next,omitempty"`
}

// LineOff is pushed right before the server closes a connection on purpose.
type LineOff struct {
	Code ErrCode `json:"code"`
}

// ErrorInfo is EvError's payload.
type ErrorInfo struct {
	Code ErrCode `json:"code"`
	Msg  string  `json:"msg"`
}
