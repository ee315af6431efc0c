package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/protocol"
	"huddle/server/store"
)

// Subscribers leave from the middle, the end and twice; each change still
// reaches exactly the ones subscribed, once.
func TestPresenceSubscribersComeAndGo(t *testing.T) {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "t.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	p := newMemPresence(st, DefaultLimits())
	peers := make([]*countingPeer, 5)
	for i := range peers {
		peers[i] = &countingPeer{}
		require.NoError(t, p.Subscribe("app", peers[i]))
	}
	require.NoError(t, p.Subscribe("app", peers[0]), "subscribing twice is once")
	require.NoError(t, p.Online("app", "u", "U", &countingPeer{}))
	p.Unsubscribe("app", peers[1])
	p.Unsubscribe("app", peers[4])
	p.Unsubscribe("app", peers[4])
	p.SetStatus("app", "u", protocol.StatusBusy)
	got := make([]int64, len(peers))
	for i, s := range peers {
		got[i] = s.n.Load()
	}
	assert.Equal(t, []int64{2, 1, 2, 2, 1}, got, "online reached all five; busy only 0, 2 and 3")
}

// recordingPeer keeps what it was sent. With a gate, Send reports on
// entered and waits until the gate is closed (a round still running).
type recordingPeer struct {
	mu            sync.Mutex
	got           [][]byte
	entered, gate chan struct{}
}

func (p *recordingPeer) Send(m []byte) bool {
	if p.gate != nil {
		p.entered <- struct{}{}
		<-p.gate
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, m)
	return true
}
func (p *recordingPeer) Kick(int, string) {}

func (p *recordingPeer) sends() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got)
}

// roundTest is presence with two subscribers, the first of which holds
// the first round inside its Send until release, and users u0..u4 online.
type roundTest struct {
	p            *memPresence
	slow, other  *recordingPeer
	firstChanged chan struct{} // u0's SetStatus returned
}

const roundUsers = 5

func startBlockedRound(t *testing.T, lim Limits) *roundTest {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "t.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	r := &roundTest{p: newMemPresence(st, withDefaults(lim)), firstChanged: make(chan struct{}),
		slow: &recordingPeer{entered: make(chan struct{}, 8), gate: make(chan struct{})}, other: &recordingPeer{}}
	for i := range roundUsers {
		require.NoError(t, r.p.Online("app", fmt.Sprint("u", i), "", &countingPeer{}))
	}
	require.NoError(t, r.p.Subscribe("app", r.slow))
	require.NoError(t, r.p.Subscribe("app", r.other))
	go func() { r.p.SetStatus("app", "u0", protocol.StatusBusy); close(r.firstChanged) }()
	<-r.slow.entered // the first round is now inside slow.Send
	return r
}

// changeDuringRound makes u1..u4 busy from four goroutines and waits until
// all four changes are pending; returned gets each user as its call returns.
func (r *roundTest) changeDuringRound(t *testing.T) (returned chan int, wait func()) {
	var wg sync.WaitGroup
	returned = make(chan int, roundUsers)
	for i := 1; i < roundUsers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.p.SetStatus("app", fmt.Sprint("u", i), protocol.StatusBusy)
			returned <- i
		}()
	}
	require.Eventually(t, func() bool {
		a, _ := r.p.app("app")
		a.mu.Lock()
		defer a.mu.Unlock()
		return bytes.Count(a.pending, []byte(`"ev"`)) == roundUsers-1
	}, 5*time.Second, time.Millisecond)
	return returned, func() { <-r.firstChanged; wg.Wait() }
}

// Changes made while a fan-out round runs go out together in the next
// round, one message per subscriber, in the order they were made; each
// caller returns only once its change is in every subscriber's queue.
func TestPresenceChangesDuringARoundShareTheNext(t *testing.T) {
	r := startBlockedRound(t, Limits{})
	returned, wait := r.changeDuringRound(t)
	assert.Empty(t, returned, "a change's caller returned before its round")
	close(r.slow.gate)
	wait()

	for _, peer := range []*recordingPeer{r.slow, r.other} {
		sends := peer.sends()
		require.Len(t, sends, 2, "one message for the first change, one for the four made during it")
		assert.Contains(t, string(sends[0]), `"u0"`)
		lines := bytes.Split(sends[1], []byte("\n"))
		assert.Len(t, lines, roundUsers-1)
		for _, l := range lines {
			assert.Contains(t, string(l), `"status":2`)
		}
	}
	assert.Equal(t, r.slow.sends(), r.other.sends(), "every subscriber sees the same changes in the same order")
}

// A round carries at most MaxBatch bytes: what is left waits for the next
// round, nothing is lost, and every caller still returns.
func TestPresenceRoundsRespectMaxBatch(t *testing.T) {
	const maxBatch = 150 // two status messages
	r := startBlockedRound(t, Limits{MaxBatch: maxBatch})
	_, wait := r.changeDuringRound(t)
	close(r.slow.gate)
	wait()

	sends := r.other.sends()
	require.Len(t, sends, 3, "u0, then the four in two rounds of two")
	seen := map[string]bool{}
	for _, m := range sends[1:] {
		assert.LessOrEqual(t, len(m), maxBatch)
		for _, l := range bytes.Split(m, []byte("\n")) {
			var push struct {
				D struct{ User string } `json:"d"`
			}
			require.NoError(t, json.Unmarshal(l, &push), "whole messages only: %q", l)
			seen[push.D.User] = true
		}
	}
	assert.Equal(t, map[string]bool{"u1": true, "u2": true, "u3": true, "u4": true}, seen)
	assert.Equal(t, r.slow.sends(), sends)
}

// A round carries at most MaxBatch bytes; whole messages only.
func TestCutBatch(t *testing.T) {
	b := []byte("aaaa\nbbbb\ncccc")
	assert.Equal(t, 9, cutBatch(b, 10))
	assert.Equal(t, 4, cutBatch(b, 4), "exactly one message")
	assert.Equal(t, 4, cutBatch(b, 2), "a message longer than the cap goes alone")
	assert.Equal(t, len(b), cutBatch(b, 100))
	assert.Equal(t, 5, cutBatch([]byte("aaaaa"), 2))
}
