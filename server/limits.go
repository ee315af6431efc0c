package server

import "time"

// Limits names every bound the server enforces, with its default. Each one,
// when hit, is answered with an error code or a close reason that says so,
// and touches only the connection that hit it.
type Limits struct {
	// MaxFrame is the largest WebSocket message a client may send; above
	// it the connection is closed with 1009 (message too big).
	MaxFrame int64
	// SendQueue is how many control messages may wait for a slow client
	// before it is disconnected with CloseSlowConsumer.
	SendQueue int
	// MaxBatch caps the bytes of control messages coalesced into one frame.
	MaxBatch int
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
}

// DefaultLimits are the limits a server gets unless its Config says otherwise.
func DefaultLimits() Limits {
	return Limits{
		MaxFrame:     1 << 20,
		SendQueue:    1024,
		MaxBatch:     64 << 10,
		LoginTimeout: 10 * time.Second,
		PingInterval: 25 * time.Second,
		PongWait:     60 * time.Second,
		WriteTimeout: 10 * time.Second,
		MaxIDLen:     64,
		MaxNickLen:   64,
		MaxBuffer:    100 << 20,
		MaxFile:      4 << 30,
		Chunk:        256 << 10,
		Window:       4 << 20,
		MaxTransfers: 16,
	}
}

// transferDefaults fills the transparent channel's zero limits.
func transferDefaults(l Limits) Limits {
	d := DefaultLimits()
	if l.MaxBuffer <= 0 {
		l.MaxBuffer = d.MaxBuffer
	}
	if l.MaxFile <= 0 {
		l.MaxFile = d.MaxFile
	}
	if l.Chunk <= 0 {
		l.Chunk = d.Chunk
	}
	if l.Window < int64(l.Chunk) {
		l.Window = max(d.Window, int64(l.Chunk))
	}
	if l.MaxTransfers <= 0 {
		l.MaxTransfers = d.MaxTransfers
	}
	// A data frame must fit in one client frame.
	l.MaxFrame = max(l.MaxFrame, int64(l.Chunk)+1024)
	return l
}
