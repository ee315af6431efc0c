package server

import (
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/protocol"
)

// bareServer is just enough of a Server for a conn's write side.
func bareServer(writerIdle time.Duration) *Server {
	s := &Server{cfg: Config{Limits: withDefaults(Limits{})}}
	s.writers = newWriters(writerIdle)
	s.timers = newTimers()
	s.metrics = newMetrics()
	s.relay.metrics = s.metrics
	return s
}

// connPair is a conn of s over a real WebSocket, and the client's end.
func connPair(t *testing.T, s *Server) (*conn, *websocket.Conn) {
	accepted := make(chan *websocket.Conn, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err == nil {
			accepted <- ws
		}
	}))
	t.Cleanup(hs.Close)
	client, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { client.Close() })
	c := newConn(s, <-accepted)
	t.Cleanup(func() { c.close(websocket.CloseNormalClosure, "") })
	return c, client
}

// A control message queued before a data frame reaches the client first,
// however the two race the write loop starting and stopping: a receiver
// must hear of a transfer before its first bytes arrive.
func TestControlQueuedBeforeDataIsWrittenFirst(t *testing.T) {
	s := bareServer(writerIdle)
	c, client := connPair(t, s)

	const rounds = 3000
	tr := &transfer{}
	// Other control traffic keeps the loop busy, so a turn often starts
	// with only that in the queue while a round is being queued.
	ahead := make(chan struct{}, 16) // rounds in flight, under SendQueue
	noise := make(chan struct{}, 16)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		for {
			select {
			case noise <- struct{}{}:
				c.Send([]byte("-"))
			case <-stop:
				return
			}
		}
	}()
	go func() {
		for i := range rounds {
			ahead <- struct{}{}
			if !c.Send([]byte(strconv.Itoa(i))) {
				return
			}
			frame := getFrame(protocol.FrameHeader + 4)[:protocol.FrameHeader+4]
			frame[0] = protocol.FrameData
			binary.BigEndian.PutUint32(frame[protocol.FrameHeader:], uint32(i))
			c.sendBulk(tr, frame)
		}
	}()
	lastControl := -1
	for data := 0; data < rounds; {
		typ, msg, err := client.ReadMessage()
		require.NoError(t, err)
		if typ == websocket.TextMessage {
			for _, m := range strings.Split(string(msg), "\n") {
				if m == "-" {
					<-noise
					continue
				}
				n, err := strconv.Atoi(m)
				require.NoError(t, err)
				require.Equal(t, lastControl+1, n, "control messages in order")
				lastControl = n
			}
			continue
		}
		n := int(binary.BigEndian.Uint32(msg[protocol.FrameHeader:]))
		require.Equal(t, data, n, "data frames in order")
		require.LessOrEqual(t, n, lastControl, "data frame %d arrived before the control message queued ahead of it", n)
		data++
		<-ahead
	}
}

// Write loops run on goroutines that are reused while writes keep coming,
// and that exit once there is nothing to write for a while.
func TestWriteGoroutinesAreReusedThenExit(t *testing.T) {
	const idle = 200 * time.Millisecond
	s := bareServer(idle)
	a, clientA := connPair(t, s)
	b, clientB := connPair(t, s)
	const rounds = 100
	for i := range rounds {
		c, client := a, clientA
		if i%2 == 1 {
			c, client = b, clientB
		}
		require.True(t, c.Send([]byte(strconv.Itoa(i))))
		_, msg, err := client.ReadMessage()
		require.NoError(t, err)
		require.Equal(t, strconv.Itoa(i), string(msg))
	}
	// Without reuse every round starts one. With it, a round starts one only
	// when the last loop has not yet gone back to waiting (a few µs).
	assert.Less(t, s.writers.started.Load(), int64(rounds/2), "%d write loops ran on few goroutines", rounds)
	assert.Eventually(t, func() bool { return s.writers.live.Load() == 0 }, 20*idle, idle/10,
		"write goroutines still there after %v without writes", idle)
}

// Stopping the write goroutines twice (Shutdown called twice) is harmless.
func TestWritersStopTwice(t *testing.T) {
	s := bareServer(time.Minute)
	c, client := connPair(t, s)
	require.True(t, c.Send([]byte("x")))
	_, _, err := client.ReadMessage()
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		c.qmu.Lock()
		defer c.qmu.Unlock()
		return !c.writing
	}, 5*time.Second, time.Millisecond)
	s.writers.stop()
	assert.NotPanics(t, s.writers.stop)
	assert.Zero(t, s.writers.live.Load(), "the waiting goroutine left at once, not after its minute")
}
