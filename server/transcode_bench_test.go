package server

import (
	"testing"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"

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
		listen(b, track, opus[0])
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
			tc := newTranscoder("s", c.from, benchTranscodeMetrics())
			out := tc.output(c.to)
			listen(b, out.track, c.to)
			pkts := tonePackets(b, c.from)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				tc.push(pkts.next(i))
			}
		})
	}
}

func benchTranscodeMetrics() *transcodeMetrics {
	return &transcodeMetrics{
		encoders: prometheus.NewGauge(prometheus.GaugeOpts{Name: "e"}),
		packets:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "p"}, []string{"codec"}),
		failed:   prometheus.NewCounter(prometheus.CounterOpts{Name: "f"}),
	}
}

// packets are a second of a 440 Hz tone in one codec, played in a loop
// with the sequence numbers and timestamps running on.
type packets struct {
	frames [][]byte
	frame  uint32
	pkt    rtp.Packet
}

func tonePackets(b *testing.B, c media.Codec) *packets {
	enc, err := c.NewEncoder()
	if err != nil {
		b.Fatal(err)
	}
	tone := &media.Tone{Freq: 440, Amplitude: 0.5}
	pcm := make([]int16, media.FrameSamples)
	p := &packets{frame: c.Capability.ClockRate / 50}
	for range 50 {
		if err := tone.ReadFrame(pcm); err != nil {
			b.Fatal(err)
		}
		buf := make([]byte, 1500)
		n, err := enc.Encode(pcm, buf)
		if err != nil {
			b.Fatal(err)
		}
		p.frames = append(p.frames, buf[:n])
	}
	return p
}

func (p *packets) next(i int) *rtp.Packet {
	p.pkt.Header = rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(i) * p.frame}
	p.pkt.Payload = p.frames[i%len(p.frames)]
	return &p.pkt
}

// listen connects track to a listener that negotiates only codec, over
// loopback, and drains what it receives.
func listen(b *testing.B, track webrtc.TrackLocal, codec media.Codec) {
	var se webrtc.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	var sm webrtc.MediaEngine
	if err := media.RegisterCodecs(&sm, media.Codecs()); err != nil {
		b.Fatal(err)
	}
	send, err := webrtc.NewAPI(webrtc.WithMediaEngine(&sm), webrtc.WithSettingEngine(se)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { send.Close() })
	recvAPI, err := media.NewAPI([]media.Codec{codec}, se)
	if err != nil {
		b.Fatal(err)
	}
	recv, err := recvAPI.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { recv.Close() })
	if _, err := recv.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
		b.Fatal(err)
	}
	recv.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
		buf := make([]byte, 1500)
		for {
			if _, _, err := t.Read(buf); err != nil {
				return
			}
		}
	})
	connected := make(chan struct{})
	send.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			close(connected)
		}
	})
	offer, err := recv.CreateOffer(nil)
	if err != nil {
		b.Fatal(err)
	}
	gathered := webrtc.GatheringCompletePromise(recv)
	if err := recv.SetLocalDescription(offer); err != nil {
		b.Fatal(err)
	}
	<-gathered
	if err := send.SetRemoteDescription(*recv.LocalDescription()); err != nil {
		b.Fatal(err)
	}
	s, err := send.AddTrack(track)
	if err != nil {
		b.Fatal(err)
	}
	go drainRTCP(s)
	answer, err := send.CreateAnswer(nil)
	if err != nil {
		b.Fatal(err)
	}
	gathered = webrtc.GatheringCompletePromise(send)
	if err := send.SetLocalDescription(answer); err != nil {
		b.Fatal(err)
	}
	<-gathered
	if err := recv.SetRemoteDescription(*send.LocalDescription()); err != nil {
		b.Fatal(err)
	}
	<-connected
}
