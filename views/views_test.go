package views

import (
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/app"
	"huddle/internal/testkit"
	"huddle/session"
)

// uiMu serialises work as Fyne's UI goroutine does; the test driver's
// fyne.Do runs functions on the caller's goroutine, so it cannot.
var uiMu sync.Mutex

func onUI(f func()) {
	uiMu.Lock()
	defer uiMu.Unlock()
	f()
}

// newUI builds the screens on the "UI goroutine" like the app does; the
// cleanup closes the client there too, so no session event or timer of this
// test redraws its widgets while the next test runs.
func newUI(t *testing.T) *UI {
	var u *UI
	onUI(func() {
		a := test.NewTempApp(t)
		w := a.NewWindow("Huddle")
		w.Resize(fyne.NewSize(900, 640))
		u = New(a, w, app.New(onUI))
		u.main.transfers.nativeDialogs = false
	})
	t.Cleanup(func() { onUI(u.Client.Close) })
	return u
}

func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	require.Eventually(t, func() bool {
		var ok bool
		onUI(func() { ok = cond() })
		return ok
	}, 10*time.Second, 10*time.Millisecond, what)
}

func TestSignInShowsContactsWithLivePresence(t *testing.T) {
	srv := testkit.StartServer(t)
	testkit.Login(t, srv.URL, "bob")
	u := newUI(t)
	onUI(func() {
		u.Start()
		s := u.signin
		assert.Equal(t, app.DefaultServerURL, s.server.Text, "a first start proposes the local server")
		s.server.SetText("")
		test.Type(s.server, srv.URL)
		test.Type(s.nick, "Alice")
		test.Type(s.userID, "alice")
		test.Tap(s.button)
	})
	await(t, "the main window with bob in the list", func() bool {
		return u.Win.Content() == u.main.content && u.Client.Contacts.Len() == 1 && u.main.contacts.count.Text == "1"
	})
	onUI(func() {
		prefs := app.LoadSettings(u.App.Preferences())
		assert.Equal(t, srv.URL, prefs.ServerURL, "sign-in details are remembered")
		assert.Equal(t, app.SecretHash("demo"), prefs.SecretMD5, "only the secret's MD5 is kept")
		assert.Contains(t, u.main.status.self.Text, "Alice (alice)")
		test.Tap(u.main.status.dnd)
	})
	await(t, "own DND on after the server confirms", func() bool { return u.Client.Contacts.Self().DNDType != 0 })

	testkit.Login(t, srv.URL, "alice") // the same user elsewhere
	await(t, "back to sign-in, saying why", func() bool {
		return u.Win.Content() == u.signin.content && strings.Contains(u.signin.message.Text, "signed in somewhere else")
	})
}

func TestIncomingCallDialogAcceptAndPanel(t *testing.T) {
	u := newUI(t)
	onUI(func() {
		u.main.show()
		u.Client.Handle(session.NotifyCallIn{CallID: "c1", CallerID: "bob", Meet: session.MeetInfo{ID: 3, Subject: "Standup"}})
		require.NotNil(t, u.main.calls.dlg, "the incoming call opens a dialog")
		assert.Equal(t, "bob is calling", u.main.calls.dlgTitle.Text)
		assert.Contains(t, u.main.calls.dlgText.Text, "Answer within 0:30")
		u.Client.Handle(session.NotifyCallHungup{CallID: "c1"})
		assert.Nil(t, u.main.calls.dlg, "the caller's hang-up closes it")
		assert.Equal(t, "Missed call from bob.", u.main.status.note.Text)
		assert.False(t, u.main.calls.panel.Visible())
	})
}

func TestMeetingsTabListsMeetings(t *testing.T) {
	u := newUI(t)
	onUI(func() {
		u.main.show()
		u.Client.Handle(session.GetMeetingsSuccess{Meetings: []session.MeetInfo{{ID: 12345, Subject: "Planning", Creator: "bob", MemberCount: 2, Pswd: "k3y"}}})
		assert.Equal(t, 1, u.main.meetings.list.Length())
		line := meetingLine(u, u.Client.Meetings.List[0])
		assert.Contains(t, line, "Planning · #12345 · by bob · 2 in it · password k3y")
		u.Client.Handle(session.MeetingStopped{MeetID: 12345})
		assert.Equal(t, 0, u.main.meetings.list.Length())
	})
}
