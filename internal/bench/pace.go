package bench

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// paced runs op on workers goroutines (op(i) for worker i) for d, at rate
// operations per second in total, each worker at its share, staggered so
// the load is even rather than in bursts. It returns how many ops
// succeeded and failed, and how long the run took.
func paced(ctx context.Context, workers, rate int, d time.Duration, op func(i int) error) (done, failed int64, took time.Duration) {
	interval := time.Duration(float64(time.Second) * float64(workers) / float64(rate))
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	var ok, bad atomic.Int64
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := start.Add(interval * time.Duration(i) / time.Duration(workers))
			for next.Before(deadline) && ctx.Err() == nil {
				time.Sleep(time.Until(next)) // pacing the offered load: the wait is the point
				next = next.Add(interval)
				if op(i) != nil {
					bad.Add(1)
					continue
				}
				ok.Add(1)
			}
		}()
	}
	wg.Wait()
	return ok.Load(), bad.Load(), time.Since(start)
}

// pacedRow is the result of one paced load level: done ops over took, the
// latencies in h, and note (with the failures, if any).
func pacedRow(scenario, load, rateOf string, done, failed int64, took time.Duration, h *histogram, note string) Row {
	if failed > 0 {
		note += fmt.Sprintf("; %d failed", failed)
	}
	return Row{
		Scenario: scenario, Load: load, Rate: float64(done) / took.Seconds(), RateOf: rateOf,
		P50: h.quantile(0.5), P99: h.quantile(0.99), Max: h.quantile(1), Note: note,
	}
}
