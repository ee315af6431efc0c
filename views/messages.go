package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"huddle/app"
)

// messagesView is the conversation with the selected contact.
type messagesView struct {
	u       *UI
	peer    string
	title   *widget.Label
	list    *widget.List
	entry   *widget.Entry
	send    *widget.Button
	content fyne.CanvasObject
}

func newMessagesView(u *UI) *messagesView {
	v := &messagesView{u: u}
	v.title = widget.NewLabelWithStyle("Select a contact to talk to them.", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.list = widget.NewList(
		func() int { return len(u.Client.Messages.With(v.peer)) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Wrapping = fyne.TextWrapWord
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			msgs := u.Client.Messages.With(v.peer)
			if id >= len(msgs) {
				return
			}
			o.(*widget.Label).SetText(v.line(msgs[id]))
			v.list.SetItemHeight(id, o.MinSize().Height)
		},
	)
	v.entry = widget.NewEntry()
	v.entry.SetPlaceHolder("Message")
	v.entry.OnSubmitted = func(string) { v.submit() }
	v.send = widget.NewButtonWithIcon("", theme.MailSendIcon(), v.submit)
	v.entry.Disable()
	v.send.Disable()
	v.content = container.NewBorder(v.title, container.NewBorder(nil, nil, nil, v.send, v.entry), nil, nil, v.list)
	return v
}

func (v *messagesView) line(m *app.Message) string {
	who := v.u.Client.Contacts.Name(v.peer)
	if m.Mine {
		who = "You"
	}
	s := m.At.Format("15:04") + "  " + who + ": " + m.Text
	if m.Err != 0 {
		s += "\n  (not delivered: " + app.Describe(m.Err) + ")"
	}
	return s
}

func (v *messagesView) open(peer string) {
	v.peer = peer
	v.u.Client.Messages.Open(peer)
	v.title.SetText("Conversation with " + v.u.Client.Contacts.Name(peer))
	v.entry.Enable()
	v.send.Enable()
	v.refresh()
}

func (v *messagesView) submit() {
	if v.peer == "" || v.entry.Text == "" {
		return
	}
	v.u.Client.Messages.Send(v.peer, v.entry.Text)
	v.entry.SetText("")
}

func (v *messagesView) refresh() {
	v.list.Refresh()
	if n := len(v.u.Client.Messages.With(v.peer)); n > 0 {
		v.list.ScrollToBottom()
	}
}
