package views

import (
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/app"
	"huddle/internal/bot"
	"huddle/internal/testkit"
	"huddle/media"
	"huddle/protocol"
	"huddle/session"
)

func roomLabels(t *testing.T, u *UI) string { return labelsUnder(t, u.main.room.members) }

// Joining a meeting from the Meetings tab: the password is asked for, the
// members panel shows everyone's microphone, mute works both ways, Leave
// leaves.
func TestJoinMeetingShowsMembersAndMicrophones(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	bob.CreateMeeting("Planning", 1, "")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	bob.EnterMeeting(meet.ID, meet.Pswd, "in")
	require.Equal(t, session.NOERR, testkit.Await[session.EnterMeetingRslt](t, bob, nil).Err)
	u := signedInUI(t, srv, "alice")
	await(t, "the meeting listed", func() bool { return u.main.meetings.list.Length() == 1 })

	onUI(func() {
		require.False(t, u.main.room.panel.Visible())
		u.main.tabs.SelectIndex(1)
		test.Tap(findButton(t, u.main.meetings.list, "Join"))
	})
	// alice does not know the password: the app asks for it.
	await(t, "the password dialog", func() bool { return u.Win.Canvas().Overlays().Top() != nil })
	onUI(func() {
		dlg := u.Win.Canvas().Overlays().Top()
		entry := findWidget(t, dlg, func(*widget.Entry) bool { return true })
		entry.SetText(meet.Pswd)
		test.Tap(findButton(t, dlg, "Join"))
	})
	await(t, "the members panel", func() bool { return u.main.room.panel.Visible() })
	testkit.Await(t, bob, func(e session.UserEnterMeeting) bool { return e.UserID == "alice" })
	onUI(func() {
		assert.Equal(t, "In the meeting: 2", u.main.room.title.Text)
		assert.Equal(t, "Planning", u.main.room.subject.Text)
		assert.Equal(t, "Nick bob: muted\nNick alice (you): muted", roomLabels(t, u))
		assert.True(t, u.main.room.leave.Visible())
		assert.Equal(t, "Joined", findButton(t, u.main.meetings.list, "Joined").Text)
	})

	bob.OpenMic("")
	await(t, "bob's microphone on", func() bool { return strings.Contains(roomLabels(t, u), "Nick bob: microphone on") })
	onUI(func() {
		assert.Len(t, u.main.room.members.Objects[0].(*fyne.Container).Objects, 1, "alice did not create it: no Mute for bob")
		test.Tap(findButton(t, u.main.room.panel, "Unmute"))
	})
	assert.Equal(t, session.AudioStatusChanged{UserID: "alice", OldStatus: protocol.AudioClosed, NewStatus: protocol.AudioOpen},
		testkit.Await(t, bob, func(e session.AudioStatusChanged) bool { return e.UserID == "alice" }))
	await(t, "alice's microphone on", func() bool {
		return strings.Contains(roomLabels(t, u), "Nick alice (you): microphone on") && u.main.room.mic.Text == "Mute"
	})
	bob.CloseMic("alice") // bob created the meeting
	await(t, "muted by the creator", func() bool {
		return strings.Contains(roomLabels(t, u), "Nick alice (you): muted") && u.main.room.mic.Text == "Unmute"
	})

	onUI(func() { test.Tap(findButton(t, u.main.room.panel, "Leave")) })
	testkit.Await(t, bob, func(e session.UserLeftMeeting) bool { return e.UserID == "alice" })
	await(t, "the panel closes", func() bool { return !u.main.room.panel.Visible() })
}

// A call's meeting shows in the members panel while the call lasts, without
// a Leave button (Hang up leaves), and the panel goes with the call.
func TestCallShowsItsMembersPanel(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	u := signedInUI(t, srv, "alice")
	bob.CreateCallMeeting("Call", 0, "")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	id := bob.Call("alice", meet, "", "")
	await(t, "the incoming dialog", func() bool { return u.main.calls.dlg != nil })
	onUI(func() { u.Client.Calls.Accept() })
	await(t, "in the call, with its members", func() bool {
		return u.main.calls.panel.Visible() && u.main.room.panel.Visible() && u.Client.Calls.Phase == app.CallActive
	})
	onUI(func() {
		assert.Equal(t, "Nick bob: muted\nNick alice (you): muted", roomLabels(t, u))
		assert.False(t, u.main.room.leave.Visible(), "Hang up leaves a call's meeting")
	})
	bob.HungupCall(id, "", "")
	await(t, "the panel goes with the call", func() bool {
		return !u.main.calls.panel.Visible() && !u.main.room.panel.Visible()
	})
}

// The call bar's clock counts from the moment the call is answered, ticking
// by itself, and its ticker stops with the call.
func TestCallClockCountsFromTheAnswer(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	u := signedInUI(t, srv, "alice")
	var now atomic.Int64 // seconds; the app's clock
	now.Store(1000)
	onUI(func() { u.Client.SetClock(func() time.Time { return time.Unix(now.Load(), 0) }) })
	bob.CreateCallMeeting("Call", 0, "")
	meet := testkit.Await[session.CreateMeetingSuccess](t, bob, nil).Meet
	id := bob.Call("alice", meet, "", "")
	await(t, "the incoming dialog", func() bool { return u.main.calls.dlg != nil })
	now.Add(20) // rang for 20 s: not part of the call
	onUI(func() { u.Client.Calls.Accept() })
	await(t, "the call bar at 0:00", func() bool { return u.main.calls.panel.Visible() && u.main.calls.clock.Text == "0:00" })
	now.Add(65)
	await(t, "the clock ticks on to 1:05", func() bool { return u.main.calls.clock.Text == "1:05" })
	onUI(func() { assert.True(t, u.main.calls.tick.running()) })
	bob.HungupCall(id, "", "")
	await(t, "the call bar goes and its clock stops", func() bool {
		return !u.main.calls.panel.Visible() && !u.main.calls.tick.running()
	})
}

// In a call with audio, the members panel shows the other side speaking
// while their voice arrives, and the user while their open microphone
// hears them; the indicators go with the call.
func TestMembersPanelShowsWhoIsSpeaking(t *testing.T) {
	srv := testkit.StartServer(t)
	tone := filepath.Join(t.TempDir(), "660.wav")
	require.NoError(t, media.WriteToneWAV(tone, 660, 1))
	src, err := media.OpenWAVSource(tone)
	require.NoError(t, err)
	testkit.StartBotWith(t, srv.URL, "bob", 0, func(c *bot.Config) { c.Play = src })
	u := signedInUI(t, srv, "alice")
	onUI(func() {
		u.Client.Audio = func(string, string) (media.Source, media.Sink, func(), error) {
			return &media.Tone{Freq: 440, Amplitude: 0.5}, discard{}, func() {}, nil
		}
	})
	await(t, "bob listed", func() bool { return u.Client.Contacts.Len() == 1 })
	onUI(func() { u.Client.Calls.Call("bob") })
	await(t, "the call has audio", func() bool { return u.Client.Calls.Phase == app.CallActive && u.Client.Voice.Active() })
	require.Eventually(t, func() bool {
		var labels string
		onUI(func() { labels = roomLabels(t, u) })
		return strings.Contains(labels, "bob: microphone on, speaking")
	}, 20*time.Second, 20*time.Millisecond, "bob shows as speaking")
	onUI(func() {
		assert.NotContains(t, roomLabels(t, u), "alice (you): muted, speaking", "alice's microphone is closed")
		u.Client.Room.ToggleMic()
	})
	// Her own indicator, from her microphone, once it is open.
	require.Eventually(t, func() bool {
		var labels string
		onUI(func() { labels = roomLabels(t, u) })
		return strings.Contains(labels, "alice (you): microphone on, speaking")
	}, 20*time.Second, 20*time.Millisecond, "alice shows as speaking")
	onUI(func() { u.Client.Calls.HangUp() })
	await(t, "the panel and its sampling go with the call", func() bool {
		return !u.main.room.panel.Visible() && !u.main.room.listen.running()
	})
}

// discard is a speaker nobody listens to.
type discard struct{}

func (discard) WriteFrame([]int16) error { return nil }
