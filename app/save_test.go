package app

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// receivedRow lists a received file at path on c's transfers panel, as
// NotifyFileData would.
func receivedRow(l *loop, c *Client, path string, size int64) *Transfer {
	tr := &Transfer{TaskID: "task", Peer: "bob", Name: filepath.Base(path), Path: path, Total: size, Sent: size, State: TransferReceived}
	l.do(func() { c.Transfers.List = append([]*Transfer{tr}, c.Transfers.List...) })
	return tr
}

func newLoopClient(t *testing.T) (*Client, *loop, *[]string) {
	l := newLoop(t)
	c := New(l.run)
	var notices []string
	l.do(func() { c.OnNotice = func(s string) { notices = append(notices, s) } })
	return c, l, &notices
}

// saveAndWait starts a save on the UI loop and waits until it ended.
func saveAndWait(t *testing.T, l *loop, c *Client, tr *Transfer, dst string) {
	t.Helper()
	l.do(func() { c.Transfers.SaveAs(tr, dst) })
	l.await(t, "save ended", func() bool { return !tr.Saving })
}

// Saving a file onto itself (or twice to one place, the second time from
// the first copy) keeps its bytes: the old copy truncated the destination
// before reading the source, leaving 0 bytes.
func TestSaveOntoItselfKeepsTheBytes(t *testing.T) {
	c, l, notices := newLoopClient(t)
	src, data := writeRandom(t, "photo.jpg", 300<<10)
	tr := receivedRow(l, c, src, int64(len(data)))

	dst := filepath.Join(t.TempDir(), "holiday.jpg")
	saveAndWait(t, l, c, tr, dst)
	saveAndWait(t, l, c, tr, dst) // again, to the same place
	saveAndWait(t, l, c, tr, src) // and onto the received file itself
	for _, p := range []string{dst, src} {
		got, err := os.ReadFile(p)
		require.NoError(t, err)
		assert.Len(t, got, len(data), p)
		assert.True(t, bytes.Equal(data, got), p)
	}
	l.do(func() {
		assert.Empty(t, *notices)
		assert.Equal(t, "saved to "+src, tr.StateText())
	})
}

// A failed save keeps what was at the destination before.
func TestFailedSaveKeepsTheOldFile(t *testing.T) {
	c, l, _ := newLoopClient(t)
	dst, old := writeRandom(t, "notes.txt", 1000)
	tr := receivedRow(l, c, t.TempDir(), 5000) // a folder: reading it fails
	saveAndWait(t, l, c, tr, dst)
	got, err := os.ReadFile(dst)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(old, got), "the old file is intact")
	entries, _ := os.ReadDir(filepath.Dir(dst))
	assert.Len(t, entries, 1, "no temporary file is left beside it")
}
