package views

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/app"
	"huddle/internal/bot"
	"huddle/internal/testkit"
	"huddle/server"
	"huddle/session"
)

func TestOutgoingCallDialogShowsRingingAndCancelEndsIt(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	u := signedInUI(t, srv, "alice")
	await(t, "bob listed", func() bool { return u.main.contacts.count.Text == "1" })
	onUI(func() { test.Tap(findButton(t, u.main.contacts.list, "Call")) })
	in := testkit.Await[session.NotifyCallIn](t, bob, nil)
	await(t, "ringing with the elapsed time", func() bool {
		return u.main.calls.dlg != nil && strings.HasPrefix(u.main.calls.dlgText.Text, "Ringing… 0:0")
	})
	onUI(func() {
		assert.Equal(t, "Calling Nick bob", u.main.calls.dlgTitle.Text)
		test.Tap(findButtonIn(t, u.Win.Canvas().Overlays().Top(), "Cancel"))
		assert.Nil(t, u.main.calls.dlg, "Cancel closes the dialog")
		assert.Equal(t, "Call cancelled.", u.main.status.note.Text)
	})
	testkit.Await(t, bob, func(e session.NotifyCallHungup) bool { return e.CallID == in.CallID })
}

// findButtonIn is findButton for an overlay (a dialog's widgets).
func findButtonIn(t *testing.T, o fyne.CanvasObject, label string) *widget.Button {
	t.Helper()
	var found *widget.Button
	walk(o, func(c fyne.CanvasObject) {
		if b, ok := c.(*widget.Button); ok && b.Text == label && b.Visible() && found == nil {
			found = b
		}
	})
	require.NotNil(t, found, "no %q button", label)
	return found
}

func TestTransfersPanelListsSentAndReceivedFiles(t *testing.T) {
	srv := testkit.StartServer(t)
	testkit.StartBot(t, srv.URL, "ada", 0)
	slides := filepath.Join(t.TempDir(), "slides.pdf")
	require.NoError(t, os.WriteFile(slides, make([]byte, 1<<20), 0o600))
	grace := bot.New(bot.Config{ServerURL: srv.URL, AppID: server.DemoAppID,
		SecretMD5: server.PasswordFor(server.DemoAppSecret), Name: "grace", SendTo: "alice", SendFile: slides})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- grace.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	u := signedInUI(t, srv, "alice")
	report := filepath.Join(t.TempDir(), "report.txt")
	require.NoError(t, os.WriteFile(report, []byte(strings.Repeat("q3 ", 100_000)), 0o600))
	// Grace's file is offered first: an in-app prompt asks.
	await(t, "grace's file offered", func() bool { return len(u.offers.open) == 1 })
	onUI(func() {
		prompt := u.Win.Canvas().Overlays().Top()
		texts := labels(prompt)
		assert.Contains(t, texts, "grace wants to send you\nslides.pdf (1.0 MiB).")
		assert.Contains(t, texts, "It will be saved in "+u.Client.FileSettings().Downloads)
		findButtonIn(t, prompt, "Decline")
		findButtonIn(t, prompt, "Always accept from grace")
		test.Tap(findButtonIn(t, prompt, "Accept"))
		assert.Empty(t, u.offers.open, "answered, the prompt goes")
	})
	await(t, "grace's file received", func() bool {
		return len(u.Client.Transfers.List) == 1 && u.Client.Transfers.List[0].State == app.TransferReceived
	})
	onUI(func() { u.Client.Transfers.SendFile("ada", report) })
	await(t, "the report sent", func() bool { return u.Client.Transfers.List[0].State == app.TransferDone })

	onUI(func() {
		u.main.tabs.SelectIndex(2)
		list := u.main.transfers.list
		require.Equal(t, 2, list.Length())
		sent, recv := rowTexts(t, u, 0), rowTexts(t, u, 1)
		assert.Equal(t, "report.txt (293.0 KiB) to ada — sent", sent.label)
		assert.Equal(t, 1.0, sent.progress)
		assert.NotContains(t, sent.buttons, "Cancel", "a finished transfer cannot be cancelled")
		assert.Equal(t, "slides.pdf (1.0 MiB) from grace — received", recv.label)
		assert.Equal(t, []string{"Save as…", "Show in folder"}, recv.buttons)
	})
}

// labels lists the texts of the labels in o.
func labels(o fyne.CanvasObject) []string {
	var out []string
	walk(o, func(c fyne.CanvasObject) {
		if l, ok := c.(*widget.Label); ok {
			out = append(out, l.Text)
		}
	})
	return out
}

// The transfers tab shows where received files go, and a prompt whose
// offer is withdrawn (the sender cancelled) closes by itself.
func TestDownloadsSettingAndWithdrawnOffer(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	u := signedInUI(t, srv, "alice")
	dl := t.TempDir()
	var saved app.FileSettings
	onUI(func() {
		u.Client.OnFileSettings = func(f app.FileSettings) { saved = f }
		u.Client.SetFileSettings(app.FileSettings{Downloads: dl})
		assert.Equal(t, "Received files go to "+dl, u.main.transfers.downloads.Text)
		assert.Equal(t, dl, saved.Downloads, "the setting is remembered")
		assert.True(t, u.main.transfers.change.Visible())
	})
	path := filepath.Join(t.TempDir(), "big.bin")
	require.NoError(t, os.WriteFile(path, make([]byte, 8<<20), 0o600))
	task := bob.SendFile("alice", path, "f")
	await(t, "offered", func() bool { return len(u.offers.open) == 1 })
	bob.CancelSend(task)
	await(t, "the prompt closed itself", func() bool { return len(u.offers.open) == 0 })
	onUI(func() { assert.Equal(t, "big.bin (8.0 MiB) from Nick bob — cancelled", rowTexts(t, u, 0).label) })
}

type rowView struct {
	label    string
	progress float64
	buttons  []string
}

// rowTexts renders transfer row i as the list does and reads it back.
func rowTexts(t *testing.T, u *UI, i int) rowView {
	t.Helper()
	v := u.main.transfers
	o := v.list.CreateItem()
	v.updateRow(i, o)
	var r rowView
	walk(o, func(c fyne.CanvasObject) {
		switch x := c.(type) {
		case *widget.Label:
			if r.label == "" {
				r.label = x.Text
			}
		case *widget.ProgressBar:
			r.progress = x.Value
		case *widget.Button:
			if x.Visible() {
				r.buttons = append(r.buttons, x.Text)
			}
		}
	})
	return r
}

func TestTransferRowShowsProgressSpeedAndCancel(t *testing.T) {
	srv := testkit.StartServer(t)
	u := signedInUI(t, srv, "alice")
	onUI(func() {
		// A transfer under way, as the SDK reports it: progress by hand.
		x := u.Client.Transfers
		x.List = append(x.List, &app.Transfer{TaskID: "t1", Peer: "bob", Name: "big.iso", Outgoing: true, Total: 10 << 20})
		u.Client.Handle(session.SendProgress{TaskID: "t1", SendedLen: 4 << 20, TotalLen: 10 << 20})
		u.Client.Handle(session.SendProgress{TaskID: "t1", SendedLen: 5 << 20, TotalLen: 10 << 20})
		r := rowTexts(t, u, 0)
		assert.Equal(t, 0.5, r.progress)
		assert.Contains(t, r.label, "big.iso (10.0 MiB) to bob — ")
		assert.Contains(t, r.label, "/s, ", "speed shown")
		assert.Contains(t, r.label, " left", "time left shown")
		assert.Equal(t, []string{"Cancel"}, r.buttons)

		// A file arriving can be cancelled too.
		u.Client.Handle(session.ReceiveProgress{TaskID: "t2", SourceUserID: "bob", FileName: "in.iso", RecvLen: 1 << 20, TotalLen: 4 << 20})
		r = rowTexts(t, u, 0)
		assert.Contains(t, r.label, "in.iso (4.0 MiB) from bob — ")
		assert.Equal(t, []string{"Cancel"}, r.buttons)
	})
}

func TestMessagesPaneSendsOnEnterAndShowsReplies(t *testing.T) {
	srv := testkit.StartServer(t)
	testkit.StartBot(t, srv.URL, "ada", 0)
	u := signedInUI(t, srv, "alice")
	await(t, "ada listed", func() bool { return u.main.contacts.count.Text == "1" })
	onUI(func() {
		u.main.contacts.list.Select(0)
		m := u.main.messages
		assert.Equal(t, "Conversation with ada", m.title.Text)
		test.Type(m.entry, "hello ada")
		m.entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		assert.Empty(t, m.entry.Text, "the line is cleared once sent")
	})
	await(t, "ada's echo shown", func() bool { return len(u.Client.Messages.With("ada")) == 2 })
	onUI(func() {
		msgs := u.Client.Messages.With("ada")
		assert.True(t, strings.HasSuffix(u.main.messages.line(msgs[0]), "You: hello ada"))
		assert.True(t, strings.HasSuffix(u.main.messages.line(msgs[1]), "ada: echo: hello ada"))
		assert.Equal(t, 2, u.main.messages.list.Length())
	})
}
