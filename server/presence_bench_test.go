package server

import (
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"huddle/protocol"
	"huddle/server/store"
)

// countingPeer stands in for a connection: Send is what publish pays per
// subscriber, minus the socket write that the write loop does later.
type countingPeer struct{ n atomic.Int64 }

func (p *countingPeer) Send([]byte) bool { p.n.Add(1); return true }
func (p *countingPeer) Kick(int, string) {}

// chanPeer queues like a real conn: a buffered channel per subscriber.
type chanPeer struct{ ch chan []byte }

func (p *chanPeer) Send(m []byte) bool {
	select {
	case p.ch <- m:
	default:
		<-p.ch // keep the benchmark going: drop the oldest
		p.ch <- m
	}
	return true
}
func (p *chanPeer) Kick(int, string) {}

func benchStore(b *testing.B) store.Store {
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkPresenceFanOut is one status change delivered to 10,000
// subscribers' queues; it reports the cost per notification. The baseline
// is the same loop of Sends without presence (lock, encode once, map walk).
func BenchmarkPresenceFanOut(b *testing.B) {
	const subs = 10000
	st := benchStore(b)
	for _, kind := range []string{"counting", "queue"} {
		peers := make([]Peer, subs)
		for i := range peers {
			if kind == "counting" {
				peers[i] = &countingPeer{}
			} else {
				peers[i] = &chanPeer{ch: make(chan []byte, 256)}
			}
		}
		msg := []byte(`{"ev":"user_status","d":{"user":"changer","status":1,"dnd":1}}`)
		b.Run(kind+"/baseline-send-loop", func(b *testing.B) {
			for b.Loop() {
				for _, p := range peers {
					p.Send(msg)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*subs), "ns/notification")
		})
		b.Run(kind+"/SetStatus", func(b *testing.B) {
			p := newMemPresence(st, DefaultLimits())
			app := fmt.Sprintf("bench-%s-%d", kind, b.N)
			owner := &countingPeer{}
			if err := p.Online(app, "changer", "Changer", owner); err != nil {
				b.Fatal(err)
			}
			for _, s := range peers {
				if err := p.Subscribe(app, s); err != nil {
					b.Fatal(err)
				}
			}
			status := protocol.StatusIdle
			n := 0
			for b.Loop() {
				// SetStatus, not SetDND: the store write is not fan-out.
				status = protocol.StatusIdle + protocol.StatusBusy - status
				p.SetStatus(app, "changer", status)
				n++
			}
			if c, ok := peers[0].(*countingPeer); ok && c.n.Load() < int64(n) {
				b.Fatalf("subscriber saw %d of %d changes", c.n.Load(), n)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*subs), "ns/notification")
		})
	}
}

// BenchmarkPresenceRounds is k users changing status at once, each change
// to 10,000 subscribers. One changer is the baseline: a round per change.
// With 32 the changes made during a round share the next one, and each
// subscriber gets one message for several changes: sends/change falls
// below 10,000 (and with it the writes a real connection makes).
func BenchmarkPresenceRounds(b *testing.B) {
	const subs = 10000
	st := benchStore(b)
	for _, k := range []int{1, 32} {
		b.Run(fmt.Sprintf("changers-%d", k), func(b *testing.B) {
			p := newMemPresence(st, DefaultLimits())
			app := fmt.Sprintf("rounds-%d-%d", k, b.N)
			counter := &countingPeer{}
			for i := range subs {
				peer := Peer(&countingPeer{})
				if i == 0 {
					peer = counter
				}
				if err := p.Subscribe(app, peer); err != nil {
					b.Fatal(err)
				}
			}
			for i := range k {
				if err := p.Online(app, fmt.Sprint("changer-", i), "", &countingPeer{}); err != nil {
					b.Fatal(err)
				}
			}
			before := counter.n.Load()
			var changes atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for i := range k {
				wg.Add(1)
				go func() {
					defer wg.Done()
					user, status := fmt.Sprint("changer-", i), protocol.StatusIdle
					for changes.Add(1) <= int64(b.N) {
						status = protocol.StatusIdle + protocol.StatusBusy - status
						p.SetStatus(app, user, status)
					}
				}()
			}
			wg.Wait()
			b.StopTimer()
			sends := float64(counter.n.Load()-before) * subs
			b.ReportMetric(sends/float64(b.N), "sends/change")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*subs), "ns/notification")
		})
	}
}

// BenchmarkPresenceFirstSignIn is a user's first sign-in into an
// application that already has n users (an organisation rolling Huddle
// out): what Online costs for a user presence has not seen. The baseline,
// in the same run, is n = 1,000.
func BenchmarkPresenceFirstSignIn(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprint("users=", n), func(b *testing.B) {
			p := newMemPresence(benchStore(b), DefaultLimits())
			owner := &countingPeer{}
			for i := range n {
				if err := p.Online("app", fmt.Sprintf("user%07d", i*2), "", owner); err != nil {
					b.Fatal(err)
				}
			}
			// Each new ID just after a known one, spread over the list, all
			// different however large b.N.
			ids := make([]string, b.N)
			for i := range ids {
				ids[i] = fmt.Sprintf("user%07d.%d", (i*7919%n)*2, i/n)
			}
			b.ResetTimer()
			for _, id := range ids {
				if err := p.Online("app", id, "", owner); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
