package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"

	"huddle/internal/bench"
)

// Bench runs `huddle bench`: the load tool of docs/performance.md.
func Bench(args []string) error {
	d := bench.DefaultConfig()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var cfg bench.Config
	fs.StringVar(&cfg.Scenario, "scenario", "connections", "connections, presence, calls, cmd, transfer or voice (Opus through the SFU in one meeting, then in two-party calls: trip time, loss, jitter, server CPU and memory per stream)")
	fs.StringVar(&cfg.Server, "server", "", "ws:// URL of a running server (loopback only), or the nodes of a cluster comma-separated (clients spread over them, each pair across two); empty starts `huddle serve` as a child process")
	serverPIDs := fs.String("server-pid", "", "with --server: the server's process ID, or the nodes' comma-separated, to read their memory")
	fs.BoolVar(&cfg.InProc, "inproc", false, "run the server inside this process (for --cpuprofile); memory then covers both")
	fs.StringVar(&cfg.App, "app", d.App, "application ID")
	fs.StringVar(&cfg.Secret, "secret", d.Secret, "application secret")
	fs.IntVar(&cfg.Clients, "clients", d.Clients, "connections: clients that log in and stay")
	fs.StringVar(&cfg.UserPrefix, "user-prefix", d.UserPrefix, "connections: user IDs are this and a number (several load processes against one server each take their own)")
	fs.IntVar(&cfg.Subscribers, "subscribers", d.Subscribers, "presence: subscribers to status changes")
	changers := fs.String("changers", joinInts(d.Changers), "presence: load levels, concurrent status changers")
	fs.IntVar(&cfg.Pairs, "pairs", d.Pairs, "calls, cmd: pairs of clients")
	rates := fs.String("rates", joinInts(d.Rates), "calls, cmd: load levels, call setups or command round trips per second")
	calls := fs.String("calls", joinInts(d.Calls), "voice: load levels, two-party calls talking at once")
	fs.IntVar(&cfg.Members, "members", d.Members, "voice: before the calls, one meeting of this many members (0: none)")
	fs.IntVar(&cfg.Speakers, "speakers", d.Speakers, "voice: members of the meeting who talk at once (the others listen)")
	fs.IntVar(&cfg.FileMiB, "file-mib", d.FileMiB, "transfer: size of the file sent, in MiB")
	fs.IntVar(&cfg.Concurrency, "concurrency", d.Concurrency, "connections opened at once")
	fs.IntVar(&cfg.Sources, "sources", d.Sources, "127.0.0.x source addresses to spread connections over (about 28k each)")
	fs.DurationVar(&cfg.Duration, "duration", d.Duration, "time at each load level")
	fs.DurationVar(&cfg.Timeout, "timeout", d.Timeout, "the whole run stops after this")
	fs.StringVar(&cfg.CSV, "csv", "", "append the results to this CSV file")
	fs.StringVar(&cfg.MemProfile, "memprofile", "", "with --inproc --scenario connections: write a heap profile while all clients are connected")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of this process here")
	fs.StringVar(&cfg.ServerCPUProfile, "server-cpuprofile", "", "write a CPU profile of the child server here (huddle serve --cpuprofile)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if cfg.Changers, err = parseInts(*changers); err != nil {
		return fmt.Errorf("--changers: %w", err)
	}
	if cfg.Rates, err = parseInts(*rates); err != nil {
		return fmt.Errorf("--rates: %w", err)
	}
	if cfg.Calls, err = parseInts(*calls); err != nil {
		return fmt.Errorf("--calls: %w", err)
	}
	if cfg.Server != "" {
		for u := range strings.SplitSeq(cfg.Server, ",") {
			if !loopbackURL(u) {
				return fmt.Errorf("--server %s: the load tool only drives servers on this machine (127.0.0.0/8 or localhost)", u)
			}
		}
	}
	if *serverPIDs != "" {
		if cfg.ServerPIDs, err = parseInts(*serverPIDs); err != nil {
			return fmt.Errorf("--server-pid: %w", err)
		}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return bench.Run(ctx, cfg)
}

func loopbackURL(u string) bool {
	rest, ok := strings.CutPrefix(u, "ws://")
	if !ok {
		rest, ok = strings.CutPrefix(u, "wss://")
	}
	return ok && (strings.HasPrefix(rest, "127.") || strings.HasPrefix(rest, "localhost:") || strings.HasPrefix(rest, "[::1]:"))
}

func parseInts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}
