package views

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"huddle/app"
	"huddle/session"
)

// callsView shows the call: an in-app dialog while ringing (outgoing or
// incoming) and a panel above the tabs during the call.
type callsView struct {
	u     *UI
	phase app.CallPhase

	dlg      *dialog.CustomDialog
	dlgTitle *widget.Label
	dlgText  *widget.Label

	panel   *fyne.Container
	who     *widget.Label
	clock   *widget.Label
	invites *fyne.Container
	// tick redraws the clocks (ringing, answer-within, the call's length)
	// every second while there is a call.
	tick *ticker
}

func newCallsView(u *UI) *callsView {
	v := &callsView{u: u}
	v.tick = newTicker(u.Client.Do, time.Second, v.refresh)
	v.who = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.clock = widget.NewLabel("")
	hangup := widget.NewButtonWithIcon("Hang up", theme.CancelIcon(), func() { u.Client.Calls.HangUp() })
	hangup.Importance = widget.DangerImportance
	invite := widget.NewButtonWithIcon("Invite…", theme.ContentAddIcon(), v.pickInvitee)
	v.invites = container.NewVBox()
	v.panel = container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(theme.NewErrorThemedResource(theme.MediaRecordIcon())), container.NewHBox(v.clock, invite, hangup), v.who),
		v.invites, widget.NewSeparator())
	v.panel.Hide()
	return v
}

func (v *callsView) refresh() {
	k := v.u.Client.Calls
	v.tick.set(k.Phase != app.CallIdle)
	name := v.u.Client.Contacts.Name(k.Peer)
	if k.Phase != v.phase {
		v.closeDialog()
		v.phase = k.Phase
		switch k.Phase {
		case app.CallPreparing, app.CallRinging:
			v.openDialog("Calling "+name, widget.NewButtonWithIcon("Cancel", theme.CancelIcon(), func() { k.Cancel() }))
		case app.CallIncoming:
			accept := widget.NewButtonWithIcon("Accept", theme.ConfirmIcon(), func() { k.Accept() })
			accept.Importance = widget.HighImportance
			reject := widget.NewButtonWithIcon("Reject", theme.CancelIcon(), func() { k.Reject() })
			reject.Importance = widget.DangerImportance
			v.openDialog(name+" is calling", reject, accept)
		case app.CallIdle:
			if k.LastEnded != "" {
				v.u.notice(k.LastEnded)
			}
		}
	}
	switch k.Phase {
	case app.CallPreparing, app.CallRinging:
		v.dlgText.SetText("Ringing… " + app.FormatDuration(k.Elapsed()))
	case app.CallIncoming:
		v.dlgText.SetText(subjectLine(k.Meet) + "Answer within " + app.FormatDuration(k.RingRemaining()) + ".")
	}
	if k.Phase != app.CallActive {
		v.panel.Hide()
		return
	}
	names := ""
	for i, m := range k.Members {
		if i > 0 {
			names += ", "
		}
		names += v.u.Client.Contacts.Name(m)
	}
	v.who.SetText("In a call with " + names)
	v.clock.SetText(app.FormatDuration(k.Elapsed()))
	v.invites.RemoveAll()
	for _, inv := range k.Invites {
		row := container.NewHBox(widget.NewLabel("Invited " + v.u.Client.Contacts.Name(inv.UserID) + ": " + inv.StatusText()))
		if inv.Open() {
			id := inv.ID
			row.Add(widget.NewButton("Cancel invite", func() { k.CancelInvite(id) }))
		}
		v.invites.Add(row)
	}
	v.panel.Show()
}

func subjectLine(m session.MeetInfo) string {
	if m.Subject == "" {
		return ""
	}
	return "Meeting: " + m.Subject + "\n"
}

func (v *callsView) openDialog(title string, buttons ...fyne.CanvasObject) {
	v.dlgTitle = widget.NewLabelWithStyle(title, fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	v.dlgText = widget.NewLabel("")
	v.dlgText.Alignment = fyne.TextAlignCenter
	body := container.NewVBox(v.dlgTitle, v.dlgText, container.NewCenter(container.NewHBox(buttons...)))
	v.dlg = dialog.NewCustomWithoutButtons("Call", body, v.u.Win)
	v.dlg.Show()
}

func (v *callsView) closeDialog() {
	if v.dlg != nil {
		v.dlg.Hide()
		v.dlg = nil
	}
}

// pickInvitee asks whom to invite into the call: anyone online not in it.
func (v *callsView) pickInvitee() {
	c := v.u.Client
	v.u.pickContact("Invite into the call", "Invite", "Who", "Nobody else is online.", c.Calls.Peer, c.Calls.Invite)
}
