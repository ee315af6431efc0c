package media

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/webrtc/v4"

	"huddle/protocol"
	"huddle/session"
)

// Call is a meeting's voice over a Huddle session (docs/protocol.md,
// "Voice"). The owner of the session's event loop passes every event to
// Handle; Call takes the media ones for its meeting.
//
// StartCall declares that this client can carry the audio directly
// (media_join); the server answers with the meeting's mode (media_mode)
// and says it again whenever it changes: "direct" (two members who both
// can: peer to peer, through TURN if they cannot reach each other) or
// "sfu" (through the server). Each mode is a leg, its own Peer; the legs
// take turns with the call's Source and Sink. A change of mode closes the
// old leg and opens the new one, without the user doing anything.
// StartSFUCall always goes through the SFU, as clients that cannot go
// direct do.
//
// A direct leg that has not connected within DirectConnectTimeout (or
// whose ICE failed before it ever connected) will not: the two members
// cannot reach each other. The call says so (direct_failed) and the server
// moves the meeting to the SFU, which both reach. A direct leg that was
// connected and then dropped restarts instead (Restart).
//
// On an SFU leg only the client offers: one negotiation at a time, and a
// media_update that comes during one is answered with a new offer right
// after it. Each answer, once applied, is acknowledged (media_ready): the
// SFU sends the audio of the speakers it added only then. Every offer
// after the first names the server's connection; a server that does not
// have it (the meeting's SFU moved to another node of a cluster) refuses,
// and the leg is replaced by a new one: the new SFU's DTLS certificate
// cannot be taken on by the old connection. On a direct leg the member the server names offerer offers
// and the other answers, through direct_signal.
type Call struct {
	sess   Signaller
	meet   int
	cfg    PeerConfig // Source and Sink shared by every leg
	direct bool       // declared it can go direct (StartCall)
	id     int64      // tells this call's answers from an earlier call's

	mu      sync.Mutex
	peer    *Peer  // the current leg; nil before the first media_mode
	gen     int    // the server's mode generation the leg belongs to
	legs    int    // legs opened: a new SFU leg of the same gen has new cookies
	mode    string // protocol.ModeSFU or ModeDirect; "" before the first
	remote  string // direct: the other member
	offerer bool   // direct: this side offers
	// connecting fires DirectConnectTimeout after a direct leg opened.
	connecting  *time.Timer
	unreachable int // the generation reported unreachable, 0 if none
	// The SFU leg's negotiation:
	negotiating bool
	again       bool   // offer again once the current negotiation ends
	restart     bool   // the next offer restarts ICE
	receivers   int    // receiving sections the SFU asked for
	conn        string // the server's name for the leg's connection, from its answers
	tracks      map[string]string
	err         error // the last refusal, for Err
	closed      bool
	closing     sync.WaitGroup // old legs being closed
}

var callIDs atomic.Int64

// Signaller is what a Call needs of a session: *session.Session, or an
// app's wrapper of it.
type Signaller interface {
	MediaOfferOn(meetID, gen int, conn, sdp, cookie string)
	MediaReady(meetID, gen, answer int)
	MediaCandidateFor(meetID, gen int, c session.ICECandidate)
	MediaJoin(meetID int, codecs []string, cookie string)
	DirectSignal(meetID, gen int, sdp *session.SessionDescription, cand *session.ICECandidate)
	DirectFailed(meetID, gen int)
}

// DirectConnectTimeout bounds a direct leg's set-up: ICE and DTLS take
// well under a second between two hosts that reach each other, and a few
// through a distant TURN relay. A leg not connected by then is reported
// and the call moves to the SFU; the users hear nothing until then.
const DirectConnectTimeout = 6 * time.Second

// ICEServers converts what get_ice_servers returned for pion.
func ICEServers(servers []session.ICEServer) []webrtc.ICEServer {
	out := make([]webrtc.ICEServer, 0, len(servers))
	for _, s := range servers {
		out = append(out, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return out
}

// StartCall connects meet's voice, directly to the other member when the
// server says so, through its SFU otherwise. The session must be signed
// in and the user in the meeting. cfg.ICEServers should hold the server's
// TURN (get_ice_servers): it is what connects two members who cannot
// reach each other.
func StartCall(sess Signaller, meet int, cfg PeerConfig) (*Call, error) {
	c := newCall(sess, meet, cfg)
	c.direct = true
	sess.MediaJoin(meet, c.codecNames(), c.cookie())
	return c, nil
}

// StartSFUCall connects meet's voice through the server's SFU whatever
// the meeting's size: the first offer goes out now.
func StartSFUCall(sess Signaller, meet int, cfg PeerConfig) (*Call, error) {
	c := newCall(sess, meet, cfg)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.openLegLocked(protocol.MediaMode{Mode: protocol.ModeSFU}); err != nil {
		return nil, err
	}
	return c, nil
}

func newCall(sess Signaller, meet int, cfg PeerConfig) *Call {
	if cfg.Source != nil {
		cfg.Source = &sharedSource{s: cfg.Source}
	}
	if cfg.Sink != nil {
		cfg.Sink = &sharedSink{s: cfg.Sink}
	}
	return &Call{sess: sess, meet: meet, cfg: cfg, id: callIDs.Add(1), tracks: make(map[string]string)}
}

// sharedSource and sharedSink let an old leg finish its last frame while
// the new one starts.
type sharedSource struct {
	mu sync.Mutex
	s  Source
}

func (s *sharedSource) ReadFrame(pcm []int16) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.s.ReadFrame(pcm)
}

type sharedSink struct {
	mu sync.Mutex
	s  Sink
}

func (s *sharedSink) WriteFrame(pcm []int16) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.s.WriteFrame(pcm)
}

// codecNames are the MIME types of the codecs the call's legs offer.
func (c *Call) codecNames() []string {
	codecs := c.cfg.Codecs
	if codecs == nil {
		codecs = Codecs()
	}
	out := make([]string, 0, len(codecs))
	for _, k := range codecs {
		out = append(out, k.Capability.MimeType)
	}
	return out
}

// cookie marks this call's requests, per leg.
func (c *Call) cookie() string {
	return "call" + strconv.FormatInt(c.id, 10) + "." + strconv.Itoa(c.gen) + "." + strconv.Itoa(c.legs)
}

// Peer is the current leg's connection (stats, the pion connection); nil
// until the server has said the mode. Levels and Mode are the call's.
func (c *Call) Peer() *Peer {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peer
}

// Mode is how the audio flows now: protocol.ModeDirect, ModeSFU, or ""
// before the server has said.
func (c *Call) Mode() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mode
}

// Meet is the meeting the call is in.
func (c *Call) Meet() int { return c.meet }

// Err is the last refusal from the server (nil if none).
func (c *Call) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Speakers maps each receiving section's mid to the member whose audio it
// carries, as of the last answer.
func (c *Call) Speakers() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]string, len(c.tracks))
	for k, v := range c.tracks {
		out[k] = v
	}
	return out
}

// Levels are how loud each member is right now (0..1), by user ID: the SFU
// names each track after its member; a direct leg's one track is the
// other member's.
func (c *Call) Levels() map[string]float64 {
	c.mu.Lock()
	p, mode, remote := c.peer, c.mode, c.remote
	c.mu.Unlock()
	if p == nil {
		return map[string]float64{}
	}
	levels := p.Levels()
	if mode != protocol.ModeDirect {
		return levels
	}
	out := make(map[string]float64, 1)
	for _, l := range levels {
		out[remote] = max(out[remote], l)
	}
	return out
}

// Restart reconnects after the session came back from a drop, when the
// old network path may be gone: an SFU leg offers again with fresh ICE
// credentials; a direct one asks the server for a new generation, so that
// both sides connect afresh.
func (c *Call) Restart() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.restartLocked()
}

// legLost restarts leg p if it is still the call's: the media path can
// break while signalling stays up (a new network, a NAT that forgot the
// mapping), and a restart gathers new addresses and tries again.
func (c *Call) legLost(p *Peer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.peer != p:
	case c.mode == protocol.ModeDirect && !connected(p):
		c.unreachableLocked()
	default:
		c.restartLocked()
	}
}

// directTimedOut: leg p was opened DirectConnectTimeout ago.
func (c *Call) directTimedOut(p *Peer) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.peer == p && !connected(p) {
		c.unreachableLocked()
	}
}

// unreachableLocked reports, once, that the current direct leg cannot
// connect; the server's answer is a media_mode of the SFU; mu held.
func (c *Call) unreachableLocked() {
	if c.closed || c.unreachable == c.gen {
		return
	}
	c.unreachable = c.gen
	c.sess.DirectFailed(c.meet, c.gen)
}

// connected says whether p's connection has ever been up.
func connected(p *Peer) bool {
	select {
	case <-p.Connected():
		return true
	default:
		return false
	}
}

// restartLocked: Restart, mu held.
func (c *Call) restartLocked() {
	if c.closed {
		return
	}
	if c.direct && c.mode != protocol.ModeSFU {
		c.sess.MediaJoin(c.meet, c.codecNames(), c.cookie())
		return
	}
	c.restart = true
	if c.negotiating {
		c.again = true
		return
	}
	c.offerLocked()
}

// Close hangs up the media (the meeting itself is the session's business)
// and returns once no leg uses the Source or Sink any more.
func (c *Call) Close() error {
	c.mu.Lock()
	c.closed = true
	p := c.peer
	c.peer = nil
	c.stopConnectingLocked()
	c.mu.Unlock()
	var err error
	if p != nil {
		err = p.Close()
	}
	c.closing.Wait()
	return err
}

// Handle takes the session events that belong to this call and reports
// whether it did.
func (c *Call) Handle(ev session.Event) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	switch e := ev.(type) {
	case session.NotifyMediaMode:
		if e.MeetID != c.meet || !c.direct {
			return false
		}
		switch {
		case e.Gen == c.gen && c.peer != nil:
			// The same leg: only the microphone changed.
			if c.mode == protocol.ModeDirect {
				c.peer.SetMuted(!e.MicOpen)
			}
		case e.Gen > c.gen:
			if err := c.openLegLocked(protocol.MediaMode{Meet: e.MeetID, Gen: e.Gen, Mode: e.Mode, Peer: e.Peer, Offerer: e.Offerer, Mic: e.MicOpen}); err != nil {
				c.err = err
			}
		}
	case session.MediaJoinFail:
		if e.MeetID != c.meet || !c.ours(e.Cookie) {
			return false
		}
		c.err = fmt.Errorf("media_join refused: %v", e.Err)
	case session.NotifyDirectSignal:
		if e.MeetID != c.meet {
			return false
		}
		if e.Gen == c.gen && c.mode == protocol.ModeDirect && c.peer != nil {
			c.directSignalLocked(e)
		}
	case session.DirectSignalFail:
		if e.MeetID != c.meet {
			return false
		}
		if e.Gen == c.gen {
			c.err = fmt.Errorf("direct signal refused: %v", e.Err)
		}
	case session.DirectFailedFail:
		if e.MeetID != c.meet {
			return false
		}
		if e.Gen == c.gen && e.Err != protocol.MediaModeChanged {
			// A server that does not take the report (one from before
			// direct_failed answers 6): try directly afresh, as before.
			c.err = fmt.Errorf("direct_failed refused: %v", e.Err)
			c.restartLocked()
		}
	case session.MediaAnswer:
		if e.MeetID != c.meet || !c.ours(e.Cookie) {
			return false
		}
		if e.Cookie != c.cookie() || c.mode != protocol.ModeSFU {
			return true // an earlier leg's
		}
		c.negotiating = false
		c.conn = e.Conn
		if err := c.peer.SetAnswer(e.SDP); err != nil {
			c.err = fmt.Errorf("answer: %w", err)
		} else if e.Answer > 0 { // 0: a server without media_ready
			c.sess.MediaReady(c.meet, c.gen, e.Answer)
		}
		clear(c.tracks)
		for _, t := range e.Tracks {
			c.tracks[t.Mid] = t.User
		}
		if c.again {
			c.offerLocked()
		}
	case session.MediaOfferFail:
		if e.MeetID != c.meet || !c.ours(e.Cookie) {
			return false
		}
		if e.Cookie != c.cookie() || c.mode != protocol.ModeSFU {
			return true
		}
		c.negotiating = false
		if e.Err == protocol.MediaConnectionGone {
			if err := c.openLegLocked(protocol.MediaMode{Meet: c.meet, Gen: c.gen, Mode: protocol.ModeSFU}); err != nil {
				c.err = err
			}
			return true
		}
		c.err = fmt.Errorf("offer refused: %v", e.Err)
		if c.again && e.Err == protocol.NoServerRsp {
			c.offerLocked()
		}
	case session.MediaCandidateFail:
		if e.MeetID != c.meet {
			return false
		}
		if e.Gen == c.gen && c.mode == protocol.ModeSFU {
			c.err = fmt.Errorf("candidate refused: %v", e.Err)
		}
	case session.MediaReadyFail:
		if e.MeetID != c.meet {
			return false
		}
		if e.Gen == c.gen && c.mode == protocol.ModeSFU {
			c.err = fmt.Errorf("media_ready refused: %v", e.Err)
		}
	case session.NotifyMediaCandidate:
		if e.MeetID != c.meet {
			return false
		}
		if c.mode != protocol.ModeSFU || c.peer == nil {
			return true
		}
		if err := c.peer.AddCandidate(webrtc.ICECandidateInit{Candidate: e.Cand.Candidate, SDPMid: e.Cand.SDPMid, SDPMLineIndex: e.Cand.SDPMLineIndex}); err != nil {
			c.err = err
		}
	case session.NotifyMediaUpdate:
		if e.MeetID != c.meet {
			return false
		}
		if c.mode != protocol.ModeSFU {
			return true
		}
		c.receivers = max(c.receivers, e.Tracks)
		if c.negotiating {
			c.again = true
		} else {
			c.offerLocked()
		}
	default:
		return false
	}
	return true
}

// ours: a cookie of this call's, of any leg.
func (c *Call) ours(cookie string) bool {
	id := "call" + strconv.FormatInt(c.id, 10) + "."
	return len(cookie) >= len(id) && cookie[:len(id)] == id
}

// openLegLocked closes the current leg, if any, and opens one for mode m;
// mu held. The old leg's goroutines may still run for a frame: the shared
// Source and Sink take turns.
func (c *Call) openLegLocked(m protocol.MediaMode) error {
	if old := c.peer; old != nil {
		c.peer = nil
		c.closing.Add(1)
		go func() {
			defer c.closing.Done()
			old.Close()
		}()
	}
	c.stopConnectingLocked()
	c.gen, c.mode, c.remote, c.offerer = m.Gen, m.Mode, m.Peer, m.Offerer
	c.legs++
	c.negotiating, c.again, c.restart, c.receivers, c.conn = false, false, false, 0, ""
	clear(c.tracks)
	if m.Mode != protocol.ModeSFU && m.Mode != protocol.ModeDirect {
		return fmt.Errorf("unknown media mode %q", m.Mode)
	}
	p, err := NewPeer(c.cfg)
	if err != nil {
		return err
	}
	c.peer = p
	p.pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		if s == webrtc.ICEConnectionStateDisconnected || s == webrtc.ICEConnectionStateFailed {
			c.legLost(p)
		}
	})
	meet, gen := c.meet, c.gen
	if m.Mode == protocol.ModeSFU {
		p.OnCandidate(func(ci webrtc.ICECandidateInit) {
			c.sess.MediaCandidateFor(meet, gen, session.ICECandidate{Candidate: ci.Candidate, SDPMid: ci.SDPMid, SDPMLineIndex: ci.SDPMLineIndex})
		})
		c.offerLocked()
		return nil
	}
	// Direct: the server cannot silence this side, so it sends only while
	// its microphone is open in the room.
	p.SetMuted(!m.Mic)
	c.connecting = time.AfterFunc(DirectConnectTimeout, func() { c.directTimedOut(p) })
	p.OnCandidate(func(ci webrtc.ICECandidateInit) {
		c.sess.DirectSignal(meet, gen, nil, &session.ICECandidate{Candidate: ci.Candidate, SDPMid: ci.SDPMid, SDPMLineIndex: ci.SDPMLineIndex})
	})
	if m.Offerer {
		sdp, err := p.Offer(false)
		if err != nil {
			return fmt.Errorf("offer: %w", err)
		}
		c.trackRemoteLocked()
		c.sess.DirectSignal(meet, gen, &session.SessionDescription{Type: "offer", SDP: sdp}, nil)
	}
	return nil
}

// stopConnectingLocked stops the current direct leg's set-up clock; mu
// held.
func (c *Call) stopConnectingLocked() {
	if c.connecting != nil {
		c.connecting.Stop()
		c.connecting = nil
	}
}

// directSignalLocked applies the other member's SDP or candidate; mu held.
func (c *Call) directSignalLocked(e session.NotifyDirectSignal) {
	switch {
	case e.Cand != nil:
		if err := c.peer.AddCandidate(webrtc.ICECandidateInit{Candidate: e.Cand.Candidate, SDPMid: e.Cand.SDPMid, SDPMLineIndex: e.Cand.SDPMLineIndex}); err != nil {
			c.err = err
		}
	case e.SDP != nil && e.SDP.Type == "offer" && !c.offerer:
		sdp, err := c.peer.Answer(e.SDP.SDP)
		if err != nil {
			c.err = fmt.Errorf("direct offer: %w", err)
			return
		}
		c.trackRemoteLocked()
		c.sess.DirectSignal(c.meet, c.gen, &session.SessionDescription{Type: "answer", SDP: sdp}, nil)
	case e.SDP != nil && e.SDP.Type == "answer" && c.offerer:
		if err := c.peer.SetAnswer(e.SDP.SDP); err != nil {
			c.err = fmt.Errorf("direct answer: %w", err)
		}
	}
}

// trackRemoteLocked notes that the direct leg's audio section carries the
// other member; mu held.
func (c *Call) trackRemoteLocked() {
	for _, t := range c.peer.pc.GetTransceivers() {
		if t.Sender() == c.peer.sender && t.Mid() != "" {
			c.tracks[t.Mid()] = c.remote
		}
	}
}

// offerLocked makes and sends an offer to the SFU with at least
// c.receivers receiving sections; mu held.
func (c *Call) offerLocked() {
	if c.peer == nil {
		return
	}
	pc := c.peer.pc
	if pc.ConnectionState() == webrtc.PeerConnectionStateClosed {
		// The server ended the connection: a home that stops closes its
		// DTLS, and pion then closes the connection, which cannot offer
		// again. A new one can.
		if err := c.openLegLocked(protocol.MediaMode{Meet: c.meet, Gen: c.gen, Mode: protocol.ModeSFU}); err != nil {
			c.err = err
		}
		return
	}
	if pending := pc.PendingLocalDescription(); pending != nil && pending.Type == webrtc.SDPTypeOffer {
		// The last offer was never answered (refused, or its answer lost
		// with the session) and pion can neither withdraw it (no rollback
		// of a local offer) nor make another on top of it: it goes again,
		// and the offer wanted now follows its answer.
		c.again, c.negotiating = true, true
		c.sess.MediaOfferOn(c.meet, c.gen, c.conn, pending.SDP, c.cookie())
		return
	}
	have := 0
	for _, t := range pc.GetTransceivers() {
		if t.Sender() != c.peer.sender {
			have++
		}
	}
	for ; have < c.receivers; have++ {
		if _, err := pc.AddTransceiverFromKind(webrtc.RTPCodecTypeAudio, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionRecvonly}); err != nil {
			c.err = err
			return
		}
	}
	sdp, err := c.peer.Offer(c.restart)
	if err != nil {
		c.err = fmt.Errorf("offer: %w", err)
		return
	}
	c.restart, c.again, c.negotiating = false, false, true
	c.sess.MediaOfferOn(c.meet, c.gen, c.conn, sdp, c.cookie())
}
