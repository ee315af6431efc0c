package server

import (
	"testing"

	"huddle/protocol"
)

// What counting costs a request on the read loop: the dispatch's route
// lookup alone (baseline), then with the counters a request moves (its op
// in, its reply out, its code). Compare the two in the same run; both must
// stay at 0 allocs/op.
func BenchmarkMessageCounting(b *testing.B) {
	ops := []string{protocol.OpSendCmd, protocol.OpXferAck, protocol.OpSetDND, "made_up"}
	var found int
	b.Run("baseline", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			if _, ok := routes[ops[i%len(ops)]]; ok {
				found++
			}
		}
	})
	m := newMetrics()
	b.Run("counted", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			op := ops[i%len(ops)]
			m.messageIn(op)
			if _, ok := routes[op]; ok {
				found++
			}
			m.outReply.Inc()
			m.errorSent(protocol.NoErr)
		}
	})
	b.Run("counted-error", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			m.errorSent(protocol.ErrBusy)
		}
	})
}
