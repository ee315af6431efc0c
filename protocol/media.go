package protocol

// Voice: WebRTC signalling between a client and the server's SFU for one
// meeting. docs/protocol.md, "Voice", describes the exchange.
const (
	OpMediaOffer     = "media_offer"     // MediaOffer → MediaAnswer
	OpMediaCandidate = "media_candidate" // MediaCandidate → empty
	OpGetICEServers  = "get_ice_servers" // no payload → ICEServers
)

const (
	EvMediaCandidate = "media_candidate" // MediaCandidate: one of the server's
	EvMediaUpdate    = "media_update"    // MediaUpdate: offer again
)

// NotInMeeting (Huddle's own, 1201) answers a media request for a meeting
// the user is not in.
const NotInMeeting ErrCode = 1201

// MediaOffer is the client's SDP offer for its connection to the meeting's
// SFU: the first, a renegotiation (after media_update) or an ICE restart.
type MediaOffer struct {
	Meet int    `json:"meet"`
	SDP  string `json:"sdp"`
}

// MediaTrack says whose audio a media section (by its mid) of the answer
// carries.
type MediaTrack struct {
	Mid  string `json:"mid"`
	User string `json:"user"`
}

// MediaAnswer is the SFU's answer to a MediaOffer.
type MediaAnswer struct {
	SDP    string       `json:"sdp"`
	Tracks []MediaTrack `json:"tracks,omitempty"`
}

// ICECandidate is RTCIceCandidateInit, as browsers write it.
type ICECandidate struct {
	Candidate     string  `json:"candidate"`
	SDPMid        *string `json:"sdpMid,omitempty"`
	SDPMLineIndex *uint16 `json:"sdpMLineIndex,omitempty"`
}

// MediaCandidate is one trickled ICE candidate, either way.
type MediaCandidate struct {
	Meet int          `json:"meet"`
	Cand ICECandidate `json:"cand"`
}

// MediaUpdate asks the client to offer again: the speakers it should
// receive changed. Tracks is how many remote audio tracks the SFU has for
// it; the offer should carry at least that many receiving sections.
type MediaUpdate struct {
	Meet   int `json:"meet"`
	Tracks int `json:"tracks"`
}

// ICEServer is RTCIceServer: STUN/TURN URLs and, for TURN, credentials.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// ICEServers answers get_ice_servers. TURN credentials expire after TTL
// seconds: ask again before then.
type ICEServers struct {
	Servers []ICEServer `json:"servers"`
	TTL     int         `json:"ttl,omitempty"`
}
