package testkit

import (
	"net"
	"sync"

	"github.com/pion/transport/v5"
	"github.com/pion/transport/v5/stdnet"
)

// UDPPartition puts pion peers of this host on sides that cannot reach
// each other over UDP, while every side still reaches everything else (the
// server's SFU and TURN): as two users whose NATs let nothing in from each
// other. Each Side is one peer's media.PeerConfig Net. Signalling, on its
// own WebSocket, is not touched.
type UDPPartition struct {
	mu    sync.Mutex
	sides map[string]int // each socket's local address → its side
	next  int
}

// NewUDPPartition has no sides yet.
func NewUDPPartition() *UDPPartition { return &UDPPartition{sides: make(map[string]int)} }

// Side is a new side's network: its sockets exchange no datagram with
// those of the partition's other sides.
func (p *UDPPartition) Side() (transport.Net, error) {
	n, err := stdnet.NewNet()
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next++
	return &partitionSide{Net: n, p: p, side: p.next}, nil
}

// across says whether remote is a socket of a side other than side.
func (p *UDPPartition) across(side int, remote net.Addr) bool {
	if remote == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	other, ok := p.sides[remote.String()]
	return ok && other != side
}

type partitionSide struct {
	*stdnet.Net
	p    *UDPPartition
	side int
}

func (s *partitionSide) ListenUDP(network string, addr *net.UDPAddr) (transport.UDPConn, error) {
	c, err := s.Net.ListenUDP(network, addr)
	if err != nil {
		return nil, err
	}
	return s.track(c), nil
}

func (s *partitionSide) ListenPacket(network, address string) (net.PacketConn, error) {
	c, err := s.Net.ListenPacket(network, address)
	if err != nil {
		return nil, err
	}
	if u, ok := c.(transport.UDPConn); ok {
		return s.track(u), nil
	}
	return c, nil
}

// track notes c's address as this side's until it closes (the port may
// then go to the server); ICE binds each socket to one interface address,
// which is what the other side's candidates name.
func (s *partitionSide) track(c transport.UDPConn) *partitionConn {
	local := c.LocalAddr().String()
	s.p.mu.Lock()
	s.p.sides[local] = s.side
	s.p.mu.Unlock()
	return &partitionConn{filteredConn{UDPConn: c, drop: func(remote net.Addr) bool { return s.p.across(s.side, remote) }}, s.p, local}
}

type partitionConn struct {
	filteredConn
	p     *UDPPartition
	local string
}

func (c *partitionConn) Close() error {
	c.p.mu.Lock()
	delete(c.p.sides, c.local)
	c.p.mu.Unlock()
	return c.filteredConn.Close()
}
