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
	// MaxSubjectLen bounds a meeting subject in characters (1 to this);
	// MaxExtLen the bytes of a call's usrExtDat. Both answer MEETPARAM_ERR.
	MaxSubjectLen int
	MaxExtLen     int
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

		MaxSubjectLen: 50,
		MaxExtLen:     8 << 10,
	}
}
