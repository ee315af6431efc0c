package session_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"huddle/protocol"
	"huddle/server"
)

// rawClient speaks the wire protocol by hand, to play a misbehaving or
// stalled peer that the SDK would never be.
type rawClient struct {
	t      *testing.T
	ws     *websocket.Conn
	nextID uint64
	queue  []rawItem
}

// rawItem is one thing received: a control message or a binary frame.
type rawItem struct {
	msg   *protocol.Message
	frame *protocol.Frame
}

func rawLogin(t *testing.T, url, user string) *rawClient {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	require.NoError(t, err)
	ws.SetReadLimit(16 << 20)
	r := &rawClient{t: t, ws: ws}
	t.Cleanup(func() { ws.Close() })
	r.request(protocol.OpHello, protocol.Hello{Version: protocol.Version})
	id := r.request(protocol.OpLogin, protocol.Login{App: server.DemoAppID, Pswd: server.PasswordFor(server.DemoAppSecret), User: user})
	rep := r.reply(id)
	require.Equal(t, protocol.NoErr, rep.Code, rep.Msg)
	return r
}

func (r *rawClient) request(op string, payload any) uint64 {
	r.nextID++
	r.send(op, r.nextID, payload)
	return r.nextID
}

func (r *rawClient) send(op string, id uint64, payload any) {
	msg, err := protocol.Request(op, id, payload)
	require.NoError(r.t, err)
	require.NoError(r.t, r.ws.WriteMessage(websocket.TextMessage, msg))
}

func (r *rawClient) sendFrame(kind byte, stream uint32, off int64, payload []byte) {
	b := make([]byte, protocol.FrameHeader+len(payload))
	protocol.PutFrameHeader(b, kind, stream, off)
	copy(b[protocol.FrameHeader:], payload)
	require.NoError(r.t, r.ws.WriteMessage(websocket.BinaryMessage, b))
}

// next returns the next item, waiting at most 10 s.
func (r *rawClient) next() rawItem {
	r.t.Helper()
	for len(r.queue) == 0 {
		r.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		typ, data, err := r.ws.ReadMessage()
		require.NoError(r.t, err)
		if typ == websocket.BinaryMessage {
			f, err := protocol.ParseFrame(data)
			require.NoError(r.t, err)
			r.queue = append(r.queue, rawItem{frame: &f})
			continue
		}
		require.NoError(r.t, protocol.DecodeFrame(data, func(m protocol.Message) error {
			r.queue = append(r.queue, rawItem{msg: &m})
			return nil
		}))
	}
	it := r.queue[0]
	r.queue = r.queue[1:]
	return it
}

// await skips items until match accepts one.
func (r *rawClient) await(match func(rawItem) bool) rawItem {
	r.t.Helper()
	for {
		if it := r.next(); match(it) {
			return it
		}
	}
}

func (r *rawClient) reply(id uint64) protocol.Message {
	return *r.await(func(it rawItem) bool { return it.msg != nil && it.msg.Re == id }).msg
}

// push waits for push ev and decodes its payload into v.
func (r *rawClient) push(ev string, v any) {
	r.t.Helper()
	it := r.await(func(it rawItem) bool { return it.msg != nil && it.msg.Ev == ev })
	require.NoError(r.t, json.Unmarshal(it.msg.D, v))
}

// contentSum is what a sender puts in a transfer's end frame.
func contentSum(data []byte) []byte {
	h := protocol.NewContentHash()
	h.Write(data)
	return h.Sum(nil)
}

// startFile starts a 1 MiB file transfer to user and sends its first 1,000
// bytes, returning once the receiver has acknowledged them.
func (r *rawClient) startFile(to, task, name string) protocol.XferStartReply {
	r.t.Helper()
	rep := r.reply(r.request(protocol.OpXferStart, protocol.XferStart{To: to, Task: task, Kind: protocol.KindFile, Size: 1 << 20, Name: name}))
	require.Equal(r.t, protocol.NoErr, rep.Code, rep.Msg)
	var start protocol.XferStartReply
	require.NoError(r.t, protocol.Decode(rep.D, &start))
	r.sendFrame(protocol.FrameData, start.Stream, 0, randomBytes(r.t, 1000))
	var ack protocol.XferAck
	r.push(protocol.EvXferAck, &ack)
	require.Equal(r.t, int64(1000), ack.Acked)
	return start
}
