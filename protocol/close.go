package protocol

// WebSocket close codes the server uses (4000-4999 is the application
// range). Each maps to the LineOff code the SDK reports.
const (
	CloseKickedOut     = 4001 // the user signed in elsewhere → LineOff{10}
	CloseSlowConsumer  = 4002 // the send queue overflowed → LineOff{206}
	CloseProtocolError = 4003 // malformed or out-of-order frames → LineOff{206}
	CloseLoginTimeout  = 4004 // no hello/login in time → LineOff{205}
	CloseRateLimited   = 4005 // far above the message rate limit → LineOff{206}
	CloseLoggedOut     = 4006 // the client asked to log out
)

// LineOffCode maps a close code the client saw to the SDK error it reports.
func LineOffCode(closeCode int) ErrCode {
	switch closeCode {
	case CloseKickedOut:
		return UserBeenKickout
	case CloseLoginTimeout:
		return SocketTimeout
	case 1001: // going away: the server is shutting down or restarting
		return ForcedCloseConnection
	case CloseSlowConsumer, CloseProtocolError, CloseRateLimited, 1008, 1009:
		return ForcedCloseConnection
	default:
		return SocketException
	}
}
