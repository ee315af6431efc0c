package session

import "sync"

// dispatcher delivers events in order on one goroutine. Its queue is
// unbounded on purpose: the network reader must never wait for a slow
// consumer, and no event may be dropped. Whatever piles up is the
// consumer's own backlog.
type dispatcher struct {
	mu      sync.Mutex
	queue   []Event
	wake    chan struct{}
	stop    chan struct{}
	stopped bool
	out     chan Event
	handler func(Event)
	run     func(func())
}

func newDispatcher(handler func(Event), run func(func())) *dispatcher {
	d := &dispatcher{wake: make(chan struct{}, 1), stop: make(chan struct{}), out: make(chan Event), handler: handler, run: run}
	go d.loop()
	return d
}

func (d *dispatcher) emit(ev Event) {
	d.mu.Lock()
	if d.stopped {
		d.mu.Unlock()
		return
	}
	d.queue = append(d.queue, ev)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *dispatcher) loop() {
	defer close(d.out)
	for {
		d.mu.Lock()
		batch := d.queue
		d.queue = nil
		d.mu.Unlock()
		for _, ev := range batch {
			if !d.deliver(ev) {
				return
			}
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-d.wake:
		case <-d.stop:
			return
		}
	}
}

func (d *dispatcher) deliver(ev Event) bool {
	if d.handler != nil {
		h := d.handler
		if d.run != nil {
			d.run(func() { h(ev) })
		} else {
			h(ev)
		}
		return true
	}
	select {
	case d.out <- ev:
		return true
	case <-d.stop:
		return false
	}
}

// close stops delivery; events still queued are discarded, as Close documents.
func (d *dispatcher) close() {
	d.mu.Lock()
	if d.stopped {
		d.mu.Unlock()
		return
	}
	d.stopped = true
	d.queue = nil
	d.mu.Unlock()
	close(d.stop)
}
