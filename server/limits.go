package server

import (
	"time"

	"huddle/protocol"
)

// Limits names every bound the server enforces, with its default. Each one,
// when hit, is answered with an error code or a close reason that says so,
// and touches only the connection (or the IP address) that hit it.
// docs/security.md says what each one defends against.
type Limits struct {
	// MaxFrame is the largest control (text) message a client may send; data
	// frames may be up to Chunk plus their header. Above either
	// it the connection is closed with 1009 (message too big).
	MaxFrame int64
	// SendQueue is how many control messages, and SendQueueBytes how many
	// bytes of them, may wait for a slow client before it is disconnected
	// with CloseSlowConsumer.
	SendQueue      int
	SendQueueBytes int
	// ReplayBuffer is how many pushes, and ReplayBufferBytes how many bytes
	// of them, the server keeps per session until the client acknowledges
	// them, to replay after a drop (replay.go). Past either the oldest is
	// dropped; a resume that would need it is answered as a new session
	// (state lost), and a parked session that has to drop one ends at once.
	ReplayBuffer      int
	ReplayBufferBytes int
	// MaxBatch caps the bytes of control messages coalesced into one frame.
	MaxBatch int
	// ListPageBytes bounds one reply to get_user_status or get_meetings:
	// longer lists go in pages the client asks for one by one (pages.go),
	// so a big organisation's list never overflows the send queue. It is
	// at most half of SendQueueBytes, leaving room for pushes.
	ListPageBytes int
	// LoginTimeout is how long a new connection has to say hello and log in.
	LoginTimeout time.Duration
	// PingInterval is how often the server pings; PongWait is how long it
	// waits for any sign of life before dropping the connection.
	PingInterval time.Duration
	PongWait     time.Duration
	// WriteTimeout bounds one write to a client.
	WriteTimeout time.Duration
	// MaxIDLen bounds user and application IDs; MaxNickLen nicknames (in
	// characters). Both are answered with MEETPARAM_ERR (5).
	MaxIDLen   int
	MaxNickLen int
	// MaxSubjectLen bounds a meeting subject in characters (1 to this);
	// MaxExtLen the bytes of a call's usrExtDat. Both answer MEETPARAM_ERR.
	MaxSubjectLen int
	MaxExtLen     int
	// MeetingsPerCreator bounds the meetings one user has created and not
	// destroyed (stored and call meetings alike); the next create_meeting
	// is answered RATE_LIMITED. MeetingIdleExpiry is how long a meeting
	// nobody is in (no call rings or runs in it) lasts before the server
	// destroys it (meetinglife.go).
	MeetingsPerCreator int
	MeetingIdleExpiry  time.Duration
	// RoomMembers bounds the users in one meeting at once (rooms.go): an
	// enter_meeting, or the accepting of a call or invite, that would pass
	// it is answered MEMBEROVERFLOWERROR (802).
	RoomMembers int

	// MsgRate is the sustained number of control messages per second one
	// connection may send, MsgBurst how many may come at once. A message
	// over it is answered RATE_LIMITED (1200) and not run; MsgStrikes
	// refused messages in a row close the connection with CloseRateLimited.
	MsgRate    float64
	MsgBurst   int
	MsgStrikes int
	// LoginRatePerIP and LoginRatePerApp bound login attempts per second
	// (burst LoginBurst) from one IP address and into one application;
	// over either, the login is answered RATE_LIMITED.
	LoginRatePerIP  float64
	LoginRatePerApp float64
	LoginBurst      int
	// ConnsPerIP bounds simultaneous connections from one IP address; the
	// next upgrade is answered HTTP 429.
	ConnsPerIP int
	// MaxFailedLogins wrong passwords or tokens from one IP address into one
	// application within FailedLoginDelay lock that pair out: its logins are
	// answered RATE_LIMITED, without checking, until FailedLoginDelay has
	// passed since the last failure.
	MaxFailedLogins  int
	FailedLoginDelay time.Duration
	// MaxSubscribers bounds the sessions of one application subscribed to
	// status changes (each change is pushed to every one of them); over it
	// StartUserStatusNotify is answered RATE_LIMITED.
	MaxSubscribers int

	// Transparent channel (server/transfer.go). MaxBuffer bounds a
	// SendBuffer (1101 above), MaxFile a SendFile (1103 above). Chunk is the
	// largest payload of one binary data frame; Window the most bytes of one
	// transfer sent but not yet acknowledged by the receiver, which is also
	// all the server ever holds of it. MaxTransfers bounds the transfers a
	// connection takes part in at once (as sender or receiver; 1000 above),
	// so the server holds at most MaxTransfers×Window per connection.
	MaxBuffer    int64
	MaxFile      int64
	Chunk        int
	Window       int64
	MaxTransfers int
	// MaxIncoming bounds the declared bytes of the transfers one user is
	// receiving at once: the temporary space a receiver's SDK must find for
	// them. A transfer that would pass it is refused with SENDFAIL (1000).
	MaxIncoming int64
	// MaxBufferedIn bounds the declared bytes of the SendBuffers one user is
	// receiving at once: the receiver's SDK holds each whole in memory until
	// it is complete (NotifyBufferData). The buffer that would pass it is
	// refused with SENDBUFFER_LARGE (1101); at least MaxBuffer.
	MaxBufferedIn int64
	// MaxUnackedCmds bounds the SendCmds one receiver has been sent and not
	// yet acknowledged; the next one is refused with SENDFAIL (1000), so a
	// receiver that never acknowledges cannot make a sender grow the
	// server's memory. CmdAckTimeout is how long the server waits for one
	// acknowledgement before answering the sender NOSERVER_RSP (202): the
	// SDK's own request timeout (protocol.RequestTimeout), so the sender
	// gets the same code whichever side gives up first.
	MaxUnackedCmds int
	CmdAckTimeout  time.Duration

	// Voice (server/sfu.go, server/direct.go). MaxSDPBytes bounds one
	// media_offer's or direct_signal's SDP (ERR_DATA above);
	// MaxICECandidates the candidates a member may trickle per offer, or
	// per SDP in direct mode (RATE_LIMITED above: a real client gathers a
	// handful); MaxMediaMembers the members with media in one meeting
	// (MEMBEROVERFLOWERROR above).
	MaxSDPBytes      int
	MaxICECandidates int
	MaxMediaMembers  int
	// TURN (server/turn.go). TURNCredentialTTL is how long credentials from
	// get_ice_servers last; TURNAllocationsPerUser bounds one user's live
	// relays (a client needs one per connection and transport; 486 above);
	// TURNAllocationLifetime is how long an allocation lives unless the
	// client refreshes it.
	TURNCredentialTTL      time.Duration
	TURNAllocationsPerUser int
	TURNAllocationLifetime time.Duration
}

// DefaultLimits are the limits a server gets unless its Config says otherwise.
func DefaultLimits() Limits {
	return Limits{
		MaxFrame:       1 << 20,
		SendQueue:      1024,
		SendQueueBytes: 1 << 20, // a presence round carries many changes in one message
		// What a parked session could hold before; the SDK acknowledges
		// every 2 s, so a live session keeps far less.
		ReplayBuffer:      1024,
		ReplayBufferBytes: 1 << 20,
		MaxBatch:          64 << 10,
		ListPageBytes:     256 << 10, // ~3,600 users or ~1,750 meetings a page
		LoginTimeout:      10 * time.Second,
		PingInterval:      25 * time.Second,
		PongWait:          60 * time.Second,
		WriteTimeout:      10 * time.Second,
		MaxIDLen:          64,
		MaxNickLen:        64,

		MaxSubjectLen: 50,
		MaxExtLen:     8 << 10,

		MeetingsPerCreator: 50,
		MeetingIdleExpiry:  7 * 24 * time.Hour,
		RoomMembers:        50,

		MsgRate:    50,
		MsgBurst:   200,
		MsgStrikes: 100,

		LoginRatePerIP:  10,
		LoginRatePerApp: 200,
		LoginBurst:      50,
		ConnsPerIP:      256,

		MaxFailedLogins:  10,
		FailedLoginDelay: time.Minute,

		MaxSubscribers: 10000,

		MaxBuffer:     100 << 20,
		MaxFile:       4 << 30,
		Chunk:         256 << 10,
		Window:        4 << 20,
		MaxTransfers:  16,
		MaxIncoming:   8 << 30,
		MaxBufferedIn: 256 << 20,

		MaxUnackedCmds: 256, // above MsgBurst: one sender's burst to a healthy receiver fits
		CmdAckTimeout:  protocol.RequestTimeout,

		MaxSDPBytes:      64 << 10, // a 50-member renegotiation is ~30 KB
		MaxICECandidates: 64,
		MaxMediaMembers:  50,

		TURNCredentialTTL:      10 * time.Minute,
		TURNAllocationsPerUser: 8,
		TURNAllocationLifetime: 10 * time.Minute,
	}
}

func withDefaults(l Limits) Limits {
	d := DefaultLimits()
	setDefault(&l.MaxFrame, d.MaxFrame)
	setDefault(&l.SendQueue, d.SendQueue)
	setDefault(&l.SendQueueBytes, d.SendQueueBytes)
	setDefault(&l.ReplayBuffer, d.ReplayBuffer)
	setDefault(&l.ReplayBufferBytes, d.ReplayBufferBytes)
	setDefault(&l.MaxBatch, d.MaxBatch)
	setDefault(&l.ListPageBytes, d.ListPageBytes)
	l.ListPageBytes = min(l.ListPageBytes, l.SendQueueBytes/2)
	setDefault(&l.LoginTimeout, d.LoginTimeout)
	setDefault(&l.PingInterval, d.PingInterval)
	setDefault(&l.PongWait, d.PongWait)
	setDefault(&l.WriteTimeout, d.WriteTimeout)
	setDefault(&l.MaxIDLen, d.MaxIDLen)
	setDefault(&l.MaxNickLen, d.MaxNickLen)
	setDefault(&l.MaxSubjectLen, d.MaxSubjectLen)
	setDefault(&l.MaxExtLen, d.MaxExtLen)
	setDefault(&l.MeetingsPerCreator, d.MeetingsPerCreator)
	setDefault(&l.MeetingIdleExpiry, d.MeetingIdleExpiry)
	setDefault(&l.RoomMembers, d.RoomMembers)
	setDefault(&l.MsgRate, d.MsgRate)
	setDefault(&l.MsgBurst, d.MsgBurst)
	setDefault(&l.MsgStrikes, d.MsgStrikes)
	setDefault(&l.LoginRatePerIP, d.LoginRatePerIP)
	setDefault(&l.LoginRatePerApp, d.LoginRatePerApp)
	setDefault(&l.LoginBurst, d.LoginBurst)
	setDefault(&l.ConnsPerIP, d.ConnsPerIP)
	setDefault(&l.MaxFailedLogins, d.MaxFailedLogins)
	setDefault(&l.FailedLoginDelay, d.FailedLoginDelay)
	setDefault(&l.MaxSubscribers, d.MaxSubscribers)
	setDefault(&l.MaxBuffer, d.MaxBuffer)
	setDefault(&l.MaxFile, d.MaxFile)
	setDefault(&l.Chunk, d.Chunk)
	setDefault(&l.MaxTransfers, d.MaxTransfers)
	setDefault(&l.MaxIncoming, d.MaxIncoming)
	setDefault(&l.MaxBufferedIn, d.MaxBufferedIn)
	l.MaxBufferedIn = max(l.MaxBufferedIn, l.MaxBuffer) // one largest buffer always fits
	setDefault(&l.MaxUnackedCmds, d.MaxUnackedCmds)
	setDefault(&l.CmdAckTimeout, d.CmdAckTimeout)
	setDefault(&l.MaxSDPBytes, d.MaxSDPBytes)
	setDefault(&l.MaxICECandidates, d.MaxICECandidates)
	setDefault(&l.MaxMediaMembers, d.MaxMediaMembers)
	setDefault(&l.TURNCredentialTTL, d.TURNCredentialTTL)
	setDefault(&l.TURNAllocationsPerUser, d.TURNAllocationsPerUser)
	setDefault(&l.TURNAllocationLifetime, d.TURNAllocationLifetime)
	if l.Window < int64(l.Chunk) {
		l.Window = max(d.Window, int64(l.Chunk))
	}
	return l
}

func setDefault[T int | int64 | float64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}
