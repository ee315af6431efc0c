package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/transport/v5"
	"github.com/pion/webrtc/v4"
)

// PeerConfig says what a Peer sends, where what it hears goes, and how it
// reaches the other side.
type PeerConfig struct {
	// Source is sent as the peer's one audio track (nil: a silent
	// microphone, Tone{} at amplitude 0).
	Source Source
	// Sink gets every remote track decoded and mixed (nil: discarded).
	Sink Sink
	// ICEServers are STUN/TURN servers; RelayOnly uses only TURN relays
	// (what a user behind a strict NAT gets, and what the TURN test forces).
	ICEServers []webrtc.ICEServer
	RelayOnly  bool
	// Loopback lets ICE use 127.0.0.1 (tests and a server on the same
	// machine).
	Loopback bool
	// JitterFrames is the receive jitter buffer in 20 ms frames (0:
	// DefaultJitter): more plays later and survives longer stalls.
	JitterFrames int
	// Codecs offered, preferred first; nil takes Codecs().
	Codecs []Codec
	// Log gets the peer's log lines and pion's (nil: none of the peer's;
	// pion's errors on stderr, as pion does by default).
	Log *slog.Logger

	// Net is the network ICE uses (nil: the host's); tests cut it
	// (testkit.CuttableNet).
	Net transport.Net
}

// Peer is one pion PeerConnection carrying Huddle audio: it sends Source
// as one track and plays every track it receives through a Mixer into
// Sink. Signalling (offers, answers, candidates) is the caller's: the
// session glue sends them over Huddle, tests pass them directly.
type Peer struct {
	pc     *webrtc.PeerConnection
	local  *localAudio
	sender *webrtc.RTPSender
	mixer  *Mixer
	codecs []Codec
	source Source
	log    *slog.Logger

	send      sender // owned by sendLoop
	muted     atomic.Bool
	sent      atomic.Int64 // packets sent
	received  atomic.Int64 // packets received from every remote track
	lost      atomic.Int64 // packets concealed
	ctx       context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	tracksMu  sync.Mutex
	tracks    map[string]*MixInput  // by remote track ID, for speaking levels
	reading   []*webrtc.TrackRemote // tracks whose receive loop runs
	closed    bool                  // no receive loop starts after Close
	connected chan struct{}
	once      sync.Once

	// The microphone's last level (math.Float64bits; 0 muted), set by
	// sendLoop.
	micLevel atomic.Uint64

	// Candidates that arrive before the remote description they belong to
	// (trickle ICE races the answer) wait here.
	candMu  sync.Mutex
	pending []webrtc.ICECandidateInit
}

// NewAPI builds a pion API for Huddle audio: codecs registered, pion's
// default interceptors (RTCP reports, NACK), mDNS off (Huddle signals real
// addresses, and mDNS probes would leak on every call).
func NewAPI(codecs []Codec, setting webrtc.SettingEngine) (*webrtc.API, error) {
	var m webrtc.MediaEngine
	if err := RegisterCodecs(&m, codecs); err != nil {
		return nil, err
	}
	var reg interceptor.Registry
	if err := webrtc.RegisterDefaultInterceptors(&m, &reg); err != nil {
		return nil, err
	}
	setting.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(&m), webrtc.WithInterceptorRegistry(&reg), webrtc.WithSettingEngine(setting)), nil
}

// NewPeer makes the PeerConnection and its audio track, and starts sending
// and mixing; nothing flows until signalling connects it.
func NewPeer(cfg PeerConfig) (*Peer, error) {
	if cfg.Codecs == nil {
		cfg.Codecs = Codecs()
	}
	if cfg.Source == nil {
		cfg.Source = &Tone{}
	}
	var se webrtc.SettingEngine
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	} else {
		se.LoggerFactory = pionLogs{cfg.Log}
	}
	se.SetIncludeLoopbackCandidate(cfg.Loopback)
	if cfg.Net != nil {
		se.SetNet(cfg.Net)
	}
	// The SFU starts forwarding a new speaker as soon as it has answered,
	// so their first packets may come before this side has applied the
	// answer. pion's default keeps them waiting for the answer that
	// declares their SSRC; SetHandleUndeclaredSSRCWithoutAnswer would guess
	// a section from the previous answer instead and, in a meeting, hand
	// the stream to a wrong or new transceiver: that speaker is then
	// never heard.
	api, err := NewAPI(cfg.Codecs, se)
	if err != nil {
		return nil, err
	}
	policy := webrtc.ICETransportPolicyAll
	if cfg.RelayOnly {
		policy = webrtc.ICETransportPolicyRelay
	}
	pc, err := api.NewPeerConnection(webrtc.Configuration{ICEServers: cfg.ICEServers, ICETransportPolicy: policy})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &Peer{
		pc: pc, local: newLocalAudio("mic", "huddle", cfg.Codecs), codecs: cfg.Codecs, source: cfg.Source, log: cfg.Log,
		ctx: ctx, cancel: cancel, tracks: make(map[string]*MixInput), connected: make(chan struct{}),
	}
	p.sender, err = pc.AddTrack(p.local)
	if err != nil {
		pc.Close()
		cancel()
		return nil, err
	}
	sink := cfg.Sink
	if sink == nil {
		sink = discard{}
	}
	p.mixer = NewMixer(sink, cfg.JitterFrames)
	pc.OnTrack(p.onTrack)
	p.sender.Transport().ICETransport().OnSelectedCandidatePairChange(func(pair *webrtc.ICECandidatePair) {
		p.log.Debug("ice pair", "pair", pair.String())
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		p.log.Debug("peer connection", "state", s)
		if s == webrtc.PeerConnectionStateConnected {
			p.once.Do(func() { close(p.connected) })
		}
	})
	p.run(func() { p.drainRTCP(p.sender) })
	p.run(p.sendLoop)
	p.run(func() {
		if err := p.mixer.Run(ctx); err != nil {
			p.log.Warn("audio output failed", "err", err)
		}
	})
	return p, nil
}

type discard struct{}

func (discard) WriteFrame([]int16) error { return nil }

func (p *Peer) run(f func()) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		f()
	}()
}

// PeerConnection is the underlying pion connection, for signalling.
func (p *Peer) PeerConnection() *webrtc.PeerConnection { return p.pc }

// Connected is closed once ICE and DTLS are up the first time.
func (p *Peer) Connected() <-chan struct{} { return p.connected }

// SetMuted stops (true) or resumes sending the microphone. Muted, the peer
// sends nothing at all, as Opus DTX does in silence.
func (p *Peer) SetMuted(muted bool) { p.muted.Store(muted) }

// Muted says whether the microphone is muted.
func (p *Peer) Muted() bool { return p.muted.Load() }

// MicLevel is how loud the microphone's last frame was (RMS, 0..1), 0
// while muted: the user's own speaking indicator, as Levels are the
// others'.
func (p *Peer) MicLevel() float64 { return math.Float64frombits(p.micLevel.Load()) }

// Stats are a peer's packet counts so far.
type Stats struct{ Sent, Received, Concealed int64 }

func (p *Peer) Stats() Stats {
	return Stats{Sent: p.sent.Load(), Received: p.received.Load(), Concealed: p.lost.Load()}
}

// Close ends the connection and waits for the peer's goroutines.
func (p *Peer) Close() error {
	p.cancel()
	err := p.pc.Close()
	// Closing the connection ends every track's reads, except one pion
	// lost track of: a full test run once hung here for good, a receive
	// loop blocked in a read of a stream nobody closed. A deadline in the
	// past ends those too.
	p.tracksMu.Lock()
	p.closed = true
	for _, t := range p.reading {
		t.SetReadDeadline(time.Now())
	}
	p.tracksMu.Unlock()
	p.wg.Wait()
	return err
}

// sendLoop reads, encodes and sends one frame every 20 ms. The clock is
// the loop's own; a Source that blocks (a microphone) sets the pace itself.
func (p *Peer) sendLoop() {
	pcm := make([]int16, FrameSamples)
	out := make([]byte, 1500)
	p.send.silent = true
	tick := time.NewTicker(FrameDuration)
	defer tick.Stop()
	clock := newPacer(time.Now())
	for {
		select {
		case <-p.ctx.Done():
			return
		case now := <-tick.C:
			for range clock.due(now) {
				if err := p.sendFrame(pcm, out); err != nil {
					p.log.Warn("audio input failed", "err", err)
					return
				}
			}
		}
	}
}

// sender is the send loop's state between frames.
type sender struct {
	enc    Encoder
	h      rtp.Header
	ts     uint32
	silent bool // the next packet starts a talkspurt: marker bit
}

// sendFrame reads, encodes and sends one frame; only a failing Source
// stops the loop.
func (p *Peer) sendFrame(pcm []int16, out []byte) error {
	s := &p.send
	if err := p.source.ReadFrame(pcm); err != nil {
		return err
	}
	level := 0.0
	if !p.muted.Load() {
		level = Level(pcm)
	}
	p.micLevel.Store(math.Float64bits(level))
	b, ok := p.local.current()
	if !ok {
		return nil
	}
	if b.changed || s.enc == nil {
		var err error
		if s.enc, err = b.codec.NewEncoder(); err != nil {
			return err
		}
	}
	s.ts += b.codec.Capability.ClockRate / 50
	if p.muted.Load() {
		s.silent = true
		return nil
	}
	n, err := s.enc.Encode(pcm, out)
	if err != nil {
		p.log.Debug("audio encode", "err", err)
		return nil
	}
	if n <= 2 {
		// Opus DTX: a frame of one or two bytes need not be sent.
		s.silent = true
		return nil
	}
	s.h.SequenceNumber++
	s.h.Timestamp = s.ts
	s.h.Marker = s.silent
	s.silent = false
	if err := b.write(&s.h, out[:n]); err != nil {
		p.log.Debug("audio send", "err", err)
		return nil
	}
	p.sent.Add(1)
	return nil
}

// drainRTCP reads the sender's RTCP so pion's interceptors (reports,
// NACK) keep working.
func (p *Peer) drainRTCP(s *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := s.Read(buf); err != nil {
			return
		}
	}
}

// onTrack decodes one remote track into the mixer until it ends.
func (p *Peer) onTrack(track *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	codec, ok := codecFor(p.codecs, track.Codec().MimeType)
	if !ok {
		p.log.Warn("remote track in a codec this build cannot decode", "codec", track.Codec().MimeType)
		return
	}
	dec, err := codec.NewDecoder()
	if err != nil {
		p.log.Warn("audio decoder", "err", err)
		return
	}
	in := p.mixer.Input()
	p.tracksMu.Lock()
	if p.closed {
		p.tracksMu.Unlock()
		in.Remove()
		return
	}
	p.tracks[track.ID()] = in
	p.reading = append(p.reading, track)
	p.wg.Add(1) // before Close can Wait: both under tracksMu
	p.tracksMu.Unlock()
	go func() {
		defer p.wg.Done()
		defer func() {
			in.Remove()
			p.tracksMu.Lock()
			if p.tracks[track.ID()] == in {
				delete(p.tracks, track.ID())
			}
			p.reading = slices.DeleteFunc(p.reading, func(t *webrtc.TrackRemote) bool { return t == track })
			p.tracksMu.Unlock()
		}()
		p.receive(track, dec, in)
	}()
}

// maxPendingCandidates bounds the candidates held for a description that
// has not come yet.
const maxPendingCandidates = 64

// maxConcealed is the most lost frames in a row worth concealing; past it
// the gap is silence (the mixer's underrun) and the decoder starts afresh.
const maxConcealed = 5

func (p *Peer) receive(track *webrtc.TrackRemote, dec Decoder, in *MixInput) {
	pcm := make([]int16, FrameSamples)
	var next uint16
	started := false
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			return
		}
		if len(pkt.Payload) == 0 {
			continue
		}
		p.received.Add(1)
		if started {
			gap := pkt.SequenceNumber - next
			if gap >= 0x8000 {
				continue // late or duplicate: already played past it
			}
			if gap > 0 && gap <= maxConcealed {
				for i := range gap {
					fec := pkt.Payload
					if i+1 < gap {
						fec = nil // only the packet right before this one is in its FEC
					}
					if dec.Conceal(fec, pcm) == nil {
						in.Push(pcm)
						p.lost.Add(1)
					}
				}
			}
		}
		started, next = true, pkt.SequenceNumber+1
		if err := dec.Decode(pkt.Payload, pcm); err != nil {
			p.log.Debug("audio decode", "err", err)
			continue
		}
		in.Push(pcm)
	}
}

// Levels gives each remote track's current loudness (0..1), by track ID.
func (p *Peer) Levels() map[string]float64 {
	p.tracksMu.Lock()
	defer p.tracksMu.Unlock()
	out := make(map[string]float64, len(p.tracks))
	for id, in := range p.tracks {
		out[id] = in.Level()
	}
	return out
}

// Offer makes an offer (with iceRestart, fresh ICE credentials) and sets it
// as the local description; candidates follow through OnCandidate.
func (p *Peer) Offer(iceRestart bool) (string, error) {
	offer, err := p.pc.CreateOffer(&webrtc.OfferOptions{ICERestart: iceRestart})
	if err != nil {
		return "", err
	}
	if err := p.pc.SetLocalDescription(offer); err != nil {
		return "", err
	}
	return offer.SDP, nil
}

// SetAnswer applies the other side's answer to Offer.
func (p *Peer) SetAnswer(sdp string) error {
	return p.setRemote(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp})
}

// setRemote applies a remote description, then the candidates that came
// before it.
func (p *Peer) setRemote(d webrtc.SessionDescription) error {
	p.candMu.Lock()
	defer p.candMu.Unlock()
	if err := p.pc.SetRemoteDescription(d); err != nil {
		return err
	}
	for _, c := range p.pending {
		if err := p.pc.AddICECandidate(c); err != nil {
			p.log.Debug("early ice candidate", "err", err)
		}
	}
	p.pending = nil
	return nil
}

// Answer applies the other side's offer and returns this side's answer.
func (p *Peer) Answer(offer string) (string, error) {
	if err := p.setRemote(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", err
	}
	answer, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return "", err
	}
	if err := p.pc.SetLocalDescription(answer); err != nil {
		return "", err
	}
	return answer.SDP, nil
}

// OnCandidate calls f with each local ICE candidate as it is gathered.
func (p *Peer) OnCandidate(f func(webrtc.ICECandidateInit)) {
	p.pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			f(c.ToJSON())
		}
	})
}

// AddCandidate adds a remote ICE candidate, holding it until the remote
// description has been set.
func (p *Peer) AddCandidate(c webrtc.ICECandidateInit) error {
	p.candMu.Lock()
	defer p.candMu.Unlock()
	if p.pc.RemoteDescription() == nil {
		if len(p.pending) >= maxPendingCandidates {
			return errors.New("ice candidate: too many before the remote description")
		}
		p.pending = append(p.pending, c)
		return nil
	}
	if err := p.pc.AddICECandidate(c); err != nil {
		return fmt.Errorf("ice candidate: %w", err)
	}
	return nil
}
