package server

import (
	"sync"
	"time"
)

// homeCache is what an edge last found of other nodes' leases: the home
// of each application, for homeCacheTTL. Without it every login through
// an edge asked JetStream for the lease (a NATS round trip), the most of
// an edge's cost of a login (docs/cluster.md, "Sizing").
//
// An entry is used only while its node is alive as that instance
// (cluster.isDead: found dead, or back as a new instance, it is not).
// Entries are dropped when their node says it shuts down (leaving: it
// gave its leases back, and may be gone before a session opened there
// could be refused), and when the home closes a session going away (it
// lost the application) or refuses one before its login succeeded: the
// client signs in again and its edge looks the lease up afresh, instead
// of sending it back to a home that is no more. The TTL bounds what is
// left: a lease that moved without anything said (another node took over
// a home this one does not find dead yet) is found within it.
//
// Keys are applications that have a lease, so names a client made up
// take no room; maxCachedHomes bounds it all the same. The zero value is
// ready.
type homeCache struct {
	mu sync.Mutex // a leaf
	m  map[string]cachedHome
	// Instances that said they shut down, and when: a lease read before
	// they gave it back is not kept after they said so.
	left map[homeRef]time.Time
}

type cachedHome struct {
	home  homeRef
	until time.Time
}

const (
	homeCacheTTL   = homeRenew
	maxCachedHomes = 1 << 16
	// A lease read before its holder gave it back arrives within
	// natsTimeout; instances that left are kept twice that.
	leftFor = 2 * natsTimeout
)

// get is app's home as found less than homeCacheTTL before now.
func (hc *homeCache) get(app string, now time.Time) (homeRef, bool) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	e, ok := hc.m[app]
	if !ok || now.After(e.until) {
		return homeRef{}, false
	}
	return e.home, true
}

// put notes h as app's home, found at now. A full cache first loses what
// expired, and all of it when nothing did.
func (hc *homeCache) put(app string, h homeRef, now time.Time) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if _, gone := hc.left[h]; gone {
		return
	}
	if hc.m == nil {
		hc.m = make(map[string]cachedHome)
	}
	if _, ok := hc.m[app]; !ok && len(hc.m) >= maxCachedHomes {
		for a, e := range hc.m {
			if now.After(e.until) {
				delete(hc.m, a)
			}
		}
		if len(hc.m) >= maxCachedHomes {
			clear(hc.m)
		}
	}
	hc.m[app] = cachedHome{h, now.Add(homeCacheTTL)}
}

// drop forgets app's home if it is still h: one found since stays.
func (hc *homeCache) drop(app string, h homeRef) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	if e, ok := hc.m[app]; ok && e.home == h {
		delete(hc.m, app)
	}
}

// leaving forgets every application's home that is h, which shuts down.
func (hc *homeCache) leaving(h homeRef, now time.Time) {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	for app, e := range hc.m {
		if e.home == h {
			delete(hc.m, app)
		}
	}
	if hc.left == nil {
		hc.left = make(map[homeRef]time.Time)
	}
	for l, at := range hc.left {
		if now.Sub(at) > leftFor {
			delete(hc.left, l)
		}
	}
	hc.left[h] = now
}
