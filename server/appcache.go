package server

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"huddle/server/store"
)

// appCacheTTL is how long a login uses an application's record read
// before: how soon an application removed, or added again with a new
// secret (huddle app remove / add, on the store), is seen by a running
// server.
const appCacheTTL = time.Second

// appCache keeps the applications logins read. Every login needs its
// application's record: at a thousand logins a second, one store query per
// login was 9% of a cluster home's CPU and a third of PostgreSQL's work
// per login. Only applications found are kept (no entry for a name a
// client made up), so it holds at most the applications there are.
type appCache struct {
	st    store.Store
	loads singleflight.Group // concurrent logins into one application share a read

	mu sync.Mutex
	m  map[string]cachedApp
}

type cachedApp struct {
	app  store.App
	read time.Time
}

func newAppCache(st store.Store) *appCache {
	return &appCache{st: st, m: map[string]cachedApp{}}
}

// app is id's record, read from the store if the one kept is older than
// appCacheTTL.
func (c *appCache) app(ctx context.Context, id string) (store.App, error) {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if ok && time.Since(e.read) < appCacheTTL {
		return e.app, nil
	}
	v, err, _ := c.loads.Do(id, func() (any, error) {
		read := time.Now()
		a, err := c.st.App(ctx, id)
		c.mu.Lock()
		defer c.mu.Unlock()
		if err != nil {
			delete(c.m, id) // removed (or unreadable): not served from here
			return nil, err
		}
		c.m[id] = cachedApp{app: a, read: read}
		return a, nil
	})
	if err != nil {
		return store.App{}, err
	}
	return v.(store.App), nil
}
