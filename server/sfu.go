package server

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"

	"huddle/media"
	"huddle/protocol"
)

// sfu forwards each meeting's voice: every member has one PeerConnection
// with the server, sends its microphone on it once, and receives every
// other member's audio on it, forwarded packet by packet (no mixing: the
// clients mix). A listener who did not negotiate the speaker's codec gets
// it transcoded (transcode.go); everyone else gets the packets as they
// came. Two-person calls go through it too: one path for every meeting
// (docs/protocol.md, "Voice").
//
// Clients always offer (media_offer); the server answers, and asks for a
// new offer (media_update) when the speakers a member should hear change,
// so the two sides never offer at once. A listener gets a new speaker's
// audio only once it has applied the answer that added them (sfugate.go).
//
// Lock order: appCalls.mu, then sfu.mu, then sfuRoom.mu; pion's callbacks
// take sfuRoom.mu only.
type sfu struct {
	srv *Server
	api *webrtc.API
	log *slog.Logger

	mu    sync.Mutex
	rooms map[roomKey]*sfuRoom

	codecs    []media.Codec // what this build decodes and encodes, so negotiates
	forwarded prometheus.Counter
	held      prometheus.Counter            // packets a gate kept from a listener
	dropped   map[string]prometheus.Counter // by reason
	transcode *transcodeMetrics
}

type roomKey struct {
	app  string
	meet int64
}

// sfuRoom is one meeting's media (rooms.go has its members).
type sfuRoom struct {
	key   roomKey
	mu    sync.Mutex
	parts map[string]*participant // by user
}

// participant is one member's connection to the SFU.
type participant struct {
	user string
	pc   *webrtc.PeerConnection
	// id names pc in answers (MediaAnswer.Conn): an offer for another
	// connection, one a dead home had, is refused (MediaConnectionGone).
	id string

	// Under sfuRoom.mu:
	peer       Peer                         // the session to push to (changes on resume)
	track      *webrtc.TrackLocalStaticRTP  // this member's audio, as forwarded to others
	transcoder *transcoder                  // and in the codecs of listeners without it
	codecs     []media.Codec                // what the member receives, preferred first
	senders    map[string]*webrtc.RTPSender // other member → sender of their audio on pc
	transcoded map[string]*encodedTrack     // other member → their audio in codecs, if not forwarded
	held       map[string]heldSender        // other member → their gated sender, until media_ready
	answers    int                          // answers given so far: the last one's number
	acks       bool                         // the member has sent media_ready: wait for it
	candidates int                          // remote candidates since the last offer
	closed     bool

	negotiate sync.Mutex // one offer at a time
	// open mirrors the member's microphone in the room (set_audio): only
	// an open microphone is forwarded, so a host's CloseMic silences.
	open atomic.Bool
}

// heldSender is a sender waiting for the listener to apply answer.
type heldSender struct {
	answer int
	gate   *gatedTrack
}

// Reasons RTP is dropped (huddle_media_rtp_dropped_total).
const (
	dropUnknownTrack = "unknown_track" // a second track, or video, from one member
	dropPayloadType  = "payload_type"  // a payload type not negotiated for the track
	dropMicClosed    = "mic_closed"    // the member's microphone is closed in the room
)

func newSFU(s *Server) (*sfu, error) {
	var m webrtc.MediaEngine
	// Only the codecs this build can transcode: a server without Opus
	// (no cgo or libopus) negotiates G.711 with everyone, so nobody ever
	// needs a codec it cannot make (README, "Voice").
	codecs := media.Codecs()
	if err := media.RegisterCodecs(&m, codecs); err != nil {
		return nil, err
	}
	var se webrtc.SettingEngine
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// Harmless on a public server (nobody reaches its 127.0.0.1) and what
	// lets clients on the same machine connect without a network.
	se.SetIncludeLoopbackCandidate(true)
	mc := s.cfg.Media
	if len(mc.PublicIPs) > 0 {
		se.SetNAT1To1IPs(mc.PublicIPs, webrtc.ICECandidateTypeHost)
	}
	if mc.PortMin != 0 || mc.PortMax != 0 {
		if err := se.SetEphemeralUDPPortRange(mc.PortMin, mc.PortMax); err != nil {
			return nil, fmt.Errorf("media ports: %w", err)
		}
	}
	// RTCP reports only (receiver reports to each sender, sender reports
	// on what is forwarded). Without a registry pion adds its defaults,
	// and the SFU uses none of the others: the stats recorder (nothing
	// reads the server's GetStats) and TWCC feedback (no congestion
	// control for audio) cost it CPU on every packet
	// (docs/performance.md, "Voice"); NACK is negotiated for video only.
	var reg interceptor.Registry
	if err := webrtc.ConfigureRTCPReports(&reg); err != nil {
		return nil, err
	}
	f := &sfu{
		srv: s, log: s.log.With("part", "sfu"), rooms: make(map[roomKey]*sfuRoom), codecs: codecs,
		api: webrtc.NewAPI(webrtc.WithMediaEngine(&m), webrtc.WithSettingEngine(se), webrtc.WithInterceptorRegistry(&reg)),
	}
	f.forwarded = prometheus.NewCounter(prometheus.CounterOpts{Name: "huddle_media_rtp_forwarded_total", Help: "RTP packets the SFU received from a member and forwarded to the others."})
	f.held = prometheus.NewCounter(prometheus.CounterOpts{Name: "huddle_media_rtp_held_total", Help: "RTP packets the SFU did not send to a listener because it had not yet applied the answer that added their speaker (media_ready)."})
	dropped := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "huddle_media_rtp_dropped_total", Help: "RTP packets the SFU dropped, by reason: unknown_track (a stream it did not negotiate), payload_type (a payload type not negotiated), mic_closed (the member's microphone is closed)."}, []string{"reason"})
	f.transcode = &transcodeMetrics{
		encoders: prometheus.NewGauge(prometheus.GaugeOpts{Name: "huddle_media_transcoders", Help: "Encoders running: one per speaker and codec some listener of theirs did not negotiate, shared by all such listeners."}),
		packets:  prometheus.NewCounterVec(prometheus.CounterOpts{Name: "huddle_media_rtp_transcoded_total", Help: "RTP packets the SFU made by transcoding, by the codec made."}, []string{"codec"}),
		failed:   prometheus.NewCounter(prometheus.CounterOpts{Name: "huddle_media_rtp_undecodable_total", Help: "RTP packets the SFU could not decode to transcode (still forwarded to listeners of their codec)."}),
	}
	s.metrics.reg.MustRegister(f.forwarded, f.held, dropped, f.transcode.encoders, f.transcode.packets, f.transcode.failed)
	f.dropped = map[string]prometheus.Counter{
		dropUnknownTrack: dropped.WithLabelValues(dropUnknownTrack),
		dropPayloadType:  dropped.WithLabelValues(dropPayloadType),
		dropMicClosed:    dropped.WithLabelValues(dropMicClosed),
	}
	return f, nil
}

// join returns user's participant in the meeting, making the room and the
// PeerConnection the first time; MEMBEROVERFLOWERROR when the room is
// full. The caller holds appCalls.mu and has checked membership.
func (f *sfu) join(key roomKey, user string, p Peer, open bool) (*sfuRoom, *participant, protocol.ErrCode) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.rooms[key]
	if r == nil {
		r = &sfuRoom{key: key, parts: make(map[string]*participant)}
		f.rooms[key] = r
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if pt := r.parts[user]; pt != nil {
		pt.peer = p
		pt.open.Store(open)
		return r, pt, protocol.NoErr
	}
	if len(r.parts) >= f.srv.cfg.Limits.MaxMediaMembers {
		return nil, nil, protocol.MemberOverflowError
	}
	pc, err := f.api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		f.log.Error("new peer connection", "err", err)
		return nil, nil, protocol.ServerException
	}
	pt := &participant{user: user, pc: pc, id: rand.Text(), peer: p, senders: make(map[string]*webrtc.RTPSender), transcoded: make(map[string]*encodedTrack), held: make(map[string]heldSender)}
	pt.open.Store(open)
	r.parts[user] = pt
	meet := int(key.meet)
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		j := c.ToJSON()
		r.mu.Lock()
		to := pt.peer
		r.mu.Unlock()
		f.srv.metrics.push(to, protocol.EvMediaCandidate, protocol.MediaCandidate{Meet: meet, Cand: protocol.ICECandidate{Candidate: j.Candidate, SDPMid: j.SDPMid, SDPMLineIndex: j.SDPMLineIndex}})
	})
	pc.OnTrack(func(t *webrtc.TrackRemote, recv *webrtc.RTPReceiver) { f.onTrack(r, pt, t, recv) })
	return r, pt, protocol.NoErr
}

// leave takes user's media out of the meeting: their connection closes and
// the others are asked to offer again without their track. Safe to call
// for a user with no media; the caller may hold appCalls.mu.
func (f *sfu) leave(key roomKey, user string) {
	f.mu.Lock()
	r := f.rooms[key]
	if r == nil {
		f.mu.Unlock()
		return
	}
	r.mu.Lock()
	pt := r.parts[user]
	if pt == nil {
		r.mu.Unlock()
		f.mu.Unlock()
		return
	}
	delete(r.parts, user)
	pt.closed = true
	if len(r.parts) == 0 {
		delete(f.rooms, key)
	}
	f.mu.Unlock()
	var updates []func()
	for _, o := range r.parts {
		if s := o.senders[user]; s != nil {
			delete(o.senders, user)
			delete(o.transcoded, user)
			delete(o.held, user)
			_ = o.pc.RemoveTrack(s)
			updates = append(updates, r.updateFor(f, o))
		}
		if e := pt.transcoded[o.user]; e != nil {
			o.transcoder.release(e)
		}
	}
	r.mu.Unlock()
	for _, u := range updates {
		u()
	}
	// Closing waits for pion's goroutines: never under a lock.
	go pt.pc.Close()
}

// closeAll ends every media connection (server shutdown).
func (f *sfu) closeAll() {
	f.mu.Lock()
	rooms := f.rooms
	f.rooms = make(map[roomKey]*sfuRoom)
	f.mu.Unlock()
	for _, r := range rooms {
		r.mu.Lock()
		for _, pt := range r.parts {
			pt.closed = true
			pt.pc.Close()
		}
		r.mu.Unlock()
	}
}

// updateFor returns the push asking o to offer again, to be sent after
// sfuRoom.mu is released; sfuRoom.mu held.
func (r *sfuRoom) updateFor(f *sfu, o *participant) func() {
	n := 0
	for u, pt := range r.parts {
		if u != o.user && pt.track != nil {
			n++
		}
	}
	to, meet := o.peer, int(r.key.meet)
	return func() {
		f.srv.metrics.push(to, protocol.EvMediaUpdate, protocol.MediaUpdate{Meet: meet, Tracks: n})
	}
}

// onTrack starts forwarding a member's microphone to the others: the
// audio of the first section of their first offer. Any other stream they
// send is dropped, and counted.
func (f *sfu) onTrack(r *sfuRoom, pt *participant, t *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	trs := pt.pc.GetTransceivers()
	mic := len(trs) > 0 && trs[0].Receiver() == recv
	r.mu.Lock()
	if !mic || pt.track != nil || pt.closed || t.Kind() != webrtc.RTPCodecTypeAudio {
		r.mu.Unlock()
		f.drain(t, f.dropped[dropUnknownTrack])
		return
	}
	// Named after the member (track and stream ID), so a client can tell
	// whose audio a track is without waiting for the answer's mapping.
	local, err := webrtc.NewTrackLocalStaticRTP(t.Codec().RTPCodecCapability, pt.user, pt.user)
	if err != nil {
		r.mu.Unlock()
		f.log.Warn("forward track", "err", err)
		return
	}
	codec, _ := codecByMime(f.codecs, t.Codec().MimeType) // negotiated, so one of f.codecs
	tc := newTranscoder(pt.user, codec, f.transcode)
	defer tc.close()
	pt.track, pt.transcoder = local, tc
	var updates []func()
	for u, o := range r.parts {
		if u != pt.user {
			updates = append(updates, r.updateFor(f, o))
		}
	}
	r.mu.Unlock()
	for _, u := range updates {
		u()
	}
	pt0 := t.PayloadType()
	// One buffer and one packet for the track's life (WriteRTP has sent
	// a packet, and the transcoder decoded it, before the next is read):
	// ReadRTP allocates both for every packet, garbage the SFU paid for
	// twice.
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := t.Read(buf)
		if err != nil || pkt.Unmarshal(buf[:n]) != nil {
			return // as ReadRTP's error did
		}
		if pkt.PayloadType != uint8(pt0) {
			f.dropped[dropPayloadType].Inc()
			continue
		}
		if !pt.open.Load() {
			f.dropped[dropMicClosed].Inc()
			continue
		}
		// A listener's failed connection is theirs (it ends or restarts
		// ICE); the others keep hearing.
		if local.WriteRTP(&pkt) == nil {
			f.forwarded.Inc()
		}
		tc.push(&pkt)
	}
}

// drain reads and counts a stream that is not forwarded, so pion's buffers
// do not fill.
func (f *sfu) drain(t *webrtc.TrackRemote, c prometheus.Counter) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := t.Read(buf); err != nil {
			return
		}
		c.Inc()
	}
}

// errSDP is a malformed offer.
var errSDP = errors.New("malformed SDP")

// checkOffer parses an offer before pion sees it, so that a malformed one
// gets a clear ERR_DATA and never touches the member's connection.
func checkOffer(s string) error {
	var d sdp.SessionDescription
	if err := d.UnmarshalString(s); err != nil {
		return fmt.Errorf("%w: %v", errSDP, err)
	}
	if len(d.MediaDescriptions) == 0 {
		return fmt.Errorf("%w: no media sections", errSDP)
	}
	return nil
}

// offer answers a member's offer: their track is received, and every other
// member's track is added to a section they offered to receive, behind a
// gate that opens when the member says it has applied this answer
// (media_ready) or, from a member that never has, after mediaReadyWait.
// (Its first answer needs no wait: no media flows before the member has
// applied it, and the media_ready for it teaches the SFU that this member
// sends them.) Tracks that found no section wait for the next offer (a
// media_update follows).
func (f *sfu) offer(r *sfuRoom, pt *participant, offer string) (protocol.MediaAnswer, protocol.ErrCode, error) {
	pt.negotiate.Lock()
	defer pt.negotiate.Unlock()
	codecs := offeredCodecs(offer, f.codecs)
	if len(codecs) == 0 {
		return protocol.MediaAnswer{}, protocol.ErrData, fmt.Errorf("no audio codec in common: this server speaks %s", strings.Join(codecNames(f.codecs), ", "))
	}
	pt.candidates = 0
	if err := pt.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return protocol.MediaAnswer{}, protocol.ErrData, err
	}
	r.mu.Lock()
	pt.codecs = codecs
	n := pt.answers + 1 // this answer's number
	for u, o := range r.parts {
		if u == pt.user || o.track == nil || pt.senders[u] != nil {
			continue
		}
		track, enc := pt.trackOf(o)
		if track == nil {
			continue
		}
		gate := newGatedTrack(track, f.held)
		s, err := pt.pc.AddTrack(gate)
		if err != nil {
			f.log.Warn("add forwarded track", "err", err)
			if enc != nil {
				o.transcoder.release(enc)
			}
			continue
		}
		pt.senders[u] = s
		pt.held[u] = heldSender{answer: n, gate: gate}
		if !pt.acks {
			time.AfterFunc(mediaReadyWait, gate.release)
		}
		if enc != nil {
			pt.transcoded[u] = enc
		}
		go drainRTCP(s)
	}
	r.mu.Unlock()
	answer, err := pt.pc.CreateAnswer(nil)
	if err != nil {
		return protocol.MediaAnswer{}, protocol.ErrData, err
	}
	if err := pt.pc.SetLocalDescription(answer); err != nil {
		return protocol.MediaAnswer{}, protocol.ErrData, err
	}
	out := protocol.MediaAnswer{SDP: pt.pc.LocalDescription().SDP, Answer: n, Conn: pt.id}
	pending := false
	r.mu.Lock()
	pt.answers = n
	for u, s := range pt.senders {
		mid := ""
		for _, tr := range pt.pc.GetTransceivers() {
			if tr.Sender() == s {
				mid = tr.Mid()
			}
		}
		if mid == "" {
			pending = true
			continue
		}
		out.Tracks = append(out.Tracks, protocol.MediaTrack{Mid: mid, User: u})
	}
	var update func()
	if pending {
		update = r.updateFor(f, pt)
	}
	r.mu.Unlock()
	if update != nil {
		// After the answer (the caller replies first): offer again with
		// more receiving sections.
		defer func() { go update() }()
	}
	return out, protocol.NoErr, nil
}

// ready opens the gates of the senders that answers up to answer added:
// the member has applied it (media_ready).
func (f *sfu) ready(r *sfuRoom, pt *participant, answer int) (protocol.ErrCode, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if answer < 1 || answer > pt.answers {
		return protocol.ErrData, "no such answer: the last was " + strconv.Itoa(pt.answers)
	}
	pt.acks = true
	for u, h := range pt.held {
		if h.answer <= answer {
			h.gate.release()
			delete(pt.held, u)
		}
	}
	return protocol.NoErr, ""
}

// trackOf is the track that carries speaker o's audio to pt: the packets
// as o sent them if pt negotiated o's codec, else o's audio transcoded to
// pt's preferred codec (enc, one more listener of it); nil if o's stream
// has ended. sfuRoom.mu held.
func (pt *participant) trackOf(o *participant) (webrtc.TrackLocal, *encodedTrack) {
	if _, ok := codecByMime(pt.codecs, o.transcoder.from.Capability.MimeType); ok {
		return o.track, nil
	}
	enc := o.transcoder.output(pt.codecs[0])
	if enc == nil {
		return nil, nil
	}
	return enc.track, enc
}

func drainRTCP(s *webrtc.RTPSender) {
	buf := make([]byte, 1500)
	for {
		if _, _, err := s.Read(buf); err != nil {
			return
		}
	}
}

// candidate adds one of the member's trickled candidates, at most
// Limits.MaxICECandidates per offer.
func (f *sfu) candidate(r *sfuRoom, pt *participant, c protocol.ICECandidate) (protocol.ErrCode, string) {
	r.mu.Lock()
	pt.candidates++
	n := pt.candidates
	r.mu.Unlock()
	if n > f.srv.cfg.Limits.MaxICECandidates {
		return protocol.RateLimited, "too many ICE candidates: at most " + strconv.Itoa(f.srv.cfg.Limits.MaxICECandidates) + " per offer"
	}
	if pt.pc.RemoteDescription() == nil {
		return protocol.ErrData, "send media_offer before candidates"
	}
	if err := pt.pc.AddICECandidate(webrtc.ICECandidateInit{Candidate: c.Candidate, SDPMid: c.SDPMid, SDPMLineIndex: c.SDPMLineIndex}); err != nil {
		return protocol.ErrData, "malformed ICE candidate: " + err.Error()
	}
	return protocol.NoErr, ""
}

// setOpen opens or closes user's microphone in the forwarding; the caller
// holds appCalls.mu (rooms.go changed it).
func (f *sfu) setOpen(key roomKey, user string, open bool) {
	if _, pt := f.find(key, user); pt != nil {
		pt.open.Store(open)
	}
}

// find returns user's participant in the room, if any.
func (f *sfu) find(key roomKey, user string) (*sfuRoom, *participant) {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.rooms[key]
	if r == nil {
		return nil, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r, r.parts[user]
}

// has tells whether user's connection in the room is the one named conn
// (MediaAnswer.Conn).
func (f *sfu) has(key roomKey, user, conn string) bool {
	_, pt := f.find(key, user)
	return pt != nil && pt.id == conn
}

// users lists the members with a connection to the SFU in the room.
func (f *sfu) users(key roomKey) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.rooms[key]
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, 0, len(r.parts))
	for u := range r.parts {
		out = append(out, u)
	}
	return out
}
