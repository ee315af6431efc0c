package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"huddle/protocol"
)

// pair is one caller and one callee calling each other over and over.
type pair struct {
	caller, callee *client
	meet           protocol.Meeting
	callSent       atomic.Int64 // unix ns
	acceptSent     atomic.Int64
	accepted       chan struct{}
}

// runCalls: at each load level (call setups per second across all pairs)
// every pair runs call → call_in → accept → call_accepted → hang up at
// its share of the rate for cfg.Duration. Two latencies are timed: Call to
// the callee's call_in, and AcceptCall to the caller's call_accepted.
func runCalls(ctx context.Context, cfg Config, t *target) ([]Row, error) {
	p := cfg.Pairs
	if err := checkFiles(2*p, t); err != nil {
		return nil, err
	}
	calleeDialer, callerDialer := t.pairDialers(cfg.Sources)
	pairs := make([]*pair, p)
	for i := range pairs {
		pairs[i] = &pair{accepted: make(chan struct{}, 1)}
	}
	var ring, accept histogram
	callIn := []byte(`"ev":"call_in"`)
	callAccepted := []byte(`"ev":"call_accepted"`)

	callees, err := pool(ctx, calleeDialer, cfg, p, func(i int) string { return fmt.Sprintf("callee-%d", i) },
		func(i int) func([]byte, time.Time) {
			return func(line []byte, at time.Time) {
				if !bytes.Contains(line, callIn) {
					return
				}
				pr := pairs[i]
				ring.add(at.Sub(time.Unix(0, pr.callSent.Load())))
				var m struct {
					D protocol.CallIn `json:"d"`
				}
				if json.Unmarshal(line, &m) != nil {
					return
				}
				pr.acceptSent.Store(time.Now().UnixNano())
				pr.callee.send(protocol.OpAcceptCall, protocol.CallAnswer{Call: m.D.Call})
			}
		}, nil)
	if err != nil {
		return nil, err
	}
	defer closeAll(callees)
	callers, err := pool(ctx, callerDialer, cfg, p, func(i int) string { return fmt.Sprintf("caller-%d", i) },
		func(i int) func([]byte, time.Time) {
			return func(line []byte, at time.Time) {
				if !bytes.Contains(line, callAccepted) {
					return
				}
				pr := pairs[i]
				accept.add(at.Sub(time.Unix(0, pr.acceptSent.Load())))
				pr.accepted <- struct{}{}
			}
		}, nil)
	if err != nil {
		return nil, err
	}
	defer closeAll(callers)
	for i, pr := range pairs {
		pr.caller, pr.callee = callers[i], callees[i]
		m, err := pr.caller.request(ctx, protocol.OpCreateMeeting, protocol.CreateMeeting{Subject: "bench"})
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(m.D, &pr.meet); err != nil {
			return nil, err
		}
	}

	var rows []Row
	for _, rate := range cfg.Rates {
		ring.reset()
		accept.reset()
		cycles, failed, took := paced(ctx, p, rate, cfg.Duration, func(i int) error { return pairs[i].cycle(ctx) })
		rows = append(rows, pacedRow("calls", fmt.Sprintf("%d calls/s", rate), "call setups", cycles, failed, took, &ring,
			fmt.Sprintf("%d pairs, %d setups; accept→accepted p50 %s p99 %s ms", p, cycles, ms(accept.quantile(0.5)), ms(accept.quantile(0.99)))))
		if ctx.Err() != nil {
			return rows, ctx.Err()
		}
	}
	return rows, nil
}

// cycle rings the callee, waits for the accept, and hangs up.
func (pr *pair) cycle(ctx context.Context) error {
	var id [16]byte
	rand.Read(id[:])
	call := hex.EncodeToString(id[:])
	pr.callSent.Store(time.Now().UnixNano())
	if _, err := pr.caller.send(protocol.OpCall, protocol.Call{Call: call, To: pr.callee.user, Meet: protocol.Meeting{ID: pr.meet.ID}}); err != nil {
		return err
	}
	select {
	case <-pr.accepted:
	case <-time.After(5 * time.Second):
		return fmt.Errorf("call %s not accepted in 5 s", call)
	case <-ctx.Done():
		return ctx.Err()
	}
	_, err := pr.caller.request(ctx, protocol.OpHangupCall, protocol.CallAnswer{Call: call})
	return err
}
