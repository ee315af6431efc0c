package server

import (
	"path/filepath"
	"testing"

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
	p := newMemPresence(st, DefaultLimits().MaxSubscribers)
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
