//go:build !windows

package views

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/app"
)

// "Save as…" copies in the background: the row shows how far it got and
// offers no second save meanwhile; then it says where the file went.
func TestSaveAsShowsItsProgressOnTheRow(t *testing.T) {
	u := newUI(t)
	src := filepath.Join(t.TempDir(), "film.mkv")
	require.NoError(t, syscall.Mkfifo(src, 0o600)) // the copy waits for the test's bytes
	dst := filepath.Join(t.TempDir(), "film.mkv")
	const size = 1 << 20
	var tr *app.Transfer
	onUI(func() {
		tr = &app.Transfer{TaskID: "t", Peer: "bob", Name: "film.mkv", Path: src, Total: size, Sent: size, State: app.TransferReceived}
		u.Client.Transfers.List = []*app.Transfer{tr}
		u.Client.Transfers.SaveAs(tr, dst)
	})
	w, err := os.OpenFile(src, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = w.Write(make([]byte, size/4))
	require.NoError(t, err)
	await(t, "a quarter shown", func() bool { return rowTexts(t, u, 0).progress == 0.25 })
	onUI(func() {
		r := rowTexts(t, u, 0)
		assert.Equal(t, "film.mkv (1.0 MiB) from bob — saving to "+dst+"… 25%", r.label)
		assert.Equal(t, []string{"Show in folder"}, r.buttons, "no second save while one runs")
	})
	_, err = w.Write(make([]byte, size*3/4))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	await(t, "saved", func() bool { return tr.Saved == dst })
	onUI(func() {
		r := rowTexts(t, u, 0)
		assert.Equal(t, "film.mkv (1.0 MiB) from bob — saved to "+dst, r.label)
		assert.Equal(t, 1.0, r.progress)
	})
}
