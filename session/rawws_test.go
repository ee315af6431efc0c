package session_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/require"

	"huddle/protocol"
)

// rawWS is a bare WebSocket client that speaks the protocol by hand, to
// send what no SDK would.
type rawWS struct {
	t  *testing.T
	ws *websocket.Conn
	id uint64

	pending []protocol.Message // decoded from a frame, not yet returned
}

func dialRaw(t *testing.T, url string, header http.Header) (*rawWS, *http.Response, error) {
	t.Helper()
	ws, resp, err := websocket.DefaultDialer.Dial(url, header)
	if err != nil {
		return nil, resp, err
	}
	t.Cleanup(func() { ws.Close() })
	return &rawWS{t: t, ws: ws}, resp, nil
}

func mustDialRaw(t *testing.T, url string) *rawWS {
	t.Helper()
	r, _, err := dialRaw(t, url, nil)
	require.NoError(t, err)
	return r
}

// loginRaw says hello and logs in to the demo application as user.
func loginRaw(t *testing.T, url, user string) *rawWS {
	t.Helper()
	r := mustDialRaw(t, url)
	require.Equal(t, protocol.NoErr, r.call(protocol.OpHello, protocol.Hello{Version: protocol.Version}).Code)
	require.Equal(t, protocol.NoErr, r.call(protocol.OpLogin, protocol.Login{App: "demo", Pswd: demoPswd, User: user}).Code)
	return r
}

func (r *rawWS) nextID() uint64 { r.id++; return r.id }

func (r *rawWS) writeText(b []byte) {
	r.t.Helper()
	require.NoError(r.t, r.ws.WriteMessage(websocket.TextMessage, b))
}

// call sends one request and returns its answer.
func (r *rawWS) call(op string, payload any) protocol.Message {
	r.t.Helper()
	id := r.nextID()
	msg, err := protocol.Request(op, id, payload)
	require.NoError(r.t, err)
	r.writeText(msg)
	return r.answer(id)
}

// answer waits for the reply to request id, skipping pushes.
func (r *rawWS) answer(id uint64) protocol.Message {
	r.t.Helper()
	for {
		m, err := r.next()
		require.NoError(r.t, err, "waiting for the answer to %d", id)
		if m.Re == id {
			return m
		}
	}
}

// next returns the next message from the server, or the error (a close
// with its code and reason) that ended the connection.
func (r *rawWS) next() (protocol.Message, error) {
	if len(r.pending) > 0 {
		m := r.pending[0]
		r.pending = r.pending[1:]
		return m, nil
	}
	r.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		typ, data, err := r.ws.ReadMessage()
		if err != nil {
			return protocol.Message{}, err
		}
		if typ != websocket.TextMessage {
			continue
		}
		var out []protocol.Message
		if err := protocol.DecodeFrame(data, func(m protocol.Message) error { out = append(out, m); return nil }); err != nil {
			return protocol.Message{}, err
		}
		if len(out) > 0 {
			r.pending = append(r.pending, out[1:]...)
			return out[0], nil
		}
	}
}

// closed waits until the server closes the connection and returns the close.
func (r *rawWS) closed() *websocket.CloseError {
	r.t.Helper()
	for {
		_, err := r.next()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		require.True(r.t, errors.As(err, &ce), "connection ended without a close frame: %v", err)
		return ce
	}
}
