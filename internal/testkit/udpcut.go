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
	mu    sync.Mutex
	conns []*cuttableConn
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
	for _, c := range n.conns {
		c.dead.Store(true)
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

func (n *CuttableNet) track(c transport.UDPConn) *cuttableConn {
	cc := &cuttableConn{UDPConn: c}
	n.mu.Lock()
	n.conns = append(n.conns, cc)
	n.mu.Unlock()
	return cc
}

// cuttableConn is one socket: once dead, what is written is dropped and
// what arrives is read and dropped.
type cuttableConn struct {
	transport.UDPConn
	dead atomic.Bool
}

func (c *cuttableConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if c.dead.Load() {
		return len(b), nil
	}
	return c.UDPConn.WriteTo(b, addr)
}

func (c *cuttableConn) WriteToUDP(b []byte, addr *net.UDPAddr) (int, error) {
	if c.dead.Load() {
		return len(b), nil
	}
	return c.UDPConn.WriteToUDP(b, addr)
}

func (c *cuttableConn) Write(b []byte) (int, error) {
	if c.dead.Load() {
		return len(b), nil
	}
	return c.UDPConn.Write(b)
}

func (c *cuttableConn) WriteMsgUDP(b, oob []byte, addr *net.UDPAddr) (int, int, error) {
	if c.dead.Load() {
		return len(b), len(oob), nil
	}
	return c.UDPConn.WriteMsgUDP(b, oob, addr)
}

func (c *cuttableConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFrom(b)
		if err != nil || !c.dead.Load() {
			return n, addr, err
		}
	}
}

func (c *cuttableConn) ReadFromUDP(b []byte) (int, *net.UDPAddr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFromUDP(b)
		if err != nil || !c.dead.Load() {
			return n, addr, err
		}
	}
}

func (c *cuttableConn) Read(b []byte) (int, error) {
	for {
		n, err := c.UDPConn.Read(b)
		if err != nil || !c.dead.Load() {
			return n, err
		}
	}
}

func (c *cuttableConn) ReadMsgUDP(b, oob []byte) (int, int, int, *net.UDPAddr, error) {
	for {
		n, oobn, flags, addr, err := c.UDPConn.ReadMsgUDP(b, oob)
		if err != nil || !c.dead.Load() {
			return n, oobn, flags, addr, err
		}
	}
}
