package protocol

import (
	"encoding/binary"
	"errors"
	"hash"
	"time"

	"github.com/zeebo/xxh3"
)

// Transparent channel: SendCmd, SendBuffer and SendFile between two users of
// one application, relayed by the server (docs/protocol.md, "Transparent
// channel").
const (
	OpSendCmd    = "send_cmd"    // SendCmd; answered once the receiver acknowledged
	OpCmdAck     = "cmd_ack"     // one-way, receiver → server: a cmd_data arrived
	OpXferStart  = "xfer_start"  // opens a buffer or file transfer
	OpXferAck    = "xfer_ack"    // one-way, receiver → server: bytes taken so far (credit)
	OpXferDone   = "xfer_done"   // one-way, receiver → server: the outcome after the end frame
	OpXferCancel = "xfer_cancel" // the sender cancels
)

const (
	EvCmdData    = "cmd_data"    // to the receiver of a SendCmd
	EvXferOffer  = "xfer_offer"  // to the receiver: a transfer starts; its chunks follow
	EvXferAck    = "xfer_ack"    // to the sender: how much the receiver has taken
	EvXferResult = "xfer_result" // to the sender: how the transfer ended
	EvXferCancel = "xfer_cancel" // to the receiver: the transfer was cancelled; drop it
)

// MaxCmd is the largest SendCmd payload (the SDK's documented 64 KiB).
const MaxCmd = 64 << 10

// RequestTimeout is how long the SDK waits for an answer by default (202
// NOSERVER_RSP past it). The server waits as long for a SendCmd's
// acknowledgement, then answers the sender 202 too: one outcome, whichever
// side gives up first.
const RequestTimeout = 15 * time.Second

// Transfer kinds.
const (
	KindBuffer = "buffer"
	KindFile   = "file"
)

type SendCmd struct {
	To   string `json:"to"`
	Data []byte `json:"data"` // base64 in JSON
}

type CmdData struct {
	From string `json:"from"`
	N    uint64 `json:"n"` // echo it in cmd_ack
	Data []byte `json:"data"`
}

type CmdAck struct {
	N uint64 `json:"n"`
}

type XferStart struct {
	To   string `json:"to"`
	Task string `json:"task"` // the sender's task ID, shown to the receiver on cancel
	Kind string `json:"kind"`
	Size int64  `json:"size"`
	Name string `json:"name,omitempty"` // files: the sender's base name
}

// XferStartReply gives the stream number the sender's binary frames carry
// and the flow-control parameters of this server.
type XferStartReply struct {
	Stream uint32 `json:"stream"`
	Chunk  int    `json:"chunk"`  // largest payload of one data frame
	Window int64  `json:"window"` // most bytes sent but not yet acknowledged
}

type XferOffer struct {
	From   string `json:"from"`
	Stream uint32 `json:"stream"`
	Task   string `json:"task"`
	Kind   string `json:"kind"`
	Size   int64  `json:"size"`
	Name   string `json:"name,omitempty"`
}

// XferAck: the receiver has taken (stored) the first Acked bytes.
type XferAck struct {
	Stream uint32 `json:"stream"`
	Acked  int64  `json:"acked"`
}

// XferDone: the receiver's verdict after the end frame (0, or ERR_DATA when
// the SHA-256 did not match, SENDFAIL when it could not store the data).
type XferDone struct {
	Stream uint32  `json:"stream"`
	Code   ErrCode `json:"code"`
}

type XferResult struct {
	Stream uint32  `json:"stream"`
	Code   ErrCode `json:"code"`
	Msg    string  `json:"msg,omitempty"`
}

type XferCancel struct {
	Stream uint32 `json:"stream"`
}

// Binary frames: a 13-byte header then the payload.
//
//	byte 0     kind (FrameData or FrameEnd)
//	bytes 1-4  stream, big endian
//	bytes 5-12 offset of the payload in the transfer, big endian
//
// A FrameEnd's payload is the content hash (NewContentHash) of the whole
// content; its offset is the size.
const (
	FrameData   byte = 1
	FrameEnd    byte = 2
	FrameHeader      = 13
)

// Frame is one decoded binary frame; Payload aliases the frame's bytes.
type Frame struct {
	Kind    byte
	Stream  uint32
	Offset  int64
	Payload []byte
}

// PutFrameHeader writes a header into b[:FrameHeader].
func PutFrameHeader(b []byte, kind byte, stream uint32, offset int64) {
	b[0] = kind
	binary.BigEndian.PutUint32(b[1:5], stream)
	binary.BigEndian.PutUint64(b[5:13], uint64(offset))
}

// ErrBadFrame is returned for a binary frame that is too short, of an unknown
// kind, or whose end frame does not carry a 32-byte hash.
var ErrBadFrame = errors.New("malformed binary frame")

// ParseFrame decodes a binary frame without copying.
func ParseFrame(b []byte) (Frame, error) {
	if len(b) < FrameHeader {
		return Frame{}, ErrBadFrame
	}
	f := Frame{Kind: b[0], Stream: binary.BigEndian.Uint32(b[1:5]), Offset: int64(binary.BigEndian.Uint64(b[5:13])), Payload: b[FrameHeader:]}
	switch {
	case f.Offset < 0:
		return Frame{}, ErrBadFrame
	case f.Kind == FrameData:
	case f.Kind == FrameEnd && len(f.Payload) == ContentHashSize:
	default:
		return Frame{}, ErrBadFrame
	}
	return f, nil
}

// NewContentHash returns the hash the sender puts in a transfer's end frame
// and the receiver checks before it presents anything: XXH3-128, whose 16
// bytes go out big endian (high half first). It catches corruption,
// truncation and reordering anywhere on the path. A cryptographic hash would
// add nothing: the relay that could alter the data could as well recompute
// any unsigned digest; and SHA-256 was a third of a transfer's CPU where
// XXH3 is under 2% (docs/performance.md), as rsync also chose.
func NewContentHash() hash.Hash { return xxh3.New128() }

// ContentHashSize is the length of an end frame's payload.
const ContentHashSize = 16
