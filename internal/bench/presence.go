package bench

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"huddle/protocol"
)

// changer is one user whose status changes; subscribers time each change
// from the moment the changer sent it.
type changer struct {
	sentAt    atomic.Int64 // unix ns of the change in flight
	delivered atomic.Int64 // subscribers that have seen it
	dnd       atomic.Int32 // the value being set: a change must flip it, and
	// a late push of the previous value is not counted for the current one
	all chan struct{}
}

// runPresence: M subscribers of status notifications; at each load level k
// changers each change their do-not-disturb status, wait until every
// subscriber has seen it, and change it again, for cfg.Duration. Every
// delivery is timed from the change's send to the subscriber's receipt.
func runPresence(ctx context.Context, cfg Config, t *target) ([]Row, error) {
	m := cfg.Subscribers
	k := 0
	for _, l := range cfg.Changers {
		k = max(k, l)
	}
	if err := checkFiles(m+k, t); err != nil {
		return nil, err
	}
	d := newDialer(t.urls, cfg.Sources)
	changers := make([]*changer, k)
	for i := range changers {
		changers[i] = &changer{all: make(chan struct{}, 1)}
	}
	var lat histogram
	userKey := []byte(`"user":"chg-`)
	dndIs := [2][]byte{[]byte(`"dnd":0`), []byte(`"dnd":1`)}
	onPush := func(int) func([]byte, time.Time) {
		return func(line []byte, at time.Time) {
			j := bytes.Index(line, userKey)
			if j < 0 {
				return
			}
			rest := line[j+len(userKey):]
			end := bytes.IndexByte(rest, '"')
			idx, err := strconv.Atoi(string(rest[:max(end, 0)]))
			if err != nil || idx >= k {
				return
			}
			ch := changers[idx]
			if !bytes.Contains(rest, dndIs[ch.dnd.Load()]) {
				return // the previous change, late
			}
			sent := ch.sentAt.Load()
			if sent == 0 {
				return // its login, before the measured changes
			}
			lat.add(at.Sub(time.Unix(0, sent)))
			if ch.delivered.Add(1) == int64(m) {
				ch.all <- struct{}{}
			}
		}
	}
	subs, err := pool(ctx, d, cfg, m, func(i int) string { return fmt.Sprintf("sub-%d", i) }, onPush, nil)
	if err != nil {
		return nil, err
	}
	// Unsubscribe before leaving: otherwise each subscriber going offline
	// is pushed to all the others, M² notifications on the way out.
	defer func() { sendAll(context.Background(), subs, protocol.OpStopStatusNotify); closeAll(subs) }()
	chg, err := pool(ctx, d, cfg, k, func(i int) string { return fmt.Sprintf("chg-%d", i) }, nil, nil)
	if err != nil {
		return nil, err
	}
	defer closeAll(chg)
	if err := sendAll(ctx, subs, protocol.OpStartStatusNotify); err != nil {
		return nil, err
	}

	var rows []Row
	for _, level := range cfg.Changers {
		lat.reset()
		start := time.Now()
		deadline := start.Add(cfg.Duration)
		var wg sync.WaitGroup
		var changes, lost atomic.Int64
		var refused refusals
		for i := range level {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ch, c := changers[i], chg[i]
				for time.Now().Before(deadline) && ctx.Err() == nil {
					select {
					case <-ch.all: // a token from a change that timed out
					default:
					}
					ch.delivered.Store(0)
					ch.sentAt.Store(time.Now().UnixNano())
					dnd := ch.dnd.Load() ^ 1
					ch.dnd.Store(dnd)
					answer, err := c.send(protocol.OpSetDND, protocol.SetDND{DND: int(dnd)})
					if err != nil {
						lost.Add(1)
						return
					}
					timeout := time.After(10 * time.Second)
				await:
					for {
						select {
						case m, ok := <-answer:
							answer = nil
							if ok && m.Code != protocol.NoErr {
								// Nobody will see a change the server
								// refused: say so now, not 10 s later.
								refused.note(m)
								return
							}
						case <-ch.all:
							changes.Add(1)
							break await
						case <-timeout:
							lost.Add(1)
							return
						case <-ctx.Done():
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		took := time.Since(start)
		for _, ch := range changers {
			ch.sentAt.Store(0)
		}
		note := fmt.Sprintf("%d subscribers, %d changes", m, changes.Load())
		if lost.Load() > 0 {
			note += fmt.Sprintf(", %d changes not seen by all in 10 s", lost.Load())
		}
		note += refused.String()
		if n, why := dropped(subs); n > 0 {
			note += fmt.Sprintf(", %d subscribers disconnected (%v)", n, why)
		}
		rows = append(rows, Row{
			Scenario: "presence", Load: fmt.Sprintf("%d changers", level),
			Rate: float64(lat.count()) / took.Seconds(), RateOf: "notifications",
			P50: lat.quantile(0.5), P99: lat.quantile(0.99), Max: lat.quantile(1), Note: note,
		})
		if ctx.Err() != nil {
			return rows, ctx.Err()
		}
	}
	return rows, nil
}

// refusals counts requests the server answered with an error, and keeps
// the first answer as an example.
type refusals struct {
	mu    sync.Mutex
	n     int
	first protocol.Message
}

func (r *refusals) note(m protocol.Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		r.first = m
	}
	r.n++
}

// String is the note's part: empty when nothing was refused.
func (r *refusals) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d changes refused by the server (code %d %s: %s)", r.n, r.first.Code, r.first.Code, r.first.Msg)
}

// sendAll sends op to every client and waits for all the answers.
func sendAll(ctx context.Context, clients []*client, op string) error {
	chans := make([]chan protocol.Message, len(clients))
	for i, c := range clients {
		ch, err := c.send(op, nil)
		if err != nil {
			return err
		}
		chans[i] = ch
	}
	for _, ch := range chans {
		select {
		case m, ok := <-ch:
			if !ok || m.Code != protocol.NoErr {
				return fmt.Errorf("%s failed: %d %s", op, m.Code, m.Msg)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
