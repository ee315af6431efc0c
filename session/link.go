package session

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"huddle/protocol"
)

// link is one WebSocket connection to the server: a reader goroutine that
// hands every message to the session in order, and a writer goroutine that
// owns all writes and coalesces queued control messages into one frame.
// A session has at most one live link; a new Login makes a new one.
type link struct {
	ws *websocket.Conn

	mu     sync.Mutex
	ctrl   [][]byte // control messages waiting for the writer
	closed bool
	wake   chan struct{}
	done   chan struct{}
	// flushed is closed when the writer has sent what was queued and the
	// close frame: Session.Close waits for it so a process that exits right
	// after Close has told the server (a logout, not a drop).
	flushed chan struct{}
	bulk    chan []byte // binary frames of transfers, handed straight to the writer

	closeOnce sync.Once
	// loggingOut: Logout sent the logout on this link, so however the link
	// ends (the server closes it once it has answered, and the reader may
	// see that first) it ends as a logout, not a LineOff.
	loggingOut atomic.Bool

	rbuf []byte // the reader's reusable buffer for binary frames
}

// framePool recycles the buffers of outgoing data frames: a transfer's pump
// takes one per chunk and the writer returns it once written, so a long
// transfer allocates (and clears) almost nothing.
var framePool sync.Pool

func getFrame(n int) []byte {
	if p, ok := framePool.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:n]
	}
	return make([]byte, n)
}

func putFrame(b []byte) { framePool.Put(&b) }

// readMessage is ws.ReadMessage, except that binary frames are read into a
// buffer the link reuses (handleBinary copies what it keeps), which spares
// a large allocation per chunk.
func (l *link) readMessage() (int, []byte, error) {
	typ, r, err := l.ws.NextReader()
	if err != nil {
		return 0, nil, err
	}
	if typ != websocket.BinaryMessage {
		data, err := io.ReadAll(r)
		return typ, data, err
	}
	b, err := readInto(r, l.rbuf[:0])
	l.rbuf = b
	return typ, b, err
}

// readInto appends all of r to b, growing it only when full.
func readInto(r io.Reader, b []byte) ([]byte, error) {
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// maxBatch caps how many bytes of queued control messages share one frame.
const maxBatch = 64 << 10

func newLink(ws *websocket.Conn) *link {
	return &link{ws: ws, wake: make(chan struct{}, 1), done: make(chan struct{}), flushed: make(chan struct{}), bulk: make(chan []byte)}
}

// send queues one control message; false if the link is closed.
func (l *link) send(msg []byte) bool {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return false
	}
	l.ctrl = append(l.ctrl, msg)
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default:
	}
	return true
}

// sendBulk hands one binary frame to the writer, waiting until it takes it
// (so a transfer's memory is one frame, whatever its size); false if the
// link closed or stop fired first.
func (l *link) sendBulk(frame []byte, stop <-chan struct{}) bool {
	select {
	case l.bulk <- frame:
		return true
	case <-l.done:
		return false
	case <-stop:
		return false
	}
}

// close ends the link after the writer has sent what was already queued.
func (l *link) close() {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		close(l.done)
	})
}

// writeLoop sends control messages before bulk frames: between two frames
// of a transfer whatever control is queued goes out, so a big file delays a
// SendCmd by one chunk at most. Several transfers take turns at the bulk
// channel.
func (l *link) writeLoop(writeTimeout time.Duration) {
	defer close(l.flushed)
	defer l.ws.Close()
	for {
		l.mu.Lock()
		batch := l.ctrl
		l.ctrl = nil
		l.mu.Unlock()
		if len(batch) > 0 {
			if err := l.writeBatch(batch, writeTimeout); err != nil {
				l.close()
				return
			}
			continue
		}
		select {
		case <-l.wake:
		case frame := <-l.bulk:
			l.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
			err := l.ws.WriteMessage(websocket.BinaryMessage, frame)
			putFrame(frame)
			if err != nil {
				l.close()
				return
			}
		case <-l.done:
			// Messages queued before close (a logout, say) still go out.
			l.mu.Lock()
			batch := l.ctrl
			l.ctrl = nil
			l.mu.Unlock()
			if l.writeBatch(batch, writeTimeout) == nil {
				l.ws.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			}
			return
		}
	}
}

func (l *link) writeBatch(batch [][]byte, writeTimeout time.Duration) error {
	for len(batch) > 0 {
		l.ws.SetWriteDeadline(time.Now().Add(writeTimeout))
		w, err := l.ws.NextWriter(websocket.TextMessage)
		if err != nil {
			return err
		}
		n := 0
		for len(batch) > 0 && (n == 0 || n+len(batch[0]) < maxBatch) {
			if n > 0 {
				w.Write([]byte{'\n'})
			}
			w.Write(batch[0])
			n += len(batch[0]) + 1
			batch = batch[1:]
		}
		if err := w.Close(); err != nil {
			return err
		}
	}
	return nil
}

// closeError turns how a read ended into the SDK code the user is told.
func closeError(err error) protocol.ErrCode {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return protocol.LineOffCode(ce.Code)
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return protocol.SocketTimeout
	}
	return protocol.SocketException
}
