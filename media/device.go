//go:build cgo

package media

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gen2brain/malgo"
)

// Microphone and speaker through miniaudio (malgo): WASAPI on Windows,
// Core Audio on macOS, PulseAudio/ALSA on Linux. HUDDLE_AUDIO_BACKEND=null
// selects miniaudio's null backend (a silent microphone, a speaker that
// discards), for machines without a sound card such as CI.

// backendNull is miniaudio's ma_backend_null. malgo's BackendNull is one
// short: its enumeration lacks ma_backend_custom, which comes before null
// (miniaudio.h), so it names the custom backend and finds none.
const backendNull = malgo.BackendNull + 1

func audioBackends() []malgo.Backend {
	if os.Getenv("HUDDLE_AUDIO_BACKEND") == "null" {
		return []malgo.Backend{backendNull}
	}
	return nil // miniaudio's own order for the platform
}

// ListDevices names the microphones (capture) or speakers, default first.
func ListDevices(capture bool) ([]string, error) {
	ctx, err := malgo.InitContext(audioBackends(), malgo.ContextConfig{}, nil)
	if err != nil {
		return nil, err
	}
	defer func() { ctx.Uninit(); ctx.Free() }()
	kind := malgo.Playback
	if capture {
		kind = malgo.Capture
	}
	infos, err := ctx.Devices(kind)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, d := range infos {
		if d.IsDefault != 0 {
			out = append([]string{d.Name()}, out...)
		} else {
			out = append(out, d.Name())
		}
	}
	return out, nil
}

// device is one open miniaudio device with its context.
type device struct {
	ctx *malgo.AllocatedContext
	dev *malgo.Device
}

// openDevice opens the device called name ("" or not found: the default)
// as 48 kHz mono 16-bit, with data as its callback.
func openDevice(kind malgo.DeviceType, name string, data malgo.DataProc) (*device, error) {
	ctx, err := malgo.InitContext(audioBackends(), malgo.ContextConfig{}, nil)
	if err != nil {
		return nil, fmt.Errorf("audio: %w", err)
	}
	cfg := malgo.DefaultDeviceConfig(kind)
	cfg.SampleRate = SampleRate
	cfg.PeriodSizeInMilliseconds = uint32(FrameDuration / time.Millisecond)
	sub := &cfg.Playback
	if kind == malgo.Capture {
		sub = &cfg.Capture
	}
	sub.Format, sub.Channels = malgo.FormatS16, 1
	if name != "" {
		if infos, err := ctx.Devices(kind); err == nil {
			for i := range infos {
				if infos[i].Name() == name {
					sub.DeviceID = infos[i].ID.Pointer()
				}
			}
		}
	}
	dev, err := malgo.InitDevice(ctx.Context, cfg, malgo.DeviceCallbacks{Data: data})
	if err != nil {
		ctx.Uninit()
		ctx.Free()
		return nil, fmt.Errorf("audio device: %w", err)
	}
	if err := dev.Start(); err != nil {
		dev.Uninit()
		ctx.Uninit()
		ctx.Free()
		return nil, fmt.Errorf("audio device: %w", err)
	}
	return &device{ctx: ctx, dev: dev}, nil
}

func (d *device) close() {
	d.dev.Uninit()
	d.ctx.Uninit()
	d.ctx.Free()
}

// maxDeviceBuffer bounds what waits between a device and a call: 200 ms.
const maxDeviceBuffer = 10 * FrameSamples

// Microphone is a capture device as a Source.
type Microphone struct {
	d    *device
	mu   sync.Mutex
	buf  []int16
	wake chan struct{}
	// With echo cancellation: the captured samples not yet a whole frame,
	// the canceller, and the speaker whose sound it removes.
	raw, clean []int16
	echo       *echoCanceller
	echoOf     *Speaker
}

// OpenMicrophone opens the microphone called name ("" for the default).
// Given the speaker the call plays on (echoOf), it removes that speaker's
// sound from what it captures where the build can (EchoCancellation).
func OpenMicrophone(name string, echoOf *Speaker) (*Microphone, error) {
	m := &Microphone{wake: make(chan struct{}, 1)}
	if echoOf != nil {
		m.echo, m.echoOf, m.clean = newEchoCanceller(), echoOf, make([]int16, FrameSamples)
	}
	d, err := openDevice(malgo.Capture, name, func(_, in []byte, _ uint32) {
		m.mu.Lock()
		for i := 0; i+1 < len(in); i += 2 {
			sample := int16(binary.LittleEndian.Uint16(in[i:]))
			if m.echo == nil {
				m.buf = append(m.buf, sample)
				continue
			}
			if m.raw = append(m.raw, sample); len(m.raw) == FrameSamples {
				m.echo.capture(m.raw, m.clean)
				m.buf = append(m.buf, m.clean...)
				m.raw = m.raw[:0]
			}
		}
		if over := len(m.buf) - maxDeviceBuffer; over > 0 {
			m.buf = m.buf[over:] // nobody reads: keep the newest
		}
		m.mu.Unlock()
		select {
		case m.wake <- struct{}{}:
		default:
		}
	})
	if err != nil {
		m.echo.close()
		return nil, err
	}
	m.d = d
	if m.echo != nil {
		echoOf.setEcho(m.echo)
	}
	return m, nil
}

// ReadFrame waits for a frame of captured audio (at most 200 ms; silence
// after that, so a stalled device does not stall the call).
func (m *Microphone) ReadFrame(pcm []int16) error {
	deadline := time.After(10 * FrameDuration)
	for {
		m.mu.Lock()
		if len(m.buf) >= len(pcm) {
			copy(pcm, m.buf)
			m.buf = m.buf[len(pcm):]
			m.mu.Unlock()
			return nil
		}
		m.mu.Unlock()
		select {
		case <-m.wake:
		case <-deadline:
			clear(pcm)
			return nil
		}
	}
}

// Close stops capturing.
func (m *Microphone) Close() error {
	m.d.close()
	if m.echo != nil {
		m.echoOf.setEcho(nil)
		m.echo.close()
	}
	return nil
}

// Speaker is a playback device as a Sink.
type Speaker struct {
	d   *device
	mu  sync.Mutex
	buf []int16
	// With a microphone cancelling this speaker's echo: what was played
	// and not yet a whole frame, and where the frames go.
	played []int16
	echo   *echoCanceller
}

// OpenSpeaker opens the speaker called name ("" for the default).
func OpenSpeaker(name string) (*Speaker, error) {
	s := &Speaker{}
	d, err := openDevice(malgo.Playback, name, func(out, _ []byte, _ uint32) {
		s.mu.Lock()
		n := min(len(out)/2, len(s.buf))
		for i := range n {
			binary.LittleEndian.PutUint16(out[2*i:], uint16(s.buf[i]))
		}
		clear(out[2*n:]) // underrun: silence
		s.buf = s.buf[n:]
		if s.echo != nil {
			for i := 0; i+1 < len(out); i += 2 {
				if s.played = append(s.played, int16(binary.LittleEndian.Uint16(out[i:]))); len(s.played) == FrameSamples {
					s.echo.playback(s.played)
					s.played = s.played[:0]
				}
			}
		}
		s.mu.Unlock()
	})
	if err != nil {
		return nil, err
	}
	s.d = d
	return s, nil
}

// setEcho starts (or, with nil, stops) handing what is played to a
// microphone's echo canceller.
func (s *Speaker) setEcho(e *echoCanceller) {
	s.mu.Lock()
	s.echo, s.played = e, s.played[:0]
	s.mu.Unlock()
}

// WriteFrame queues a frame for playback, dropping the oldest audio when
// the device falls 200 ms behind.
func (s *Speaker) WriteFrame(pcm []int16) error {
	s.mu.Lock()
	s.buf = append(s.buf, pcm...)
	if over := len(s.buf) - maxDeviceBuffer; over > 0 {
		s.buf = s.buf[over:]
	}
	s.mu.Unlock()
	return nil
}

// Close stops playback.
func (s *Speaker) Close() error { s.d.close(); return nil }
