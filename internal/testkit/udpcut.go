package testkit

import (
	"net"
	"sync"
	"sync/atomic"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// CuttableNet is the host's network for one pion peer (media.PeerConfig's
// Net) with a switch: Cut makes every UDP socket the peer opened so far a
// black hole, both ways, as when a laptop moves to another network. What it
// opens afterwards (an ICE restart gathers anew) works. The peer's
// signalling, on its own WebSocket, is not touched.
type CuttableNet struct {
	*stdnet.Net
	mu   sync.Mutex
	cuts []*atomic.Bool // one per socket opened so far: true once cut
}

// NewCuttableNet is the host's network, not cut yet.
func NewCuttableNet() (*CuttableNet, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	return &CuttableNet{Net: n}, nil
}

// Cut kills every UDP socket opened so far.
func (n *CuttableNet) Cut() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, dead := range n.cuts {
		dead.Store(true)
	}
}

func (n *CuttableNet) ListenUDP(network string, addr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := n.Net.ListenUDP(network, addr)
	if err != nil {
		return nil, err
	}
	return n.track(c), nil
}

func (n *CuttableNet) ListenPacket(network, address string) (net.PacketConn, error) {
	c, err := n.Net.ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	if u, ok := c.(transport.UDPConn); ok {
		return n.track(u), nil
	}
	return c, nil
}

func (n *CuttableNet) track(c transport.UDPConn) *filteredConn {
	var dead atomic.Bool
	n.mu.Lock()
	n.cuts = append(n.cuts, &dead)
	n.mu.Unlock()
	return &filteredConn{UDPConn: c, drop: func(net.Addr) bool { return dead.Load() }}
}
