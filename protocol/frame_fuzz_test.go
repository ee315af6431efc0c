package protocol

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzDecodeFrame: any bytes a client sends either fail cleanly or yield
// messages that have exactly one kind and survive a round trip unchanged.
// Seeds: testdata/fuzz/FuzzDecodeFrame.
func FuzzDecodeFrame(f *testing.F) {
	f.Add([]byte(`{"op":"hello","id":1,"d":{"v":1}}`))
	f.Add([]byte("{\"op\":\"login\",\"id\":2,\"d\":{\"app\":\"demo\"}}\n{\"re\":2,\"code\":7,\"msg\":\"no\"}\n\n{\"ev\":\"user_status\"}"))
	f.Fuzz(func(t *testing.T, frame []byte) {
		var got []Message
		err := DecodeFrame(frame, func(m Message) error { got = append(got, m); return nil })
		for _, m := range got {
			kinds := 0
			for _, set := range []bool{m.Op != "", m.Re != 0, m.Ev != ""} {
				if set {
					kinds++
				}
			}
			require.Equal(t, 1, kinds, "%+v", m)
			b, merr := json.Marshal(m)
			require.NoError(t, merr)
			var again []Message
			require.NoError(t, DecodeFrame(b, func(m Message) error { again = append(again, m); return nil }))
			require.Len(t, again, 1)
			require.Equal(t, m.Op, again[0].Op)
			require.Equal(t, m.ID, again[0].ID)
			require.Equal(t, m.Re, again[0].Re)
			require.Equal(t, m.Code, again[0].Code)
		}
		if err != nil {
			require.ErrorIs(t, err, ErrMalformed)
		}
	})
}

// FuzzDecode: the server's payload decoding is strict and never panics; what it accepts
// re-encodes to something it accepts again, with the same value.
// Seeds: testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"app":"demo","pswd":"x","user":"alice","nick":"A","auth":"t"}`))
	f.Add([]byte(`{"call":"0123456789abcdef0123456789abcdef","to":"bob","meet":{"id":123456789,"pswd":"123456"},"ext":"hi"}`))
	f.Fuzz(func(t *testing.T, d []byte) {
		var l Login
		if err := DecodeStrict(d, &l); err == nil {
			b, err := json.Marshal(l)
			require.NoError(t, err)
			var l2 Login
			require.NoError(t, DecodeStrict(b, &l2))
			require.Equal(t, l, l2)
		} else {
			require.ErrorIs(t, err, ErrMalformed)
		}
		var c Call
		if err := DecodeStrict(d, &c); err == nil {
			b, err := json.Marshal(c)
			require.NoError(t, err)
			var c2 Call
			require.NoError(t, DecodeStrict(b, &c2))
			require.Equal(t, c, c2)
		}
	})
}
