package session

import "huddle/protocol"

// ErrCode is CRVIDEOSDK_ERR_DEF. It is the protocol's type, so codes travel
// unchanged from server to event; String gives the SDK's constant name.
type ErrCode = protocol.ErrCode

// The SDK's error codes, under the SDK's names.
const (
	NOERR                  = protocol.NoErr
	UNKNOWERR              = protocol.UnknownErr
	OUTOF_MEM              = protocol.OutOfMem
	INNER_ERR              = protocol.InnerErr
	MISMATCHCLIENTVER      = protocol.MismatchClientVer
	MEETPARAM_ERR          = protocol.MeetParamErr
	ERR_DATA               = protocol.ErrData
	ANCTPSWD_ERR           = protocol.AcntPswdErr
	SERVER_EXCEPTION       = protocol.ServerException
	LOGINSTATE_ERROR       = protocol.LoginStateError
	USER_BEEN_KICKOUT      = protocol.UserBeenKickout
	NOT_LOGIN              = protocol.NotLogin
	CUSTOMAUTH_NOINFO      = protocol.CustomAuthNoInfo
	CUSTOMAUTH_NOTSUPPORT  = protocol.CustomAuthNotSupport
	CUSTOMAUTH_EXCEPTION   = protocol.CustomAuthException
	CUSTOMAUTH_FAILED      = protocol.CustomAuthFailed
	TOKEN_TIMEOUT          = protocol.TokenTimeout
	NOSERVER_RSP           = protocol.NoServerRsp
	CREATE_CONN_FAILED     = protocol.CreateConnFailed
	SOCKETEXCEPTION        = protocol.SocketException
	SOCKETTIMEOUT          = protocol.SocketTimeout
	FORCEDCLOSECONNECTION  = protocol.ForcedCloseConnection
	CONNECTIONLOST         = protocol.ConnectionLost
	SSL_ERR                = protocol.SSLErr
	INVALID_CALLID         = protocol.InvalidCallID
	ERR_CALL_EXIST         = protocol.ErrCallExist
	ERR_BUSY               = protocol.ErrBusy
	ERR_OFFLINE            = protocol.ErrOffline
	ERR_NOANSWER           = protocol.ErrNoAnswer
	ERR_USER_NOT_FOUND     = protocol.ErrUserNotFound
	ERR_REFUSE             = protocol.ErrRefuse
	MEETNOTEXIST           = protocol.MeetNotExist
	AUTHERROR              = protocol.AuthError
	MEMBEROVERFLOWERROR    = protocol.MemberOverflowError
	SENDFAIL               = protocol.SendFail
	SENDCMD_LARGE          = protocol.SendCmdLarge
	SENDBUFFER_LARGE       = protocol.SendBufferLarge
	SENDDATA_TARGETINVALID = protocol.SendDataTargetInvalid
	SENDFILE_FILEINERROR   = protocol.SendFileFileInError
	TRANSID_INVALID        = protocol.TransIDInvalid
	RATE_LIMITED           = protocol.RateLimited
)
