//go:build linux

package clustertest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readyTimeout bounds the wait for a process to answer its health check.
const readyTimeout = 30 * time.Second

// proc is one child process, logging to a file of the cluster's folder.
type proc struct {
	name   string
	argv   []string
	env    []string
	cred   *syscall.Credential // nil: run as the test
	log    string
	cmd    *exec.Cmd
	exited chan struct{}
}

func newProc(dir, name string, argv ...string) *proc {
	return &proc{name: name, argv: argv, log: filepath.Join(dir, name+".log")}
}

// start runs the process, appending to its log (a restart keeps what the
// last run wrote, which is what one reads after a failure).
func (p *proc) start(t testing.TB) {
	t.Helper()
	logf, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(p.argv[0], p.argv[1:]...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Env = append(os.Environ(), p.env...)
	// Its own process group: a Ctrl-C of go test reaches the test, which
	// stops the cluster in order, not every child at once.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: p.cred}
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("start %s: %v", p.name, err)
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(p.exited) }()
}

func (p *proc) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// kill9 ends the process as a crash or a pulled plug would: no goodbye
// to anyone.
func (p *proc) kill9(t testing.TB) {
	t.Helper()
	if !p.running() {
		t.Fatalf("%s is not running", p.name)
	}
	p.cmd.Process.Kill()
	<-p.exited
}

// signal sends sig to the running process.
func (p *proc) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	if !p.running() {
		t.Fatalf("%s is not running", p.name)
	}
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("%s: %v", p.name, err)
	}
}

// stop asks the process to stop (SIGTERM), and kills it if it has not
// within grace.
func (p *proc) stop(grace time.Duration) {
	if !p.running() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Process.Signal(syscall.SIGCONT) // a paused one too
	select {
	case <-p.exited:
	case <-time.After(grace):
		p.cmd.Process.Kill()
		<-p.exited
	}
}

// tail is the end of the process's log, for failure messages.
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.log)
	lines := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(lines) > 25 {
		lines = lines[len(lines)-25:]
	}
	return fmt.Sprintf("--- %s (%s):\n%s", p.name, p.log, bytes.Join(lines, []byte("\n")))
}

// waitOK waits until url answers 200, failing the test if the process
// exits first or readyTimeout passes.
func (p *proc) waitOK(t testing.TB, url string) {
	t.Helper()
	if err := pollOK(url, p.exited); err != nil {
		t.Fatalf("%s: %v\n%s", p.name, err, p.tail())
	}
}

func pollOK(url string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	last := "no answer"
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-exited:
			return fmt.Errorf("exited before %s answered 200 (last: %s)", url, last)
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer 200 within %v (last: %s)", url, readyTimeout, last)
		case <-tick.C:
		}
	}
}

// freePort is a loopback port nobody listens on now. Another process could
// take it before the child listens; the child's health wait then fails
// with its log, which says so.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func addr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

// tools are the programs a cluster needs besides huddle itself.
func lookTools() (natsServer, haproxy, pgBin string, missing []string) {
	var err error
	if natsServer, err = exec.LookPath("nats-server"); err != nil {
		missing = append(missing, "nats-server")
	}
	if haproxy, err = exec.LookPath("haproxy"); err != nil {
		missing = append(missing, "haproxy")
	}
	if pgBin = postgresBin(); pgBin == "" {
		missing = append(missing, "PostgreSQL (initdb)")
	}
	return natsServer, haproxy, pgBin, missing
}

// EnvRequire, set to 1 (./test.sh does), makes missing tools a failure
// instead of a skip.
const EnvRequire = "HUDDLE_REQUIRE_CLUSTER"

func requireTools(t testing.TB) (natsServer, haproxy, pgBin string) {
	t.Helper()
	natsServer, haproxy, pgBin, missing := lookTools()
	if len(missing) > 0 {
		msg := fmt.Sprintf("cluster tests need %s: scripts/install-deps.sh installs them", strings.Join(missing, ", "))
		if os.Getenv(EnvRequire) == "1" {
			t.Fatalf("%s=1: %s", EnvRequire, msg)
		}
		t.Skip("cluster tests skipped: " + msg + " (./test.sh requires them)")
	}
	return natsServer, haproxy, pgBin
}

// pollOnce tells whether url answers 200 now.
func pollOnce(url string) bool {
	client := http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
