// Package crashtest runs the real huddle binary and kills it with SIGKILL
// in the middle of work, to check that nothing the server confirmed is lost.
package crashtest

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/testkit"
	"huddle/session"
)

var huddleBin string

// TestMain builds the headless server binary once for every test here.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "huddle-crashtest")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	huddleBin = filepath.Join(dir, "huddle")
	build := exec.Command("go", "build", "-tags", "nogui", "-o", huddleBin, "huddle")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build huddle: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// startServer runs `huddle serve` and waits until /healthz answers.
func startServer(t *testing.T, addr, data string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(huddleBin, "serve", "--demo", "--addr", addr, "--data", data)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, testkit.WaitTimeout, 10*time.Millisecond)
	return cmd
}

func TestKill9LosesNoConfirmedMeetingOrUser(t *testing.T) {
	addr, data := freeAddr(t), t.TempDir()
	url := "ws://" + addr + "/ws"
	srv := startServer(t, addr, data)

	// Several users create meetings as fast as the server confirms them.
	const users = 6
	var mu sync.Mutex
	confirmed := map[int]string{} // meeting ID → subject
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var clients []*testkit.Client
	for i := range users {
		c := testkit.Login(t, url, fmt.Sprintf("user%d", i))
		clients = append(clients, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				subject := fmt.Sprintf("u%d-m%d", i, n)
				cookie := subject
				c.CreateMeeting(subject, 1, cookie)
				ev, ok := awaitMeetingResult(c, cookie)
				if !ok {
					return // the server is gone
				}
				mu.Lock()
				confirmed[ev.Meet.ID] = subject
				mu.Unlock()
			}
		}()
	}
	// Kill it mid-work, once a fair number of meetings is confirmed.
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(confirmed) >= 60
	}, 30*time.Second, 5*time.Millisecond)
	require.NoError(t, srv.Process.Signal(syscall.SIGKILL))
	srv.Wait()
	close(stop)
	wg.Wait()
	for _, c := range clients {
		testkit.Await[session.LineOff](t, c, nil)
	}

	startServer(t, addr, data)
	c := testkit.Login(t, url, "auditor")
	c.GetMeetings("list")
	got := testkit.Await[session.GetMeetingsSuccess](t, c, nil)
	stored := map[int]string{}
	for _, m := range got.Meetings {
		stored[m.ID] = m.Subject
	}
	mu.Lock()
	defer mu.Unlock()
	for id, subject := range confirmed {
		assert.Equal(t, subject, stored[id], "confirmed meeting %d lost", id)
	}
	c.GetUserStatus("users")
	listed := map[string]bool{}
	for _, u := range testkit.Await[session.GetUserStatusSuccess](t, c, nil).Users {
		listed[u.UserID] = true
	}
	for i := range users {
		assert.True(t, listed[fmt.Sprintf("user%d", i)], "user%d lost", i)
	}
}

// awaitMeetingResult waits for the outcome of one CreateMeeting; false if
// it failed (the server was killed).
func awaitMeetingResult(c *testkit.Client, cookie string) (session.CreateMeetingSuccess, bool) {
	for {
		changed := c.Changed()
		for _, e := range testkit.All[session.CreateMeetingSuccess](c) {
			if e.Cookie == cookie {
				return e, true
			}
		}
		for _, e := range testkit.All[session.CreateMeetingFail](c) {
			if e.Cookie == cookie {
				return session.CreateMeetingSuccess{}, false
			}
		}
		<-changed
	}
}
