package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// WAVSource plays a PCM 16-bit WAV file, looped, as 48 kHz mono frames:
// stereo is averaged to mono and other sample rates are resampled
// (linearly: good enough for speech and test tones).
type WAVSource struct {
	samples []int16 // the whole file at SampleRate, mono
	pos     int
}

// OpenWAVSource reads a whole WAV file into memory (a looped prompt or a
// test tone is small).
func OpenWAVSource(path string) (*WAVSource, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	rate, channels, pcm, err := parseWAV(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	mono := make([]int16, len(pcm)/channels)
	for i := range mono {
		sum := 0
		for c := range channels {
			sum += int(pcm[i*channels+c])
		}
		mono[i] = int16(sum / channels)
	}
	mono = resample(mono, rate, SampleRate)
	if len(mono) == 0 {
		return nil, fmt.Errorf("%s: no samples", path)
	}
	return &WAVSource{samples: mono}, nil
}

// ReadFrame copies the next frame, wrapping round to the start.
func (s *WAVSource) ReadFrame(pcm []int16) error {
	for i := range pcm {
		pcm[i] = s.samples[s.pos]
		s.pos = (s.pos + 1) % len(s.samples)
	}
	return nil
}

// parseWAV finds the fmt and data chunks of a RIFF/WAVE file; only PCM
// 16-bit is accepted.
func parseWAV(b []byte) (rate, channels int, pcm []int16, err error) {
	if len(b) < 12 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return 0, 0, nil, errors.New("not a WAV file")
	}
	var haveFmt bool
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:off+8]))
		body := b[off+8:]
		if size > len(body) {
			size = len(body) // a file cut short: take what is there
		}
		body = body[:size]
		switch id {
		case "fmt ":
			if size < 16 {
				return 0, 0, nil, errors.New("short fmt chunk")
			}
			format, ch := binary.LittleEndian.Uint16(body[0:2]), int(binary.LittleEndian.Uint16(body[2:4]))
			rate = int(binary.LittleEndian.Uint32(body[4:8]))
			bits := binary.LittleEndian.Uint16(body[14:16])
			if format != 1 || bits != 16 || ch < 1 || ch > 8 || rate < 8000 || rate > 192000 {
				return 0, 0, nil, fmt.Errorf("need PCM 16-bit (format %d, %d bits, %d channels, %d Hz)", format, bits, ch, rate)
			}
			channels, haveFmt = ch, true
		case "data":
			if !haveFmt {
				return 0, 0, nil, errors.New("data before fmt")
			}
			n := size / 2 / channels * channels
			pcm = make([]int16, n)
			for i := range pcm {
				pcm[i] = int16(binary.LittleEndian.Uint16(body[2*i:]))
			}
			return rate, channels, pcm, nil
		}
		off += 8 + size + size%2 // chunks are padded to even sizes
	}
	return 0, 0, nil, errors.New("no data chunk")
}

// resample converts mono PCM from one rate to another by linear
// interpolation.
func resample(in []int16, from, to int) []int16 {
	if from == to || len(in) == 0 {
		return in
	}
	n := int(int64(len(in)) * int64(to) / int64(from))
	out := make([]int16, n)
	for i := range out {
		pos := float64(i) * float64(from) / float64(to)
		j := int(pos)
		frac := pos - float64(j)
		a := float64(in[j])
		b := a
		if j+1 < len(in) {
			b = float64(in[j+1])
		}
		out[i] = int16(a + (b-a)*frac)
	}
	return out
}

// wavHeaderLen is the size of the canonical 44-byte header WAVSink writes.
const wavHeaderLen = 44

// WAVSink records 48 kHz mono PCM 16-bit to a WAV file. The header's sizes
// are rewritten after every frame, so the file is a valid WAV whenever the
// process stops, even killed between frames; Close writes them a last time.
type WAVSink struct {
	mu     sync.Mutex
	f      *os.File
	data   uint32 // bytes of samples written
	buf    []byte
	closed bool
}

// CreateWAVSink creates (or truncates) path and writes a header for an
// empty recording.
func CreateWAVSink(path string) (*WAVSink, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	s := &WAVSink{f: f}
	if _, err := f.Write(wavHeader(0)); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

func wavHeader(dataLen uint32) []byte {
	h := make([]byte, wavHeaderLen)
	copy(h[0:], "RIFF")
	binary.LittleEndian.PutUint32(h[4:], 36+dataLen)
	copy(h[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(h[16:], 16)
	binary.LittleEndian.PutUint16(h[20:], 1) // PCM
	binary.LittleEndian.PutUint16(h[22:], 1) // mono
	binary.LittleEndian.PutUint32(h[24:], SampleRate)
	binary.LittleEndian.PutUint32(h[28:], SampleRate*2)
	binary.LittleEndian.PutUint16(h[32:], 2)
	binary.LittleEndian.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	binary.LittleEndian.PutUint32(h[40:], dataLen)
	return h
}

// WriteFrame appends pcm and updates the header's two sizes.
func (s *WAVSink) WriteFrame(pcm []int16) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return os.ErrClosed
	}
	s.buf = s.buf[:0]
	for _, v := range pcm {
		s.buf = binary.LittleEndian.AppendUint16(s.buf, uint16(v))
	}
	if _, err := s.f.WriteAt(s.buf, int64(wavHeaderLen)+int64(s.data)); err != nil {
		return err
	}
	s.data += uint32(len(s.buf))
	return s.writeSizes()
}

// writeSizes rewrites the RIFF and data sizes in place. The samples are
// written first, so the header never claims bytes the file lacks.
func (s *WAVSink) writeSizes() error {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], 36+s.data)
	if _, err := s.f.WriteAt(b[:], 4); err != nil {
		return err
	}
	binary.LittleEndian.PutUint32(b[:], s.data)
	_, err := s.f.WriteAt(b[:], 40)
	return err
}

// Close writes the final sizes and closes the file; later frames are refused.
func (s *WAVSink) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.writeSizes()
	if cerr := s.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// ReadWAV reads a whole PCM 16-bit WAV file as mono samples at its own rate
// (tests and the bench read recordings with it).
func ReadWAV(path string) (rate int, mono []int16, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		return 0, nil, err
	}
	rate, channels, pcm, err := parseWAV(b)
	if err != nil {
		return 0, nil, err
	}
	mono = make([]int16, len(pcm)/channels)
	for i := range mono {
		mono[i] = pcm[i*channels]
	}
	return rate, mono, nil
}
