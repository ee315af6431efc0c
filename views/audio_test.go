package views

import (
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/require"

	"huddle/app"
	"huddle/internal/testkit"
)

// In a meeting, Audio… lists the devices, says whether loudspeakers are
// fine (echo cancellation) and remembers the choice.
func TestAudioDevicesArePickedAndRemembered(t *testing.T) {
	t.Setenv("HUDDLE_AUDIO_BACKEND", "null") // no sound card here
	srv := testkit.StartServer(t)
	u := signedInUI(t, srv, "alice")
	var saved []app.VoiceSettings
	onUI(func() {
		u.Client.OnVoiceSettings = func(s app.VoiceSettings) { saved = append(saved, s) }
		u.Client.Meetings.Create("Standup", false)
	})
	await(t, "the meeting listed", func() bool { return len(u.Client.Meetings.List) == 1 })
	onUI(func() { u.Client.Room.Join(u.Client.Meetings.List[0], u.Client.Meetings.List[0].Pswd) })
	await(t, "the members panel", func() bool { return u.main.room.panel.Visible() })
	onUI(func() { test.Tap(findButton(t, u.main.room.panel, "Audio…")) })
	await(t, "the devices dialog", func() bool { return u.Win.Canvas().Overlays().Top() != nil })
	onUI(func() {
		dlg := u.Win.Canvas().Overlays().Top()
		findWidget(t, dlg, func(l *widget.Label) bool { return l.Text == echoAdvice() })
		mic := findWidget(t, dlg, func(*widget.Select) bool { return true })
		require.Greater(t, len(mic.Options), 1, "the null backend's microphone is listed")
		mic.SetSelected(mic.Options[1])
		test.Tap(findButton(t, dlg, "Use"))
		require.Len(t, saved, 1)
		require.Equal(t, mic.Options[1], saved[0].Input)
		require.Equal(t, "", saved[0].Output, "the speaker stays the system's")
		require.Equal(t, mic.Options[1], u.Client.Voice.Input)
	})
}
