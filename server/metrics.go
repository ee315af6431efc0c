package server

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"huddle/protocol"
)

// metrics are one server's Prometheus metrics (README.md, "Monitoring",
// lists them), in a registry of its own: several servers in one process (tests,
// a cluster's nodes in a test) each count their own.
//
// Every label value is resolved once, here: the hot paths (a message read,
// a push queued, a data frame relayed) only add to a counter they look up in
// a map or hold in a field, which allocates nothing. Label values are
// bounded: known operations, events and error codes, everything else
// "unknown", so a client cannot grow the series by sending made-up ops.
type metrics struct {
	reg *prometheus.Registry

	connections prometheus.Gauge
	logins      struct{ ok, refused, rateLimited, failed prometheus.Counter }

	in, out                map[string]prometheus.Counter // by op; out by event, and "reply"
	inUnknown, outUnknown  prometheus.Counter
	outReply               prometheus.Counter
	errs                   map[protocol.ErrCode]prometheus.Counter
	errUnknown             prometheus.Counter
	presenceSent           prometheus.Counter
	presenceRounds         prometheus.Counter
	xferStarted            struct{ buffer, file prometheus.Counter }
	xferFinished           struct{ ok, refused, cancelled, failed prometheus.Counter }
	relayedBytes           prometheus.Counter
	slowConsumerDisconnect prometheus.Counter
	// natsRequest times a cluster node's requests to NATS (JetStream KV:
	// finding and holding applications' homes); never observed alone.
	natsRequest prometheus.Histogram
	// Frames sent to other cluster nodes, and the NATS messages that
	// carried them (nodelink.go gathers small frames).
	clusterFrames, clusterMessages prometheus.Counter
}

// Label values of huddle_transfers_finished_total.
const (
	xferOK        = "ok"        // the receiver has all the data
	xferRefused   = "refused"   // declined or not answered by the receiver
	xferCancelled = "cancelled" // by the sender
	xferFailed    = "failed"    // anything else: a party left, bad data
)

// events are the pushes the server sends, the label values of
// huddle_messages_out_total besides "reply".
var events = []string{
	protocol.EvUserStatus, protocol.EvLineOff, protocol.EvError,
	protocol.EvMeetingStopped, protocol.EvCallIn, protocol.EvCallAccepted, protocol.EvCallRejected,
	protocol.EvCallHungup, protocol.EvInviteStatus,
	protocol.EvCmdData, protocol.EvXferOffer, protocol.EvXferAck, protocol.EvXferResult, protocol.EvXferCancel,
	protocol.EvMeetingEntered, protocol.EvUserEnter, protocol.EvUserLeft, protocol.EvAudioStatus,
	protocol.EvMediaCandidate, protocol.EvMediaUpdate,
}

const unknownLabel = "unknown"

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	f := func(c prometheus.Collector) { m.reg.MustRegister(c) }
	f(collectors.NewGoCollector())
	f(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	m.connections = prometheus.NewGauge(prometheus.GaugeOpts{Name: "huddle_connections", Help: "Open WebSocket connections."})
	f(m.connections)
	logins := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "huddle_logins_total", Help: "Login requests by result: ok, refused (bad credentials), rate_limited, failed (server error)."}, []string{"result"})
	f(logins)
	m.logins.ok, m.logins.refused = logins.WithLabelValues("ok"), logins.WithLabelValues("refused")
	m.logins.rateLimited, m.logins.failed = logins.WithLabelValues("rate_limited"), logins.WithLabelValues("failed")

	in := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "huddle_messages_in_total", Help: "Requests read from clients, by op (\"unknown\" for any op the server does not know)."}, []string{"op"})
	f(in)
	m.in = make(map[string]prometheus.Counter, len(routes))
	for op := range routes {
		m.in[op] = in.WithLabelValues(op)
	}
	m.inUnknown = in.WithLabelValues(unknownLabel)

	out := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "huddle_messages_out_total", Help: "Messages queued for clients: pushes by event, answers to requests as \"reply\". A presence round's batch counts once per subscriber."}, []string{"op"})
	f(out)
	m.out = make(map[string]prometheus.Counter, len(events))
	for _, ev := range events {
		m.out[ev] = out.WithLabelValues(ev)
	}
	m.outReply, m.outUnknown = out.WithLabelValues("reply"), out.WithLabelValues(unknownLabel)

	errs := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "huddle_errors_total", Help: "Error answers and error pushes sent to clients, by code (the SDK's name)."}, []string{"code"})
	f(errs)
	m.errs = make(map[protocol.ErrCode]prometheus.Counter)
	for _, c := range protocol.ErrCodes() {
		m.errs[c] = errs.WithLabelValues(c.String())
	}
	m.errUnknown = errs.WithLabelValues(unknownLabel)

	m.presenceSent = prometheus.NewCounter(prometheus.CounterOpts{Name: "huddle_presence_notifications_total", Help: "Presence batches queued for subscribers (one per subscriber per round)."})
	m.presenceRounds = prometheus.NewCounter(prometheus.CounterOpts{Name: "huddle_presence_rounds_total", Help: "Presence fan-out rounds."})
	f(m.presenceSent)
	f(m.presenceRounds)

	started := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "huddle_transfers_started_total", Help: "Buffer and file transfers started, by kind."}, []string{"kind"})
	f(started)
	m.xferStarted.buffer, m.xferStarted.file = started.WithLabelValues(protocol.KindBuffer), started.WithLabelValues(protocol.KindFile)
	finished := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "huddle_transfers_finished_total", Help: "Transfers ended, by result: ok, refused, cancelled, failed."}, []string{"result"})
	f(finished)
	m.xferFinished.ok, m.xferFinished.refused = finished.WithLabelValues(xferOK), finished.WithLabelValues(xferRefused)
	m.xferFinished.cancelled, m.xferFinished.failed = finished.WithLabelValues(xferCancelled), finished.WithLabelValues(xferFailed)

	m.relayedBytes = prometheus.NewCounter(prometheus.CounterOpts{Name: "huddle_relayed_bytes_total", Help: "Transfer payload bytes relayed from senders to receivers."})
	m.slowConsumerDisconnect = prometheus.NewCounter(prometheus.CounterOpts{Name: "huddle_slow_consumer_disconnects_total", Help: "Connections closed (4002) because their send queue was full."})
	f(m.relayedBytes)
	f(m.slowConsumerDisconnect)
	m.natsRequest = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "huddle_nats_request_seconds", Help: "Requests of a cluster node to NATS (JetStream key-value: applications' homes), by duration.",
		Buckets: prometheus.ExponentialBuckets(100e-6, 2, 14)}) // 0.1 ms to 0.8 s
	f(m.natsRequest)
	m.clusterFrames = prometheus.NewCounter(prometheus.CounterOpts{Name: "huddle_cluster_frames_sent_total", Help: "Frames sent to other cluster nodes (a client's frame, or one for it)."})
	m.clusterMessages = prometheus.NewCounter(prometheus.CounterOpts{Name: "huddle_cluster_messages_sent_total", Help: "NATS messages that carried frames to other cluster nodes (small frames are gathered, several to a message)."})
	f(m.clusterFrames)
	f(m.clusterMessages)
	return m
}

func (m *metrics) messageIn(op string) {
	if c, ok := m.in[op]; ok {
		c.Inc()
		return
	}
	m.inUnknown.Inc()
}

func (m *metrics) messageOut(ev string) {
	if c, ok := m.out[ev]; ok {
		c.Inc()
		return
	}
	m.outUnknown.Inc()
}

func (m *metrics) errorSent(code protocol.ErrCode) {
	if code == protocol.NoErr {
		return
	}
	if c, ok := m.errs[code]; ok {
		c.Inc()
		return
	}
	m.errUnknown.Inc()
}

func (m *metrics) transferFinished(result string) {
	switch result {
	case xferOK:
		m.xferFinished.ok.Inc()
	case xferRefused:
		m.xferFinished.refused.Inc()
	case xferCancelled:
		m.xferFinished.cancelled.Inc()
	default:
		m.xferFinished.failed.Inc()
	}
}

// MetricsHandler serves this server's metrics in the Prometheus text format.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{Registry: s.metrics.reg})
}
