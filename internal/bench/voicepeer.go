package bench

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"huddle/media"
	"huddle/protocol"
	"huddle/session"
)

// The voice load peers are as cheap as a WebRTC endpoint can be, so that
// what the bench measures is the server: every peer shares one pion API
// whose ICE uses one UDP socket (an ICE UDP mux), sends Opus frames encoded
// once (voiceframes.bin) instead of running an encoder, has no pion
// interceptors, and decodes nothing: a receiver
// reads each packet's sequence number and looks up when its sender sent
// it. What remains per packet is what no client can skip: SRTP and a UDP
// send or receive.

//go:generate go run voiceframes_gen.go
//go:embed voiceframes.bin
var voiceFramesBin []byte

// voiceFrames splits voiceframes.bin into its Opus payloads.
func voiceFrames() ([][]byte, error) {
	var frames [][]byte
	for b := voiceFramesBin; len(b) > 0; {
		if len(b) < 2 || len(b) < 2+int(binary.BigEndian.Uint16(b)) {
			return nil, errors.New("voiceframes.bin is truncated")
		}
		n := int(binary.BigEndian.Uint16(b))
		frames = append(frames, b[2:2+n])
		b = b[2+n:]
	}
	return frames, nil
}

// voiceLoad is what one load level's peers share.
type voiceLoad struct {
	api    *webrtc.API
	sock   net.PacketConn
	mux    ice.UDPMux
	frames [][]byte
	st     *voiceStats

	mu      sync.Mutex
	streams map[string]*voiceStream // talking members' audio, by user ID
	slots   [voiceSlots][]*voiceStream
	nslot   int
	stop    chan struct{}
	done    chan struct{}
}

const voiceSocketBuffer = 16 << 20

// voiceSlots spreads the talkers over the 20 ms frame in 1 ms slots, as
// real microphones are: not all on the same beat.
const voiceSlots = 20

func newVoiceLoad(st *voiceStats) (*voiceLoad, error) {
	frames, err := voiceFrames()
	if err != nil {
		return nil, err
	}
	sock, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	// One socket takes every peer's packets: a buffer as large as the
	// system allows (net.core.rmem_max caps it; 4 MiB is about 5,000
	// packets, a quarter second of 1,000 streams), or a moment's wait for
	// a core on a busy machine overflows it and shows as loss.
	_ = sock.SetReadBuffer(voiceSocketBuffer)
	_ = sock.SetWriteBuffer(voiceSocketBuffer)
	mux := webrtc.NewICEUDPMux(nil, sock)
	var m webrtc.MediaEngine
	if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: media.OpusCapability, PayloadType: media.OpusPayloadType}, webrtc.RTPCodecTypeAudio); err != nil {
		sock.Close()
		return nil, err
	}
	var se webrtc.SettingEngine
	se.SetICEUDPMux(mux)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// No SetHandleUndeclaredSSRCWithoutAnswer: a new speaker's packets
	// that come before the answer wait for it (as media.NewPeer).
	// Peers closing at the end of a level make pion log writes on closed
	// connections: expected here, and noise in the table.
	se.LoggerFactory = &logging.DefaultLoggerFactory{Writer: io.Discard, DefaultLogLevel: logging.LogLevelDisabled}
	l := &voiceLoad{
		// An empty registry: without one pion adds its defaults (NACK
		// buffers, RTCP reports, stats, TWCC), which a load peer skips.
		api:  webrtc.NewAPI(webrtc.WithMediaEngine(&m), webrtc.WithSettingEngine(se), webrtc.WithInterceptorRegistry(&interceptor.Registry{})),
		sock: sock, mux: mux, frames: frames, st: st,
		streams: make(map[string]*voiceStream), stop: make(chan struct{}), done: make(chan struct{}),
	}
	go l.sendLoop()
	return l, nil
}

// close stops sending; the peers are closed by their owners first.
func (l *voiceLoad) close() {
	close(l.stop)
	<-l.done
	l.mux.Close()
	l.sock.Close()
}

// voiceStream is one talking member's outgoing audio.
type voiceStream struct {
	track *webrtc.TrackLocalStaticRTP
	pkt   rtp.Packet // the next packet's header, reused
	frame int
	sent  atomic.Int64
	// sentAt is when each recent packet was sent (Unix ns), by sequence
	// number modulo its length: 20 s of packets, far longer than any trip
	// a run that means anything has.
	sentAt [1024]atomic.Int64
}

func (l *voiceLoad) addStream(user string, track *webrtc.TrackLocalStaticRTP) *voiceStream {
	s := &voiceStream{track: track}
	s.pkt.Version = 2
	s.pkt.PayloadType = uint8(media.OpusPayloadType)
	s.pkt.Marker = true // the start of a talkspurt
	l.mu.Lock()
	defer l.mu.Unlock()
	l.streams[user] = s
	l.slots[l.nslot%voiceSlots] = append(l.slots[l.nslot%voiceSlots], s)
	l.nslot++
	return s
}

func (l *voiceLoad) stream(user string) *voiceStream {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.streams[user]
}

// sendLoop sends every talker's next frame every 20 ms, each slot 1 ms
// after the one before; when it falls behind it catches up rather than
// skip frames (a late packet shows as trip time only if the SFU is what
// delays it: the send time is taken as it leaves).
func (l *voiceLoad) sendLoop() {
	defer close(l.done)
	start := time.Now()
	const slot = media.FrameDuration / voiceSlots
	timer := time.NewTimer(slot)
	defer timer.Stop()
	for k := 0; ; {
		for time.Since(start) >= time.Duration(k)*slot {
			l.mu.Lock()
			due := l.slots[k%voiceSlots]
			l.mu.Unlock()
			for _, s := range due {
				l.send(s)
			}
			k++
		}
		timer.Reset(time.Until(start.Add(time.Duration(k) * slot)))
		select {
		case <-l.stop:
			return
		case <-timer.C:
		}
	}
}

func (l *voiceLoad) send(s *voiceStream) {
	s.pkt.SequenceNumber++
	s.pkt.Timestamp += media.SampleRate / 50
	s.pkt.Payload = l.frames[s.frame%len(l.frames)]
	s.frame++
	s.sentAt[s.pkt.SequenceNumber%uint16(len(s.sentAt))].Store(time.Now().UnixNano())
	if err := s.track.WriteRTP(&s.pkt); err != nil {
		return
	}
	s.pkt.Marker = false
	s.sent.Add(1)
}

// voicePeer is one member's connection to the SFU, signalled over its
// session as media.Call does: only this side offers, one negotiation at
// a time, each answer acknowledged once applied (media_ready), and a
// media_update asks for another offer with more receiving sections.
type voicePeer struct {
	load      *voiceLoad
	sess      *session.Session
	user      string
	meet      int
	pc        *webrtc.PeerConnection
	mic       *webrtc.RTPSender
	track     *webrtc.TrackLocalStaticRTP
	talk      bool
	connected chan struct{}
	tracks    atomic.Int64 // remote tracks receiving

	mu          sync.Mutex
	negotiating bool
	again       bool
	receivers   int
	pending     []webrtc.ICECandidateInit
	err         error
	closed      bool
}

func newVoicePeer(l *voiceLoad, sess *session.Session, meet int, talk bool) (*voicePeer, error) {
	pc, err := l.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		return nil, err
	}
	user := sess.UserID()
	track, err := webrtc.NewTrackLocalStaticRTP(media.OpusCapability, "mic", user)
	if err != nil {
		pc.Close()
		return nil, err
	}
	p := &voicePeer{load: l, sess: sess, user: user, meet: meet, pc: pc, track: track, talk: talk, connected: make(chan struct{})}
	if p.mic, err = pc.AddTrack(track); err != nil {
		pc.Close()
		return nil, err
	}
	var once sync.Once
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(p.connected) })
		}
	})
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			ci := c.ToJSON()
			sess.MediaCandidate(meet, session.ICECandidate{Candidate: ci.Candidate, SDPMid: ci.SDPMid, SDPMLineIndex: ci.SDPMLineIndex})
		}
	})
	pc.OnTrack(func(t *webrtc.TrackRemote, _ *webrtc.RTPReceiver) { go p.receive(t) })
	p.mu.Lock()
	p.offerLocked()
	p.mu.Unlock()
	return p, nil
}

// startTalking begins sending once the connection is up.
func (p *voicePeer) startTalking() {
	if p.talk {
		p.load.addStream(p.user, p.track)
	}
}

func (p *voicePeer) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.pc.Close()
}

// handle takes the session events that belong to this peer.
func (p *voicePeer) handle(ev session.Event) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	switch e := ev.(type) {
	case session.MediaAnswer:
		if e.MeetID != p.meet {
			return false
		}
		p.negotiating = false
		if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: e.SDP}); err != nil {
			p.err = fmt.Errorf("answer: %w", err)
		} else if e.Answer > 0 {
			// Applied: the SFU may send the speakers it added now, not
			// before (what this side could not route yet).
			p.sess.MediaReady(p.meet, 0, e.Answer)
		}
		for _, c := range p.pending {
			if err := p.pc.AddICECandidate(c); err != nil {
				p.err = err
			}
		}
		p.pending = nil
		if p.again {
			p.offerLocked()
		}
	case session.MediaOfferFail:
		if e.MeetID != p.meet {
			return false
		}
		p.negotiating = false
		p.err = fmt.Errorf("offer refused: %v", e.Err)
		if p.again && e.Err == protocol.NoServerRsp {
			p.offerLocked()
		}
	case session.MediaCandidateFail:
		if e.MeetID != p.meet {
			return false
		}
		p.err = fmt.Errorf("candidate refused: %v", e.Err)
	case session.MediaReadyFail:
		if e.MeetID != p.meet {
			return false
		}
		p.err = fmt.Errorf("media_ready refused: %v", e.Err)
	case session.NotifyMediaCandidate:
		if e.MeetID != p.meet {
			return false
		}
		c := webrtc.ICECandidateInit{Candidate: e.Cand.Candidate, SDPMid: e.Cand.SDPMid, SDPMLineIndex: e.Cand.SDPMLineIndex}
		if p.pc.RemoteDescription() == nil {
			p.pending = append(p.pending, c)
		} else if err := p.pc.AddICECandidate(c); err != nil {
			p.err = err
		}
	case session.NotifyMediaUpdate:
		if e.MeetID != p.meet {
			return false
		}
		p.receivers = max(p.receivers, e.Tracks)
		if p.negotiating {
			p.again = true
		} else {
			p.offerLocked()
		}
	default:
		return false
	}
	return true
}

// offerLocked offers with at least p.receivers receiving sections; mu held.
func (p *voicePeer) offerLocked() {
	have := 0
	for _, t := range p.pc.GetTransceivers() {
		if t.Sender() != p.mic {
			have++
		}
	}
	for ; have < p.receivers; have++ {
		if _, err := p.pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			p.err = err
			return
		}
	}
	offer, err := p.pc.CreateOffer(nil)
	if err == nil {
		err = p.pc.SetLocalDescription(offer)
	}
	if err != nil {
		p.err = fmt.Errorf("offer: %w", err)
		return
	}
	p.again, p.negotiating = false, true
	p.sess.MediaOffer(p.meet, offer.SDP, "")
}

func (p *voicePeer) failure() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// receive times every packet of one forwarded track (the SFU names it
// after its speaker) and counts the gaps in its sequence numbers.
func (p *voicePeer) receive(t *webrtc.TrackRemote) {
	p.tracks.Add(1)
	defer p.tracks.Add(-1)
	from := p.load.stream(t.ID())
	st := p.load.st
	buf := make([]byte, 1500)
	var next uint16
	var last time.Duration
	started := false
	for {
		n, _, err := t.Read(buf)
		if err != nil {
			return
		}
		if n < 12 {
			continue
		}
		now := time.Now().UnixNano()
		seq := binary.BigEndian.Uint16(buf[2:4])
		if started {
			switch gap := seq - next; {
			case gap == 0:
			case gap < 0x8000:
				st.lost.Add(int64(gap))
			default: // late: it was counted lost when the gap opened
				st.lost.Add(-1)
				st.received.Add(1)
				continue
			}
		}
		started, next = true, seq+1
		st.received.Add(1)
		if from == nil {
			continue // not one of this run's talkers: counted, not timed
		}
		transit := time.Duration(now - from.sentAt[seq%uint16(len(from.sentAt))].Load())
		st.transit.add(transit)
		if last != 0 {
			st.jitter.add((transit - last).Abs())
		}
		last = transit
	}
}
