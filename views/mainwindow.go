package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"huddle/app"
	"huddle/session"
)

// mainWindow is what a signed-in user sees: contacts and messages,
// meetings, transfers, a banner for connection trouble and a status bar.
type mainWindow struct {
	u         *UI
	contacts  *contactsView
	messages  *messagesView
	meetings  *meetingsView
	transfers *transfersView
	calls     *callsView
	room      *roomView
	callLog   *callLogView
	callTab   *container.TabItem
	status    *statusBar
	tabs      *container.AppTabs
	banner    *fyne.Container
	bannerTxt *widget.Label
	content   fyne.CanvasObject
}

func newMainWindow(u *UI) *mainWindow {
	m := &mainWindow{u: u}
	m.messages = newMessagesView(u)
	m.contacts = newContactsView(u, m.messages)
	m.meetings = newMeetingsView(u)
	m.transfers = newTransfersView(u)
	m.calls = newCallsView(u)
	m.room = newRoomView(u)
	m.callLog = newCallLogView(u)
	m.status = newStatusBar(u)

	m.bannerTxt = widget.NewLabel("")
	m.bannerTxt.Importance = widget.WarningImportance
	m.bannerTxt.Wrapping = fyne.TextWrapWord
	giveUp := widget.NewButton("Stop trying", func() { u.Client.GiveUp() })
	m.banner = container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), giveUp, m.bannerTxt)
	m.banner.Hide()

	split := container.NewHSplit(m.contacts.content, m.messages.content)
	split.Offset = 0.55
	m.tabs = container.NewAppTabs(
		container.NewTabItemWithIcon("Contacts", theme.AccountIcon(), split),
		container.NewTabItemWithIcon("Meetings", theme.GridIcon(), m.meetings.content),
		container.NewTabItemWithIcon("Transfers", theme.UploadIcon(), m.transfers.content),
	)
	m.callTab = container.NewTabItemWithIcon("Calls", theme.HistoryIcon(), m.callLog.content)
	m.tabs.Append(m.callTab)
	// Only a meeting's members hear that it ended: others get the list
	// afresh whenever they look at it.
	m.tabs.OnSelected = func(ti *container.TabItem) {
		if ti == m.tabs.Items[1] && u.Client.SignedIn() {
			u.Client.Meetings.Refresh()
		}
		if ti == m.callTab {
			u.Client.CallLog.MarkSeen()
		}
	}
	top := container.NewVBox(m.banner, m.calls.panel)
	m.content = container.NewBorder(top, m.status.content, nil, m.room.panel, m.tabs)
	return m
}

func (m *mainWindow) show() {
	m.u.Win.SetContent(m.content)
	m.u.Win.SetOnDropped(m.transfers.dropped)
	m.changed(app.PartContacts)
	m.changed(app.PartSelf)
	m.changed(app.PartCalls)
	m.changed(app.PartMeetings)
	m.changed(app.PartTransfers)
	m.changed(app.PartMessages)
	m.changed(app.PartCallLog)
	m.changed(app.PartRoom)
}

// meetingOpened shows the meeting a link asked for on the Meetings tab,
// selected, and offers to call someone into it; or says it is not there.
func (m *mainWindow) meetingOpened(meet *session.MeetInfo, notFound string) {
	m.tabs.SelectIndex(1)
	if meet == nil {
		m.meetings.list.UnselectAll()
		dialog.ShowInformation("Meeting not found", notFound, m.u.Win)
		return
	}
	if i := m.u.Client.Meetings.Index(meet.ID); i >= 0 {
		m.meetings.list.Select(i)
		m.meetings.list.ScrollTo(i)
	}
	m.meetings.pickCallee(*meet)
}

func (m *mainWindow) setBanner(text string) {
	m.bannerTxt.SetText(text)
	if text == "" {
		m.banner.Hide()
	} else {
		m.banner.Show()
	}
}

func (m *mainWindow) changed(p app.Part) {
	switch p {
	case app.PartContacts:
		m.contacts.refresh()
	case app.PartSelf:
		m.status.refresh()
		m.u.tray.refresh()
	case app.PartCalls:
		m.calls.refresh()
		m.room.refresh() // Leave shows outside calls only
	case app.PartRoom:
		m.room.refresh()
		m.meetings.refresh() // the Join button of the meeting the user is in
	case app.PartMeetings:
		m.meetings.refresh()
	case app.PartMessages:
		m.messages.refresh()
		m.contacts.refresh()
	case app.PartTransfers:
		m.transfers.refresh()
		m.u.offers.refresh()
	case app.PartCallLog:
		m.seeCallLog()
		m.callLog.refresh()
		m.callTab.Text = m.callLog.tabText()
		m.tabs.Refresh()
		m.contacts.refresh()
	}
}

// seeCallLog marks missed calls seen when the call log is on screen: the
// tab selected in a window in front.
func (m *mainWindow) seeCallLog() {
	if m.tabs.Selected() == m.callTab && m.u.focused {
		m.u.Client.CallLog.MarkSeen()
	}
}
