package protocol

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFrameRoundTrip(t *testing.T) {
	b := make([]byte, FrameHeader+3)
	PutFrameHeader(b, FrameData, 0xdeadbeef, 1<<40)
	copy(b[FrameHeader:], "abc")
	f, err := ParseFrame(b)
	require.NoError(t, err)
	assert.Equal(t, Frame{Kind: FrameData, Stream: 0xdeadbeef, Offset: 1 << 40, Payload: []byte("abc")}, f)

	end := make([]byte, FrameHeader+ContentHashSize)
	PutFrameHeader(end, FrameEnd, 7, 99)
	f, err = ParseFrame(end)
	require.NoError(t, err)
	assert.Equal(t, FrameEnd, f.Kind)
	assert.Equal(t, int64(99), f.Offset)
}

func TestParseFrameRejectsMalformed(t *testing.T) {
	hdr := func(kind byte, off int64, payload int) []byte {
		b := make([]byte, FrameHeader+payload)
		PutFrameHeader(b, kind, 1, off)
		return b
	}
	for name, b := range map[string][]byte{
		"empty":             nil,
		"short header":      bytes.Repeat([]byte{1}, FrameHeader-1),
		"unknown kind":      hdr(3, 0, 10),
		"negative offset":   hdr(FrameData, -1, 10),
		"end without hash":  hdr(FrameEnd, 0, 0),
		"end with 31 bytes": hdr(FrameEnd, 0, 31),
	} {
		_, err := ParseFrame(b)
		assert.ErrorIs(t, err, ErrBadFrame, name)
	}
}
