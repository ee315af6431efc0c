package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"huddle/server/store"
)

// A home's live state, written to JetStream so that a home killed with
// kill -9 loses nothing a client was told: the node that takes the
// application over (cluster.homeOf) reads it back, and the clients resume
// there as after a drop (grace.go). docs/cluster.md, "What lives where".
//
// What is written, per application (key prefix: the application's ID,
// base64url):
//   - bucket resumeBucket (JetStream KV, file storage), a key per thing:
//     "s.<user>" a session (nickname, resume token, protocol version, the
//     end of its grace if parked), "l.<call>" a call or invite (parties,
//     meeting, accepted, when it stops ringing), "m.<meeting>" a meeting's
//     room (members, microphones) and a call's meeting (not in the store);
//   - stream pushesStream, subject "huddle.pushes.<app>": the sessions'
//     numbered pushes and acknowledgements, one message per write round
//     (a presence change to N subscribers is its text once and N numbers).
//     Messages older than pushesMaxAge are dropped: a push unacknowledged
//     that long belongs to no session that can still resume.
//
// Writes are batched: a change marks what it touched, and one write round
// at a time (per application) puts everything marked since the last,
// asynchronously, and waits for JetStream's acknowledgements. Nothing a
// session's connection writes (a reply, a push) leaves the home before
// the round that covers every change made so far is acknowledged
// (appState.await in the write loop): what a client was told is durable.
// The window is therefore one write round: changes of that round that
// nobody was told of yet may be lost with the home.
const (
	resumeBucket       = "huddle_resume"
	pushesStream       = "HUDDLE_PUSHES"
	pushesSubject      = "huddle.pushes."
	pushesMaxAge       = 5 * time.Minute
	pushesMaxBytes     = 1 << 30
	resumeRetry        = 250 * time.Millisecond
	resumeAwaitTimeout = 2 * natsTimeout // writes wait no longer for a round (NATS away)
)

// Key kinds within an application's prefix.
const (
	keySession = "s."
	keyLeg     = "l."
	keyMeeting = "m."
)

// token encodes an ID as one NATS subject token.
func token(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

func untoken(t string) (string, bool) {
	b, err := base64.RawURLEncoding.DecodeString(t)
	return string(b), err == nil
}

// Records, as JSON.
type (
	sessionRecord struct {
		SID     string `json:"sid"` // its pushes' in the stream
		Nick    string `json:"nick"`
		Token   string `json:"token"`
		Version int    `json:"version"`
		// ParkedUntil is when a parked session's grace ends (unix ms); 0
		// for a session whose connection was up.
		ParkedUntil int64 `json:"parked_until,omitempty"`
	}
	legRecord struct {
		From       string `json:"from"`
		To         string `json:"to"`
		Invite     bool   `json:"invite,omitempty"`
		FromNick   string `json:"from_nick"`
		FromHears  bool   `json:"from_hears,omitempty"`
		Meet       int64  `json:"meet"`
		Accepted   bool   `json:"accepted,omitempty"`
		RingsUntil int64  `json:"rings_until,omitempty"` // unix ms
	}
	roomRecord struct {
		ForCall *store.Meeting `json:"for_call,omitempty"` // a call's meeting, kept nowhere else
		Members []memberRecord `json:"members,omitempty"`
		// The meeting's media generation and unreachable pair (direct.go):
		// the new home goes on from them, as clients void a generation
		// not newer than theirs.
		MediaGen    int      `json:"media_gen,omitempty"`
		Unreachable []string `json:"unreachable,omitempty"`
	}
	memberRecord struct {
		User   string `json:"user"`
		Nick   string `json:"nick"`
		Audio  int    `json:"audio"`
		ByCall bool   `json:"by_call,omitempty"`
		Hears  bool   `json:"hears,omitempty"`
	}
	// pushesRecord is one write round's pushes and acknowledgements.
	pushesRecord struct {
		Pushes []pushBatch       `json:"p,omitempty"`
		Acks   map[string]uint64 `json:"a,omitempty"`
	}
	// pushBatch is one push text and the sessions it went to, numbered.
	pushBatch struct {
		Msg string   `json:"m"`
		To  []pushTo `json:"t"`
	}
	pushTo struct {
		SID string `json:"u"`
		Seq uint64 `json:"s"`
	}
)

// appState writes one application's live state while this node is its
// home. Its mu is a leaf: taken under appCalls.mu and replay.mu, it takes
// nothing.
type appState struct {
	cl     *cluster
	cs     *appCalls
	prefix string // the application's token and "."

	mu       sync.Mutex
	dirty    map[string]struct{} // keys (after prefix) to put or delete
	pushes   []pushBatch
	lastMsg  []byte // the text of pushes[len-1]: a fan-out round shares it
	acks     map[string]uint64
	changed  uint64        // changes so far
	written  uint64        // changes written (acknowledged by JetStream)
	done     chan struct{} // closed when a round ends
	flushing bool
	stopped  bool
	// late: a round has not been written for resumeAwaitTimeout (NATS is
	// away): writes go out without waiting until a round is written.
	late bool
	// handing: handOver runs, no round starts; handed: it is done, and
	// what its last round did not cover is never told to a client.
	handing, handed bool
	rounds          sync.WaitGroup // the flush goroutine, while it runs
}

func newAppState(cl *cluster, cs *appCalls) *appState {
	return &appState{cl: cl, cs: cs, prefix: token(cs.app) + ".", dirty: map[string]struct{}{},
		acks: map[string]uint64{}, done: make(chan struct{})}
}

// mark notes that key changed; a write round follows.
func (a *appState) mark(key string) {
	if a == nil {
		return
	}
	a.mu.Lock()
	a.dirty[key] = struct{}{}
	a.changed++
	a.startLocked()
	a.mu.Unlock()
}

// pushed notes push seq of session sid.
func (a *appState) pushed(sid string, seq uint64, msg []byte) {
	a.mu.Lock()
	if n := len(a.pushes); n > 0 && sameBytes(a.lastMsg, msg) {
		a.pushes[n-1].To = append(a.pushes[n-1].To, pushTo{sid, seq})
	} else {
		a.pushes = append(a.pushes, pushBatch{Msg: string(msg), To: []pushTo{{sid, seq}}})
		a.lastMsg = msg
	}
	a.changed++
	a.startLocked()
	a.mu.Unlock()
}

// pushToSize bounds the JSON of t: {"u":"…","s":N}.
func pushToSize(t pushTo) int { return 32 + len(t.SID) }

func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}

// acked notes that session sid needs no push up to seq any more. Nobody
// waits for it to be written: a resume after a lost ack replays pushes
// the client drops as seen.
func (a *appState) acked(sid string, seq uint64) {
	a.mu.Lock()
	if seq > a.acks[sid] {
		a.acks[sid] = seq
	}
	a.startLocked()
	a.mu.Unlock()
}

func (a *appState) startLocked() {
	if !a.flushing && !a.stopped && !a.handing {
		a.flushing = true
		a.rounds.Add(1)
		go a.flush()
	}
}

// stop ends the writing, once a round being written is done: this node
// is no longer the application's home, and nothing it writes after may
// land on what the next home reads. Writers waiting for a round go on.
// Never under appCalls.mu (a round takes it).
func (a *appState) stop() {
	if a == nil {
		return
	}
	a.mu.Lock()
	a.stopped = true
	close(a.done)
	a.done = make(chan struct{})
	a.mu.Unlock()
	a.rounds.Wait()
}

// await returns once every change made so far is written (or writing
// stopped, or resumeAwaitTimeout passed: NATS is away, and holding every
// client's pushes longer would be worse than the risk). It tells whether
// the caller may tell its client: not if the application was handed
// over (handOver) without those changes, which the next home then never
// heard of.
//
// Every write loop of the application's sessions waits here (a presence
// change wakes thousands at once), so a wait is one channel receive: the
// timeout is the round's (overdue), not a timer per waiter, which was a
// fifth of a home's CPU in that fan-out (docs/performance.md).
func (a *appState) await() bool {
	if a == nil {
		return true
	}
	a.mu.Lock()
	target := a.changed
	for a.written < target && !a.stopped && !a.late {
		done := a.done
		a.mu.Unlock()
		<-done
		a.mu.Lock()
	}
	defer a.mu.Unlock()
	return a.written >= target || !a.handed
}

// overdue: the round covering the changes up to target has not been
// written for resumeAwaitTimeout. Its writers, and any after them, stop
// waiting until a round is written.
func (a *appState) overdue(target uint64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.late || a.stopped || a.written >= target {
		return
	}
	a.cl.log.Warn("client writes go out before the application's state is written: JetStream does not answer", "app", a.cs.app)
	a.late = true
	close(a.done)
	a.done = make(chan struct{})
}

// fence ends the writing at once, a round under way included: another
// node took the application over from what is written, and anything
// written after would land on its state. Like handOver without the last
// round: nothing not written is told, and the sessions here end without
// ending anything.
func (a *appState) fence() {
	if a == nil {
		return
	}
	a.mu.Lock()
	a.stopped, a.handed = true, true
	close(a.done)
	a.done = make(chan struct{})
	a.mu.Unlock()
}

// handOver writes the application's state a last time and stops: this
// node is shutting down, and the next home resumes the application from
// what is written (cluster.releaseHomes). Changes made after its last
// round are never told to a client (await), as after a kill -9; the
// round is tried until ctx ends.
func (a *appState) handOver(ctx context.Context) error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	a.handing = true
	a.mu.Unlock()
	a.rounds.Wait() // the round under way ends, and no other starts
	a.mu.Lock()
	keys, pushes, acks, target := a.dirty, a.pushes, a.acks, a.changed
	a.dirty, a.pushes, a.lastMsg, a.acks = map[string]struct{}{}, nil, nil, map[string]uint64{}
	stopped := a.stopped
	a.mu.Unlock()
	var err error
	if !stopped {
		msgs := a.round(keys, pushes, acks)
		for err = a.cl.publishAll(msgs); err != nil && ctx.Err() == nil; err = a.cl.publishAll(msgs) {
			a.cl.log.Warn("write the application's state a last time", "app", a.cs.app, "err", err)
			time.Sleep(resumeRetry)
		}
	}
	a.mu.Lock()
	if err == nil && !stopped {
		a.written = max(a.written, target)
	}
	a.stopped, a.handed = true, true
	close(a.done)
	a.done = make(chan struct{})
	a.mu.Unlock()
	return err
}

// handedOver tells whether handOver ran.
func (a *appState) handedOver() bool {
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.handed
}

// flush runs write rounds until nothing is left to write.
func (a *appState) flush() {
	defer a.rounds.Done()
	for {
		a.mu.Lock()
		if a.stopped || a.handing || (len(a.dirty) == 0 && len(a.pushes) == 0 && len(a.acks) == 0) {
			a.flushing = false
			a.mu.Unlock()
			return
		}
		keys, pushes, acks, target := a.dirty, a.pushes, a.acks, a.changed
		a.dirty, a.pushes, a.lastMsg, a.acks = map[string]struct{}{}, nil, nil, map[string]uint64{}
		a.mu.Unlock()

		msgs := a.round(keys, pushes, acks)
		timer := time.AfterFunc(resumeAwaitTimeout, func() { a.overdue(target) })
		for err := a.cl.publishAsHome(msgs); err != nil; err = a.cl.publishAsHome(msgs) {
			a.cl.log.Warn("write the application's state", "app", a.cs.app, "err", err)
			a.mu.Lock()
			if a.stopped || a.handing {
				if a.handing { // handOver's last round writes it
					a.giveBackLocked(keys, pushes, acks)
					a.flushing = false
				}
				a.mu.Unlock()
				timer.Stop()
				return
			}
			a.mu.Unlock()
			time.Sleep(resumeRetry)
		}
		timer.Stop()
		a.mu.Lock()
		if a.late {
			a.late = false
			a.cl.log.Info("the application's state is written again", "app", a.cs.app)
		}
		a.written = max(a.written, target)
		close(a.done)
		a.done = make(chan struct{})
		a.mu.Unlock()
	}
}

// giveBackLocked puts a round not written back among what is to be
// written, before what was marked since; mu held.
func (a *appState) giveBackLocked(keys map[string]struct{}, pushes []pushBatch, acks map[string]uint64) {
	for k := range keys {
		a.dirty[k] = struct{}{}
	}
	a.pushes = append(pushes, a.pushes...)
	for sid, seq := range acks {
		a.acks[sid] = max(a.acks[sid], seq)
	}
}

// round makes the messages of one write round: the pushes first (a
// session's record never names pushes that are not written), then every
// key marked, as it is now.
func (a *appState) round(keys map[string]struct{}, pushes []pushBatch, acks map[string]uint64) []*nats.Msg {
	var msgs []*nats.Msg
	subject := pushesSubject + strings.TrimSuffix(a.prefix, ".")
	room := int(a.cl.nc.MaxPayload()) / 2
	rec, size := pushesRecord{Acks: acks}, 0
	emit := func() {
		if len(rec.Pushes) == 0 && len(rec.Acks) == 0 {
			return
		}
		b, _ := json.Marshal(rec)
		msgs = append(msgs, &nats.Msg{Subject: subject, Data: b})
		rec, size = pushesRecord{}, 0
	}
	for _, p := range pushes {
		for len(p.To) > 0 {
			if size > 0 && size+len(p.Msg)+pushToSize(p.To[0]) > room {
				emit()
			}
			n, add := 0, len(p.Msg)
			for n < len(p.To) && (n == 0 || size+add+pushToSize(p.To[n]) <= room) {
				add += pushToSize(p.To[n])
				n++
			}
			rec.Pushes = append(rec.Pushes, pushBatch{Msg: p.Msg, To: p.To[:n]})
			size += add
			p.To = p.To[n:]
		}
	}
	emit()

	cs := a.cs
	cs.mu.Lock()
	for k := range keys {
		v := a.value(k)
		m := &nats.Msg{Subject: "$KV." + resumeBucket + "." + a.prefix + k, Data: v}
		if v == nil {
			m.Header = nats.Header{"KV-Operation": []string{"DEL"}}
		}
		msgs = append(msgs, m)
	}
	cs.mu.Unlock()
	return msgs
}

// value is what key holds now, nil if nothing (deleted); cs.mu held.
func (a *appState) value(key string) []byte {
	cs, s := a.cs, a.cs.srv
	var v any
	switch kind, id := key[:2], key[2:]; kind {
	case keySession:
		user, _ := untoken(id)
		switch p, _ := s.router.Lookup(cs.app, user); p := p.(type) {
		case *conn:
			v = sessionRecord{SID: p.replay.sid, Nick: p.nick, Token: p.token, Version: p.version}
		case *parked:
			v = sessionRecord{SID: p.replay.sid, Nick: p.nick, Token: p.token, Version: p.version, ParkedUntil: p.until.UnixMilli()}
		}
	case keyLeg:
		if l := cs.legs[id]; l != nil {
			r := legRecord{From: l.from, To: l.to, Invite: l.invite, FromNick: l.fromNick, FromHears: l.fromHears,
				Meet: l.meet.ID, Accepted: l.accepted}
			if !l.accepted {
				r.RingsUntil = l.ringsUntil.UnixMilli()
			}
			v = r
		}
	case keyMeeting:
		n, _ := strconv.ParseInt(id, 10, 64)
		if m := cs.meetings[n]; m != nil && (m.forCall || m.room.size() > 0) {
			r := roomRecord{}
			if m.forCall {
				r.ForCall = &m.Meeting
			}
			for _, mb := range m.room.order {
				r.Members = append(r.Members, memberRecord{User: mb.user, Nick: mb.nick, Audio: mb.audio, ByCall: mb.byCall, Hears: mb.hears})
			}
			if v := m.direct; v != nil {
				r.MediaGen = v.gen
				if v.unreachable[0] != "" {
					r.Unreachable = v.unreachable[:]
				}
			}
			v = r
		}
	}
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	return b
}

// What appCalls marks.
func (cs *appCalls) saveSession(user string) { cs.saved.mark(keySession + token(user)) }
func (cs *appCalls) saveLeg(l *leg)          { cs.saved.mark(keyLeg + l.id) }
func (cs *appCalls) saveMeeting(m *meeting)  { cs.saved.mark(keyMeeting + strconv.FormatInt(m.ID, 10)) }

// openResume opens (making them if need be) the bucket and the stream
// the homes write their state to.
func (cl *cluster) openResume(ctx context.Context) error {
	js, err := jetstream.New(cl.nc)
	if err != nil {
		return err
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: resumeBucket, Description: "Huddle: the live state of each application, for the node that takes it over",
		History: 1, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return fmt.Errorf("JetStream key-value bucket %s: %w", resumeBucket, err)
	}
	maxAge := max(pushesMaxAge, 3*cl.srv.cfg.GracePeriod)
	st, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: pushesStream, Description: "Huddle: sessions' pushes not yet acknowledged, for the node that takes an application over",
		Subjects: []string{pushesSubject + ">"}, Storage: jetstream.FileStorage,
		MaxAge: maxAge, MaxBytes: pushesMaxBytes, Discard: jetstream.DiscardOld,
	})
	if err != nil {
		return fmt.Errorf("JetStream stream %s: %w", pushesStream, err)
	}
	cl.mu.Lock()
	cl.js, cl.resumeKV, cl.pushes = js, kv, st
	cl.mu.Unlock()
	return nil
}

func (cl *cluster) jetStream() (jetstream.JetStream, jetstream.KeyValue, jetstream.Stream) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	return cl.js, cl.resumeKV, cl.pushes
}

// errStoodStill: this node stood still long enough to be taken for dead;
// it writes nothing as a home until it knows (cluster.loop).
var errStoodStill = errors.New("this node stood still past the node timeout: its applications may have moved")

// publishAsHome is publishAll for a home's write round, unless the node
// stood still: a write round that was waiting when it was paused must not
// land on the state of the node that took the application over meanwhile.
func (cl *cluster) publishAsHome(msgs []*nats.Msg) error {
	if cl.stoodStill() {
		return errStoodStill
	}
	return cl.publishAll(msgs)
}

// publishAll publishes msgs to JetStream at once and waits for every
// acknowledgement.
func (cl *cluster) publishAll(msgs []*nats.Msg) error {
	js, _, _ := cl.jetStream()
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	var err error
	for _, m := range msgs {
		f, e := js.PublishMsgAsync(m)
		if e != nil {
			err = e
			break
		}
		futures = append(futures, f)
	}
	timeout := time.After(natsTimeout)
	for _, f := range futures {
		select {
		case <-f.Ok():
		case e := <-f.Err():
			err = errors.Join(err, e)
		case <-timeout:
			return errors.Join(err, errors.New("no acknowledgement from JetStream in time"))
		}
	}
	if err != nil {
		ctx, cancel := context.WithTimeout(context.Background(), natsTimeout)
		defer cancel()
		if berr := cl.openResume(ctx); berr != nil { // a NATS restarted without them
			err = errors.Join(err, berr)
		}
	}
	return err
}

// loadState reads app's state as its last home wrote it and makes it this
// node's: its sessions parked (the grace of one whose connection was up
// runs from since, when the last home was last heard), its calls ringing
// or up, its rooms filled. Clients then resume as after a drop. cs is the
// application's fresh appCalls.
func (cl *cluster) loadState(ctx context.Context, app string, since time.Time) error {
	s := cl.srv
	cs, err := s.calls.loaded(app)
	if err != nil {
		return err
	}
	_, kv, st := cl.jetStream()
	tok := token(app)
	sessions := map[string]sessionRecord{}
	legs := map[string]legRecord{}
	rooms := map[int64]roomRecord{}
	w, err := kv.WatchFiltered(ctx, []string{tok + ".>"}, jetstream.IgnoreDeletes())
	if err != nil {
		return err
	}
	for e := range w.Updates() {
		if e == nil {
			break // every value read
		}
		kind, id, _ := strings.Cut(strings.TrimPrefix(e.Key(), tok+"."), ".")
		switch kind + "." {
		case keySession:
			var r sessionRecord
			if user, ok := untoken(id); ok && json.Unmarshal(e.Value(), &r) == nil {
				sessions[user] = r
			}
		case keyLeg:
			var r legRecord
			if json.Unmarshal(e.Value(), &r) == nil {
				legs[id] = r
			}
		case keyMeeting:
			var r roomRecord
			n, err := strconv.ParseInt(id, 10, 64)
			if err == nil && json.Unmarshal(e.Value(), &r) == nil {
				rooms[n] = r
			}
		}
	}
	w.Stop()
	if len(sessions) == 0 {
		return nil
	}
	replays, err := cl.readPushes(ctx, st, tok)
	if err != nil {
		return err
	}

	// Sessions: parked, online, with their pushes.
	now := time.Now()
	parkedAt := map[string]*parked{}
	for user, r := range sessions {
		rp := replays[r.SID]
		if rp == nil {
			rp = newReplay(s.cfg.Limits)
		}
		rp.saved, rp.sid, rp.reloaded = cs.saved, r.SID, true
		until := time.UnixMilli(r.ParkedUntil)
		if r.ParkedUntil == 0 {
			until = since.Add(s.cfg.GracePeriod)
		}
		p := &parked{srv: s, app: app, user: user, nick: r.Nick, token: r.Token, version: r.Version, replay: rp, until: until}
		if old := s.router.Attach(app, user, p); old != nil {
			s.router.Attach(app, user, old) // signed in here meanwhile: that session stays
			continue
		}
		if err := s.presence.Online(app, user, r.Nick, p); err != nil {
			return err
		}
		parkedAt[user] = p
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for id, r := range rooms {
		m := cs.meetings[id]
		if r.ForCall != nil && m == nil {
			m = &meeting{Meeting: *r.ForCall, forCall: true, legs: make(map[*leg]struct{})}
			cs.meetings[id] = m
		}
		if m == nil {
			continue // destroyed meanwhile
		}
		for _, mr := range r.Members {
			p := parkedAt[mr.User]
			if p == nil || cs.inRoom[mr.User] != nil {
				continue
			}
			m.room.order = append(m.room.order, &member{user: mr.User, nick: mr.Nick, audio: mr.Audio, peer: p, byCall: mr.ByCall, hears: mr.Hears})
			cs.inRoom[mr.User] = m
		}
		if r.MediaGen > 0 && m.direct == nil {
			// Its members join the audio again after they resume.
			m.direct = &directRoom{members: make(map[string]*directMember), gen: r.MediaGen}
			copy(m.direct.unreachable[:], r.Unreachable)
		}
		cs.busy(m)
	}
	for id, r := range legs {
		m, from, to := cs.meetings[r.Meet], parkedAt[r.From], parkedAt[r.To]
		if m == nil || from == nil || to == nil || cs.legs[id] != nil {
			continue
		}
		l := &leg{app: app, id: id, invite: r.Invite, from: r.From, to: r.To, fromPeer: from, toPeer: to,
			fromNick: r.FromNick, fromHears: r.FromHears, meet: m, accepted: r.Accepted}
		cs.insert(l)
		if l.accepted {
			l.timer = &timer{ts: s.timers} // nothing rings
		} else {
			cs.ring(l, time.UnixMilli(r.RingsUntil).Sub(now))
		}
	}
	// Written again as they are now: a call or room left out above is
	// deleted.
	for id := range legs {
		cs.saved.mark(keyLeg + id)
	}
	for id := range rooms {
		cs.saved.mark(keyMeeting + strconv.FormatInt(id, 10))
	}
	for user, p := range parkedAt {
		cs.refresh(user)
		p.mu.Lock()
		p.timer = s.timers.afterFunc(time.Until(p.until), p.expire)
		p.mu.Unlock()
		cs.saveSession(user) // its grace end is written
	}
	for _, m := range cs.meetings {
		if !m.inUse() {
			cs.vacated(m)
		}
	}
	cl.log.Info("resumed the state of an application taken over", "app", app, "sessions", len(parkedAt), "calls", len(legs), "rooms", len(rooms))
	return nil
}

// readPushes reads app's pushes still kept in the stream into a replay
// per session (by sid): numbered as they were, those acknowledged dropped.
func (cl *cluster) readPushes(ctx context.Context, st jetstream.Stream, tok string) (map[string]*replay, error) {
	subject := pushesSubject + tok
	last, err := st.GetLastMsgForSubject(ctx, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		return nil, err
	}
	lim := cl.srv.cfg.Limits
	out := map[string]*replay{}
	of := func(sid string) *replay {
		r := out[sid]
		if r == nil {
			r = newReplay(lim)
			out[sid] = r
		}
		return r
	}
	for {
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(natsTimeout))
		if err != nil {
			return nil, err
		}
		n := 0
		for m := range batch.Messages() {
			n++
			var rec pushesRecord
			if json.Unmarshal(m.Data(), &rec) == nil {
				for _, p := range rec.Pushes {
					msg := []byte(p.Msg)
					for _, to := range p.To {
						r := of(to.SID)
						r.seq = max(r.seq, to.Seq)
						if to.Seq > r.gone {
							r.kept = append(r.kept, keptPush{to.Seq, msg})
							r.bytes += len(msg)
						}
					}
				}
				for sid, seq := range rec.Acks {
					r := of(sid)
					r.seq = max(r.seq, seq)
					r.forget(seq)
				}
			}
			meta, err := m.Metadata()
			if err == nil && meta.Sequence.Stream >= last.Sequence {
				return out, nil
			}
		}
		if err := batch.Error(); err != nil {
			return nil, err
		}
		if n == 0 {
			return out, nil
		}
	}
}
