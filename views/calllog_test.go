package views

import (
	"testing"

	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/app"
	"huddle/internal/testkit"
	"huddle/session"
)

func TestMissedCallIsCountedUntilTheCallsTabIsSeen(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	dir := t.TempDir()
	u := newUI(t)
	onUI(func() { u.Client.HistoryDir = dir })
	signInAs(t, u, srv, "alice")
	await(t, "bob listed", func() bool { return u.main.contacts.count.Text == "1" })
	onUI(func() { assert.Equal(t, "Calls", u.main.callTab.Text) })

	bob.CreateMeeting("ring", 0, "m")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	id := bob.Call("alice", meet, "", "c")
	await(t, "ringing", func() bool { return u.Client.Calls.Phase == app.CallIncoming })
	bob.HungupCall(id, "", "gone")
	await(t, "missed", func() bool { return u.Client.Calls.Phase == app.CallIdle })

	onUI(func() {
		assert.Equal(t, "Calls (1)", u.main.callTab.Text, "the tab counts the missed call")
		assert.Contains(t, rowOf(t, u, "bob").detail.Text, "1 missed call", "so does bob's row")
		u.main.tabs.Select(u.main.callTab)
		assert.Equal(t, "Calls", u.main.callTab.Text, "looking at the log marks it seen")
		assert.NotContains(t, rowOf(t, u, "bob").detail.Text, "missed")
		title := findWidget(t, u.main.callLog.list, func(l *widget.Label) bool { return l.Text == "Missed call from Nick bob" })
		assert.Equal(t, widget.DangerImportance, title.Importance)
		findWidget(t, u.main.callLog.list, func(b *widget.Button) bool { return b.Text == "Call back" })
		assert.False(t, u.main.callLog.empty.Visible())
	})
	onUI(u.Client.Close)
	u.Client.WaitSaved()

	// The next start shows the log, already seen.
	again := newUI(t)
	onUI(func() { again.Client.HistoryDir = dir })
	signInAs(t, again, srv, "alice")
	await(t, "the log is back", func() bool { return again.Client.CallLog.Len() == 1 })
	onUI(func() {
		require.Equal(t, app.CallMissed, again.Client.CallLog.Newest(0).Outcome)
		assert.Equal(t, "Calls", again.main.callTab.Text)
	})
}

// A missed call that comes while the call log is open but the window is in
// the background is counted until the window comes to the front.
func TestMissedCallInTheBackgroundIsSeenWhenTheWindowComesBack(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	u := signedInUI(t, srv, "alice")
	onUI(func() {
		u.main.tabs.Select(u.main.callTab)
		u.App.Lifecycle().(interface{ OnExitedForeground() func() }).OnExitedForeground()()
	})
	bob.CreateMeeting("ring", 0, "m")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	id := bob.Call("alice", meet, "", "c")
	await(t, "ringing", func() bool { return u.Client.Calls.Phase == app.CallIncoming })
	bob.HungupCall(id, "", "gone")
	await(t, "missed", func() bool { return u.Client.Calls.Phase == app.CallIdle })
	onUI(func() {
		assert.Equal(t, "Calls (1)", u.main.callTab.Text, "not seen: the window is behind others")
		u.App.Lifecycle().(interface{ OnEnteredForeground() func() }).OnEnteredForeground()()
		assert.Equal(t, "Calls", u.main.callTab.Text, "seen once it is in front")
	})
}
