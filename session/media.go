package session

import "huddle/protocol"

// Voice signalling: the SDP and ICE candidates of the app's WebRTC
// connection to the server's SFU for one meeting (docs/protocol.md,
// "Voice"). package media drives these for the bot and the app; a browser
// or any other WebRTC endpoint can drive them itself.

// Wire shapes shared with the protocol, as WebRTC names them.
type (
	ICECandidate = protocol.ICECandidate
	MediaTrack   = protocol.MediaTrack
	ICEServer    = protocol.ICEServer
)

// Voice events.
type (
	// MediaAnswer is the SFU's answer to MediaOffer; Tracks says whose
	// audio each receiving section (by mid) carries. Answer numbers it:
	// call MediaReady with it once it is applied. Conn names the
	// connection, for MediaOfferOn.
	MediaAnswer struct {
		MeetID int
		SDP    string
		Tracks []MediaTrack
		Answer int
		Conn   string
		Cookie string
	}
	// MediaOfferFail: ERR_DATA (6) malformed SDP, 800 no such meeting,
	// NOT_IN_MEETING (1201), MEMBEROVERFLOWERROR (802) the meeting's voice
	// is full, MEDIA_CONNECTION_GONE (1203) the server does not have the
	// connection named (MediaOfferOn): open a new one.
	MediaOfferFail struct {
		MeetID int
		Err    ErrCode
		Cookie string
	}
	// MediaCandidateFail: a candidate was refused (ERR_DATA malformed,
	// RATE_LIMITED too many for one offer, NOT_IN_MEETING).
	MediaCandidateFail struct {
		MeetID int
		Gen    int // as given to MediaCandidateFor
		Err    ErrCode
	}
	// MediaReadyFail: MediaReady was refused (ERR_DATA no such answer,
	// NOT_IN_MEETING, MEDIA_MODE_CHANGED).
	MediaReadyFail struct {
		MeetID int
		Gen    int // as given to MediaReady
		Err    ErrCode
	}
	// NotifyMediaCandidate is one of the SFU's ICE candidates.
	NotifyMediaCandidate struct {
		MeetID int
		Cand   ICECandidate
	}
	// NotifyMediaUpdate asks for a new offer with at least Tracks
	// receiving audio sections: the speakers changed.
	NotifyMediaUpdate struct {
		MeetID int
		Tracks int
	}
	GetICEServersSuccess struct {
		Servers []ICEServer
		TTL     int // seconds the TURN credentials last
		Cookie  string
	}
	GetICEServersFail struct {
		Err    ErrCode
		Cookie string
	}
)

func (MediaAnswer) isEvent()          {}
func (MediaOfferFail) isEvent()       {}
func (MediaCandidateFail) isEvent()   {}
func (MediaReadyFail) isEvent()       {}
func (NotifyMediaCandidate) isEvent() {}
func (NotifyMediaUpdate) isEvent()    {}
func (GetICEServersSuccess) isEvent() {}
func (GetICEServersFail) isEvent()    {}

// MediaOffer sends an SDP offer for the meeting's voice. Outcome:
// MediaAnswer or MediaOfferFail.
func (s *Session) MediaOffer(meetID int, sdp, cookie string) {
	s.MediaOfferFor(meetID, 0, sdp, cookie)
}

// MediaOfferFor is MediaOffer from a client that sent MediaJoin: the offer
// belongs to generation gen of the meeting's media modes
// (NotifyMediaMode), and is refused with MEDIA_MODE_CHANGED (1202) once
// the meeting has moved on.
func (s *Session) MediaOfferFor(meetID, gen int, sdp, cookie string) {
	s.MediaOfferOn(meetID, gen, "", sdp, cookie)
}

// MediaOfferOn is MediaOfferFor renegotiating (or restarting ICE on) the
// server's connection conn, the Conn of an earlier MediaAnswer ("" for a
// connection's first offer). A server that does not have conn (the
// meeting's SFU moved to another node) refuses with MEDIA_CONNECTION_GONE
// (1203): the client opens a new connection.
func (s *Session) MediaOfferOn(meetID, gen int, conn, sdp, cookie string) {
	s.call(protocol.OpMediaOffer, protocol.MediaOffer{Meet: meetID, SDP: sdp, Gen: gen, Conn: conn},
		func(m protocol.Message) {
			var a protocol.MediaAnswer
			if err := protocol.Decode(m.D, &a); err != nil {
				s.emit(MediaOfferFail{MeetID: meetID, Err: protocol.ErrData, Cookie: cookie})
				return
			}
			s.emit(MediaAnswer{MeetID: meetID, SDP: a.SDP, Tracks: a.Tracks, Answer: a.Answer, Conn: a.Conn, Cookie: cookie})
		},
		func(code ErrCode) { s.emit(MediaOfferFail{MeetID: meetID, Err: code, Cookie: cookie}) })
}

// MediaCandidate trickles one local ICE candidate to the SFU; only a
// refusal is reported (MediaCandidateFail).
func (s *Session) MediaCandidate(meetID int, c ICECandidate) {
	s.MediaCandidateFor(meetID, 0, c)
}

// MediaCandidateFor is MediaCandidate for generation gen, as
// MediaOfferFor.
func (s *Session) MediaCandidateFor(meetID, gen int, c ICECandidate) {
	s.call(protocol.OpMediaCandidate, protocol.MediaCandidate{Meet: meetID, Cand: c, Gen: gen},
		func(protocol.Message) {},
		func(code ErrCode) { s.emit(MediaCandidateFail{MeetID: meetID, Gen: gen, Err: code}) })
}

// MediaReady tells the SFU that answer (MediaAnswer.Answer, and every one
// before it) is applied: the audio of the speakers it added may come now.
// A client that calls it after every answer never gets RTP it cannot route
// yet; one that never does gets that audio 2 s after the answer. Only a
// refusal is reported (MediaReadyFail). gen: as in MediaOfferFor.
func (s *Session) MediaReady(meetID, gen, answer int) {
	s.call(protocol.OpMediaReady, protocol.MediaReady{Meet: meetID, Answer: answer, Gen: gen},
		func(protocol.Message) {},
		func(code ErrCode) { s.emit(MediaReadyFail{MeetID: meetID, Gen: gen, Err: code}) })
}

// GetICEServers asks for the STUN/TURN servers to use, with fresh TURN
// credentials. Outcome: GetICEServersSuccess (no servers when the server
// runs no TURN) or GetICEServersFail.
func (s *Session) GetICEServers(cookie string) {
	s.call(protocol.OpGetICEServers, nil,
		func(m protocol.Message) {
			var r protocol.ICEServers
			if err := protocol.Decode(m.D, &r); err != nil {
				s.emit(GetICEServersFail{Err: protocol.ErrData, Cookie: cookie})
				return
			}
			s.emit(GetICEServersSuccess{Servers: r.Servers, TTL: r.TTL, Cookie: cookie})
		},
		func(code ErrCode) { s.emit(GetICEServersFail{Err: code, Cookie: cookie}) })
}

func (s *Session) onMediaCandidate(_ *link, m protocol.Message) {
	var c protocol.MediaCandidate
	if protocol.Decode(m.D, &c) == nil {
		s.emit(NotifyMediaCandidate{MeetID: c.Meet, Cand: c.Cand})
	}
}

func (s *Session) onMediaUpdate(_ *link, m protocol.Message) {
	var u protocol.MediaUpdate
	if protocol.Decode(m.D, &u) == nil {
		s.emit(NotifyMediaUpdate{MeetID: u.Meet, Tracks: u.Tracks})
	}
}
