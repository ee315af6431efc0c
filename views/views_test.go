package views

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
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
// cleanup stops its clocks and closes the client there too, so no session
// event or timer of this test redraws its widgets while the next test runs.
func newUI(t *testing.T) *UI {
	var u *UI
	onUI(func() {
		a := test.NewTempApp(t)
		w := a.NewWindow("Huddle")
		w.Resize(fyne.NewSize(900, 640))
		u = New(a, w, app.New(onUI))
		u.main.transfers.nativeDialogs = false
		u.Client.SetFileSettings(app.FileSettings{Downloads: t.TempDir()})
	})
	t.Cleanup(func() {
		onUI(func() {
			u.Stop() // a test that ends mid-call leaves no clock ticking into the next
			u.Client.Close()
		})
	})
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

// A call coming in while the window is behind others raises an OS
// notification (the dialog stays the way to answer); in front, the dialog
// is enough.
func TestIncomingCallNotifiesOnlyWhenNotInFront(t *testing.T) {
	u := newUI(t)
	onUI(func() {
		u.main.show()
		test.AssertNotificationSent(t, nil, func() {
			u.Client.Handle(session.NotifyCallIn{CallID: "c1", CallerID: "bob"})
		})
		require.NotNil(t, u.main.calls.dlg)
		u.Client.Handle(session.NotifyCallHungup{CallID: "c1"})

		u.App.Lifecycle().(interface{ OnExitedForeground() func() }).OnExitedForeground()() // another window in front
		test.AssertNotificationSent(t, fyne.NewNotification("Incoming call", "bob is calling you."), func() {
			u.Client.Handle(session.NotifyCallIn{CallID: "c2", CallerID: "bob"})
		})
		require.NotNil(t, u.main.calls.dlg, "answered in the app's dialog")
		assert.Equal(t, "bob is calling", u.main.calls.dlgTitle.Text)
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

// signedInUI signs a UI in on srv as user through the sign-in screen.
func signedInUI(t *testing.T, srv *testkit.Server, user string) *UI {
	t.Helper()
	u := newUI(t)
	signInAs(t, u, srv, user)
	return u
}

func signInAs(t *testing.T, u *UI, srv *testkit.Server, user string) {
	t.Helper()
	onUI(func() {
		u.Start()
		u.signin.server.SetText(srv.URL)
		u.signin.nick.SetText("Nick " + user)
		u.signin.userID.SetText(user)
		test.Tap(u.signin.button)
	})
	await(t, "signed in", func() bool { return u.Win.Content() == u.main.content })
}

func TestRealCallDialogsFollowTheRemoteSide(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	u := signedInUI(t, srv, "alice")
	await(t, "bob listed", func() bool { return u.main.contacts.count.Text == "1" })

	// Calling: the contact row's Call button opens the ringing dialog.
	onUI(func() {
		row := u.main.contacts.list
		test.Tap(findButton(t, row, "Call"))
		require.NotNil(t, u.main.calls.dlg)
		assert.Equal(t, "Calling Nick bob", u.main.calls.dlgTitle.Text)
	})
	in := testkit.Await[session.NotifyCallIn](t, bob, nil)
	bob.AcceptCall(in.CallID, in.Meet, "", "acc")
	await(t, "the in-call panel replaces the dialog", func() bool {
		return u.main.calls.dlg == nil && u.main.calls.panel.Visible()
	})
	onUI(func() { assert.Equal(t, "In a call with Nick bob", u.main.calls.who.Text) })

	bob.HungupCall(in.CallID, "", "bye")
	await(t, "bob's hang-up closes the panel and says so", func() bool {
		return !u.main.calls.panel.Visible() && u.main.status.note.Text == "Nick bob hung up."
	})

	// Incoming: bob rings, then gives up before alice answers.
	bob.CreateMeeting("Standup", 0, "m")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	id := bob.Call("alice", meet, "", "c")
	await(t, "the incoming dialog", func() bool { return u.main.calls.dlg != nil })
	onUI(func() {
		assert.Equal(t, "Nick bob is calling", u.main.calls.dlgTitle.Text)
		assert.Contains(t, u.main.calls.dlgText.Text, "Meeting: Standup")
	})
	bob.HungupCall(id, "", "h")
	await(t, "the dialog closes: missed call", func() bool {
		return u.main.calls.dlg == nil && u.main.status.note.Text == "Missed call from Nick bob."
	})
}

// findButton finds the first visible button with this label under o.
func findButton(t *testing.T, o fyne.CanvasObject, label string) *widget.Button {
	t.Helper()
	return findWidget(t, o, func(b *widget.Button) bool { return b.Text == label })
}

func TestDropOnAContactRowSendsToThatContact(t *testing.T) {
	srv := testkit.StartServer(t)
	testkit.Login(t, srv.URL, "bob")
	testkit.Login(t, srv.URL, "carol")
	u := signedInUI(t, srv, "alice")
	await(t, "two contacts listed", func() bool { return u.main.contacts.count.Text == "2" })
	file := storage.NewFileURI(filepath.Join(t.TempDir(), "notes.txt"))
	lastPeer := func() string { return u.Client.Transfers.List[0].Peer }

	onUI(func() {
		row := rowOf(t, u, "carol")
		at := fyne.CurrentApp().Driver().AbsolutePositionForObject(row).Add(fyne.NewPos(row.Size().Width/2, row.Size().Height/2))
		u.main.transfers.dropped(at, []fyne.URI{file})
		require.Len(t, u.Client.Transfers.List, 1)
		assert.Equal(t, "carol", lastPeer(), "dropped on carol's row")
		assert.Equal(t, 2, u.main.tabs.SelectedIndex(), "the transfers tab shows it")

		u.main.tabs.SelectIndex(0)
		u.main.contacts.list.Select(0) // bob, first by name
		u.main.transfers.dropped(fyne.NewPos(2, 2), []fyne.URI{file})
		assert.Equal(t, "bob", lastPeer(), "dropped elsewhere: the selected contact")

		u.main.contacts.list.UnselectAll()
		u.main.transfers.dropped(fyne.NewPos(2, 2), []fyne.URI{file})
		assert.Len(t, u.Client.Transfers.List, 2, "nobody selected: nothing sent yet")
		assert.NotNil(t, u.Win.Canvas().Overlays().Top(), "it asks whom to send to")
	})
}

// rowOf is the list row showing user right now.
func rowOf(t *testing.T, u *UI, user string) *contactRow {
	t.Helper()
	for _, r := range u.main.contacts.rows {
		if r.userID == user && r.Visible() {
			return r
		}
	}
	t.Fatalf("no row shows %s", user)
	return nil
}

func TestCommandLineDetailsFillTheFormAndSignIn(t *testing.T) {
	srv := testkit.StartServer(t)
	u := newUI(t)
	onUI(func() {
		u.StartWith(Prefill{ServerURL: srv.URL, Nick: "Alice", UserID: "alice"})
		assert.Equal(t, srv.URL, u.signin.server.Text)
		assert.Equal(t, "alice", u.signin.userID.Text)
		assert.Equal(t, u.signin.content, u.Win.Content(), "without --auto-login it waits for a click")
	})
	u2 := newUI(t)
	onUI(func() { u2.StartWith(Prefill{ServerURL: srv.URL, Nick: "Bob", UserID: "bob", AutoLogin: true}) })
	await(t, "--auto-login signs in", func() bool { return u2.Client.SignedIn() && u2.Win.Content() == u2.main.content })
	onUI(func() { assert.Equal(t, "bob", u2.Client.UserID()) })
}

func TestTrayMenuShowsStatusAndTogglesDND(t *testing.T) {
	srv := testkit.StartServer(t)
	u := newUI(t)
	onUI(func() {
		assert.Equal(t, "Signed out", u.tray.status.Label)
		assert.True(t, u.tray.dnd.Disabled, "no DND while signed out")
		u.StartWith(Prefill{ServerURL: srv.URL, Nick: "Alice", UserID: "alice", AutoLogin: true})
	})
	await(t, "signed in, in the tray", func() bool { return u.tray.status.Label == "Alice · idle" })
	onUI(func() {
		assert.False(t, u.tray.dnd.Disabled)
		u.tray.dnd.Action()
	})
	await(t, "DND on, checked in the tray", func() bool { return u.tray.dnd.Checked })
	onUI(func() {
		require.Equal(t, "Quit", u.tray.menu.Items[len(u.tray.menu.Items)-1].Label)
		u.tray.dnd.Action()
	})
	await(t, "DND off again", func() bool { return !u.tray.dnd.Checked })
	onUI(u.Client.SignOut)
	onUI(func() { assert.Equal(t, "Signed out", u.tray.status.Label) })
}

// dialogShowing says whether a dialog on the window shows text.
func dialogShowing(u *UI, text string) bool {
	for _, o := range u.Win.Canvas().Overlays().List() {
		found := false
		walk(o, func(c fyne.CanvasObject) {
			if l, ok := c.(*widget.Label); ok && strings.Contains(l.Text, text) {
				found = true
			}
		})
		if found {
			return true
		}
	}
	return false
}

func walk(o fyne.CanvasObject, f func(fyne.CanvasObject)) {
	f(o)
	if c, ok := o.(*fyne.Container); ok {
		for _, k := range c.Objects {
			walk(k, f)
		}
	}
	if w, ok := o.(fyne.Widget); ok {
		for _, k := range test.WidgetRenderer(w).Objects() {
			walk(k, f)
		}
	}
}

func TestLinkShowsTheMeetingAndOffersACall(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	bob.CreateMeeting("Design review", 0, "m")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	u := newUI(t)
	onUI(func() {
		u.StartWith(Prefill{ServerURL: srv.URL, Nick: "Alice", UserID: "alice", AutoLogin: true})
		u.OpenLink(meet.PubMeetUrl)
	})
	await(t, "Meetings tab with the call dialog", func() bool {
		return u.main.tabs.SelectedIndex() == 1 && dialogShowing(u, "Call someone into “Design review”")
	})

	u2 := newUI(t)
	onUI(func() {
		u2.StartWith(Prefill{ServerURL: srv.URL, Nick: "Carl", UserID: "carl", AutoLogin: true})
		u2.OpenLink("huddle://meet/42")
	})
	await(t, "not found, in words", func() bool { return dialogShowing(u2, "Meeting #42 was not found") })

	u3 := newUI(t)
	onUI(func() {
		u3.Start()
		u3.OpenLink("huddle://meet/soon")
		assert.True(t, dialogShowing(u3, "has no valid meeting ID"), "a bad link says what is wrong")
	})
}

func TestStatusBarAndTraySayReconnectingDuringADrop(t *testing.T) {
	srv := testkit.StartServer(t)
	proxy := testkit.StartProxy(t, srv.Addr)
	u := newUI(t)
	onUI(func() {
		u.Client.SessionTweak = func(cfg *session.Config) {
			cfg.ReconnectMin, cfg.ReconnectMax = 10*time.Millisecond, 100*time.Millisecond
		}
		u.StartWith(Prefill{ServerURL: "ws://" + proxy.Addr() + "/ws", Nick: "Alice", UserID: "alice", AutoLogin: true})
	})
	await(t, "signed in", func() bool { return u.tray.status.Label == "Alice · idle" })
	proxy.Down()
	await(t, "reconnecting in the status bar", func() bool {
		return u.main.status.self.Text == "Alice (alice) · reconnecting…"
	})
	onUI(func() {
		assert.Equal(t, "Alice · reconnecting…", u.tray.status.Label)
		assert.True(t, u.tray.dnd.Disabled, "DND cannot change while the link is down")
		assert.True(t, u.main.status.dnd.Disabled())
		assert.Equal(t, u.main.content, u.Win.Content(), "the main window stays")
		assert.True(t, u.main.banner.Visible())
	})
	proxy.Up()
	await(t, "back", func() bool { return u.main.status.self.Text == "Alice (alice) · idle" })
	onUI(func() {
		assert.Equal(t, "Alice · idle", u.tray.status.Label)
		assert.False(t, u.main.status.dnd.Disabled())
	})
}

// From the in-call panel, Invite… offers the online contacts not in the
// call; the chosen one is rung, and the panel follows the invite.
func TestInviteFromTheCallPanel(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	carol := testkit.Login(t, srv.URL, "carol")
	testkit.Login(t, srv.URL, "dave").Logout() // known but offline: not offered
	u := signedInUI(t, srv, "alice")
	await(t, "bob, carol and dave listed", func() bool { return u.main.contacts.count.Text == "3" })

	onUI(func() { u.Client.Calls.Call("bob") })
	in := testkit.Await[session.NotifyCallIn](t, bob, nil)
	bob.AcceptCall(in.CallID, in.Meet, "", "acc")
	await(t, "in the call", func() bool { return u.main.calls.panel.Visible() })

	var form *widget.Select
	onUI(func() {
		test.Tap(findButton(t, u.main.calls.panel, "Invite…"))
		dlg := u.Win.Canvas().Overlays().Top()
		require.NotNil(t, dlg, "the invite dialog")
		form = findWidget(t, dlg, func(*widget.Select) bool { return true })
		assert.Equal(t, []string{"Nick carol (carol)"}, form.Options, "online, not bob (in the call), not dave (offline)")
		form.SetSelectedIndex(0)
		test.Tap(findButton(t, dlg, "Invite"))
	})
	ring := testkit.Await[session.NotifyCallIn](t, carol, nil)
	assert.Equal(t, "alice", ring.CallerID)
	await(t, "the panel shows the invite ringing, with a cancel button", func() bool {
		return strings.Contains(labelsUnder(t, u.main.calls.invites), "Invited Nick carol: ringing")
	})
	carol.AcceptCall(ring.CallID, ring.Meet, "", "acc")
	await(t, "the invite connected", func() bool {
		return strings.Contains(labelsUnder(t, u.main.calls.invites), "Invited Nick carol: connected")
	})
}

// findWidget finds the first visible widget of type T under o that match
// accepts.
func findWidget[T fyne.CanvasObject](t *testing.T, o fyne.CanvasObject, match func(T) bool) T {
	t.Helper()
	var found T
	var ok bool
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if ok || !o.Visible() {
			return
		}
		if w, is := o.(T); is && match(w) {
			found, ok = w, true
			return
		}
		switch x := o.(type) {
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			r := test.TempWidgetRenderer(t, x)
			for _, c := range r.Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	require.True(t, ok, "no matching %T", found)
	return found
}

// labelsUnder joins the texts of the labels in c's rows.
func labelsUnder(t *testing.T, c *fyne.Container) string {
	var texts []string
	for _, row := range c.Objects {
		if r, ok := row.(*fyne.Container); ok {
			for _, o := range r.Objects {
				if l, ok := o.(*widget.Label); ok {
					texts = append(texts, l.Text)
				}
			}
		}
	}
	return strings.Join(texts, "\n")
}
