package server

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"huddle/media"
)

// What a G.711 listener receives of an Opus speaker whose stream loses two
// packets and pauses for a second (DTX): the lost frames rebuilt, sequence
// numbers without a gap, timestamps in 8 kHz at the speaker's pace (the
// pause kept), a marker where talk starts again.
func TestTranscoderKeepsSequenceAndPace(t *testing.T) {
	if !media.OpusBuiltIn() {
		t.Skip("this build has no Opus")
	}
	opus, err := media.CodecsNamed("opus")
	require.NoError(t, err)
	pcmu, err := media.CodecsNamed("PCMU")
	require.NoError(t, err)
	tc := newTranscoder("s", opus[0], testTranscodeMetrics())
	out := tc.output(pcmu[0])
	var mu sync.Mutex
	var got []rtp.Header
	listen(t, out.track, pcmu[0], func(p *rtp.Packet) {
		mu.Lock()
		got = append(got, p.Header)
		mu.Unlock()
	})

	in := tonePackets(t, opus[0])
	send := func(seq uint16, frame uint32, marker bool) {
		p := *in.next(int(seq))
		p.Header.Timestamp = frame * 960
		p.Header.Marker = marker
		tc.push(&p)
	}
	seq, frame := uint16(1000), uint32(0)
	for range 10 {
		send(seq, frame, false)
		seq, frame = seq+1, frame+1
	}
	seq, frame = seq+2, frame+2 // two lost
	for range 10 {
		send(seq, frame, false)
		seq, frame = seq+1, frame+1
	}
	frame += 50 // a second of silence, nothing sent
	for i := range 10 {
		send(seq, frame, i == 0)
		seq, frame = seq+1, frame+1
	}
	require.Eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 32
	}, 10*time.Second, 10*time.Millisecond, "30 packets sent, 2 rebuilt")
	mu.Lock()
	defer mu.Unlock()
	for i := 1; i < len(got); i++ {
		require.Equal(t, got[i-1].SequenceNumber+1, got[i].SequenceNumber, "no gap at %d", i)
		step := got[i].Timestamp - got[i-1].Timestamp
		if i == 22 {
			require.Equal(t, uint32(51*160), step, "the pause kept, in 8 kHz")
			require.True(t, got[i].Marker, "talk starts again")
			continue
		}
		require.Equal(t, uint32(160), step, "20 ms at 8 kHz, at %d", i)
		require.False(t, got[i].Marker, "at %d", i)
	}
	require.True(t, got[0].Marker, "the first packet starts a talkspurt")
}

func testTranscodeMetrics() *transcodeMetrics {
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

func tonePackets(b testing.TB, c media.Codec) *packets {
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
// loopback, and passes each packet it receives to got (nil: drops them).
func listen(b testing.TB, track webrtc.TrackLocal, codec media.Codec, got func(*rtp.Packet)) {
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
		for {
			p, _, err := t.ReadRTP()
			if err != nil {
				return
			}
			if got != nil {
				got(p)
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
