package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"huddle/internal/testkit"
	"huddle/session"
)

// slowCloseSDK's Close blocks until released, as Session.Close may for up
// to 2 s while the logout goes out.
type slowCloseSDK struct {
	fakeSDK
	release chan struct{}
	closed  chan struct{}
}

func (f *slowCloseSDK) Close() {
	close(f.closed)
	<-f.release
}

func signedInWithSlowClose(t *testing.T) (*Client, *loop, *slowCloseSDK) {
	l := newLoop(t)
	c := New(l.run)
	f := &slowCloseSDK{release: make(chan struct{}), closed: make(chan struct{})}
	t.Cleanup(func() { close(f.release) })
	l.do(func() {
		c.sess = f
		c.Handle(session.LoginSuccess{UsrID: "alice"})
	})
	return c, l, f
}

// responsive fails the test unless the loop runs a function while the
// session's Close is still blocked.
func responsive(t *testing.T, l *loop, f *slowCloseSDK) {
	t.Helper()
	select {
	case <-f.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("the session was not closed")
	}
	done := make(chan struct{})
	go l.do(func() { close(done) })
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the UI goroutine waits for the session to close")
	}
}

func TestSignOutDoesNotWaitForTheSessionToClose(t *testing.T) {
	c, l, f := signedInWithSlowClose(t)
	l.run(c.SignOut)
	responsive(t, l, f)
	l.do(func() { assert.False(t, c.SignedIn()) })
}

func TestSignInAgainDoesNotWaitForTheOldSessionToClose(t *testing.T) {
	srv := testkit.StartServer(t)
	c, l, f := signedInWithSlowClose(t)
	t.Cleanup(func() { l.do(c.Close) })
	var signedIn []string
	l.run(func() {
		c.OnSignedIn = func(user string) { signedIn = append(signedIn, user) }
		c.SignIn(Settings{ServerURL: srv.URL, AppID: "demo", SecretMD5: SecretHash("demo"), Nick: "Bob", UserID: "bob"})
	})
	responsive(t, l, f)
	l.await(t, "signed in as bob", func() bool { return len(signedIn) == 1 && signedIn[0] == "bob" })
}
