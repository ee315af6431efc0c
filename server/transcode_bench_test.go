package server

import (
	"testing"

	"github.com/pion/webrtc/v4"

	"huddle/media"
)

// What one speaker's packet costs the SFU, per listener codec: forwarded
// as it came (a listener of the speaker's codec) against transcoded (one
// without it). Each writes to a real pion connection on loopback, as the
// SFU does, so SRTP and the socket are in both. docs/performance.md,
// "Voice", reports the ratio.
func BenchmarkSFUStream(b *testing.B) {
	if !media.OpusBuiltIn() {
		b.Skip("this build has no Opus")
	}
	opus, err := media.CodecsNamed("opus")
	if err != nil {
		b.Fatal(err)
	}
	pcmu, err := media.CodecsNamed("PCMU")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("forward", func(b *testing.B) {
		track, err := webrtc.NewTrackLocalStaticRTP(opus[0].Capability, "s", "s")
		if err != nil {
			b.Fatal(err)
		}
		listen(b, track, opus[0], nil)
		pkts := tonePackets(b, opus[0])
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			if err := track.WriteRTP(pkts.next(i)); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, c := range []struct {
		name     string
		from, to media.Codec
	}{{"transcode_opus_to_pcmu", opus[0], pcmu[0]}, {"transcode_pcmu_to_opus", pcmu[0], opus[0]}} {
		b.Run(c.name, func(b *testing.B) {
			tc := newTranscoder("s", c.from, testTranscodeMetrics())
			out := tc.output(c.to)
			listen(b, out.track, c.to, nil)
			pkts := tonePackets(b, c.from)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				tc.push(pkts.next(i))
			}
		})
	}
}
