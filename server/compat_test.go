package server

import (
	"testing"
	"time"

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
