package media

import (
	"sync"
)

// captureSink keeps every frame it is given, for tests to analyse.
type captureSink struct {
	mu      sync.Mutex
	samples []int16
	frames  int
	wake    chan struct{}
}

func newCaptureSink() *captureSink { return &captureSink{wake: make(chan struct{}, 1)} }

func (c *captureSink) WriteFrame(pcm []int16) error {
	c.mu.Lock()
	c.samples = append(c.samples, pcm...)
	c.frames++
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return nil
}

func (c *captureSink) snapshot() []int16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int16(nil), c.samples...)
}
