package server

import (
	"bytes"
	"fmt"
	"testing"

	"huddle/protocol"
)

// BenchmarkWriteNumbered is the write loop's cost of numbering a presence
// round (each line gets {"seq":N,) against writing it as is, into a buffer
// as the WebSocket writer does: compare the two sub-benchmarks' ns/op.
func BenchmarkWriteNumbered(b *testing.B) {
	var round []byte
	for i := 0; len(round) < 64<<10; i++ {
		msg, _ := protocol.Push(protocol.EvUserStatus, protocol.UserStatus{User: fmt.Sprintf("user-%d", i), Nick: "Someone", Status: 1})
		if len(round) > 0 {
			round = append(round, '\n')
		}
		round = append(round, msg...)
	}
	for _, seq := range []uint64{0, 123456} {
		name := "plain"
		if seq != 0 {
			name = "numbered"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(round)))
			// A buffer, as the WebSocket writer copies into its own.
			var w bytes.Buffer
			var pre []byte
			for i := 0; i < b.N; i++ {
				w.Reset()
				pre = writeNumbered(&w, queued{seq, round}, pre)
			}
		})
	}
}
