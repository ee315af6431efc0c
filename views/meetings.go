package views

import (
	"fmt"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"huddle/session"
)

// meetingsView lists the organisation's meetings; create, join, end, copy
// the link, call someone into one.
type meetingsView struct {
	u       *UI
	list    *widget.List
	empty   *widget.Label
	content fyne.CanvasObject
}

func newMeetingsView(u *UI) *meetingsView {
	v := &meetingsView{u: u}
	v.list = widget.NewList(
		func() int { return len(u.Client.Meetings.List) },
		func() fyne.CanvasObject {
			line := widget.NewLabel("")
			line.Truncation = fyne.TextTruncateEllipsis // never under the buttons
			return container.NewBorder(nil, nil, nil,
				container.NewHBox(widget.NewButtonWithIcon("Join", theme.LoginIcon(), nil),
					widget.NewButtonWithIcon("Link", theme.ContentCopyIcon(), nil),
					widget.NewButtonWithIcon("Call in…", theme.MediaPlayIcon(), nil),
					widget.NewButtonWithIcon("End", theme.DeleteIcon(), nil)),
				line)
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(u.Client.Meetings.List) {
				return
			}
			m := u.Client.Meetings.List[id]
			c := o.(*fyne.Container)
			c.Objects[0].(*widget.Label).SetText(meetingLine(u, m))
			btns := c.Objects[1].(*fyne.Container).Objects
			join := btns[0].(*widget.Button)
			join.OnTapped = func() { u.Client.Room.Join(m, m.Pswd) }
			switch room := u.Client.Room; {
			case room.Meet.ID == m.ID:
				join.SetText("Joined")
				join.Disable()
			case room.Joining == m.ID:
				join.SetText("Joining…")
				join.Disable()
			default:
				join.SetText("Join")
				join.Enable()
			}
			btns[1].(*widget.Button).OnTapped = func() {
				u.App.Clipboard().SetContent(m.PubMeetUrl)
				u.notice("Copied the link of “" + m.Subject + "”.")
			}
			btns[2].(*widget.Button).OnTapped = func() { v.pickCallee(m) }
			end := btns[3].(*widget.Button)
			end.OnTapped = func() {
				dialog.ShowConfirm("End meeting", "End “"+m.Subject+"” for everyone in it?", func(ok bool) {
					if ok {
						u.Client.Meetings.Destroy(m.ID)
					}
				}, u.Win)
			}
			if u.Client.Meetings.Mine(m) {
				end.Show()
			} else {
				end.Hide()
			}
		},
	)
	create := widget.NewButtonWithIcon("New meeting…", theme.ContentAddIcon(), v.create)
	refresh := widget.NewButtonWithIcon("", theme.ViewRefreshIcon(), func() { u.Client.Meetings.Refresh() })
	v.empty = widget.NewLabelWithStyle("No meetings yet. Start one with “New meeting…”, or call a contact.",
		fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	v.content = container.NewBorder(container.NewHBox(create, refresh), nil, nil, nil,
		container.NewStack(v.list, container.NewCenter(v.empty)))
	return v
}

func meetingLine(u *UI, m session.MeetInfo) string {
	s := fmt.Sprintf("%s · #%d · by %s · %d in it", m.Subject, m.ID, u.Client.Contacts.Name(m.Creator), m.MemberCount)
	if m.Pswd != "" {
		s += " · password " + m.Pswd
	}
	if m.StartTime > 0 {
		s += " · since " + time.Unix(m.StartTime, 0).Format("Jan 2 15:04")
	}
	return s
}

func (v *meetingsView) refresh() {
	setVisible(v.empty, len(v.u.Client.Meetings.List) == 0)
	v.list.Refresh()
}

func (v *meetingsView) create() {
	subject := widget.NewEntry()
	subject.SetPlaceHolder("What is it about?")
	subject.Validator = func(s string) error {
		if n := len([]rune(s)); n < 1 || n > 50 {
			return fmt.Errorf("1 to 50 characters")
		}
		return nil
	}
	pswd := widget.NewCheck("Protect with a password", nil)
	dialog.ShowForm("New meeting", "Create", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Subject", subject), widget.NewFormItem("", pswd)},
		func(ok bool) {
			if ok {
				v.u.Client.Meetings.Create(subject.Text, pswd.Checked)
			}
		}, v.u.Win)
}

func (v *meetingsView) pickCallee(m session.MeetInfo) {
	v.u.pickContact("Call someone into “"+m.Subject+"” (#"+strconv.Itoa(m.ID)+")", "Call", "Who",
		"Nobody else is online.", "",
		func(id string) { v.u.Client.Calls.CallInto(id, m) })
}
