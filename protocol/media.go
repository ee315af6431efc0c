package protocol

// Voice: WebRTC signalling between a client and the server's SFU for one
// meeting. docs/protocol.md, "Voice", describes the exchange.
const (
	OpMediaOffer     = "media_offer"     // MediaOffer → MediaAnswer
	OpMediaCandidate = "media_candidate" // MediaCandidate → empty
	OpMediaReady     = "media_ready"     // MediaReady → empty
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
	// Gen, from a client that sent media_join, is the mode generation
	// (MediaMode) the offer belongs to: one of an older one is refused.
	Gen int `json:"gen,omitempty"`
	// Conn, on an offer that renegotiates or restarts a connection the
	// server answered before, is that answer's Conn: a server without that
	// connection (the meeting's node changed) refuses the offer with
	// MediaConnectionGone instead of answering it on a new one. Empty: the
	// connection's first offer (or a client that does not know Conn).
	Conn string `json:"conn,omitempty"`
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
	// Answer numbers the SFU's answers on the member's connection, from 1:
	// media_ready names the one applied.
	Answer int `json:"answer"`
	// Conn names the member's connection on the server (the same in every
	// answer on it), for the next offers' MediaOffer.Conn.
	Conn string `json:"conn,omitempty"`
}

// MediaReady says that the client has applied answer Answer (and every
// one before it): the SFU starts sending the audio of the speakers those
// answers added. A connection that has sent one gets a new speaker's audio
// only then; one that never has (an older client) 2 s after the answer.
// Gen: as in MediaOffer.
type MediaReady struct {
	Meet   int `json:"meet"`
	Answer int `json:"answer"`
	Gen    int `json:"gen,omitempty"`
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
	// Gen: as in MediaOffer (client to server only).
	Gen int `json:"gen,omitempty"`
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

// Direct media: a two-member meeting whose members both declared they can
// do it (media_join) carries its audio peer to peer, the server relaying
// only the signalling (direct_signal). docs/protocol.md, "Voice".
const (
	OpMediaJoin    = "media_join"    // MediaJoin → empty; a media_mode push follows
	OpDirectSignal = "direct_signal" // DirectSignal → empty
	OpDirectFailed = "direct_failed" // DirectFailed → empty; a media_mode push follows
)

const (
	EvMediaMode    = "media_mode"    // MediaMode: how this member's audio flows now
	EvDirectSignal = "direct_signal" // DirectSignal: from the other member, with From
)

// MediaModeChanged (Huddle's own, 1202) answers media signalling meant for
// a mode the meeting is no longer in: a direct_signal of an old generation
// or outside direct mode, a media_offer while the member's audio is direct.
const MediaModeChanged ErrCode = 1202

// MediaConnectionGone (Huddle's own, 1203) answers a media_offer for a
// connection (MediaOffer.Conn) the server does not have: the meeting's
// SFU moved to another node (its home died or stopped) or the connection
// was closed. WebRTC cannot carry the old connection over to a new
// server (DTLS is not renegotiated), so the client closes its connection
// and opens a new one (a first offer, without Conn).
const MediaConnectionGone ErrCode = 1203

// Media modes (MediaMode.Mode).
const (
	ModeSFU    = "sfu"    // through the server's SFU: media_offer
	ModeDirect = "direct" // peer to peer with MediaMode.Peer: direct_signal
)

// MediaJoin asks for a meeting's audio and declares that this client can
// carry it directly to one other member. Codecs are the audio codecs it
// sends and receives (MIME types, e.g. "audio/opus", "audio/PCMU"): two
// members go direct only if they share one (the SFU transcodes for those
// who do not); none listed is taken as sharing.
type MediaJoin struct {
	Meet   int      `json:"meet"`
	Codecs []string `json:"codecs,omitempty"`
}

// MediaMode says how a member's audio in Meet flows. Gen numbers the
// meeting's modes; every change of mode or of the pair is a new one, and
// signalling of an older one is void. In direct mode Peer is the other
// member, Offerer says whether this member makes the offer, and Mic
// whether its microphone is open in the room: only then does it send
// (the server forwards nothing in direct mode, so it cannot silence it).
type MediaMode struct {
	Meet    int    `json:"meet"`
	Gen     int    `json:"gen"`
	Mode    string `json:"mode"`
	Peer    string `json:"peer,omitempty"`
	Offerer bool   `json:"offerer,omitempty"`
	Mic     bool   `json:"mic,omitempty"`
}

// DirectFailed says that the direct connection of generation Gen never
// connected: the server moves the meeting to the SFU and does not put the
// same two members on a direct connection again while both stay in it.
type DirectFailed struct {
	Meet int `json:"meet"`
	Gen  int `json:"gen"`
}

// SessionDescription is RTCSessionDescriptionInit.
type SessionDescription struct {
	Type string `json:"type"` // "offer" or "answer"
	SDP  string `json:"sdp"`
}

// DirectSignal is one SDP or one trickled ICE candidate (exactly one of
// the two) for the direct connection of generation Gen, sent to the
// server and pushed on to the other member with From set.
type DirectSignal struct {
	Meet int                 `json:"meet"`
	Gen  int                 `json:"gen"`
	From string              `json:"from,omitempty"`
	SDP  *SessionDescription `json:"sdp,omitempty"`
	Cand *ICECandidate       `json:"cand,omitempty"`
}
