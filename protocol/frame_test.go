package protocol

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// A field this side does not know is the other side's additive change: the
// SDK ignores it, the server (which acts on what it decodes) refuses it.
func TestDecodeUnknownField(t *testing.T) {
	d := []byte(`{"user":"bob","status":1,"dnd":0,"added_later":{"x":[1,2]}}`)
	var u UserStatus
	require.NoError(t, Decode(d, &u))
	require.Equal(t, UserStatus{User: "bob", Status: 1}, u)
	require.ErrorIs(t, DecodeStrict(d, &u), ErrMalformed)
	require.ErrorIs(t, Decode([]byte(`{"user":1}`), &u), ErrMalformed, "a wrong type is still an error")
}
