package testkit

import (
	"net"

	"github.com/pion/transport/v5"
)

// filteredConn is one UDP socket of a test network (CuttableNet,
// UDPPartition): a datagram to or from an address drop names is lost, as
// on a network that blackholes it. The rest passes untouched.
type filteredConn struct {
	transport.UDPConn
	drop func(remote net.Addr) bool
}

func (c *filteredConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	if c.drop(addr) {
		return len(b), nil
	}
	return c.UDPConn.WriteTo(b, addr)
}

func (c *filteredConn) WriteToUDP(b []byte, addr *net.UDPAddr) (int, error) {
	if c.drop(addr) {
		return len(b), nil
	}
	return c.UDPConn.WriteToUDP(b, addr)
}

func (c *filteredConn) Write(b []byte) (int, error) {
	if c.drop(c.RemoteAddr()) {
		return len(b), nil
	}
	return c.UDPConn.Write(b)
}

func (c *filteredConn) WriteMsgUDP(b, oob []byte, addr *net.UDPAddr) (int, int, error) {
	if c.drop(addr) {
		return len(b), len(oob), nil
	}
	return c.UDPConn.WriteMsgUDP(b, oob, addr)
}

func (c *filteredConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFrom(b)
		if err != nil || !c.drop(addr) {
			return n, addr, err
		}
	}
}

func (c *filteredConn) ReadFromUDP(b []byte) (int, *net.UDPAddr, error) {
	for {
		n, addr, err := c.UDPConn.ReadFromUDP(b)
		if err != nil || !c.drop(addr) {
			return n, addr, err
		}
	}
}

func (c *filteredConn) Read(b []byte) (int, error) {
	for {
		n, err := c.UDPConn.Read(b)
		if err != nil || !c.drop(c.RemoteAddr()) {
			return n, err
		}
	}
}

func (c *filteredConn) ReadMsgUDP(b, oob []byte) (int, int, int, *net.UDPAddr, error) {
	for {
		n, oobn, flags, addr, err := c.UDPConn.ReadMsgUDP(b, oob)
		if err != nil || !c.drop(addr) {
			return n, oobn, flags, addr, err
		}
	}
}
