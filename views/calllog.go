package views

import (
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"huddle/app"
)

// callLogView lists past calls, newest first, each with a way to call
// back. Missed calls count on the tab until the user looks at it.
type callLogView struct {
	u       *UI
	list    *widget.List
	empty   *widget.Label
	content fyne.CanvasObject
}

func newCallLogView(u *UI) *callLogView {
	v := &callLogView{u: u}
	v.empty = widget.NewLabel("No calls yet.")
	v.list = widget.NewList(
		func() int { return u.Client.CallLog.Len() },
		v.newRow,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < u.Client.CallLog.Len() {
				v.updateRow(u.Client.CallLog.Newest(id), o.(*callLogRow))
			}
		},
	)
	v.content = container.NewStack(v.list, container.NewCenter(v.empty))
	return v
}

// callLogRow is one past call's widgets.
type callLogRow struct {
	widget.BaseWidget
	box    *fyne.Container
	icon   *widget.Icon
	title  *widget.Label
	detail *widget.Label
	back   *widget.Button
}

func (v *callLogView) newRow() fyne.CanvasObject {
	r := &callLogRow{icon: widget.NewIcon(nil)}
	r.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.title.Truncation = fyne.TextTruncateEllipsis
	r.detail = widget.NewLabel("")
	r.detail.Truncation = fyne.TextTruncateEllipsis
	r.back = widget.NewButtonWithIcon("Call back", theme.MediaPlayIcon(), nil)
	r.box = container.NewBorder(nil, nil, r.icon, r.back, container.NewVBox(r.title, r.detail))
	r.ExtendBaseWidget(r)
	return r
}

func (r *callLogRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.box) }

func (v *callLogView) updateRow(rec app.CallRecord, r *callLogRow) {
	r.title.SetText(callTitle(rec, v.u.Client.Contacts.Name(rec.Peer)))
	detail := rec.At.Format("Mon 2 Jan 15:04")
	switch {
	case rec.Outcome == app.CallAnswered:
		detail += " · " + app.FormatDuration(rec.Duration)
	case rec.Outcome == app.CallUnanswered && rec.Note != "":
		detail += " · " + rec.Note // declined, no answer, cancelled or failed, and why
	}
	r.detail.SetText(detail)
	switch rec.Outcome {
	case app.CallMissed:
		r.icon.SetResource(theme.NewErrorThemedResource(theme.ErrorIcon()))
		r.title.Importance = widget.DangerImportance
	case app.CallAnswered:
		r.icon.SetResource(theme.ConfirmIcon())
		r.title.Importance = widget.MediumImportance
	default:
		r.icon.SetResource(theme.CancelIcon())
		r.title.Importance = widget.MediumImportance
	}
	r.title.Refresh()
	peer := rec.Peer
	r.back.OnTapped = func() { v.u.Client.Calls.Call(peer) }
}

func callTitle(rec app.CallRecord, name string) string {
	switch {
	case rec.Outcome == app.CallMissed:
		return "Missed call from " + name
	case rec.Outcome == app.CallDeclined:
		return "Declined call from " + name
	case rec.Incoming:
		return "Call from " + name
	case rec.Outcome == app.CallUnanswered:
		return "Unanswered call to " + name
	}
	return "Call to " + name
}

// tabText is the tab's title: how many missed calls wait to be seen.
func (v *callLogView) tabText() string {
	if n := v.u.Client.CallLog.Unseen(); n > 0 {
		return fmt.Sprintf("Calls (%d)", n)
	}
	return "Calls"
}

func (v *callLogView) refresh() {
	if v.u.Client.CallLog.Len() == 0 {
		v.empty.Show()
	} else {
		v.empty.Hide()
	}
	v.list.Refresh()
}
