package app

import (
	"fmt"
	"io"
	"os"
)

// SaveAs copies a received file to dst (the user chose it in a save
// dialog). The copy runs off the UI goroutine, its progress shows on the
// row, and the row then says where the file was saved; a failure is a
// notice and changes nothing, at dst or on the row. One save per row at a
// time.
func (x *Transfers) SaveAs(t *Transfer, dst string) {
	if t.Saving {
		return
	}
	t.Saving, t.saveTo, t.saveAt = true, dst, 0
	x.c.changed(PartTransfers)
	src, size := t.Path, t.Total
	progress := func(n int64) {
		x.c.run(func() {
			if t.Saving {
				t.saveAt = n
				x.c.changed(PartTransfers)
			}
		})
	}
	go func() {
		err := saveCopy(src, dst, size, progress)
		x.c.run(func() {
			t.Saving = false
			if err != nil {
				x.c.notice(fmt.Sprintf("Could not save %s: %v", t.Name, err))
			} else {
				t.Saved, t.Path = dst, dst
			}
			x.c.changed(PartTransfers)
		})
	}()
}

// saveCopy copies the size bytes of src to dst through a temporary file
// renamed over dst at the end, so dst is either untouched or complete:
// never truncated (saving a file onto itself is a no-op) nor partial.
// progress hears the bytes copied at every 1% or so.
func saveCopy(src, dst string, size int64, progress func(int64)) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	srcInfo, err := in.Stat()
	if err != nil {
		return err
	}
	if dstInfo, err := os.Stat(dst); err == nil && os.SameFile(srcInfo, dstInfo) {
		return nil // already there
	}
	out, err := newPendingFile(dst)
	if err != nil {
		return err
	}
	defer out.Cleanup() // removes the temporary file unless it was renamed
	n, err := io.Copy(out, &countingReader{r: in, size: size, report: progress})
	switch {
	case err != nil:
		return err
	case n != size:
		return fmt.Errorf("the received file has %d bytes, not %d", n, size)
	}
	return out.CloseAtomicallyReplace()
}

// pendingFile is a temporary file that replaces its destination at once
// when committed (renameio's PendingFile, or an equivalent where renameio
// is not available).
type pendingFile interface {
	io.Writer
	CloseAtomicallyReplace() error
	Cleanup() error
}

// countingReader reports progress while a copy reads.
type countingReader struct {
	r          io.Reader
	size, n    int64
	lastReport int64
	report     func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if n > 0 && (c.n >= c.size || (c.n-c.lastReport)*progressSteps >= c.size) {
		c.lastReport = c.n
		c.report(c.n)
	}
	return n, err
}

// progressSteps: a save reports at most about this many times.
const progressSteps = 100
