//go:build !windows

package app

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fifo makes a named pipe: reading it blocks until the test writes, which
// holds a save midway for as long as the test wants.
func fifo(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, syscall.Mkfifo(p, 0o600))
	t.Cleanup(func() {
		// Release a reader still blocked in open (a failing test).
		if f, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	return p
}

// A save that fails midway (the source ended early) leaves nothing where
// it was going, not even a temporary file, and says why.
func TestFailedSaveLeavesNothing(t *testing.T) {
	c, l, notices := newLoopClient(t)
	src := fifo(t, "video.mp4")
	tr := receivedRow(l, c, src, 1<<20)
	dir := t.TempDir()
	go func() {
		f, err := os.OpenFile(src, os.O_WRONLY, 0)
		if err == nil {
			f.Write(make([]byte, 100<<10)) // a tenth of it, then the end
			f.Close()
		}
	}()
	saveAndWait(t, l, c, tr, filepath.Join(dir, "video.mp4"))
	assertNoFiles(t, dir, "nothing partial is left")
	l.do(func() {
		if assert.Len(t, *notices, 1) {
			assert.Contains(t, (*notices)[0], "Could not save video.mp4")
		}
		assert.Equal(t, "received", tr.StateText(), "a failed save changes nothing")
		assert.Equal(t, src, tr.Path)
	})
}

// The copy runs off the UI goroutine, and its progress shows on the row:
// the window stays responsive while a big file is saved.
func TestSaveRunsOffTheUIGoroutineWithProgress(t *testing.T) {
	c, l, _ := newLoopClient(t)
	const size = 1 << 20
	src := fifo(t, "big.iso")
	tr := receivedRow(l, c, src, size)
	dst := filepath.Join(t.TempDir(), "big.iso")
	l.run(func() { c.Transfers.SaveAs(tr, dst) })

	w, err := os.OpenFile(src, os.O_WRONLY, 0) // the save has the pipe open
	require.NoError(t, err)
	defer w.Close()
	responsive := make(chan struct{})
	go l.do(func() { close(responsive) })
	select {
	case <-responsive:
	case <-time.After(10 * time.Second):
		t.Fatal("the UI goroutine is blocked by the save")
	}
	_, err = w.Write(make([]byte, size/2))
	require.NoError(t, err)
	l.await(t, "half saved shows", func() bool { return tr.Saving && tr.Progress() == 0.5 })
	l.do(func() { assert.Contains(t, tr.StateText(), "saving") })
	_, err = w.Write(make([]byte, size/2))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	l.await(t, "saved", func() bool { return tr.Saved == dst })
	fi, err := os.Stat(dst)
	require.NoError(t, err)
	assert.Equal(t, int64(size), fi.Size())
}
