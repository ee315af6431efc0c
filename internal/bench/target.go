package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"huddle/server"
)

// target is the server under load: given by URL, spawned as a child
// process (so its RSS is its own), or run in this process (for pprof).
type target struct {
	urls []string // one per server (node); clients take them in turn
	pids []int    // empty when the servers' memory cannot be read
	kind string   // "external", "child process", "in-process"
	stop func()
}

// memory is the servers' resident set size in bytes, summed, and what it
// covers.
func (t *target) memory() (uint64, string) {
	if len(t.pids) == 0 {
		return 0, "unknown (pass --server-pid)"
	}
	var sum uint64
	for _, pid := range t.pids {
		rss, err := vmRSS(pid)
		if err != nil {
			return 0, err.Error()
		}
		sum += rss
	}
	if t.kind == "in-process" {
		return sum, "VmRSS of server+tool process"
	}
	if len(t.pids) > 1 {
		return sum, fmt.Sprintf("VmRSS of server pids %s (summed)", joinPIDs(t.pids))
	}
	return sum, fmt.Sprintf("VmRSS of server pid %d", t.pids[0])
}

func joinPIDs(pids []int) string {
	s := make([]string, len(pids))
	for i, p := range pids {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ",")
}

// pairDialers are the dialers of a scenario's two sides (callee and
// caller, receiver and sender): with several servers, the second side
// starts one server further on, so that each pair spans two servers.
func (t *target) pairDialers(sources int) (first, second *dialer) {
	rotated := append(append([]string{}, t.urls[1%len(t.urls):]...), t.urls[:1%len(t.urls)]...)
	return newDialer(t.urls, sources), newDialer(rotated, sources)
}

// vmRSS reads the resident set size from /proc/<pid>/status.
func vmRSS(pid int) (uint64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for pid %d", pid)
}

func startTarget(ctx context.Context, cfg Config) (*target, error) {
	switch {
	case cfg.Server != "":
		return &target{urls: strings.Split(cfg.Server, ","), pids: cfg.ServerPIDs, kind: "external", stop: func() {}}, nil
	case cfg.InProc:
		return startInProc()
	default:
		return spawn(ctx, cfg.ServerCPUProfile)
	}
}

// freeLoopbackAddr picks a port for a child server. Another process could
// take it between Close and the child's Listen; the health wait then fails
// clearly.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// spawn runs `huddle serve` (this same executable) in a fresh data folder,
// writing a CPU profile to cpuProfile if not empty.
func spawn(ctx context.Context, cpuProfile string) (*target, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "huddle-bench-")
	if err != nil {
		return nil, err
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, "serve", "--demo", "--addr", addr, "--data", dir,
		"--conns-per-ip", "1000000", "--login-rate-per-ip", "1e6", "--login-rate-per-app", "1e6", "--msg-rate", "1e6")
	if cpuProfile != "" {
		cmd.Args = append(cmd.Args, "--cpuprofile", cpuProfile)
	}
	logf, err := os.Create(dir + "/server.log")
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t := &target{urls: []string{"ws://" + addr + "/ws"}, pids: []int{cmd.Process.Pid}, kind: "child process"}
	t.stop = func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		logf.Close()
		reportServerProblems(dir + "/server.log")
		os.RemoveAll(dir)
	}
	if err := waitHealthy(ctx, "http://"+addr+"/healthz", exited); err != nil {
		t.stop()
		return nil, fmt.Errorf("server child: %w (log in %s)", err, dir)
	}
	return t, nil
}

func waitHealthy(ctx context.Context, url string, exited <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("exited before it was ready")
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

func startInProc() (*target, error) {
	dir, err := os.MkdirTemp("", "huddle-bench-")
	if err != nil {
		return nil, err
	}
	srv, err := server.New(server.Config{DataDir: dir, Demo: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Limits: loadLimits()})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go srv.Serve(ln)
	t := &target{urls: []string{"ws://" + ln.Addr().String() + "/ws"}, pids: []int{os.Getpid()}, kind: "in-process"}
	t.stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		os.RemoveAll(dir)
	}
	return t, waitHealthy(context.Background(), "http://"+ln.Addr().String()+"/healthz", nil)
}

// reportServerProblems shows the child server's warnings and errors: a
// lost notification in the results often has its reason there.
func reportServerProblems(path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	shown := 0
	for line := range strings.SplitSeq(string(b), "\n") {
		if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
			if shown++; shown <= 5 {
				fmt.Fprintln(os.Stderr, "server:", line)
			}
		}
	}
	if shown > 5 {
		fmt.Fprintf(os.Stderr, "server: ... %d warnings and errors in all\n", shown)
	}
}

// loadLimits lift the per-address and per-connection abuse limits: the load
// tool is one address sending on purpose far more than any person would.
// Every limit that bounds memory stays as it is.
func loadLimits() server.Limits {
	return server.Limits{ConnsPerIP: 1 << 20, LoginRatePerIP: 1e6, LoginRatePerApp: 1e6, LoginBurst: 1 << 20, MsgRate: 1e6, MsgBurst: 1 << 20}
}
