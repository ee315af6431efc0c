package web_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"

	"huddle/internal/testkit"
	"huddle/protocol"
	"huddle/server"
	"huddle/session"
)

// A page written for CloudRoom's H5 SDK (callbacks assigned at load under
// the H5 names, CRVideo_Init().then(login)) runs unchanged against Huddle,
// without a console error, with a desktop user calling it and talking to it
// over SendCmd. Its media, device and queue calls are stubs: no devices,
// its settings back, no camera (status 1), 403 for queues, 4 for a screen
// share.
func TestH5StylePageRunsUnchanged(t *testing.T) {
	srv := testkit.StartServer(t)
	q := url.Values{"app": {server.DemoAppID}, "pswd": {server.PasswordFor(server.DemoAppSecret)}, "user": {"h5"}}
	p := openPageAt(t, srv, "h5.html", q.Encode())
	desk := testkit.Login(t, srv.URL, "desk")
	waitLog := func(line string) {
		t.Helper()
		p.eval(fmt.Sprintf(`new Promise((ok, fail) => {
			const t0 = Date.now();
			(function look() {
				if (log.includes(%[1]q)) ok(true);
				else if (Date.now() - t0 > 10000) fail(new Error("no %[1]s in " + JSON.stringify(log)));
				else setTimeout(look, 20);
			})();
		})`, line), nil)
	}
	waitLog("ready")

	desk.CreateMeeting("To H5", 0, "")
	meet := testkit.Await[session.CreateMeetingSuccess](t, desk, nil).Meet
	id := desk.Call("h5", meet, "", "")
	acc := testkit.Await[session.NotifyCallAccepted](t, desk, nil)
	assert.Equal(t, session.NotifyCallAccepted{CallID: id, Meet: acc.Meet, UsrExtDat: "hello"}, acc)

	waitLog("accepted acc") // the page's answer may come after the desktop's push
	desk.SendCmd("h5", []byte("ping"), "")
	echo := testkit.Await[session.NotifyCmdData](t, desk, nil)
	assert.Equal(t, "echo ping", string(echo.Data))
	waitLog("sent 0 echo") // the page's result comes with the desktop's acknowledgement
	desk.SendCmd("h5", []byte("hang up"), "")
	assert.Equal(t, "bye", testkit.Await[session.NotifyCallHungup](t, desk, nil).UsrExtDat)
	waitLog("hungup h")

	var log []string
	p.eval(`log`, &log)
	assert.Equal(t, []string{"login h5 huddle-web", "media 0 0 0 15 1", "queues 403 q", "screen 4", "ready", "ring desk", "accepted acc",
		"cmd ping", "sent 0 echo", "cmd hang up", "hungup h"}, log)
	assert.Equal(t, protocol.NoErr, testkit.Await[session.SendCmdRlst](t, desk, nil).Err)
}
