package server

import (
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"huddle/protocol"
)

// A control message queued before a data frame reaches the client first,
// however the two race the write loop starting and stopping: a receiver
// must hear of a transfer before its first bytes arrive.
func TestControlQueuedBeforeDataIsWrittenFirst(t *testing.T) {
	s := &Server{cfg: Config{Limits: withDefaults(Limits{})}}
	s.relay.init()
	s.writers = newWriters(writerIdle)
	accepted := make(chan *websocket.Conn, 1)
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
		if err == nil {
			accepted <- ws
		}
	}))
	defer hs.Close()
	client, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http"), nil)
	require.NoError(t, err)
	defer client.Close()
	c := newConn(s, <-accepted)
	defer c.close(websocket.CloseNormalClosure, "")

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
