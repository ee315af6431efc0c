//go:build ignore

// Writes voiceframes.bin: two seconds of a spoken-like signal (a 220 Hz
// voice with harmonics, its loudness rising and falling four times a
// second) encoded once with Huddle's own Opus encoder (media/codec_opus.go:
// 32 kbit/s, FEC and DTX on), each frame as a 2-byte big-endian length and
// the payload. The voice bench replays them, so its peers send real Opus
// of realistic sizes without encoding anything.
//
//	go generate ./internal/bench/   (needs cgo and libopus)
package main

import (
	"encoding/binary"
	"log"
	"math"
	"os"

	"huddle/media"
)

func main() {
	if !media.OpusBuiltIn() {
		log.Fatal("this build has no Opus: build with cgo and libopus")
	}
	enc, err := media.Codecs()[0].NewEncoder()
	if err != nil {
		log.Fatal(err)
	}
	var out []byte
	pcm := make([]int16, media.FrameSamples)
	buf := make([]byte, 1500)
	n := 0
	for range 100 { // 2 s of 20 ms frames
		for i := range pcm {
			t := float64(n) / media.SampleRate
			env := 0.2 + 0.8*math.Abs(math.Sin(2*math.Pi*2*t)) // four syllables a second
			v := 0.0
			for h := 1; h <= 5; h++ {
				v += math.Sin(2*math.Pi*220*float64(h)*t) / float64(h)
			}
			pcm[i] = int16(0.25 * env * v / 2.3 * math.MaxInt16)
			n++
		}
		m, err := enc.Encode(pcm, buf)
		if err != nil {
			log.Fatal(err)
		}
		out = binary.BigEndian.AppendUint16(out, uint16(m))
		out = append(out, buf[:m]...)
	}
	if err := os.WriteFile("voiceframes.bin", out, 0o644); err != nil {
		log.Fatal(err)
	}
}
