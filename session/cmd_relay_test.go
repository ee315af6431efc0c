package session_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

// A receiver that reads SendCmds and never acknowledges them holds at most
// MaxUnackedCmds of them: the next is refused with SENDFAIL at once, and
// SendCmds between other users go on as before.
func TestUnackedCmdsAreCappedPerReceiver(t *testing.T) {
	const unacked = 4
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.MaxUnackedCmds = unacked }))
	alice := testkit.Login(t, srv.URL, "alice")
	carol := testkit.Login(t, srv.URL, "carol")
	dave := testkit.Login(t, srv.URL, "dave")
	mute := rawLogin(t, srv.URL, "mute") // reads cmd_data, never sends cmd_ack

	for i := range unacked {
		alice.SendCmd("mute", []byte(fmt.Sprint(i)), "held")
		var data protocol.CmdData
		mute.push(protocol.EvCmdData, &data)
	}
	over := alice.SendCmd("mute", []byte("one too many"), "over")
	assert.Equal(t, session.SendCmdRlst{TaskID: over, Err: session.SENDFAIL, Cookie: "over"},
		testkit.Await[session.SendCmdRlst](t, alice, nil))
	assert.Equal(t, int64(unacked), srv.RelayUnackedCmds(), "the refused one is not held")

	// The cap is the receiver's: the same sender, and others, reach
	// receivers that acknowledge.
	ok := alice.SendCmd("carol", []byte("still fine"), "ok")
	assert.Equal(t, session.SendCmdRlst{TaskID: ok, Err: session.NOERR, Cookie: "ok"},
		testkit.Await[session.SendCmdRlst](t, alice, func(e session.SendCmdRlst) bool { return e.Cookie == "ok" }))
	assert.Equal(t, []byte("still fine"), testkit.Await[session.NotifyCmdData](t, carol, nil).Data)
	for i := range 2 * unacked {
		task := dave.SendCmd("carol", []byte(fmt.Sprint(i)), "d")
		assert.Equal(t, session.SendCmdRlst{TaskID: task, Err: session.NOERR, Cookie: "d"},
			testkit.Await[session.SendCmdRlst](t, dave, func(e session.SendCmdRlst) bool { return e.TaskID == task }))
	}
}

// A SendCmd nobody acknowledges ends at the server after CmdAckTimeout: the
// sender hears NOSERVER_RSP (as its SDK would say itself after the same
// default time), the server holds nothing of it, and a late
// acknowledgement is ignored.
func TestUnackedCmdTimesOutAtTheServer(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.CmdAckTimeout = 200 * time.Millisecond }))
	alice := testkit.Login(t, srv.URL, "alice") // waits the SDK's default 15 s itself
	mute := rawLogin(t, srv.URL, "mute")

	task := alice.SendCmd("mute", []byte("anyone?"), "c")
	var data protocol.CmdData
	mute.push(protocol.EvCmdData, &data)
	assert.Equal(t, session.SendCmdRlst{TaskID: task, Err: session.NOSERVER_RSP, Cookie: "c"},
		testkit.Await[session.SendCmdRlst](t, alice, nil))
	assert.Zero(t, srv.RelayUnackedCmds())

	mute.send(protocol.OpCmdAck, 0, protocol.CmdAck{N: data.N})
	mute.reply(mute.request(protocol.OpStopStatusNotify, nil)) // the server has read the ack
	testkit.Sync(t, alice)                                     // and alice has what it sent her
	assert.Len(t, testkit.All[session.SendCmdRlst](alice), 1, "one result only")
}

// The server gives up on an acknowledgement exactly when the SDK gives up
// on the answer.
func TestCmdAckTimeoutIsTheSDKsRequestTimeout(t *testing.T) {
	require.Equal(t, protocol.RequestTimeout, server.DefaultLimits().CmdAckTimeout)
}

// A user may send to themselves (another device's session is the same
// user, but here the same session): what the transfer counted against the
// receiver is given back when it ends, so such transfers never add up to
// a refusal.
func TestTransfersToYourselfGiveTheirSpaceBack(t *testing.T) {
	srv := testkit.StartServer(t, testkit.WithLimits(func(l *server.Limits) { l.MaxIncoming = 3 << 20 }))
	alice := testkit.Login(t, srv.URL, "alice")
	for i := range 5 {
		cookie := fmt.Sprint("self-", i)
		task := alice.SendBuffer("alice", randomBytes(t, 1<<20), cookie)
		assert.Equal(t, session.SendBufferRlst{TaskID: task, Err: session.NOERR, Cookie: cookie},
			testkit.Await[session.SendBufferRlst](t, alice, func(e session.SendBufferRlst) bool { return e.Cookie == cookie }))
	}
}
