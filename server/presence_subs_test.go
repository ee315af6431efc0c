package server

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	p.SetStatus("app", "u", StatusBusy)
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

// Changes made while a fan-out round runs go out together in the next
// round, one message per subscriber, in the order they were made; each
// caller returns only once its change is in every subscriber's queue.
func TestPresenceChangesDuringARoundShareTheNext(t *testing.T) {
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "t.db"))
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	p := newMemPresence(st, DefaultLimits())
	const users = 5
	for i := range users {
		require.NoError(t, p.Online("app", fmt.Sprint("u", i), "", &countingPeer{}))
	}
	slow := &recordingPeer{entered: make(chan struct{}, 2), gate: make(chan struct{})}
	other := &recordingPeer{}
	require.NoError(t, p.Subscribe("app", slow))
	require.NoError(t, p.Subscribe("app", other))

	first := make(chan struct{})
	go func() { p.SetStatus("app", "u0", StatusBusy); close(first) }()
	<-slow.entered // the first round is now inside slow.Send

	var wg sync.WaitGroup
	returned := make(chan int, users)
	for i := 1; i < users; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.SetStatus("app", fmt.Sprint("u", i), StatusBusy)
			returned <- i
		}()
	}
	// All four wait for the next round; none may return before it ran.
	require.Eventually(t, func() bool {
		a, _ := p.app("app")
		a.mu.Lock()
		defer a.mu.Unlock()
		return bytes.Count(a.pending, []byte(`"ev"`)) == users-1
	}, 5*time.Second, time.Millisecond)
	assert.Empty(t, returned, "a change's caller returned before its round")
	close(slow.gate)
	<-first
	wg.Wait()

	for _, peer := range []*recordingPeer{slow, other} {
		sends := peer.sends()
		require.Len(t, sends, 2, "one message for the first change, one for the four made during it")
		assert.Contains(t, string(sends[0]), `"u0"`)
		lines := bytes.Split(sends[1], []byte("\n"))
		assert.Len(t, lines, users-1)
		for _, l := range lines {
			assert.Contains(t, string(l), `"status":2`)
		}
	}
	assert.Equal(t, slow.sends(), other.sends(), "every subscriber sees the same changes in the same order")
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
