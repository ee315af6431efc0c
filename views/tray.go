package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// tray is the system-tray menu, where the desktop has one: own status,
// do-not-disturb, show the window, quit.
type tray struct {
	u      *UI
	desk   desktop.App // nil where there is no tray
	shown  bool        // refresh has put the menu up once
	menu   *fyne.Menu
	status *fyne.MenuItem
	dnd    *fyne.MenuItem
}

func newTray(u *UI) *tray {
	t := &tray{u: u}
	t.desk, _ = u.App.(desktop.App)
	t.status = fyne.NewMenuItem("Signed out", nil)
	t.status.Disabled = true
	t.dnd = fyne.NewMenuItem("Do not disturb", func() {
		u.Client.SetDND(u.Client.Contacts.Self().DNDType == 0)
	})
	t.dnd.Disabled = true
	show := fyne.NewMenuItem("Show Huddle", func() {
		u.Win.Show()
		u.Win.RequestFocus()
	})
	quit := fyne.NewMenuItem("Quit", func() { u.App.Quit() })
	quit.IsQuit = true
	t.menu = fyne.NewMenu("Huddle", t.status, t.dnd, fyne.NewMenuItemSeparator(), show, quit)
	return t // shown by Start, so WithoutTray can come first
}

// refresh shows the current status; the tray is redrawn only when its
// text or checks changed.
func (t *tray) refresh() {
	c := t.u.Client
	status, dnd, disabled := "Signed out", false, true
	if c.SignedIn() || c.Reconnecting() {
		me := c.Contacts.Self()
		status = c.Contacts.Name(c.UserID()) + " · " + c.OwnStatus()
		dnd, disabled = me.DNDType != 0, !c.SignedIn()
	}
	if t.shown && status == t.status.Label && dnd == t.dnd.Checked && disabled == t.dnd.Disabled {
		return
	}
	t.status.Label, t.dnd.Checked, t.dnd.Disabled = status, dnd, disabled
	t.shown = true
	if t.desk != nil {
		t.desk.SetSystemTrayMenu(t.menu)
	}
}

// WithoutTray keeps the app out of the system tray (call it before Start):
// where no tray service can be reached, Fyne's tray code fails to connect
// and then panics when the app quits.
func (u *UI) WithoutTray() { u.tray.desk = nil }
