package media

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pion/webrtc/v4"
)

// Codec is one audio codec Huddle can negotiate: how it is named in SDP and
// how to make its encoder and decoder. Opus (codec_opus.go) is built in
// where cgo and libopus are; G.711 µ-law (codec_g711.go) everywhere.
type Codec struct {
	Capability  webrtc.RTPCodecCapability
	PayloadType webrtc.PayloadType
	NewEncoder  func() (Encoder, error)
	NewDecoder  func() (Decoder, error)
}

// Encoder turns one frame of PCM (FrameSamples at SampleRate) into one
// RTP payload in out, returning its length.
type Encoder interface {
	Encode(pcm []int16, out []byte) (int, error)
}

// Decoder turns one RTP payload into one frame of PCM. Conceal fills pcm
// for a lost packet: from the next packet's forward error correction when
// next is not nil and the codec carries it, else by extrapolation or
// silence.
type Decoder interface {
	Decode(payload []byte, pcm []int16) error
	Conceal(next []byte, pcm []int16) error
}

// Codecs lists the codecs this build can send and receive, preferred first.
func Codecs() []Codec {
	if opusCodec != nil {
		return []Codec{*opusCodec, g711Codec}
	}
	return []Codec{g711Codec}
}

// CodecsNamed picks codecs of this build by their SDP names ("opus",
// "PCMU"; any case), in the order given: what `huddle bot --codecs` and
// tests use to act as a build without Opus.
func CodecsNamed(names ...string) ([]Codec, error) {
	var out []Codec
	for _, n := range names {
		c, ok := codecFor(Codecs(), "audio/"+n)
		if !ok {
			return nil, fmt.Errorf("codec %q: not in this build (it has %s)", n, strings.Join(CodecNames(), ", "))
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("no codec named")
	}
	return out, nil
}

// CodecNames lists this build's codecs by SDP name, preferred first.
func CodecNames() []string {
	var out []string
	for _, c := range Codecs() {
		out = append(out, strings.TrimPrefix(c.Capability.MimeType, "audio/"))
	}
	return out
}

// OpusBuiltIn says whether this build has the Opus codec.
func OpusBuiltIn() bool { return opusCodec != nil }

// codecFor finds the codec with the given MIME type among codecs
// (case-insensitive, as SDP compares them).
func codecFor(codecs []Codec, mime string) (Codec, bool) {
	for _, c := range codecs {
		if strings.EqualFold(c.Capability.MimeType, mime) {
			return c, true
		}
	}
	return Codec{}, false
}

// RegisterCodecs adds codecs to a pion MediaEngine for audio. The server's
// SFU registers both without encoding anything: it forwards RTP as it came.
func RegisterCodecs(m *webrtc.MediaEngine, codecs []Codec) error {
	for _, c := range codecs {
		if err := m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: c.Capability, PayloadType: c.PayloadType}, webrtc.RTPCodecTypeAudio); err != nil {
			return err
		}
	}
	return nil
}

// Both audio codecs' SDP descriptions, known to every build (the SFU
// forwards Opus without being able to decode it).
var (
	OpusCapability = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1;usedtx=1"}
	PCMUCapability = webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypePCMU, ClockRate: 8000, Channels: 1}
)

// Payload types as browsers and the RFCs number them.
const (
	OpusPayloadType webrtc.PayloadType = 111
	PCMUPayloadType webrtc.PayloadType = 0
)
