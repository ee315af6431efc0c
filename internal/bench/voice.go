package bench

import (
	"context"
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

// Voice: Opus audio through the server's SFU, in one meeting of
// cfg.Members where cfg.Speakers talk and everyone hears them, then in
// two-party calls (cfg.Calls at once, both sides talking). The peers
// (voicepeer.go) are real WebRTC endpoints made as cheap as they can be,
// so that the CPU measured is the server's; every packet's trip from the
// sender's WebRTC stack through the SFU to the receiver's is timed with
// the clock of this one process. That is the delay Huddle adds; what a
// listener hears adds the 20 ms frame, the codec and the jitter buffer
// (docs/performance.md, "Voice").

// voiceStats gathers every receiver's measurements.
type voiceStats struct {
	transit  histogram // send to receive, through the SFU
	jitter   histogram // |transit - previous transit|: jitter the path adds
	received atomic.Int64
	lost     atomic.Int64 // sequence numbers skipped (less those that came late)
}

// voiceUser is one signed-in session whose events feed its voicePeer and,
// for the rest, the setup steps waiting in next.
type voiceUser struct {
	sess *session.Session
	peer atomic.Pointer[voicePeer]
	evs  chan session.Event
}

func newVoiceUser(ctx context.Context, url, app, secret, name string) (*voiceUser, error) {
	u := &voiceUser{sess: session.New(session.Config{ServerURL: url, ClientName: "huddle-bench"}), evs: make(chan session.Event, 256)}
	go func() {
		for ev := range u.sess.Events() {
			if p := u.peer.Load(); p != nil && p.handle(ev) {
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
	if p := u.peer.Load(); p != nil {
		p.close()
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

// connect opens u's microphone in meet (if it talks) and connects its
// peer to the SFU.
func (u *voiceUser) connect(ctx context.Context, l *voiceLoad, meet int, talk bool) error {
	if talk {
		u.sess.OpenMic("")
		me := u.sess.UserID()
		if _, err := next(ctx, u, func(e session.AudioStatusChanged) bool { return e.UserID == me && e.NewStatus == protocol.AudioOpen }); err != nil {
			return err
		}
	}
	p, err := newVoicePeer(l, u.sess, meet, talk)
	if err != nil {
		return err
	}
	u.peer.Store(p)
	select {
	case <-p.connected:
	case <-time.After(30 * time.Second):
		return fmt.Errorf("%s: no connection to the SFU within 30 s (%v)", p.user, p.failure())
	case <-ctx.Done():
		return ctx.Err()
	}
	p.startTalking()
	return nil
}

// setUpVoiceCall signs two users in, has the first call the second into a
// meeting made for it, and connects both, talking.
func setUpVoiceCall(ctx context.Context, cfg Config, url string, i int, l *voiceLoad) ([]*voiceUser, error) {
	a, err := newVoiceUser(ctx, url, cfg.App, cfg.Secret, fmt.Sprintf("voice-a-%d", i))
	if err != nil {
		return nil, err
	}
	b, err := newVoiceUser(ctx, url, cfg.App, cfg.Secret, fmt.Sprintf("voice-b-%d", i))
	if err != nil {
		return []*voiceUser{a}, err
	}
	users := []*voiceUser{a, b}
	a.sess.CreateCallMeeting("bench", 0, "m")
	m, err := next[session.CreateMeetingSuccess](ctx, a, nil)
	if err != nil {
		return users, err
	}
	id := a.sess.Call(b.sess.UserID(), m.Meet, "", "c")
	if _, err := next(ctx, b, func(e session.NotifyCallIn) bool { return e.CallID == id }); err != nil {
		return users, err
	}
	b.sess.AcceptCall(id, session.MeetInfo{}, "", "a")
	if _, err := next(ctx, b, func(e session.AcceptCallSuccess) bool { return e.CallID == id }); err != nil {
		return users, err
	}
	if _, err := next(ctx, a, func(e session.NotifyCallAccepted) bool { return e.CallID == id }); err != nil {
		return users, err
	}
	for _, u := range users {
		if err := u.connect(ctx, l, m.Meet.ID, true); err != nil {
			return users, err
		}
	}
	return users, nil
}

// setUpVoiceMeeting signs in members users, all entering one meeting; the
// first speakers of them talk, the others listen with closed microphones
// (and send nothing, as a muted client does).
func setUpVoiceMeeting(ctx context.Context, cfg Config, t *target, l *voiceLoad) ([]*voiceUser, string, error) {
	var users []*voiceUser
	host, err := newVoiceUser(ctx, t.urls[0], cfg.App, cfg.Secret, "meet-0")
	if err != nil {
		return nil, "", err
	}
	users = append(users, host)
	host.sess.CreateMeeting("bench meeting", 0, "m")
	m, err := next[session.CreateMeetingSuccess](ctx, host, nil)
	if err != nil {
		return users, "", err
	}
	host.sess.EnterMeeting(m.Meet.ID, m.Meet.Pswd, "e")
	if e, err := next[session.EnterMeetingRslt](ctx, host, nil); err != nil || e.Err != protocol.NoErr {
		return users, "", errors.Join(err, fmt.Errorf("enter meeting: %v", e.Err))
	}
	for i := 1; i < cfg.Members; i++ {
		u, err := newVoiceUser(ctx, t.urls[i%len(t.urls)], cfg.App, cfg.Secret, fmt.Sprintf("meet-%d", i))
		if err != nil {
			return users, "", err
		}
		users = append(users, u)
		u.sess.EnterMeeting(m.Meet.ID, m.Meet.Pswd, "e")
		if e, err := next[session.EnterMeetingRslt](ctx, u, nil); err != nil || e.Err != protocol.NoErr {
			return users, "", errors.Join(err, fmt.Errorf("meet-%d: enter meeting: %v", i, e.Err))
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.Concurrency)
	for i, u := range users {
		g.Go(func() error { return u.connect(gctx, l, m.Meet.ID, i < cfg.Speakers) })
	}
	if err := g.Wait(); err != nil {
		return users, "", err
	}
	// Everyone hears every speaker but themselves once the SFU has asked
	// each for the offers that make room for them. One who still does
	// not after 10 s is counted, not waited for: the level runs, and says
	// so.
	deadline := time.Now().Add(10 * time.Second)
	missing := 0
	for i, u := range users {
		want := int64(cfg.Speakers)
		if i < cfg.Speakers {
			want--
		}
		for u.peer.Load().tracks.Load() < want && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		missing += int(want - min(want, u.peer.Load().tracks.Load()))
	}
	if missing > 0 {
		return users, fmt.Sprintf("%d of %d forwarded streams never reached their listener", missing, cfg.Speakers*(cfg.Members-1)), nil
	}
	return users, "", nil
}

// runVoice measures the meeting, then each level of cfg.Calls: the
// meeting first, on a server that has carried no voice yet, so that its
// memory per stream is its own.
func runVoice(ctx context.Context, cfg Config, t *target) ([]Row, error) {
	if cfg.Members > 0 && (cfg.Speakers <= 0 || cfg.Speakers > cfg.Members) {
		return nil, fmt.Errorf("a meeting of %d members needs 1 to %d speakers, not %d", cfg.Members, cfg.Members, cfg.Speakers)
	}
	if !media.OpusBuiltIn() && t.kind != "external" {
		return nil, errors.New("the voice bench sends Opus, and its server is this build, which has none: build huddle with cgo and libopus")
	}
	idle, _ := t.memory() // the server before any voice
	var rows []Row
	if cfg.Members > 0 {
		load := fmt.Sprintf("meeting of %d, %d speaking", cfg.Members, cfg.Speakers)
		out := cfg.Speakers * (cfg.Members - 1)
		row, err := voiceLevel(ctx, cfg, t, idle, load, cfg.Members, out, func(l *voiceLoad) ([]*voiceUser, string, error) {
			return setUpVoiceMeeting(ctx, cfg, t, l)
		})
		if err != nil {
			return rows, fmt.Errorf("%s: %w", load, err)
		}
		rows = append(rows, row)
	}
	for _, n := range cfg.Calls {
		row, err := voiceLevel(ctx, cfg, t, idle, fmt.Sprintf("%d calls (%d streams)", n, 2*n), 2*n, 2*n, func(l *voiceLoad) ([]*voiceUser, string, error) {
			users, err := setUpVoiceCalls(ctx, cfg, t, n, l)
			return users, "", err
		})
		if err != nil {
			return rows, fmt.Errorf("%d calls: %w", n, err)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func setUpVoiceCalls(ctx context.Context, cfg Config, t *target, n int, l *voiceLoad) ([]*voiceUser, error) {
	var (
		mu    sync.Mutex
		users []*voiceUser
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.Concurrency)
	for i := range n {
		g.Go(func() error {
			us, err := setUpVoiceCall(gctx, cfg, t.urls[i%len(t.urls)], i, l)
			mu.Lock()
			users = append(users, us...)
			mu.Unlock()
			return err
		})
	}
	err := g.Wait()
	return users, err
}

// voiceLevel sets up one level's members, lets them talk for a second to
// settle, then measures cfg.Duration. streams is what the server forwards
// (each speaker to each listener); members is how many connections.
func voiceLevel(ctx context.Context, cfg Config, t *target, idle uint64, load string, members, streams int, setUp func(*voiceLoad) ([]*voiceUser, string, error)) (Row, error) {
	if err := checkFiles(3*members, t); err != nil { // a socket, a UDP port each in the server, one here
		return Row{}, err
	}
	st := &voiceStats{}
	l, err := newVoiceLoad(st)
	if err != nil {
		return Row{}, err
	}
	users, problem, err := setUp(l)
	defer func() {
		for _, u := range users {
			u.close()
		}
		l.close()
	}()
	if err != nil {
		return Row{}, err
	}
	select {
	case <-time.After(time.Second):
	case <-ctx.Done():
		return Row{}, ctx.Err()
	}
	st.transit.reset()
	st.jitter.reset()
	sent0, recv0, lost0 := l.sent(), st.received.Load(), st.lost.Load()
	cpu0, self0 := cpuOf(t.pids), cpuOf([]int{os.Getpid()})
	overflow0, haveOverflow := udpOverflows()
	start := time.Now()
	select {
	case <-time.After(cfg.Duration):
	case <-ctx.Done():
		return Row{}, ctx.Err()
	}
	elapsed := time.Since(start)
	cpu, self := cpuOf(t.pids)-cpu0, cpuOf([]int{os.Getpid()})-self0
	overflow1, _ := udpOverflows()
	sent, recv, lost := l.sent()-sent0, st.received.Load()-recv0, st.lost.Load()-lost0
	loss := 0.0
	if recv+lost > 0 {
		loss = max(0, float64(lost)/float64(recv+lost))
	}
	// Talkers send 50 packets a second; a load tool short of CPU sends
	// fewer, and the level is then lighter than it says.
	due := float64(l.talkers()) * elapsed.Seconds() / media.FrameDuration.Seconds()
	note := fmt.Sprintf("%d streams forwarded, %d packets sent (%.0f%% of 50/s per talker), loss %.3f%%, jitter p99 %s ms", streams, sent, 100*float64(sent)/due, 100*loss, ms(st.jitter.quantile(0.99)))
	if haveOverflow {
		note += fmt.Sprintf(" (UDP receive buffers overflowed %d times, whole machine)", overflow1-overflow0)
	}
	core := func(d time.Duration) float64 { return 100 * d.Seconds() / elapsed.Seconds() }
	if len(t.pids) > 0 && t.kind != "in-process" {
		note += fmt.Sprintf(", server CPU %.1f%% of a core (%.3f%% per stream)", core(cpu), core(cpu)/float64(streams))
		note += fmt.Sprintf(", load tool CPU %.1f%%", core(self))
	}
	if problem != "" {
		note += "; " + problem
	}
	if rss, what := t.memory(); rss > 0 {
		note += fmt.Sprintf(", RSS %d MiB (%s)", rss>>20, what)
		if rss > idle && idle > 0 {
			note += fmt.Sprintf(", %.0f KiB per stream over idle", float64(rss-idle)/1024/float64(streams))
		}
	}
	return Row{
		Scenario: "voice", Load: load,
		Rate: float64(recv) / elapsed.Seconds(), RateOf: "packets forwarded",
		P50: st.transit.quantile(0.5), P99: st.transit.quantile(0.99), Max: st.transit.quantile(1),
		Note: note,
	}, nil
}

// sent is how many packets the load's talkers have sent.
func (l *voiceLoad) sent() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	var n int64
	for _, s := range l.streams {
		n += s.sent.Load()
	}
	return n
}

// udpOverflows counts the UDP datagrams this machine dropped because a
// socket's receive buffer was full (Linux: RcvbufErrors in /proc/net/snmp):
// where loss comes from when a reader waits too long for a core.
func udpOverflows() (int64, bool) {
	b, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return 0, false
	}
	var names []string
	for line := range strings.SplitSeq(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || f[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = f
			continue
		}
		for i, name := range names {
			if name == "RcvbufErrors" && i < len(f) {
				n, err := strconv.ParseInt(f[i], 10, 64)
				return n, err == nil
			}
		}
	}
	return 0, false
}

func (l *voiceLoad) talkers() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.streams)
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
