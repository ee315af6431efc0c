package protocol

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Version is the protocol version a client names in its hello. The server
// answers 4 (MISMATCHCLIENTVER) to any other. 2: a transfer's end frame
// carries XXH3-128 (16 bytes) where version 1 had SHA-256.
const Version = 2

// Message is one JSON control message. A text WebSocket frame carries one or
// more of them separated by '\n' (JSON never contains a raw newline), which
// lets a busy writer coalesce many small messages into one frame.
//
// Exactly one of Op (a request or one-way message from the client), Re (the
// server's answer to request ID) or Ev (a server push) is set.
type Message struct {
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

// Push builds a server-initiated event.
func Push(ev string, payload any) ([]byte, error) {
	return encode(Message{Ev: ev}, payload)
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

// Decode unmarshals a payload strictly: unknown fields are an error, so a
// client with a typo hears about it instead of being silently ignored.
func Decode(d json.RawMessage, v any) error {
	if len(d) == 0 {
		d = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(d))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: trailing data", ErrMalformed)
	}
	return nil
}
