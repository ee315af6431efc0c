package media

import (
	"fmt"
	"sync"

	"github.com/pion/webrtc/v4"

	"huddle/protocol"
	"huddle/session"
)

// Call is a meeting's voice over a Huddle session: a Peer whose offers,
// answers and candidates travel as media_offer / media_candidate to the
// server's SFU (docs/protocol.md, "Voice"). The owner of the session's
// event loop passes every event to Handle; Call takes the media ones for
// its meeting.
//
// Only the client offers: one negotiation at a time, and a media_update
// that comes during one is answered with a new offer right after it.
type Call struct {
	sess Signaller
	meet int
	peer *Peer

	mu          sync.Mutex
	negotiating bool
	again       bool // offer again once the current negotiation ends
	restart     bool // the next offer restarts ICE
	receivers   int  // receiving sections the SFU asked for
	tracks      map[string]string
	err         error // the last refusal, for Err
	closed      bool
}

// Signaller is what a Call needs of a session: *session.Session, or an
// app's wrapper of it.
type Signaller interface {
	MediaOffer(meetID int, sdp, cookie string)
	MediaCandidate(meetID int, c session.ICECandidate)
}

// ICEServers converts what get_ice_servers returned for pion.
func ICEServers(servers []session.ICEServer) []webrtc.ICEServer {
	out := make([]webrtc.ICEServer, 0, len(servers))
	for _, s := range servers {
		out = append(out, webrtc.ICEServer{URLs: s.URLs, Username: s.Username, Credential: s.Credential})
	}
	return out
}

// StartCall connects meet's voice: it makes the Peer and sends the first
// offer. The session must be signed in and the user in the meeting.
func StartCall(sess Signaller, meet int, cfg PeerConfig) (*Call, error) {
	p, err := NewPeer(cfg)
	if err != nil {
		return nil, err
	}
	c := &Call{sess: sess, meet: meet, peer: p, tracks: make(map[string]string)}
	p.OnCandidate(func(ci webrtc.ICECandidateInit) {
		sess.MediaCandidate(meet, session.ICECandidate{Candidate: ci.Candidate, SDPMid: ci.SDPMid, SDPMLineIndex: ci.SDPMLineIndex})
	})
	// The media path can break while signalling stays up (a new network,
	// a NAT that forgot the mapping): ICE finds no way to the server, and
	// a restart gathers new addresses and tries again, as after a drop.
	p.pc.OnICEConnectionStateChange(func(s webrtc.ICEConnectionState) {
		if s == webrtc.ICEConnectionStateDisconnected || s == webrtc.ICEConnectionStateFailed {
			c.Restart()
		}
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offerLocked()
	return c, nil
}

// Peer is the call's connection (mute, levels, stats).
func (c *Call) Peer() *Peer { return c.peer }

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

// Restart offers again with fresh ICE credentials: after the session came
// back from a drop, or ICE lost its way to the server, the old network
// path may be gone.
func (c *Call) Restart() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	c.restart = true
	if c.negotiating {
		c.again = true
		return
	}
	c.offerLocked()
}

// Close hangs up the media (the meeting itself is the session's business).
func (c *Call) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return c.peer.Close()
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
	case session.MediaAnswer:
		if e.MeetID != c.meet {
			return false
		}
		c.negotiating = false
		if err := c.peer.SetAnswer(e.SDP); err != nil {
			c.err = fmt.Errorf("answer: %w", err)
		}
		clear(c.tracks)
		for _, t := range e.Tracks {
			c.tracks[t.Mid] = t.User
		}
		if c.again {
			c.offerLocked()
		}
	case session.MediaOfferFail:
		if e.MeetID != c.meet {
			return false
		}
		c.negotiating = false
		c.err = fmt.Errorf("offer refused: %v", e.Err)
		if c.again && e.Err == protocol.NoServerRsp {
			c.offerLocked()
		}
	case session.MediaCandidateFail:
		if e.MeetID != c.meet {
			return false
		}
		c.err = fmt.Errorf("candidate refused: %v", e.Err)
	case session.NotifyMediaCandidate:
		if e.MeetID != c.meet {
			return false
		}
		if err := c.peer.AddCandidate(webrtc.ICECandidateInit{Candidate: e.Cand.Candidate, SDPMid: e.Cand.SDPMid, SDPMLineIndex: e.Cand.SDPMLineIndex}); err != nil {
			c.err = err
		}
	case session.NotifyMediaUpdate:
		if e.MeetID != c.meet {
			return false
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

// offerLocked makes and sends an offer with at least c.receivers receiving
// sections; mu held.
func (c *Call) offerLocked() {
	pc := c.peer.pc
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
	c.sess.MediaOffer(c.meet, sdp, "")
}
