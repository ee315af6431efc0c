package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"huddle/protocol"
	"huddle/server/store"
)

// Applications share a server, not their fate: one application's slow
// database or busy presence never holds up another's calls.

// gatedStore blocks the reads of one application's users and meetings
// until opened, like a database that is slow for that application only.
type gatedStore struct {
	store.Store
	app     string
	closed  atomic.Bool   // app's reads wait for gate
	gate    chan struct{} // closed: reads go through
	waiting chan struct{} // one send per read that starts waiting
}

func (g *gatedStore) hold(app string) {
	if app == g.app && g.closed.Load() {
		g.waiting <- struct{}{}
		<-g.gate
	}
}

func (g *gatedStore) Users(ctx context.Context, app string) ([]store.User, error) {
	g.hold(app)
	return g.Store.Users(ctx, app)
}

func (g *gatedStore) Meetings(ctx context.Context, app string) ([]store.Meeting, error) {
	g.hold(app)
	return g.Store.Meetings(ctx, app)
}

// partitionServer runs a real server on loopback with applications "a"
// and "b" (secret "s"); wrap, if set, stands between it and its store.
func partitionServer(tb testing.TB, wrap func(store.Store) store.Store) (*Server, string) {
	tb.Helper()
	dir := tb.TempDir()
	var st store.Store
	st, err := store.OpenSQLite(filepath.Join(dir, "huddle.db"))
	require.NoError(tb, err)
	if wrap != nil {
		st = wrap(st)
	}
	s, err := New(Config{DataDir: dir, Store: st, HashCost: bcrypt.MinCost, GracePeriod: -1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Limits: Limits{LoginRatePerIP: 1e6, LoginRatePerApp: 1e6, LoginBurst: 1e6, ConnsPerIP: 1e6, MsgRate: 1e6, MsgBurst: 1e6}})
	require.NoError(tb, err)
	for _, app := range []string{"a", "b"} {
		require.NoError(tb, s.AddApp(context.Background(), app, "s", store.UserAuthNone))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	go s.Serve(ln)
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s, "ws://" + ln.Addr().String() + "/ws"
}

// wire is a bare protocol client: requests wait for their answer, pushes
// are read and dropped (a reader that keeps up).
type wire struct {
	ws      *websocket.Conn
	wmu     sync.Mutex
	nextID  atomic.Uint64
	mu      sync.Mutex
	waiting map[uint64]chan protocol.Message
}

func dialWire(tb testing.TB, url string) *wire {
	tb.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	require.NoError(tb, err)
	w := &wire{ws: ws, waiting: make(map[uint64]chan protocol.Message)}
	tb.Cleanup(func() { ws.Close() })
	go func() {
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			protocol.DecodeFrame(data, func(m protocol.Message) error {
				w.mu.Lock()
				ch := w.waiting[m.Re]
				delete(w.waiting, m.Re)
				w.mu.Unlock()
				if m.Re != 0 && ch != nil {
					ch <- m
				}
				return nil
			})
		}
	}()
	return w
}

// start sends a request; the answer arrives on the channel.
func (w *wire) start(op string, payload any) <-chan protocol.Message {
	id := w.nextID.Add(1)
	ch := make(chan protocol.Message, 1)
	w.mu.Lock()
	w.waiting[id] = ch
	w.mu.Unlock()
	msg, err := protocol.Request(op, id, payload)
	if err != nil {
		panic(err)
	}
	w.wmu.Lock()
	defer w.wmu.Unlock()
	w.ws.WriteMessage(websocket.TextMessage, msg)
	return ch
}

// do sends a request and waits for its answer, failing on an error code.
func (w *wire) do(tb testing.TB, op string, payload any) protocol.Message {
	tb.Helper()
	select {
	case m := <-w.start(op, payload):
		require.Equal(tb, protocol.NoErr, m.Code, "%s: %s", op, m.Msg)
		return m
	case <-time.After(10 * time.Second):
		tb.Fatalf("%s: no answer within 10 s", op)
		return protocol.Message{}
	}
}

// try is do for any goroutine: the failure comes back as an error.
func (w *wire) try(op string, payload any) error {
	select {
	case m := <-w.start(op, payload):
		if m.Code != protocol.NoErr {
			return fmt.Errorf("%s: %v %s", op, m.Code, m.Msg)
		}
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("%s: no answer within 10 s", op)
	}
}

func (w *wire) login(tb testing.TB, app, user string) {
	tb.Helper()
	w.do(tb, protocol.OpHello, protocol.Hello{Version: protocol.Version})
	w.do(tb, protocol.OpLogin, protocol.Login{App: app, Pswd: PasswordFor("s"), User: user, Nick: user})
}

func loginWire(tb testing.TB, url, app, user string) *wire {
	tb.Helper()
	w := dialWire(tb, url)
	w.login(tb, app, user)
	return w
}

// callPair is two signed-in users of one application and a meeting to
// call into.
type callPair struct {
	caller, callee *wire
	calleeID       string
	meet           protocol.Meeting
}

var callSeq atomic.Uint64 // call IDs are unique within an application

func newCallPair(tb testing.TB, url, app, prefix string) *callPair {
	tb.Helper()
	p := &callPair{caller: loginWire(tb, url, app, prefix+"-caller"), callee: loginWire(tb, url, app, prefix+"-callee"), calleeID: prefix + "-callee"}
	rep := p.caller.do(tb, protocol.OpCreateMeeting, protocol.CreateMeeting{Subject: "m"})
	require.NoError(tb, json.Unmarshal(rep.D, &p.meet))
	return p
}

// setup rings the callee and hangs up; it returns how long the call
// request took to be answered (the call setup a user waits for).
func (p *callPair) setup() (time.Duration, error) {
	id := fmt.Sprintf("%0*x", protocol.CallIDLen, callSeq.Add(1))
	start := time.Now()
	if err := p.caller.try(protocol.OpCall, protocol.Call{Call: id, To: p.calleeID, Meet: p.meet}); err != nil {
		return 0, err
	}
	took := time.Since(start)
	return took, p.caller.try(protocol.OpHangupCall, protocol.CallAnswer{Call: id})
}

// One application's database stalls while its first user signs in and
// another lists meetings; calls in a second application are set up
// regardless (before the partition, presence loaded users and calls loaded
// meetings under server-wide locks).
func TestAnotherApplicationsSlowStoreHoldsUpNoCall(t *testing.T) {
	for _, stalled := range []string{"users", "meetings"} {
		t.Run(stalled, func(t *testing.T) {
			gs := &gatedStore{app: "a", gate: make(chan struct{}), waiting: make(chan struct{}, 16)}
			_, url := partitionServer(t, func(st store.Store) store.Store { gs.Store = st; return gs })
			defer close(gs.gate)
			b := newCallPair(t, url, "b", "b")
			_, err := b.setup() // everything of b is loaded
			require.NoError(t, err)

			w := dialWire(t, url)
			switch stalled {
			case "users": // a's first sign-in loads its users
				gs.closed.Store(true)
				w.do(t, protocol.OpHello, protocol.Hello{Version: protocol.Version})
				w.start(protocol.OpLogin, protocol.Login{App: "a", Pswd: PasswordFor("s"), User: "a1", Nick: "a1"})
			case "meetings": // a's first meeting list loads its meetings
				w.login(t, "a", "a1")
				gs.closed.Store(true)
				w.start(protocol.OpGetMeetings, protocol.ListPage{})
			}
			select {
			case <-gs.waiting:
			case <-time.After(10 * time.Second):
				t.Fatal("a's read never reached the store")
			}
			done := make(chan error, 1)
			go func() { _, err := b.setup(); done <- err }()
			select {
			case err := <-done:
				require.NoError(t, err)
			case <-time.After(10 * time.Second):
				t.Fatalf("a call in b waited for a's %s to load", stalled)
			}
		})
	}
}

// BenchmarkCallSetupWhileAnotherAppStorms measures call setup (call → its
// answer) in application b, alone and while application a is under a
// presence storm: a's users call and hang up, every call changing two
// statuses twice, each fanned out to a's 10,000 subscribers (queues like a
// connection's). "storm" runs a's callers flat out (the two cores are then
// busy with a); "paced" has them make 200 calls/s (800 status changes/s).
// It reports b's p50 and p99; each storm over "alone" is what a costs b.
func BenchmarkCallSetupWhileAnotherAppStorms(b *testing.B) {
	const subscribers, stormPairs = 10000, 4
	for _, run := range []struct {
		name  string
		every time.Duration // between one storm pair's calls; -1: no storm
	}{{"alone", -1}, {"storm", 0}, {"paced", 20 * time.Millisecond}} {
		b.Run(run.name, func(b *testing.B) {
			s, url := partitionServer(b, nil)
			pair := newCallPair(b, url, "b", "b")
			if run.every >= 0 {
				for range subscribers {
					require.NoError(b, s.presence.Subscribe("a", &chanPeer{ch: make(chan []byte, 64)}))
				}
				stop := make(chan struct{})
				var wg sync.WaitGroup
				for i := range stormPairs {
					p := newCallPair(b, url, "a", fmt.Sprint("a", i))
					wg.Add(1)
					go func() {
						defer wg.Done()
						next := time.Now()
						for {
							select {
							case <-stop:
								return
							case <-time.After(time.Until(next)):
							}
							next = next.Add(run.every)
							if _, err := p.setup(); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				b.Cleanup(func() { close(stop); wg.Wait() })
			}
			took := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for b.Loop() {
				d, err := pair.setup()
				require.NoError(b, err)
				took = append(took, d)
			}
			b.StopTimer()
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds()), "p50-µs")
			b.ReportMetric(float64(took[len(took)*99/100].Microseconds()), "p99-µs")
		})
	}
}
