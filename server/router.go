package server

import "sync"

// Peer is a signed-in session as the rest of the server sees it: a
// connection, or a session parked after a drop (grace.go). In a cluster an
// application's sessions all live on its home node, those whose client is
// on another node as conns that carry their frames over NATS (remote.go):
// handlers never know the difference.
type Peer interface {
	// Send queues one control message; false if the peer is gone.
	Send(msg []byte) bool
	// Kick tells the peer why it is being disconnected and closes it.
	Kick(closeCode int, reason string)
}

// Router knows which Peer each signed-in user is reached through.
type Router interface {
	// Attach makes p the user's peer and returns the one it replaced, if any.
	Attach(app, user string, p Peer) (replaced Peer)
	// Detach forgets p; false if p was no longer the user's peer.
	Detach(app, user string, p Peer) bool
	// Replace makes new the user's peer if old still is; false otherwise.
	Replace(app, user string, old, new Peer) bool
	// Lookup finds the user's peer.
	Lookup(app, user string) (Peer, bool)
}

type userKey struct{ app, user string }

// memRouter is the single-node Router.
type memRouter struct {
	mu    sync.RWMutex
	peers map[userKey]Peer
}

func newMemRouter() *memRouter { return &memRouter{peers: make(map[userKey]Peer)} }

func (r *memRouter) Attach(app, user string, p Peer) Peer {
	k := userKey{app, user}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.peers[k]
	r.peers[k] = p
	return old
}

func (r *memRouter) Detach(app, user string, p Peer) bool {
	k := userKey{app, user}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.peers[k] != p {
		return false
	}
	delete(r.peers, k)
	return true
}

func (r *memRouter) Replace(app, user string, old, new Peer) bool {
	k := userKey{app, user}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.peers[k] != old {
		return false
	}
	r.peers[k] = new
	return true
}

func (r *memRouter) Lookup(app, user string) (Peer, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	p, ok := r.peers[userKey{app, user}]
	return p, ok
}

// peersOf lists app's peers (the application moves to another node).
func (r *memRouter) peersOf(app string) []Peer {
	r.mu.RLock()
	defer r.mu.RUnlock()
	var out []Peer
	for k, p := range r.peers {
		if k.app == app {
			out = append(out, p)
		}
	}
	return out
}
