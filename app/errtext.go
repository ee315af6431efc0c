package app

import (
	"fmt"

	"huddle/session"
)

// errText says what each SDK error means to the person in front of the
// screen; codes are never shown bare.
var errText = map[session.ErrCode]string{
	session.UNKNOWERR:              "Something went wrong on the server.",
	session.OUTOF_MEM:              "The server ran out of memory.",
	session.INNER_ERR:              "The server hit an internal error.",
	session.MISMATCHCLIENTVER:      "This version of Huddle and the server cannot talk to each other; update whichever is older.",
	session.MEETPARAM_ERR:          "Some of the details given are not valid.",
	session.ERR_DATA:               "The server sent something Huddle could not understand.",
	session.ANCTPSWD_ERR:           "The application ID or secret is wrong.",
	session.SERVER_EXCEPTION:       "The server had a problem; try again in a moment.",
	session.LOGINSTATE_ERROR:       "You are already signed in, or still signing in.",
	session.USER_BEEN_KICKOUT:      "You signed in somewhere else, so you were signed out here.",
	session.NOT_LOGIN:              "You are not signed in.",
	session.CUSTOMAUTH_NOINFO:      "This organisation requires an auth code to sign in.",
	session.CUSTOMAUTH_NOTSUPPORT:  "This organisation does not use auth codes; leave the auth code empty.",
	session.CUSTOMAUTH_EXCEPTION:   "The auth code could not be checked right now.",
	session.CUSTOMAUTH_FAILED:      "The auth code was not accepted.",
	session.TOKEN_TIMEOUT:          "The auth code has expired; get a new one.",
	session.NOSERVER_RSP:           "The server did not answer in time.",
	session.CREATE_CONN_FAILED:     "Could not reach the server; check the address and your network.",
	session.SOCKETEXCEPTION:        "The network connection dropped.",
	session.SOCKETTIMEOUT:          "The network connection timed out.",
	session.FORCEDCLOSECONNECTION:  "The server closed the connection.",
	session.CONNECTIONLOST:         "The connection to the server was lost.",
	session.SSL_ERR:                "The server's security certificate could not be verified.",
	session.INVALID_CALLID:         "That call no longer exists.",
	session.ERR_CALL_EXIST:         "You are already in a call.",
	session.ERR_BUSY:               "They are busy or do not want to be disturbed.",
	session.ERR_OFFLINE:            "They are offline.",
	session.ERR_NOANSWER:           "Nobody answered.",
	session.ERR_USER_NOT_FOUND:     "There is no such user.",
	session.ERR_REFUSE:             "They declined the call.",
	session.MEETNOTEXIST:           "That meeting does not exist or has ended.",
	session.AUTHERROR:              "You are not allowed to do that in this meeting (wrong password or not its creator).",
	session.MEMBEROVERFLOWERROR:    "The meeting is full.",
	session.SENDFAIL:               "Not delivered: the receiver cancelled it, went offline or could not store it.",
	session.SENDCMD_LARGE:          "The message is too long (64 KiB at most).",
	session.SENDBUFFER_LARGE:       "The data is too large to send.",
	session.SENDDATA_TARGETINVALID: "They are offline or do not exist, so nothing was sent.",
	session.SENDFILE_FILEINERROR:   "The file cannot be read or is too large to send.",
	session.TRANSID_INVALID:        "That transfer has already finished or cannot be cancelled.",
	session.RATE_LIMITED:           "Too many requests; wait a moment and try again.",
}

// Describe turns an SDK error code into a sentence a person understands.
func Describe(code session.ErrCode) string {
	if code == session.NOERR {
		return "Done."
	}
	if s, ok := errText[code]; ok {
		return s
	}
	return fmt.Sprintf("Unexpected error (%s).", code)
}
