package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Version is the newest protocol version, the one this SDK names in its
// hello; the server accepts MinVersion..Version and answers 4
// (MISMATCHCLIENTVER) to any other. Additive changes (a new optional field,
// op or push) keep the version; it bumps only when a message changes meaning
// (docs/protocol.md, "Compatibility").
//
// 2: a transfer's end frame carries XXH3-128 (16 bytes) where version 1 had
// SHA-256. 3: the client ignores payload fields and pushes it does not know,
// so a server may add them.
const Version = 3

// MinVersion is the oldest client protocol version the server still serves.
// A version 2 client decodes payloads strictly: while MinVersion is 2, a
// field added to a reply or push goes only to clients that asked for it.
const MinVersion = 2

// Message is one JSON control message. A text WebSocket frame carries one or
// more of them separated by '\n' (JSON never contains a raw newline), which
// lets a busy writer coalesce many small messages into one frame.
//
// Exactly one of Op (a request or one-way message from the client), Re (the
// server's answer to request ID) or Ev (a server push) is set.
//
// Seq numbers a push of the session's stream (docs/protocol.md, *Resuming
// after a drop*); the server writes it in front of the rest of the message
// (SeqPrefix) as it sends it, so one encoded push can go to many sessions.
type Message struct {
	Seq  uint64          `json:"seq,omitempty"`
	Op   string          `json:"op,omitempty"`
	ID   uint64          `json:"id,omitempty"`
	Re   uint64          `json:"re,omitempty"`
	Ev   string          `json:"ev,omitempty"`
	Code ErrCode         `json:"code,omitempty"`
	Msg  string          `json:"msg,omitempty"`
	D    json.RawMessage `json:"d,omitempty"`
}

// ErrMalformed is returned by DecodeFrame for anything that is not a
// sequence of well-formed messages.
var ErrMalformed = errors.New("malformed message")

// Request builds a client request.
func Request(op string, id uint64, payload any) ([]byte, error) {
	return encode(Message{Op: op, ID: id}, payload)
}

// Reply builds the server's answer to request id.
func Reply(id uint64, code ErrCode, payload any) ([]byte, error) {
	return encode(Message{Re: id, Code: code}, payload)
}

// ErrorReply builds an answer that carries a human-readable reason.
func ErrorReply(id uint64, code ErrCode, reason string) []byte {
	b, _ := encode(Message{Re: id, Code: code, Msg: reason}, nil)
	return b
}

// ErrorReplyWith builds a failed answer that also carries a payload, e.g.
// the versions a server speaks when it refuses a hello.
func ErrorReplyWith(id uint64, code ErrCode, reason string, payload any) []byte {
	b, err := encode(Message{Re: id, Code: code, Msg: reason}, payload)
	if err != nil {
		return ErrorReply(id, code, reason)
	}
	return b
}

// Push builds a server-initiated event.
func Push(ev string, payload any) ([]byte, error) {
	return encode(Message{Ev: ev}, payload)
}

// AppendSeqPrefix appends what stands in for a message's opening brace to
// number it: `{"seq":N,`. The message's own bytes follow from after its "{".
func AppendSeqPrefix(b []byte, seq uint64) []byte {
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, seq, 10)
	return append(b, ',')
}

func encode(m Message, payload any) ([]byte, error) {
	if payload != nil {
		d, err := json.Marshal(payload)
		if err != nil {
			return nil, err
		}
		m.D = d
	}
	return json.Marshal(m)
}

// DecodeFrame splits a text frame into its messages. Empty lines are
// skipped; any line that is not a JSON object with exactly one of op, re or
// ev fails the whole frame.
func DecodeFrame(frame []byte, fn func(Message) error) error {
	for len(frame) > 0 {
		line := frame
		if i := bytes.IndexByte(frame, '\n'); i >= 0 {
			line, frame = frame[:i], frame[i+1:]
		} else {
			frame = nil
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var m Message
		if err := json.Unmarshal(line, &m); err != nil {
			return fmt.Errorf("%w: %v", ErrMalformed, err)
		}
		kinds := 0
		for _, set := range []bool{m.Op != "", m.Re != 0, m.Ev != ""} {
			if set {
				kinds++
			}
		}
		if kinds != 1 {
			return fmt.Errorf("%w: need exactly one of op, re, ev", ErrMalformed)
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// Decode unmarshals a payload leniently: fields v does not have are
// ignored, so a newer peer may add fields without breaking this one. The
// SDK reads every reply and push this way.
func Decode(d json.RawMessage, v any) error {
	return decode(d, v, false)
}

// DecodeStrict unmarshals a payload the server acts on: unknown fields are
// an error, so a client with a typo (or one expecting a feature this server
// lacks) hears about it instead of being silently ignored.
func DecodeStrict(d json.RawMessage, v any) error {
	return decode(d, v, true)
}

func decode(d json.RawMessage, v any, strict bool) error {
	if len(d) == 0 {
		d = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(d))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data", ErrMalformed)
	}
	return nil
}
