package protocol

import (
	"bytes"
	"encoding/json"
	"testing"
)

var benchStatus = UserStatus{User: "alice.example", Nick: "Alice Example", Status: 1, DND: 0}

// BenchmarkPush encodes one presence push, the message every subscriber
// gets; json.Marshal of the bare payload is the baseline in the same run.
func BenchmarkPush(b *testing.B) {
	b.Run("baseline-json.Marshal-payload", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(benchStatus); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Push", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Push(EvUserStatus, benchStatus); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecodeFrame splits and decodes a coalesced frame of 32 pushes,
// against json.Unmarshal of the same 32 messages one by one.
func BenchmarkDecodeFrame(b *testing.B) {
	msg, err := Push(EvUserStatus, benchStatus)
	if err != nil {
		b.Fatal(err)
	}
	const n = 32
	frame := bytes.Repeat(append(msg, '\n'), n)
	b.Run("baseline-json.Unmarshal-x32", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(frame)))
		for b.Loop() {
			for range n {
				var m Message
				if err := json.Unmarshal(msg, &m); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("DecodeFrame-32", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(frame)))
		for b.Loop() {
			got := 0
			if err := DecodeFrame(frame, func(Message) error { got++; return nil }); err != nil || got != n {
				b.Fatal(err, got)
			}
		}
	})
}

// BenchmarkRequest encodes a client request with a payload (login).
func BenchmarkRequest(b *testing.B) {
	l := Login{App: "demo", Pswd: "fe01ce2a7fbac8fafaed7c982a04e229", User: "alice"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Request(OpLogin, 7, l); err != nil {
			b.Fatal(err)
		}
	}
}
