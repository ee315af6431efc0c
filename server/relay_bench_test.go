package server

import (
	"fmt"
	"testing"
)

// BenchmarkConnEnded is one connection ending while other users' SendCmds
// wait for their acknowledgement (100 pairs of users). What it costs should
// be what the ending connection held (here nothing), so others-10000 is
// compared with others-0 in the same run.
func BenchmarkConnEnded(b *testing.B) {
	for _, held := range []int{0, 10000} {
		b.Run(fmt.Sprintf("others-%d", held), func(b *testing.B) {
			s := bareServer(writerIdle)
			r := &s.relay
			const pairs = 100
			var waiting []*pendingCmd
			for i := range held {
				from, to := newConn(s, nil), newConn(s, nil)
				if i >= pairs {
					from, to = waiting[i%pairs].sender, waiting[i%pairs].receiver
				}
				p := &pendingCmd{n: r.cmdSeq.Add(1), sender: from, receiver: to}
				if code, why := to.relayed.addCmdIn(p, s.cfg.Limits, s.timers, func() {}); code != 0 {
					b.Fatal(why)
				}
				from.relayed.setCmdOut(p, true)
				waiting = append(waiting, p)
			}
			b.Cleanup(func() {
				for _, p := range waiting {
					p.timer.Stop()
				}
			})
			for b.Loop() {
				r.connEnded(newConn(s, nil))
			}
		})
	}
}
