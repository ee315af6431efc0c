package server

import (
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/prometheus/client_golang/prometheus"
)

// A speaker's track is shared by all their listeners, but each listener
// may hear it only once it has applied the answer that added it: RTP of an
// SSRC its remote description does not declare yet is early media, which
// pion keeps aside and then reads from two goroutines at once (a data
// race, and formerly a speaker never heard; docs/performance.md, "Voice").
// So every sender the SFU adds goes through a gate of its own, closed
// until the listener says it applied the answer (media_ready), or, for a
// client that never says so, until mediaReadyWait has passed.

// mediaReadyWait is how long the SFU holds a new speaker's audio from a
// listener whose connection never sent media_ready (an older client):
// longer than an answer takes to apply, so that it still hears.
const mediaReadyWait = 2 * time.Second

// gatedTrack is one listener's binding of a shared track: what pion binds
// is the shared track, but the packets to this listener pass the gate.
type gatedTrack struct {
	webrtc.TrackLocal
	open atomic.Bool
	held prometheus.Counter // packets not sent while closed
}

func newGatedTrack(t webrtc.TrackLocal, held prometheus.Counter) *gatedTrack {
	return &gatedTrack{TrackLocal: t, held: held}
}

// release opens the gate for good.
func (g *gatedTrack) release() { g.open.Store(true) }

func (g *gatedTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	return g.TrackLocal.Bind(gatedContext{ctx, g})
}

func (g *gatedTrack) Unbind(ctx webrtc.TrackLocalContext) error {
	return g.TrackLocal.Unbind(gatedContext{ctx, g})
}

// gatedContext hands the shared track this listener's writer behind the
// gate; everything else (its ID, for Unbind, included) is pion's.
type gatedContext struct {
	webrtc.TrackLocalContext
	g *gatedTrack
}

func (c gatedContext) WriteStream() webrtc.TrackLocalWriter {
	return gatedWriter{c.TrackLocalContext.WriteStream(), c.g}
}

type gatedWriter struct {
	webrtc.TrackLocalWriter
	g *gatedTrack
}

func (w gatedWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	if !w.g.open.Load() {
		w.g.held.Inc()
		return 0, nil
	}
	return w.TrackLocalWriter.WriteRTP(h, payload)
}

func (w gatedWriter) Write(b []byte) (int, error) {
	if !w.g.open.Load() {
		w.g.held.Inc()
		return 0, nil
	}
	return w.TrackLocalWriter.Write(b)
}
