// Package bench is Huddle's load tool: many simulated clients drive a real
// server over the real protocol, every run bounded in clients and time,
// results printed as a table and optionally written as CSV.
// docs/performance.md describes the method and the measured numbers.
package bench

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"
)

// Config is one run of the tool. Zero fields take the defaults of
// DefaultConfig.
type Config struct {
	Scenario string // connections, presence, calls, cmd, transfer, voice

	// Server is the ws:// URL of a running server, or several separated
	// by commas (the nodes of a cluster, reached directly): clients are
	// spread over them in turn, and the two sides of a pair land on
	// different ones. Empty starts a server.
	Server     string
	ServerPIDs []int // with Server: read these processes' RSS (summed)
	InProc     bool  // start the server in this process instead of a child
	// ServerCPUProfile: the child server writes a CPU profile here.
	ServerCPUProfile string

	App, Secret string // application to log in to; default demo/demo

	Clients int // connections: how many log in and stay
	// UserPrefix names the connections scenario's users (prefix + number):
	// several load processes against one cluster each take their own.
	UserPrefix  string
	Subscribers int   // presence: how many subscribe to status changes
	Changers    []int // presence: load levels, concurrent status changers
	Pairs       int   // calls: caller/callee pairs
	Rates       []int // calls: load levels, call setups per second
	FileMiB     int   // transfer: size of the file sent
	Calls       []int // voice: load levels, two-party calls talking at once
	Members     int   // voice: then one meeting of this many (0: none)...
	Speakers    int   // ...of whom this many talk at once

	Concurrency int           // connections opened at once
	Sources     int           // 127.0.0.x source addresses to spread over
	Duration    time.Duration // per load level
	Timeout     time.Duration // the whole run; it stops by itself after

	CSV        string    // write results here as CSV (appending rows)
	MemProfile string    // in-process connections: heap profile with all clients on
	Out        io.Writer // the table; default stdout
}

// DefaultConfig sizes a run that finishes in well under a minute on a
// 2-core machine.
func DefaultConfig() Config {
	return Config{
		App: "demo", Secret: "demo", UserPrefix: "conn-",
		Clients: 10000, Subscribers: 10000, Changers: []int{1, 2, 4, 8},
		Pairs: 200, Rates: []int{100, 250, 500, 1000, 2000}, FileMiB: 256,
		Calls: []int{1, 25, 100}, Members: 50, Speakers: 3,
		Concurrency: 128, Sources: 8,
		Duration: 5 * time.Second, Timeout: 5 * time.Minute,
	}
}

// Row is one line of results: a scenario at one load level.
type Row struct {
	Scenario string
	Load     string  // what was applied, e.g. "8 changers"
	Rate     float64 // per second: logins, notifications, call setups
	RateOf   string
	P50, P99 time.Duration
	Max      time.Duration
	Note     string
}

// Run executes the configured scenario and prints its table.
func Run(ctx context.Context, cfg Config) error {
	def := DefaultConfig()
	fill(&cfg, def)
	if cfg.Out == nil {
		cfg.Out = os.Stdout
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	var scenario func(context.Context, Config, *target) ([]Row, error)
	switch cfg.Scenario {
	case "connections":
		scenario = runConnections
	case "presence":
		scenario = runPresence
	case "calls":
		scenario = runCalls
	case "cmd":
		scenario = runCmd
	case "transfer":
		scenario = runTransfer
	case "voice":
		scenario = runVoice
	default:
		return fmt.Errorf("unknown scenario %q: connections, presence, calls, cmd, transfer or voice", cfg.Scenario)
	}
	limit, err := raiseFileLimit()
	if err != nil {
		return err
	}
	fmt.Fprintf(cfg.Out, "open-file limit %d (ulimit -n); each connection needs one here and one in the server\n", limit)

	t, err := startTarget(ctx, cfg)
	if err != nil {
		return err
	}
	defer t.stop()
	fmt.Fprintf(cfg.Out, "server: %s (%s)\n", strings.Join(t.urls, ", "), t.kind)
	rows, err := scenario(ctx, cfg, t)
	if load, lerr := os.ReadFile("/proc/loadavg"); lerr == nil {
		// Other work on the machine shows in every number; say how much.
		for i := range rows {
			rows[i].Note += "; load avg " + strings.Fields(string(load))[0]
		}
	}
	printTable(cfg.Out, rows)
	if cfg.CSV != "" && len(rows) > 0 {
		err = errors.Join(err, writeCSV(cfg.CSV, rows))
	}
	return err
}

func fill(c *Config, d Config) {
	if c.App == "" {
		c.App, c.Secret = d.App, d.Secret
	}
	if c.UserPrefix == "" {
		c.UserPrefix = d.UserPrefix
	}
	setInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	setInt(&c.Clients, d.Clients)
	setInt(&c.Subscribers, d.Subscribers)
	setInt(&c.Pairs, d.Pairs)
	setInt(&c.FileMiB, d.FileMiB)
	setInt(&c.Concurrency, d.Concurrency)
	setInt(&c.Sources, d.Sources)
	if len(c.Changers) == 0 {
		c.Changers = d.Changers
	}
	if len(c.Calls) == 0 {
		c.Calls = d.Calls
	}
	if len(c.Rates) == 0 {
		c.Rates = d.Rates
	}
	if c.Duration <= 0 {
		c.Duration = d.Duration
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
}

// checkFiles fails early, with the fix, when n connections cannot fit.
func checkFiles(n int, t *target) error {
	limit, err := openFileLimit()
	if err != nil {
		return err
	}
	need := uint64(n) + 100
	if t.kind == "in-process" {
		need += uint64(n) // both ends of every connection live here
	}
	if need > limit {
		return fmt.Errorf("%d connections need about %d open files but the limit is %d: raise it (ulimit -n) or use a child server", n, need, limit)
	}
	return nil
}

// pool opens n clients with at most conc dials in flight; name gives user
// i's ID and onPush (which may be nil) its push handler.
func pool(ctx context.Context, d *dialer, cfg Config, n int, name func(int) string,
	onPush func(i int) func([]byte, time.Time), lat *histogram) ([]*client, error) {
	clients := make([]*client, n)
	pswd := demoPswd(cfg.Secret)
	var (
		wg   sync.WaitGroup
		next = make(chan int)
		mu   sync.Mutex
		errs error
	)
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				var push func([]byte, time.Time)
				if onPush != nil {
					push = onPush(i)
				}
				start := time.Now()
				c, err := d.connect(ctx, i, cfg.App, pswd, name(i), push)
				if err != nil {
					mu.Lock()
					errs = err
					mu.Unlock()
					continue
				}
				if lat != nil {
					lat.add(time.Since(start))
				}
				clients[i] = c
			}
		}()
	}
feed:
	for i := range n {
		mu.Lock()
		failed := errs != nil
		mu.Unlock()
		if failed || ctx.Err() != nil {
			break feed
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if errs == nil {
		errs = ctx.Err()
	}
	if errs != nil {
		closeAll(clients)
		return nil, errs
	}
	return clients, nil
}

// closeAll closes clients in parallel: one by one, 10k closes take long.
func closeAll(clients []*client) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 256)
	for _, c := range clients {
		if c == nil {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() { defer wg.Done(); c.close(); <-sem }()
	}
	wg.Wait()
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 2, 64) }

func printTable(w io.Writer, rows []Row) {
	if len(rows) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tload\trate/s\tof\tp50 ms\tp99 ms\tmax ms\t\tnote")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t\t%s\n", r.Scenario, r.Load, r.Rate, r.RateOf, ms(r.P50), ms(r.P99), ms(r.Max), r.Note)
	}
	tw.Flush()
}

var csvHeader = []string{"scenario", "load", "rate_per_s", "rate_of", "p50_ms", "p99_ms", "max_ms", "note"}

// writeCSV appends rows, writing the header when the file is new, so
// several runs can build one file for the plot.
func writeCSV(path string, rows []Row) error {
	st, err := os.Stat(path)
	fresh := err != nil || st.Size() == 0
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	if fresh {
		w.Write(csvHeader)
	}
	for _, r := range rows {
		w.Write([]string{r.Scenario, r.Load, strconv.FormatFloat(r.Rate, 'f', 1, 64), r.RateOf, ms(r.P50), ms(r.P99), ms(r.Max), r.Note})
	}
	w.Flush()
	return errors.Join(w.Error(), f.Close())
}
