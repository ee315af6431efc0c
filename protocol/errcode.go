package protocol

import "fmt"

// ErrCode is the SDK's CRVIDEOSDK_ERR_DEF; the numbers are part of the API.
type ErrCode int

const (
	NoErr                 ErrCode = 0
	UnknownErr            ErrCode = 1
	OutOfMem              ErrCode = 2
	InnerErr              ErrCode = 3
	MismatchClientVer     ErrCode = 4
	MeetParamErr          ErrCode = 5
	ErrData               ErrCode = 6
	AcntPswdErr           ErrCode = 7
	ServerException       ErrCode = 8
	LoginStateError       ErrCode = 9
	UserBeenKickout       ErrCode = 10
	NotLogin              ErrCode = 12
	CustomAuthNoInfo      ErrCode = 14
	CustomAuthNotSupport  ErrCode = 15
	CustomAuthException   ErrCode = 16
	CustomAuthFailed      ErrCode = 17
	TokenTimeout          ErrCode = 18
	NoServerRsp           ErrCode = 202
	CreateConnFailed      ErrCode = 203
	SocketException       ErrCode = 204
	SocketTimeout         ErrCode = 205
	ForcedCloseConnection ErrCode = 206
	ConnectionLost        ErrCode = 207
	SSLErr                ErrCode = 209
	InvalidCallID         ErrCode = 600
	ErrCallExist          ErrCode = 601
	ErrBusy               ErrCode = 602
	ErrOffline            ErrCode = 603
	ErrNoAnswer           ErrCode = 604
	ErrUserNotFound       ErrCode = 605
	ErrRefuse             ErrCode = 606
	MeetNotExist          ErrCode = 800
	AuthError             ErrCode = 801
	MemberOverflowError   ErrCode = 802
	SendFail              ErrCode = 1000
	SendCmdLarge          ErrCode = 1100
	SendBufferLarge       ErrCode = 1101
	SendDataTargetInvalid ErrCode = 1102
	SendFileFileInError   ErrCode = 1103
	TransIDInvalid        ErrCode = 1104
	RateLimited           ErrCode = 1200 // Huddle's own: too many requests, try later
)

var codeNames = map[ErrCode]string{
	NoErr: "NOERR", UnknownErr: "UNKNOWERR", OutOfMem: "OUTOF_MEM", InnerErr: "INNER_ERR",
	MismatchClientVer: "MISMATCHCLIENTVER", MeetParamErr: "MEETPARAM_ERR", ErrData: "ERR_DATA",
	AcntPswdErr: "ANCTPSWD_ERR", ServerException: "SERVER_EXCEPTION", LoginStateError: "LOGINSTATE_ERROR",
	UserBeenKickout: "USER_BEEN_KICKOUT", NotLogin: "NOT_LOGIN", CustomAuthNoInfo: "CUSTOMAUTH_NOINFO",
	CustomAuthNotSupport: "CUSTOMAUTH_NOTSUPPORT", CustomAuthException: "CUSTOMAUTH_EXCEPTION",
	CustomAuthFailed: "CUSTOMAUTH_FAILED", TokenTimeout: "TOKEN_TIMEOUT", NoServerRsp: "NOSERVER_RSP",
	CreateConnFailed: "CREATE_CONN_FAILED", SocketException: "SOCKETEXCEPTION", SocketTimeout: "SOCKETTIMEOUT",
	ForcedCloseConnection: "FORCEDCLOSECONNECTION", ConnectionLost: "CONNECTIONLOST", SSLErr: "SSL_ERR",
	InvalidCallID: "INVALID_CALLID", ErrCallExist: "ERR_CALL_EXIST", ErrBusy: "ERR_BUSY",
	ErrOffline: "ERR_OFFLINE", ErrNoAnswer: "ERR_NOANSWER", ErrUserNotFound: "ERR_USER_NOT_FOUND",
	ErrRefuse: "ERR_REFUSE", MeetNotExist: "MEETNOTEXIST", AuthError: "AUTHERROR",
	MemberOverflowError: "MEMBEROVERFLOWERROR", SendFail: "SENDFAIL", SendCmdLarge: "SENDCMD_LARGE",
	SendBufferLarge: "SENDBUFFER_LARGE", SendDataTargetInvalid: "SENDDATA_TARGETINVALID",
	SendFileFileInError: "SENDFILE_FILEINERROR", TransIDInvalid: "TRANSID_INVALID", RateLimited: "RATE_LIMITED",
	NotInMeeting: "NOT_IN_MEETING", MediaModeChanged: "MEDIA_MODE_CHANGED",
	MediaConnectionGone: "MEDIA_CONNECTION_GONE",
}

// String gives the SDK's constant name, e.g. "ERR_BUSY".
func (c ErrCode) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	return fmt.Sprintf("ERR_%d", int(c))
}

// ErrCodes lists every known code, in no particular order (metrics label
// them by name ahead of time).
func ErrCodes() []ErrCode {
	codes := make([]ErrCode, 0, len(codeNames))
	for c := range codeNames {
		codes = append(codes, c)
	}
	return codes
}
