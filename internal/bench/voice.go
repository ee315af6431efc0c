package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"huddle/media"
	"huddle/protocol"
	"huddle/session"
)

// Voice: two-party calls through the server's SFU, each side a real pion
// peer (media.Call) sending a 20 ms packet every 20 ms. The payload is a
// stamp codec's (below): the send time, so each packet's trip from the
// sender's WebRTC stack through the SFU to the receiver's is timed, with
// the clock of one process. That is the delay Huddle adds; what a
// listener hears adds the 20 ms frame, the codec and the jitter buffer
// (docs/performance.md, "Voice").

// voiceStats gathers every receiver's measurements.
type voiceStats struct {
	transit  histogram // send to receive, through the SFU
	jitter   histogram // |transit - previous transit|: jitter the path adds
	received atomic.Int64
}

// stampCodec names itself PCMU (160-byte payloads, as G.711's) and carries
// the send time in the first 8 bytes; its decoder records the trip.
func stampCodec(st *voiceStats) media.Codec {
	return media.Codec{
		Capability: media.PCMUCapability, PayloadType: media.PCMUPayloadType,
		NewEncoder: func() (media.Encoder, error) { return stampEncoder{}, nil },
		NewDecoder: func() (media.Decoder, error) { return &stampDecoder{st: st}, nil },
	}
}

const stampPayload = 160

type stampEncoder struct{}

func (stampEncoder) Encode(_ []int16, out []byte) (int, error) {
	clear(out[:stampPayload])
	binary.BigEndian.PutUint64(out, uint64(time.Now().UnixNano()))
	return stampPayload, nil
}

type stampDecoder struct {
	st   *voiceStats
	last time.Duration
}

func (d *stampDecoder) Decode(p []byte, pcm []int16) error {
	if len(p) < 8 {
		return errors.New("short stamp")
	}
	transit := time.Since(time.Unix(0, int64(binary.BigEndian.Uint64(p))))
	d.st.transit.add(transit)
	if d.last != 0 {
		d.st.jitter.add((transit - d.last).Abs())
	}
	d.last = transit
	d.st.received.Add(1)
	clear(pcm)
	return nil
}

func (d *stampDecoder) Conceal(_ []byte, pcm []int16) error { clear(pcm); return nil }

// voiceUser is one signed-in session whose events feed its media.Call and,
// for the rest, the setup steps waiting in next.
type voiceUser struct {
	sess *session.Session
	call atomic.Pointer[media.Call]
	evs  chan session.Event
}

func newVoiceUser(ctx context.Context, url, app, secret, name string) (*voiceUser, error) {
	u := &voiceUser{sess: session.New(session.Config{ServerURL: url, ClientName: "huddle-bench"}), evs: make(chan session.Event, 256)}
	go func() {
		for ev := range u.sess.Events() {
			if c := u.call.Load(); c != nil && c.Handle(ev) {
				continue
			}
			select {
			case u.evs <- ev:
			default: // nobody waits for it
			}
		}
	}()
	u.sess.Login(app, demoPswd(secret), name, name, "", "login")
	if _, err := next[session.LoginSuccess](ctx, u, nil); err != nil {
		u.close()
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return u, nil
}

func (u *voiceUser) close() {
	if c := u.call.Load(); c != nil {
		c.Close()
	}
	u.sess.Close()
}

// next waits for u's next event of type T that match accepts (nil: any).
func next[T session.Event](ctx context.Context, u *voiceUser, match func(T) bool) (T, error) {
	var zero T
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev := <-u.evs:
			if e, ok := ev.(T); ok && (match == nil || match(e)) {
				return e, nil
			}
		case <-deadline:
			return zero, fmt.Errorf("no %T within 30 s", zero)
		case <-ctx.Done():
			return zero, ctx.Err()
		}
	}
}

// voiceCall is one two-party call with audio both ways.
type voiceCall struct{ a, b *voiceUser }

// setUp signs both in, has a call b into a meeting made for it, opens both
// microphones and connects both peers to the SFU.
func setUpVoiceCall(ctx context.Context, cfg Config, url string, i int, st *voiceStats) (*voiceCall, error) {
	a, err := newVoiceUser(ctx, url, cfg.App, cfg.Secret, fmt.Sprintf("voice-a-%d", i))
	if err != nil {
		return nil, err
	}
	b, err := newVoiceUser(ctx, url, cfg.App, cfg.Secret, fmt.Sprintf("voice-b-%d", i))
	if err != nil {
		a.close()
		return nil, err
	}
	vc := &voiceCall{a, b}
	if err := vc.connect(ctx, st); err != nil {
		vc.close()
		return nil, err
	}
	return vc, nil
}

func (vc *voiceCall) connect(ctx context.Context, st *voiceStats) error {
	a, b := vc.a, vc.b
	a.sess.CreateCallMeeting("bench", 0, "m")
	m, err := next[session.CreateMeetingSuccess](ctx, a, nil)
	if err != nil {
		return err
	}
	id := a.sess.Call(b.sess.UserID(), m.Meet, "", "c")
	if _, err := next(ctx, b, func(e session.NotifyCallIn) bool { return e.CallID == id }); err != nil {
		return err
	}
	b.sess.AcceptCall(id, session.MeetInfo{}, "", "a")
	if _, err := next(ctx, b, func(e session.AcceptCallSuccess) bool { return e.CallID == id }); err != nil {
		return err
	}
	if _, err := next(ctx, a, func(e session.NotifyCallAccepted) bool { return e.CallID == id }); err != nil {
		return err
	}
	for _, u := range []*voiceUser{a, b} {
		u.sess.OpenMic("")
		me := u.sess.UserID()
		if _, err := next(ctx, u, func(e session.AudioStatusChanged) bool { return e.UserID == me && e.NewStatus == protocol.AudioOpen }); err != nil {
			return err
		}
		c, err := media.StartCall(u.sess, m.Meet.ID, media.PeerConfig{Codecs: []media.Codec{stampCodec(st)}, Loopback: true})
		if err != nil {
			return err
		}
		u.call.Store(c)
	}
	for _, u := range []*voiceUser{a, b} {
		select {
		case <-u.call.Load().Peer().Connected():
		case <-time.After(30 * time.Second):
			return errors.New("a peer did not connect within 30 s")
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

func (vc *voiceCall) close() {
	vc.a.close()
	vc.b.close()
}

func (vc *voiceCall) sent() int64 {
	var n int64
	for _, u := range []*voiceUser{vc.a, vc.b} {
		if c := u.call.Load(); c != nil {
			n += c.Peer().Stats().Sent
		}
	}
	return n
}

// runVoice measures each level of cfg.Calls: that many calls set up, then
// cfg.Duration of both sides talking.
func runVoice(ctx context.Context, cfg Config, t *target) ([]Row, error) {
	var rows []Row
	for _, n := range cfg.Calls {
		row, err := voiceLevel(ctx, cfg, t, n)
		if err != nil {
			return rows, fmt.Errorf("%d calls: %w", n, err)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func voiceLevel(ctx context.Context, cfg Config, t *target, n int) (Row, error) {
	if err := checkFiles(6*n, t); err != nil { // a socket, a UDP port and pion's each side
		return Row{}, err
	}
	st := &voiceStats{}
	calls := make([]*voiceCall, n)
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.Concurrency)
	for i := range calls {
		g.Go(func() error {
			vc, err := setUpVoiceCall(gctx, cfg, t.urls[i%len(t.urls)], i, st)
			mu.Lock()
			calls[i] = vc
			mu.Unlock()
			return err
		})
	}
	err := g.Wait()
	defer func() {
		for _, vc := range calls {
			if vc != nil {
				vc.close()
			}
		}
	}()
	if err != nil {
		return Row{}, err
	}
	// A second for every stream to settle, then the measured window.
	select {
	case <-time.After(time.Second):
	case <-ctx.Done():
		return Row{}, ctx.Err()
	}
	st.transit.reset()
	st.jitter.reset()
	sent0, recv0 := totalSent(calls), st.received.Load()
	cpu0 := cpuOf(t.pids)
	start := time.Now()
	select {
	case <-time.After(cfg.Duration):
	case <-ctx.Done():
		return Row{}, ctx.Err()
	}
	elapsed := time.Since(start)
	cpu := cpuOf(t.pids) - cpu0
	sent, recv := totalSent(calls)-sent0, st.received.Load()-recv0
	loss := 0.0
	if sent > 0 {
		loss = max(0, 1-float64(recv)/float64(sent))
	}
	streams := 2 * n
	note := fmt.Sprintf("loss %.3f%%, jitter p99 %s ms", 100*loss, ms(st.jitter.quantile(0.99)))
	if len(t.pids) > 0 {
		note += fmt.Sprintf(", server CPU %.1f%% of a core (%.3f%% per stream)", 100*cpu.Seconds()/elapsed.Seconds(), 100*cpu.Seconds()/elapsed.Seconds()/float64(streams))
	}
	if rss, what := t.memory(); rss > 0 {
		note += fmt.Sprintf(", RSS %d MiB (%s)", rss>>20, what)
	}
	return Row{
		Scenario: "voice", Load: fmt.Sprintf("%d calls (%d streams)", n, streams),
		Rate: float64(recv) / elapsed.Seconds(), RateOf: "packets forwarded",
		P50: st.transit.quantile(0.5), P99: st.transit.quantile(0.99), Max: st.transit.quantile(1),
		Note: note,
	}, nil
}

func totalSent(calls []*voiceCall) int64 {
	var n int64
	for _, vc := range calls {
		n += vc.sent()
	}
	return n
}

// cpuOf is the CPU time (user and system) the processes have used.
func cpuOf(pids []int) time.Duration {
	var total time.Duration
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// Fields after the command (which may hold spaces) in parentheses.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(f) < 13 {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		stt, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(ut+stt) * time.Second / 100 // USER_HZ
	}
	return total
}
