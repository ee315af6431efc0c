// Package views draws the desktop app's screens on top of package app. Every
// function here runs on Fyne's UI goroutine: session events reach it through
// fyne.Do, passed to app.New as the dispatcher.
package views

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"huddle/app"
	"huddle/protocol"
)

// UI is the app's window and its screens.
type UI struct {
	App    fyne.App
	Win    fyne.Window
	Client *app.Client

	signin  *signIn
	main    *mainWindow
	offers  *offerPrompts
	tray    *tray
	focused bool
	// serverNote says the app runs its own server, for the status bar.
	serverNote string
}

// New wires client to win; call Start to show the sign-in screen.
func New(a fyne.App, win fyne.Window, client *app.Client) *UI {
	u := &UI{App: a, Win: win, Client: client, focused: true}
	a.Lifecycle().SetOnEnteredForeground(func() {
		u.focused = true
		u.main.seeCallLog()
	})
	a.Lifecycle().SetOnExitedForeground(func() { u.focused = false })
	u.signin = newSignIn(u)
	u.main = newMainWindow(u)
	u.offers = newOfferPrompts(u)
	client.OnFileOffer = u.offers.ask
	client.OnFileSettings = func(f app.FileSettings) { f.Save(a.Preferences()) }
	client.SetFileSettings(app.LoadFileSettings(a.Preferences()))
	u.tray = newTray(u)
	client.OnSignedIn = func(string) {
		client.Settings().Save(a.Preferences())
		u.main.show()
		u.tray.refresh()
	}
	client.OnSignedOut = func(reason string) {
		u.signin.show(reason)
		u.tray.refresh()
	}
	client.OnBanner = func(text string) {
		u.main.setBanner(text)
		u.tray.refresh()
	}
	client.OnNotice = u.notice
	client.OnChange = u.main.changed
	client.OnCallIn = func(caller string) {
		win.RequestFocus()
		u.notify("Incoming call", caller+" is calling you.")
	}
	client.OnFileIn = func(from, name string) { u.notify("File received", from+" sent you "+name+".") }
	client.OnMessageIn = func(from, text string) { u.notify("Message from "+from, text) }
	client.OnMeetingOpened = u.main.meetingOpened
	client.OnMeetingPassword = u.main.room.askPassword
	return u
}

// OpenLink shows the meeting of a huddle://meet/<ID> link once signed in,
// or says what is wrong with the link.
func (u *UI) OpenLink(link string) {
	id, err := app.ParseLink(link)
	if err != nil {
		dialog.ShowInformation("Cannot open the link", strings.ToUpper(err.Error()[:1])+err.Error()[1:]+".", u.Win)
		return
	}
	u.Client.OpenMeeting(id)
}

// SetServerNote shows, in the status bar, that a built-in server runs.
func (u *UI) SetServerNote(s string) {
	u.serverNote = s
	u.main.status.refresh()
}

// Start shows the sign-in screen, and the tray menu.
func (u *UI) Start() {
	u.signin.show("")
	u.tray.refresh()
}

// StartWith is Start with the sign-in screen filled in with p (empty fields
// keep the remembered details), signing in at once if p.AutoLogin.
func (u *UI) StartWith(p Prefill) {
	u.signin.prefill = &p
	u.Start()
}

// Stop stops the clocks that redraw the window; the app calls it before
// its event loop ends, so nothing queues UI work for a window that is gone.
func (u *UI) Stop() {
	u.main.calls.tick.set(false)
	u.main.room.listen.set(false)
}

func (u *UI) notice(text string) { u.main.status.flash(text) }

// notify raises an OS notification when the window is not in front.
func (u *UI) notify(title, body string) {
	if !u.focused {
		u.App.SendNotification(fyne.NewNotification(title, body))
	}
}

// pickContact asks, in a form dialog, for one online contact other than
// except, and hands the chosen ID to then; with nobody to choose it says
// nobody instead.
func (u *UI) pickContact(title, confirm, field, nobody, except string, then func(id string)) {
	c := u.Client
	var ids, labels []string
	for i := range c.Contacts.Len() {
		st := c.Contacts.At(i)
		if st.UserStatus == protocol.StatusOffline || st.UserID == except {
			continue
		}
		ids = append(ids, st.UserID)
		labels = append(labels, c.Contacts.Name(st.UserID)+" ("+st.UserID+")")
	}
	if len(ids) == 0 {
		dialog.ShowInformation(title, nobody, u.Win)
		return
	}
	sel := widget.NewSelect(labels, nil)
	dialog.ShowForm(title, confirm, "Cancel", []*widget.FormItem{widget.NewFormItem(field, sel)},
		func(ok bool) {
			if ok && sel.SelectedIndex() >= 0 {
				then(ids[sel.SelectedIndex()])
			}
		}, u.Win)
}
