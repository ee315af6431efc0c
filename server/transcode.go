package server

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"

	"huddle/media"
)

// transcoder carries one speaker's audio to listeners who did not
// negotiate the speaker's codec (a build without Opus hearing one with it,
// and back). It decodes each packet once and encodes it once per codec
// some listener needs; every listener of that codec shares the encoded
// track, as listeners of the speaker's own codec share the forwarded one.
// Nothing is decoded while every listener speaks the speaker's codec.
//
// push runs on the speaker's read loop only; output and release come from
// the listeners' negotiations. Lock order: sfuRoom.mu, then transcoder.mu.
type transcoder struct {
	user    string
	from    media.Codec
	metrics *transcodeMetrics

	mu      sync.Mutex
	outs    []*encodedTrack
	closed  bool
	dec     media.Decoder // made with the first output
	started bool
	next    uint16 // the input sequence number expected next
	pcm     []int16
	buf     []byte
}

// encodedTrack is the speaker's audio in one other codec, and how many
// listeners receive it.
type encodedTrack struct {
	codec     media.Codec
	track     *webrtc.TrackLocalStaticRTP
	listeners int
	count     prometheus.Counter // packets made

	// Owned by push (transcoder.mu):
	enc    media.Encoder
	seq    uint16
	ts     uint32 // the last packet's timestamp, in the output's clock
	lastIn uint32 // the input timestamp it was made from
	sent   bool   // a packet went out (ts and lastIn mean something)
	silent bool   // the next packet starts a talkspurt: marker bit
}

// transcodeMetrics count the work: encoders running, packets made.
type transcodeMetrics struct {
	encoders prometheus.Gauge
	packets  *prometheus.CounterVec // by output codec
	failed   prometheus.Counter     // packets the speaker's codec could not decode
}

func newTranscoder(user string, from media.Codec, m *transcodeMetrics) *transcoder {
	return &transcoder{user: user, from: from, metrics: m, pcm: make([]int16, media.FrameSamples), buf: make([]byte, 1500)}
}

// output returns the track carrying the speaker's audio in codec, making
// its encoder the first time, and counts one more listener of it; nil once
// the speaker's stream has ended or if codec cannot be encoded.
func (tc *transcoder) output(codec media.Codec) *encodedTrack {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if tc.closed {
		return nil
	}
	for _, o := range tc.outs {
		if o.codec.Capability.MimeType == codec.Capability.MimeType {
			o.listeners++
			return o
		}
	}
	enc, err := codec.NewEncoder()
	if err != nil {
		return nil
	}
	if tc.dec == nil {
		if tc.dec, err = tc.from.NewDecoder(); err != nil {
			return nil
		}
		tc.started = false
	}
	// Named after the speaker, as the forwarded track is.
	track, err := webrtc.NewTrackLocalStaticRTP(codec.Capability, tc.user, tc.user)
	if err != nil {
		return nil
	}
	o := &encodedTrack{codec: codec, track: track, listeners: 1, count: tc.metrics.packets.WithLabelValues(codecName(codec)), enc: enc, seq: uint16(rand.Uint32()), ts: rand.Uint32(), silent: true}
	tc.outs = append(tc.outs, o)
	tc.metrics.encoders.Inc()
	return o
}

// release counts one listener fewer of o; the last one stops its encoder
// (and, with it the last, the decoding).
func (tc *transcoder) release(o *encodedTrack) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	o.listeners--
	if o.listeners > 0 {
		return
	}
	for i, x := range tc.outs {
		if x == o {
			tc.outs = append(tc.outs[:i], tc.outs[i+1:]...)
			tc.metrics.encoders.Dec()
		}
	}
	if len(tc.outs) == 0 {
		tc.dec = nil
	}
}

// close ends the transcoding with the speaker's stream.
func (tc *transcoder) close() {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	tc.closed = true
	tc.metrics.encoders.Sub(float64(len(tc.outs)))
	tc.outs, tc.dec = nil, nil
}

// maxConcealed is the most lost packets in a row the transcoder rebuilds
// (from Opus's FEC or by the decoder's concealment) before it encodes;
// past it the gap is left to the listener. As media.Peer does.
const maxConcealed = 5

// push transcodes one packet of the speaker's into every output.
func (tc *transcoder) push(pkt *rtp.Packet) {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	if len(tc.outs) == 0 || len(pkt.Payload) == 0 {
		return
	}
	frame := tc.from.Capability.ClockRate / 50
	if tc.started {
		gap := pkt.SequenceNumber - tc.next
		if gap >= 0x8000 {
			return // late or a duplicate: its time has been encoded already
		}
		if gap > 0 && gap <= maxConcealed {
			// Lost packets: rebuilt here, so the listener gets whole frames
			// (G.711 has no FEC of its own to rebuild them with).
			for i := range gap {
				fec := pkt.Payload
				if i+1 < gap {
					fec = nil // only the packet just before this one is in its FEC
				}
				if tc.dec.Conceal(fec, tc.pcm) == nil {
					tc.encode(pkt.Timestamp-uint32(gap-i)*frame, false)
				}
			}
		}
	}
	tc.started, tc.next = true, pkt.SequenceNumber+1
	if err := tc.dec.Decode(pkt.Payload, tc.pcm); err != nil {
		tc.metrics.failed.Inc()
		return
	}
	tc.encode(pkt.Timestamp, pkt.Marker)
}

// encode sends the decoded frame in tc.pcm, whose input timestamp is ts,
// to every output. Timestamps keep the speaker's pace (a pause in the
// speaker's stream is one in the output's) in the output's clock;
// sequence numbers count the output's own packets, without gaps.
func (tc *transcoder) encode(ts uint32, marker bool) {
	for _, o := range tc.outs {
		if o.sent {
			o.ts += uint32(int64(int32(ts-o.lastIn)) * int64(o.codec.Capability.ClockRate) / int64(tc.from.Capability.ClockRate))
		}
		o.lastIn, o.sent = ts, true
		n, err := o.enc.Encode(tc.pcm, tc.buf)
		if err != nil {
			continue
		}
		if n <= 2 {
			// Opus DTX: a frame of one or two bytes is silence, not sent.
			o.silent = true
			continue
		}
		o.seq++
		h := rtp.Header{Version: 2, SequenceNumber: o.seq, Timestamp: o.ts, Marker: marker || o.silent}
		o.silent = false
		if err := o.track.WriteRTP(&rtp.Packet{Header: h, Payload: tc.buf[:n]}); err != nil {
			continue
		}
		o.count.Inc()
	}
}

// codecName is a codec's SDP name ("opus", "PCMU"), as /metrics labels it.
func codecName(c media.Codec) string {
	return strings.TrimPrefix(c.Capability.MimeType, "audio/")
}

// codecNames names codecs for people ("opus, PCMU").
func codecNames(cs []media.Codec) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = codecName(c)
	}
	return out
}

// codecByMime finds the codec with a MIME type among cs (any case, as SDP
// compares them).
func codecByMime(cs []media.Codec, mime string) (media.Codec, bool) {
	for _, c := range cs {
		if strings.EqualFold(c.Capability.MimeType, mime) {
			return c, true
		}
	}
	return media.Codec{}, false
}

// offeredCodecs are the codecs of this server's that an offer's audio
// sections list, in the offer's order of preference.
func offeredCodecs(offer string, known []media.Codec) []media.Codec {
	var d sdp.SessionDescription
	if d.UnmarshalString(offer) != nil {
		return nil
	}
	var out []media.Codec
	seen := map[string]bool{}
	byType := d.GetCodecMap()
	for _, m := range d.MediaDescriptions {
		if m.MediaName.Media != "audio" {
			continue
		}
		for _, f := range m.MediaName.Formats {
			pt, err := strconv.ParseUint(f, 10, 8)
			if err != nil {
				continue
			}
			c, ok := byType[uint8(pt)]
			if !ok {
				continue
			}
			for _, k := range known {
				name := codecName(k)
				if strings.EqualFold(c.Name, name) && !seen[name] {
					seen[name] = true
					out = append(out, k)
				}
			}
		}
	}
	return out
}
