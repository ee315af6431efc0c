package server

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"

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

// BenchmarkPresenceFanOut is one status change delivered to 10,000
// subscribers' queues; it reports the cost per notification. The baseline
// is the same loop of Sends without presence (lock, encode once, map walk).
func BenchmarkPresenceFanOut(b *testing.B) {
	const subs = 10000
	st, err := store.OpenSQLite(filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
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
			status := StatusIdle
			n := 0
			for b.Loop() {
				// SetStatus, not SetDND: the store write is not fan-out.
				status = StatusIdle + StatusBusy - status
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
