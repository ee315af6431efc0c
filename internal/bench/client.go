package bench

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"huddle/protocol"
)

// client is a lean raw-protocol client: one WebSocket, one reader
// goroutine, writes under a mutex. A full session.Session (dispatch queue,
// event structs, writer goroutine) costs several times more memory and CPU
// per connection, which the load tool would then steal from the server it
// measures on the same machine.
type client struct {
	ws   *websocket.Conn
	user string

	wmu    sync.Mutex
	nextID atomic.Uint64

	pmu     sync.Mutex
	pending map[uint64]chan protocol.Message

	// onPush sees every push (ev) line, raw without its number, with the
	// time its frame arrived.
	onPush func(line []byte, at time.Time)
	// Owned by the read loop: the last push number seen and acknowledged,
	// and when, so the server trims its replay buffer as the SDK has it do.
	seq, acked uint64
	ackedAt    time.Time
	done       chan struct{}
	err        error // why the connection ended; set before done is closed
}

// dialer spreads connections over 127.0.0.x source addresses (one source
// address has only ~28k ephemeral ports towards one server port), and
// client i of a pool goes to server i modulo their number.
type dialer struct {
	urls    []string
	sources int
	n       atomic.Uint64
	bufs    websocket.BufferPool
}

func newDialer(urls []string, sources int) *dialer {
	if sources < 1 {
		sources = 1
	}
	return &dialer{urls: urls, sources: sources, bufs: &sync.Pool{}}
}

// url is the server of a pool's client i.
func (d *dialer) url(client int) string { return d.urls[client%len(d.urls)] }

func (d *dialer) dial(ctx context.Context, client int) (*websocket.Conn, error) {
	i := d.n.Add(1)
	src := net.IPv4(127, 0, 0, byte(2+i%uint64(d.sources)))
	nd := &net.Dialer{LocalAddr: &net.TCPAddr{IP: src}, Timeout: 10 * time.Second}
	wd := websocket.Dialer{
		NetDialContext:   nd.DialContext,
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   2048,
		WriteBufferSize:  2048,
		WriteBufferPool:  d.bufs,
	}
	ws, resp, err := wd.DialContext(ctx, d.url(client), http.Header{})
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	return ws, err
}

// demoPswd is authPswd for the demo application a loopback server creates.
func demoPswd(secret string) string {
	sum := md5.Sum([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// connect dials for the pool's client i, says hello and logs in as user
// of app.
func (d *dialer) connect(ctx context.Context, i int, app, pswd, user string, onPush func([]byte, time.Time)) (*client, error) {
	ws, err := d.dial(ctx, i)
	if err != nil {
		return nil, err
	}
	c := &client{ws: ws, user: user, pending: make(map[uint64]chan protocol.Message), onPush: onPush, done: make(chan struct{})}
	go c.readLoop()
	if _, err := c.request(ctx, protocol.OpHello, protocol.Hello{Version: protocol.Version, Client: "huddle-bench"}); err != nil {
		c.close()
		return nil, fmt.Errorf("hello: %w", err)
	}
	if _, err := c.request(ctx, protocol.OpLogin, protocol.Login{App: app, Pswd: pswd, User: user}); err != nil {
		c.close()
		return nil, fmt.Errorf("login %s: %w", user, err)
	}
	return c, nil
}

var (
	evPrefix  = []byte(`{"ev":`)
	seqPrefix = []byte(`{"seq":`)
)

// ackEvery is the SDK's pace of acknowledging pushes (session/resume.go).
const ackEvery = 2 * time.Second

func (c *client) readLoop() {
	defer close(c.done)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.err = err
			c.failPending()
			return
		}
		at := time.Now()
		for len(data) > 0 {
			line := data
			if i := bytes.IndexByte(data, '\n'); i >= 0 {
				line, data = data[:i], data[i+1:]
			} else {
				data = nil
			}
			// Pushes are the hot path: hand them over undecoded, their
			// number taken off.
			if bytes.HasPrefix(line, seqPrefix) {
				if i := bytes.IndexByte(line, ','); i > 0 {
					if n, err := strconv.ParseUint(string(line[len(seqPrefix):i]), 10, 64); err == nil {
						c.seq = n
					}
					line = line[i:]
					line[0] = '{'
				}
			}
			if bytes.HasPrefix(line, evPrefix) {
				if c.onPush != nil {
					c.onPush(line, at)
				}
				continue
			}
			var m protocol.Message
			if protocol.DecodeFrame(line, func(mm protocol.Message) error { m = mm; return nil }) != nil || m.Re == 0 {
				continue
			}
			c.pmu.Lock()
			ch := c.pending[m.Re]
			delete(c.pending, m.Re)
			c.pmu.Unlock()
			if ch != nil {
				ch <- m
			}
		}
		if c.seq > c.acked && at.Sub(c.ackedAt) >= ackEvery {
			c.acked, c.ackedAt = c.seq, at
			c.oneWay(protocol.OpAck, protocol.Ack{Seq: c.seq})
		}
	}
}

func (c *client) failPending() {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
}

var errClosed = errors.New("connection closed")

// send writes one request and returns the channel its reply arrives on.
func (c *client) send(op string, payload any) (chan protocol.Message, error) {
	id := c.nextID.Add(1)
	msg, err := protocol.Request(op, id, payload)
	if err != nil {
		return nil, err
	}
	ch := make(chan protocol.Message, 1)
	c.pmu.Lock()
	c.pending[id] = ch
	c.pmu.Unlock()
	c.wmu.Lock()
	err = c.ws.WriteMessage(websocket.TextMessage, msg)
	c.wmu.Unlock()
	if err != nil {
		return nil, err
	}
	return ch, nil
}

// oneWay writes a message that gets no answer (an acknowledgement).
func (c *client) oneWay(op string, payload any) error {
	msg, err := protocol.Request(op, 0, payload)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, msg)
}

// request sends op and waits for its answer; a non-zero code is an error.
func (c *client) request(ctx context.Context, op string, payload any) (protocol.Message, error) {
	ch, err := c.send(op, payload)
	if err != nil {
		return protocol.Message{}, err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return m, errClosed
		}
		if m.Code != protocol.NoErr {
			return m, fmt.Errorf("%s: code %d: %s", op, m.Code, m.Msg)
		}
		return m, nil
	case <-ctx.Done():
		return protocol.Message{}, ctx.Err()
	case <-c.done:
		return protocol.Message{}, errClosed
	}
}

func (c *client) close() {
	c.ws.Close()
	<-c.done
}

// dropped counts clients whose connection has ended, and gives one reason.
func dropped(clients []*client) (n int, why error) {
	for _, c := range clients {
		select {
		case <-c.done:
			n++
			why = c.err
		default:
		}
	}
	return n, why
}
