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

	"huddle/app"
)

// roomView is the members panel of the meeting the user is in (a call's,
// or one joined from the Meetings tab), at the window's right: who is in
// it and their microphones, the user's own mute button, and a Leave button
// outside calls (in a call, Hang up leaves). At the side, not above the
// tabs, so showing it moves nothing the user was about to click.
type roomView struct {
	u       *UI
	panel   *fyne.Container
	title   *widget.Label
	subject *widget.Label
	mic     *widget.Button
	audio   *widget.Button
	leave   *widget.Button
	members *fyne.Container
	// listen samples the members' levels for the speaking indicators,
	// 10 times a second while audio is connected.
	listen *ticker
}

func newRoomView(u *UI) *roomView {
	v := &roomView{u: u}
	v.listen = newTicker(u.Client.Do, 100*time.Millisecond, func() {
		if u.Client.Voice.SampleLevels() {
			v.refresh()
		}
	})
	v.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.subject = widget.NewLabel("")
	v.subject.Truncation = fyne.TextTruncateEllipsis // a long subject does not widen the panel
	v.mic = widget.NewButtonWithIcon("Unmute", theme.VolumeUpIcon(), func() { u.Client.Room.ToggleMic() })
	v.audio = widget.NewButtonWithIcon("Audio…", theme.SettingsIcon(), v.chooseAudio)
	v.leave = widget.NewButtonWithIcon("Leave", theme.LogoutIcon(), func() { u.Client.Room.Leave() })
	v.members = container.NewVBox()
	v.panel = container.NewVBox(
		container.NewBorder(nil, nil, widget.NewIcon(theme.AccountIcon()), nil, v.title),
		v.subject, container.NewHBox(v.mic, v.audio, v.leave), widget.NewSeparator(), v.members)
	v.panel.Hide()
	return v
}

func (v *roomView) refresh() {
	r := v.u.Client.Room
	v.listen.set(r.In() && v.u.Client.Voice.Active())
	if !r.In() {
		v.panel.Hide()
		return
	}
	v.title.SetText(fmt.Sprintf("In the meeting: %d", len(r.Members)))
	v.subject.SetText(r.Meet.Subject)
	if r.MicOn() {
		v.mic.SetText("Mute")
		v.mic.SetIcon(theme.VolumeMuteIcon())
	} else {
		v.mic.SetText("Unmute")
		v.mic.SetIcon(theme.VolumeUpIcon())
	}
	setVisible(v.leave, v.u.Client.Calls.Phase == app.CallIdle)
	v.members.RemoveAll()
	me := v.u.Client.UserID()
	for _, m := range r.Members {
		name := v.u.Client.Contacts.Name(m.UserID)
		if name == m.UserID && m.NickName != "" {
			name = m.NickName // not a contact loaded yet
		}
		if m.UserID == me {
			name += " (you)"
		}
		state := app.MicWord(m.AudioStatus)
		if v.u.Client.Voice.Speaking(m.UserID) {
			state += ", speaking"
		}
		row := container.NewHBox(widget.NewLabel(name + ": " + state))
		if m.UserID != me && r.CanMute(m) {
			id := m.UserID
			row.Add(widget.NewButton("Mute", func() { r.Mute(id) }))
		}
		v.members.Add(row)
	}
	v.panel.Show()
}

// askPassword asks for the password of meeting id after a Join was refused
// for it, and joins again with what the user types.
func (v *roomView) askPassword(id int) {
	c := v.u.Client
	i := c.Meetings.Index(id)
	if i < 0 {
		return
	}
	meet := c.Meetings.List[i]
	pswd := widget.NewPasswordEntry()
	dialog.ShowForm("Password for “"+meet.Subject+"” (#"+strconv.Itoa(id)+")", "Join", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Password", pswd)},
		func(ok bool) {
			if ok {
				c.Room.Join(meet, pswd.Text)
			}
		}, v.u.Win)
}
