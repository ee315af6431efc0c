package views

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"huddle/protocol"
)

// statusBar shows who you are, your status, the DND switch, the built-in
// server note and the last failed action.
type statusBar struct {
	u       *UI
	dot     *canvas.Circle
	self    *widget.Label
	dnd     *widget.Check
	note    *widget.Label
	content fyne.CanvasObject
	// updating silences the DND check's callback while it follows the server.
	updating bool
	flashAt  time.Time
}

// flashFor is how long a notice stays in the status bar.
const flashFor = 8 * time.Second

func newStatusBar(u *UI) *statusBar {
	b := &statusBar{u: u}
	b.dot = canvas.NewCircle(color.Gray{Y: 128})
	b.self = widget.NewLabel("")
	b.dnd = widget.NewCheck("Do not disturb", func(on bool) {
		if !b.updating {
			u.Client.SetDND(on)
		}
	})
	b.note = widget.NewLabel("")
	b.note.Truncation = fyne.TextTruncateEllipsis
	signOut := widget.NewButton("Sign out", func() { u.Client.SignOut() })
	left := container.NewHBox(container.NewCenter(container.NewGridWrap(fyne.NewSize(12, 12), b.dot)), b.self, b.dnd)
	b.content = container.NewBorder(nil, nil, left, signOut, b.note)
	return b
}

func (b *statusBar) refresh() {
	c := b.u.Client
	me := c.Contacts.Self()
	b.dot.FillColor = statusColor(me.UserStatus)
	if !c.SignedIn() { // the last known status is stale
		b.dot.FillColor = statusColor(protocol.StatusOffline)
	}
	b.dot.Refresh()
	b.self.SetText(c.Contacts.Name(c.UserID()) + " (" + c.UserID() + ") · " + c.OwnStatus())
	b.updating = true
	b.dnd.SetChecked(me.DNDType != 0)
	b.updating = false
	if c.SignedIn() { // DND cannot change while the link is down
		b.dnd.Enable()
	} else {
		b.dnd.Disable()
	}
	if time.Since(b.flashAt) > flashFor {
		b.note.SetText(b.u.serverNote)
	}
}

// flash shows a sentence for a while.
func (b *statusBar) flash(text string) {
	b.flashAt = time.Now()
	b.note.SetText(text)
}
