package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"time"
)

// writeHeapProfile records who holds the memory while every client is on.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	return errors.Join(pprof.WriteHeapProfile(f), f.Close())
}

// runtimeMemory breaks this process's memory down, for in-process runs.
func runtimeMemory() string {
	names := []string{"/memory/classes/heap/objects:bytes", "/memory/classes/heap/stacks:bytes",
		"/memory/classes/heap/unused:bytes", "/memory/classes/heap/free:bytes", "/memory/classes/total:bytes"}
	samples := make([]metrics.Sample, len(names))
	for i, n := range names {
		samples[i].Name = n
	}
	metrics.Read(samples)
	out := "runtime memory (server+tool):"
	for _, s := range samples {
		out += fmt.Sprintf(" %s=%dMiB", s.Name, s.Value.Uint64()>>20)
	}
	return out
}

// runConnections: N clients log in and stay. It reports the login rate,
// the time to get there and the server's memory per connection.
func runConnections(ctx context.Context, cfg Config, t *target) ([]Row, error) {
	n := cfg.Clients
	if err := checkFiles(n, t); err != nil {
		return nil, err
	}
	before, how := t.memory()
	d := newDialer(t.urls, cfg.Sources)
	var lat histogram
	start := time.Now()
	clients, err := pool(ctx, d, cfg, n, func(i int) string { return cfg.UserPrefix + strconv.Itoa(i) }, nil, &lat)
	if err != nil {
		return nil, err
	}
	took := time.Since(start)
	defer closeAll(clients)

	// Hold the clients (idle, as most of an organisation's are) before
	// reading RSS: the server must keep them, and its memory settle.
	select {
	case <-time.After(cfg.Duration):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	after, _ := t.memory()
	if t.kind == "in-process" {
		fmt.Fprintln(cfg.Out, runtimeMemory())
		if cfg.MemProfile != "" {
			if err := writeHeapProfile(cfg.MemProfile); err != nil {
				return nil, err
			}
		}
	}
	note := fmt.Sprintf("%d clients in %.1fs; server memory %s", n, took.Seconds(), how)
	if after > 0 {
		perConn := (int64(after) - int64(before)) / int64(n)
		note = fmt.Sprintf("%d clients in %.1fs; %s %d MiB (idle %d MiB): %d B/conn",
			n, took.Seconds(), how, after>>20, before>>20, perConn)
	}
	if n, why := dropped(clients); n > 0 {
		note += fmt.Sprintf("; %d clients disconnected while idle (%v)", n, why)
	}
	return []Row{{
		Scenario: "connections", Load: fmt.Sprintf("%d clients", n),
		Rate: float64(n) / took.Seconds(), RateOf: "logins",
		P50: lat.quantile(0.5), P99: lat.quantile(0.99), Max: lat.quantile(1), Note: note,
	}}, nil
}
