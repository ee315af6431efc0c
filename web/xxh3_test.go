package web_test

import (
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/zeebo/xxh3"

	"huddle/internal/testkit"
)

// The SDK's XXH3-128 (a transfer's end frame; the vendored hash-wasm build)
// equals the Go library's for a length of every path of the algorithm and
// the edges between them.
func TestSDKContentHashMatchesGo(t *testing.T) {
	srv := testkit.StartServer(t)
	p := openPage(t, srv)
	lengths := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 65, 96, 97, 127, 128, 129,
		130, 160, 200, 239, 240, 241, 255, 256, 1023, 1024, 1025, 1088, 2047, 2048, 2049, 4109, 100003}
	var got []string
	p.eval(fmt.Sprintf(`Promise.all(%v.map(async n => {
		const b = new Uint8Array(n);
		for (let i = 0; i < n; i++) b[i] = (i * 31 + 7 + (i >> 8)) & 255;
		return Array.from(await CRVideo_xxh3_128(b), x => x.toString(16).padStart(2, "0")).join("");
	}))`, jsArray(lengths)), &got)
	for i, n := range lengths {
		b := make([]byte, n)
		for j := range b {
			b[j] = byte(j*31 + 7 + j>>8)
		}
		want := xxh3.Hash128(b).Bytes()
		assert.Equal(t, hex.EncodeToString(want[:]), got[i], "length %d", n)
	}
}

func jsArray(ns []int) string {
	s := "["
	for i, n := range ns {
		if i > 0 {
			s += ","
		}
		s += fmt.Sprint(n)
	}
	return s + "]"
}
