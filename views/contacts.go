package views

import (
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"huddle/app"
	"huddle/protocol"
	"huddle/session"
)

// contactsView is the searchable, virtualized list of everyone in the
// organisation with their live presence.
type contactsView struct {
	u        *UI
	msgs     *messagesView
	search   *widget.Entry
	list     *widget.List
	count    *widget.Label
	selected string
	content  fyne.CanvasObject
	rows     []*contactRow // every row the list made; it reuses them as it scrolls
}

func statusColor(status int) color.Color {
	switch status {
	case protocol.StatusIdle:
		return color.NRGBA{R: 0x2e, G: 0xb8, B: 0x4b, A: 0xff}
	case protocol.StatusBusy:
		return color.NRGBA{R: 0xe5, G: 0x8e, B: 0x1a, A: 0xff}
	case protocol.StatusInMeeting:
		return color.NRGBA{R: 0xd9, G: 0x3a, B: 0x3a, A: 0xff}
	}
	return color.NRGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff}
}

func newContactsView(u *UI, msgs *messagesView) *contactsView {
	v := &contactsView{u: u, msgs: msgs}
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder("Search contacts")
	v.search.OnChanged = func(q string) {
		u.Client.Contacts.SetQuery(q)
		v.refresh()
	}
	v.count = widget.NewLabel("")
	v.list = widget.NewList(
		func() int { return u.Client.Contacts.Len() },
		v.newRow,
		func(id widget.ListItemID, o fyne.CanvasObject) { v.updateRow(u.Client.Contacts.At(id), o) },
	)
	v.list.OnSelected = func(id widget.ListItemID) {
		v.selected = u.Client.Contacts.At(id).UserID
		msgs.open(v.selected)
	}
	v.list.OnUnselected = func(widget.ListItemID) { v.selected = "" }
	v.content = container.NewBorder(container.NewBorder(nil, nil, nil, v.count, v.search), nil, nil, nil, v.list)
	return v
}

// contactRow is one row's widgets, kept together so updateRow needs no
// type-walking.
type contactRow struct {
	widget.BaseWidget
	userID string // whom the row shows now
	box    *fyne.Container
	dot    *canvas.Circle
	name   *widget.Label
	detail *widget.Label
	call   *widget.Button
	send   *widget.Button
}

func (v *contactsView) newRow() fyne.CanvasObject {
	r := &contactRow{dot: canvas.NewCircle(color.Gray{Y: 128})}
	r.name = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.name.Truncation = fyne.TextTruncateEllipsis
	r.detail = widget.NewLabel("")
	r.call = widget.NewButtonWithIcon("Call", theme.MediaPlayIcon(), nil)
	r.send = widget.NewButtonWithIcon("", theme.UploadIcon(), nil)
	left := container.NewCenter(container.NewGridWrap(fyne.NewSize(12, 12), r.dot))
	r.box = container.NewBorder(nil, nil, left, container.NewHBox(r.detail, r.send, r.call), r.name)
	r.ExtendBaseWidget(r)
	v.rows = append(v.rows, r)
	return r
}

func (r *contactRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.box) }

func (v *contactsView) updateRow(u session.UserStatus, o fyne.CanvasObject) {
	r := o.(*contactRow)
	r.userID = u.UserID
	r.dot.FillColor = statusColor(u.UserStatus)
	r.dot.Refresh()
	name := u.NickName
	if name == "" {
		name = u.UserID
	}
	r.name.SetText(fmt.Sprintf("%s  (%s)", name, u.UserID))
	detail := app.StatusWord(u.UserStatus)
	if u.DNDType != 0 {
		detail += " · do not disturb"
	}
	if n := v.u.Client.Messages.Unread(u.UserID); n > 0 {
		detail += fmt.Sprintf(" · %d new", n)
	}
	switch n := v.u.Client.CallLog.UnseenFrom(u.UserID); n {
	case 0:
	case 1:
		detail += " · 1 missed call"
	default:
		detail += fmt.Sprintf(" · %d missed calls", n)
	}
	r.detail.SetText(detail)
	id := u.UserID
	r.call.OnTapped = func() { v.u.Client.Calls.Call(id) }
	r.send.OnTapped = func() { v.u.main.transfers.pickAndSend(id) }
	if u.UserStatus == protocol.StatusOffline {
		r.call.Disable()
		r.send.Disable()
	} else {
		r.call.Enable()
		r.send.Enable()
	}
}

func (v *contactsView) refresh() {
	c := v.u.Client.Contacts
	v.count.SetText(fmt.Sprintf("%d", c.Len()))
	v.list.Refresh()
}

// contactAt is the contact whose row is under pos (absolute, in the
// window), or "" when pos is not on a row of the list on screen.
func (v *contactsView) contactAt(pos fyne.Position) string {
	if !v.list.Visible() || v.u.main.tabs.SelectedIndex() != 0 {
		return ""
	}
	d := fyne.CurrentApp().Driver()
	inside := func(o fyne.CanvasObject, p fyne.Position) bool {
		at := d.AbsolutePositionForObject(o)
		return p.X >= at.X && p.Y >= at.Y && p.X < at.X+o.Size().Width && p.Y < at.Y+o.Size().Height
	}
	if !inside(v.list, pos) {
		return ""
	}
	for _, r := range v.rows {
		// Rows the list keeps in reserve are off the canvas; their position
		// is not inside the list, so checking the list first rules them out.
		if r.Visible() && r.userID != "" && inside(r, pos) && inside(v.list, d.AbsolutePositionForObject(r)) {
			return r.userID
		}
	}
	return ""
}
