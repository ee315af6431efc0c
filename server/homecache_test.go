package server

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The homes an edge remembers stay within maxCachedHomes: a full cache
// loses what expired first, and still holds what it was just told.
func TestHomeCacheIsBounded(t *testing.T) {
	var hc homeCache
	a, b := homeRef{"node1", "i1"}, homeRef{"node2", "i2"}
	t0 := time.Now()
	for i := range maxCachedHomes - 1 {
		hc.put(fmt.Sprint("old", i), a, t0)
	}
	later := t0.Add(homeCacheTTL / 2)
	hc.put("fresh", b, later)
	hc.put("one more", b, t0.Add(homeCacheTTL+time.Millisecond)) // the old ones expired just now
	assert.Len(t, hc.m, 2, "the expired entries went first")
	h, ok := hc.get("fresh", later)
	require.True(t, ok)
	assert.Equal(t, b, h)

	for i := range maxCachedHomes + 10 {
		hc.put(fmt.Sprint("app", i), a, later) // none expires
	}
	assert.LessOrEqual(t, len(hc.m), maxCachedHomes)
	_, ok = hc.get(fmt.Sprint("app", maxCachedHomes+9), later)
	assert.True(t, ok, "the last put is kept")
}

// A home that said it shuts down is forgotten, and a lease read before it
// gave it back is not kept after; a home that took over meanwhile is.
func TestHomeCacheForgetsAHomeLeaving(t *testing.T) {
	var hc homeCache
	gone, other := homeRef{"node1", "i1"}, homeRef{"node2", "i2"}
	now := time.Now()
	hc.put("a", gone, now)
	hc.put("b", other, now)
	hc.leaving(gone, now)
	_, ok := hc.get("a", now)
	assert.False(t, ok)
	hc.put("a", gone, now) // read before it left, arriving after
	_, ok = hc.get("a", now)
	assert.False(t, ok, "a lease given back is not remembered")
	h, ok := hc.get("b", now)
	assert.True(t, ok)
	assert.Equal(t, other, h)

	hc.drop("b", gone) // dropping a home no longer remembered keeps the one found since
	_, ok = hc.get("b", now)
	assert.True(t, ok)
	_, ok = hc.get("b", now.Add(homeCacheTTL+time.Millisecond))
	assert.False(t, ok, "expired")
}
