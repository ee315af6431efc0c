package app

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/session"
)

// A user in a meeting (joined, not called) who calls a contact rings them
// into that meeting; the contact's hang-up leaves the user in it.
func TestCallFromAMeetingRingsIntoIt(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	c, l, _ := signIn(t, srv.URL, "alice")
	l.await(t, "bob listed", func() bool { return c.Contacts.Len() == 1 })
	l.do(func() { c.Meetings.Create("Standup", true) })
	l.await(t, "the meeting listed", func() bool { return len(c.Meetings.List) == 1 })
	var meet session.MeetInfo
	l.do(func() {
		meet = c.Meetings.List[0]
		c.Room.Join(meet, meet.Pswd)
	})
	l.await(t, "in the meeting", func() bool { return c.Room.In() && len(c.Room.Members) == 1 })

	l.do(func() { c.Calls.Call("bob") })
	in := testkit.Await[session.NotifyCallIn](t, bob, nil)
	assert.Equal(t, meet.ID, in.Meet.ID, "rung into the meeting alice is in")
	bob.AcceptCall(in.CallID, in.Meet, "", "acc")
	l.await(t, "bob in the members panel", func() bool { return c.Calls.Phase == CallActive && len(c.Room.Members) == 2 })
	l.do(func() {
		assert.Equal(t, "bob", c.Room.Members[1].UserID)
		assert.Equal(t, protocol.AudioClosed, c.Room.Members[1].AudioStatus)
		c.Room.ToggleMic()
	})
	assert.Equal(t, session.AudioStatusChanged{UserID: "alice", OldStatus: protocol.AudioClosed, NewStatus: protocol.AudioOpen},
		testkit.Await[session.AudioStatusChanged](t, bob, nil))
	l.await(t, "alice's own microphone on", func() bool { return c.Room.MicOn() })

	bob.HungupCall(in.CallID, "", "bye")
	l.await(t, "the call ends, alice stays in her meeting", func() bool {
		return c.Calls.Phase == CallIdle && c.Room.In() && len(c.Room.Members) == 1
	})
	l.do(func() {
		require.True(t, c.Room.In())
		assert.Equal(t, meet.ID, c.Room.Meet.ID)
		c.Room.Leave()
		assert.False(t, c.Room.In(), "Leave is at once")
	})
}
