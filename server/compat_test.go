package server

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/protocol"
)

// v2Login is a login answer as a version 2 client knows it; such a client
// decodes payloads strictly, so any other field fails its sign-in.
type v2Login struct {
	User   string `json:"user"`
	Resume string `json:"resume,omitempty"`
}

func loginV2(t *testing.T, url, user, resume string) (*testClient, v2Login) {
	t.Helper()
	c := dialTest(t, url)
	require.Equal(t, protocol.NoErr, c.call(protocol.OpHello, protocol.Hello{Version: 2}).Code)
	m := c.call(protocol.OpLogin, protocol.Login{App: DemoAppID, Pswd: PasswordFor(DemoAppSecret), User: user, Resume: resume})
	require.Equal(t, protocol.NoErr, m.Code, m.Msg)
	var r v2Login
	require.NoError(t, protocol.DecodeStrict(m.D, &r), "a version 2 client could not read %s", m.D)
	return c, r
}

// A version 2 client resumes after a drop as it always did: its answer has
// no field it does not know.
func TestVersion2ClientResumes(t *testing.T) {
	s, url := startTestServer(t, Config{GracePeriod: time.Minute})
	alice, r := loginV2(t, url, "alice", "")
	require.NotEmpty(t, r.Resume)
	alice.ws.Close()
	awaitParked(t, s, "alice")
	_, again := loginV2(t, url, "alice", r.Resume)
	require.Equal(t, "alice", again.User)
}

// A version 2 client knows no room push: accepting a call puts it in the
// meeting, which the others see, but it is sent none of the room pushes.
func TestVersion2ClientIsInRoomsButHearsNoRoomPushes(t *testing.T) {
	_, url := startTestServer(t, Config{})
	bob, _ := signIn(t, url, "bob", "")
	old, _ := loginV2(t, url, "old", "")
	callID := ringCall(t, bob, "old")
	for m := old.next(); m.Ev != protocol.EvCallIn; m = old.next() {
	}
	require.Equal(t, protocol.NoErr, old.call(protocol.OpAcceptCall, protocol.CallAnswer{Call: callID}).Code)

	var seen []string
	for m := bob.next(); m.Ev != protocol.EvCallAccepted; m = bob.next() {
		var who protocol.UserEnter
		switch m.Ev {
		case protocol.EvMeetingEntered:
			seen = append(seen, "entered")
		case protocol.EvUserEnter:
			require.NoError(t, protocol.Decode(m.D, &who))
			seen = append(seen, who.User+" entered")
		}
	}
	assert.Equal(t, []string{"entered", "old entered"}, seen, "the others see the old client come in")
	require.Equal(t, protocol.NoErr, bob.call(protocol.OpSetAudio, protocol.SetAudio{Audio: protocol.AudioOpen}).Code)
	require.Equal(t, protocol.NoErr, bob.call(protocol.OpHangupCall, protocol.CallAnswer{Call: callID}).Code)

	// What the old client got: the call's end, and no room push before it.
	for {
		m := old.next()
		require.NotContains(t, []string{protocol.EvMeetingEntered, protocol.EvUserEnter, protocol.EvUserLeft, protocol.EvAudioStatus}, m.Ev)
		if m.Ev == protocol.EvCallHungup {
			break
		}
	}
}
