//go:build cgo && !windows && !noopus

package media

import (
	"gopkg.in/hraban/opus.v2"
)

// Opus over libopus (cgo). Left out of Windows builds (the cross-build has
// no libopus for mingw), of builds without cgo, and with -tags noopus;
// those speak G.711 only (README, "Voice").
var opusCodec = &Codec{
	Capability:  OpusCapability,
	PayloadType: OpusPayloadType,
	NewEncoder:  newOpusEncoder,
	NewDecoder:  newOpusDecoder,
}

// opusLossPercent tells the encoder how much loss to expect: above zero it
// spends bits on in-band FEC, which lets the receiver rebuild one lost
// packet from the next.
const opusLossPercent = 10

type opusEncoder struct{ enc *opus.Encoder }

func newOpusEncoder() (Encoder, error) {
	enc, err := opus.NewEncoder(SampleRate, 1, opus.AppVoIP)
	if err != nil {
		return nil, err
	}
	for _, set := range []func() error{
		func() error { return enc.SetInBandFEC(true) },
		func() error { return enc.SetPacketLossPerc(opusLossPercent) },
		func() error { return enc.SetDTX(true) },
		func() error { return enc.SetBitrate(32000) },
	} {
		if err := set(); err != nil {
			return nil, err
		}
	}
	return opusEncoder{enc}, nil
}

func (e opusEncoder) Encode(pcm []int16, out []byte) (int, error) { return e.enc.Encode(pcm, out) }

type opusDecoder struct{ dec *opus.Decoder }

func newOpusDecoder() (Decoder, error) {
	dec, err := opus.NewDecoder(SampleRate, 1)
	if err != nil {
		return nil, err
	}
	return opusDecoder{dec}, nil
}

func (d opusDecoder) Decode(payload []byte, pcm []int16) error {
	n, err := d.dec.Decode(payload, pcm)
	if err == nil && n < len(pcm) {
		clear(pcm[n:])
	}
	return err
}

func (d opusDecoder) Conceal(next []byte, pcm []int16) error {
	if next != nil {
		return d.dec.DecodeFEC(next, pcm)
	}
	return d.dec.DecodePLC(pcm)
}
