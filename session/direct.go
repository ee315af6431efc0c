package session

import "huddle/protocol"

// Direct media (docs/protocol.md, "Voice"): a client that can carry a
// two-member meeting's audio peer to peer says so with MediaJoin; the
// server then tells it, with NotifyMediaMode, whether to connect to the
// SFU (MediaOffer) or to the other member (DirectSignal), and tells it
// again whenever that changes. package media drives these.

// Wire shapes shared with the protocol.
type SessionDescription = protocol.SessionDescription

// The media modes NotifyMediaMode.Mode takes.
const (
	ModeSFU    = protocol.ModeSFU
	ModeDirect = protocol.ModeDirect
)

// Direct media events.
type (
	// MediaJoinFail: 800 no such meeting, NOT_IN_MEETING (1201),
	// MEMBEROVERFLOWERROR (802) the meeting's voice is full.
	MediaJoinFail struct {
		MeetID int
		Err    ErrCode
		Cookie string
	}
	// NotifyMediaMode says how this member's audio in MeetID flows from
	// now: Mode "sfu" (offer to the server) or "direct" (connect to Peer;
	// Offerer makes the offer; send audio only while MicOpen). Gen
	// numbers the meeting's modes: signalling of another Gen is void.
	NotifyMediaMode struct {
		MeetID  int
		Gen     int
		Mode    string
		Peer    string
		Offerer bool
		MicOpen bool
	}
	// NotifyDirectSignal is the other member's SDP or ICE candidate (one
	// of the two is set) for the direct connection of generation Gen.
	NotifyDirectSignal struct {
		MeetID int
		Gen    int
		From   string
		SDP    *SessionDescription
		Cand   *ICECandidate
	}
	// DirectSignalFail: a DirectSignal was refused: ERR_DATA (6)
	// malformed or the wrong SDP type for this member, RATE_LIMITED too
	// many candidates, NOT_IN_MEETING, MEDIA_MODE_CHANGED (1202) the
	// meeting is no longer in generation Gen of direct mode.
	DirectSignalFail struct {
		MeetID int
		Gen    int
		Err    ErrCode
	}
	// DirectFailedFail: a DirectFailed was refused: 800 no such meeting,
	// NOT_IN_MEETING, MEDIA_MODE_CHANGED (1202) the meeting is no longer
	// in generation Gen of direct mode (the other member said it first,
	// or the meeting changed anyway).
	DirectFailedFail struct {
		MeetID int
		Gen    int
		Err    ErrCode
	}
)

func (MediaJoinFail) isEvent()      {}
func (NotifyMediaMode) isEvent()    {}
func (NotifyDirectSignal) isEvent() {}
func (DirectSignalFail) isEvent()   {}
func (DirectFailedFail) isEvent()   {}

// MediaJoin asks for the meeting's audio, able to go direct with the
// audio codecs given (MIME types; the other member must share one).
// Outcome: NotifyMediaMode, or MediaJoinFail.
func (s *Session) MediaJoin(meetID int, codecs []string, cookie string) {
	s.call(protocol.OpMediaJoin, protocol.MediaJoin{Meet: meetID, Codecs: codecs},
		func(protocol.Message) {},
		func(code ErrCode) { s.emit(MediaJoinFail{MeetID: meetID, Err: code, Cookie: cookie}) })
}

// DirectSignal sends an SDP offer or answer (sdp) or one trickled ICE
// candidate (cand) to the other member of a direct-mode meeting, for
// generation gen; only a refusal is reported (DirectSignalFail).
func (s *Session) DirectSignal(meetID, gen int, sdp *SessionDescription, cand *ICECandidate) {
	s.call(protocol.OpDirectSignal, protocol.DirectSignal{Meet: meetID, Gen: gen, SDP: sdp, Cand: cand},
		func(protocol.Message) {},
		func(code ErrCode) { s.emit(DirectSignalFail{MeetID: meetID, Gen: gen, Err: code}) })
}

// DirectFailed tells the server that the direct connection of generation
// gen never connected (the two members cannot reach each other): it moves
// the meeting to the SFU with a NotifyMediaMode. Only a refusal is
// reported (DirectFailedFail).
func (s *Session) DirectFailed(meetID, gen int) {
	s.call(protocol.OpDirectFailed, protocol.DirectFailed{Meet: meetID, Gen: gen},
		func(protocol.Message) {},
		func(code ErrCode) { s.emit(DirectFailedFail{MeetID: meetID, Gen: gen, Err: code}) })
}

func (s *Session) onMediaMode(_ *link, m protocol.Message) {
	var mm protocol.MediaMode
	if protocol.Decode(m.D, &mm) == nil {
		s.emit(NotifyMediaMode{MeetID: mm.Meet, Gen: mm.Gen, Mode: mm.Mode, Peer: mm.Peer, Offerer: mm.Offerer, MicOpen: mm.Mic})
	}
}

func (s *Session) onDirectSignal(_ *link, m protocol.Message) {
	var d protocol.DirectSignal
	if protocol.Decode(m.D, &d) == nil {
		s.emit(NotifyDirectSignal{MeetID: d.Meet, Gen: d.Gen, From: d.From, SDP: d.SDP, Cand: d.Cand})
	}
}
