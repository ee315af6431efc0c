package media

import (
	"errors"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

// localAudio is the microphone's track. Unlike pion's static tracks it
// does not fix its codec up front: Bind takes the first negotiated codec
// this build can encode, so one track serves a peer that has Opus and one
// that only has G.711.
type localAudio struct {
	id, stream string
	codecs     []Codec // what this peer can encode

	mu      sync.Mutex
	codec   Codec
	pt      uint8
	ssrc    uint32
	writer  webrtc.TrackLocalWriter
	bound   bool
	changed bool // bound to a new codec since the sender last looked
}

func newLocalAudio(id, stream string, codecs []Codec) *localAudio {
	return &localAudio{id: id, stream: stream, codecs: codecs}
}

func (t *localAudio) ID() string                { return t.id }
func (t *localAudio) RID() string               { return "" }
func (t *localAudio) StreamID() string          { return t.stream }
func (t *localAudio) Kind() webrtc.RTPCodecType { return webrtc.RTPCodecTypeAudio }

var errNoCommonCodec = errors.New("no audio codec in common")

func (t *localAudio) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	for _, p := range ctx.CodecParameters() {
		c, ok := codecFor(t.codecs, p.MimeType)
		if !ok {
			continue
		}
		t.mu.Lock()
		t.codec, t.pt, t.ssrc, t.writer = c, uint8(p.PayloadType), uint32(ctx.SSRC()), ctx.WriteStream()
		t.bound, t.changed = true, true
		t.mu.Unlock()
		return p, nil
	}
	return webrtc.RTPCodecParameters{}, errNoCommonCodec
}

func (t *localAudio) Unbind(webrtc.TrackLocalContext) error {
	t.mu.Lock()
	t.bound, t.writer = false, nil
	t.mu.Unlock()
	return nil
}

// binding is what the sender needs to write one packet.
type binding struct {
	codec   Codec
	pt      uint8
	ssrc    uint32
	writer  webrtc.TrackLocalWriter
	changed bool
}

func (t *localAudio) current() (binding, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := binding{t.codec, t.pt, t.ssrc, t.writer, t.changed}
	t.changed = false
	return b, t.bound
}

// write sends one encoded frame as an RTP packet.
func (b binding) write(h *rtp.Header, payload []byte) error {
	h.Version, h.PayloadType, h.SSRC = 2, b.pt, b.ssrc
	_, err := b.writer.WriteRTP(h, payload)
	return err
}
