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
}

func statusColor(status int) color.Color {
	switch status {
	case session.StatusIdle:
		return color.NRGBA{R: 0x2e, G: 0xb8, B: 0x4b, A: 0xff}
	case session.StatusBusy:
		return color.NRGBA{R: 0xe5, G: 0x8e, B: 0x1a, A: 0xff}
	case session.StatusInMeeting:
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
	v.content = container.NewBorder(container.NewBorder(nil, nil, nil, v.count, v.search), nil, nil, nil, v.list)
	return v
}

// contactRow is one row's widgets, kept together so updateRow needs no
// type-walking.
type contactRow struct {
	widget.BaseWidget
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
	return r
}

func (r *contactRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.box) }

func (v *contactsView) updateRow(u session.UserStatus, o fyne.CanvasObject) {
	r := o.(*contactRow)
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
	r.detail.SetText(detail)
	id := u.UserID
	r.call.OnTapped = func() { v.u.Client.Calls.Call(id) }
	r.send.OnTapped = func() { v.u.main.transfers.pickAndSend(id) }
	if u.UserStatus == session.StatusOffline {
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
