package app

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"huddle/session"
)

// Received files: the SDK asks before taking a file (AskBeforeReceiving),
// writes it into the downloads folder under a partial name, and this file
// moves each complete one to its own name there.

// FileSettings are where received files go and whose are taken unasked.
func (c *Client) FileSettings() FileSettings { return c.files }

// SetFileSettings changes them and has OnFileSettings remember them. A new
// downloads folder takes the next files received.
func (c *Client) SetFileSettings(f FileSettings) {
	c.files = f
	if c.OnFileSettings != nil {
		c.OnFileSettings(f)
	}
	c.changed(PartTransfers)
}

func (c *Client) downloads() string {
	if c.files.Downloads != "" {
		return c.files.Downloads
	}
	return DefaultDownloads()
}

// offered lists a file someone offers; it is taken at once from a contact
// the user always accepts from, else the user is asked (OnFileOffer).
func (x *Transfers) offered(e session.NotifyFileOffer) {
	t := &Transfer{TaskID: e.TaskID, Peer: e.SourceUserID, Name: e.FileName, Total: e.FileSize, State: TransferOffered}
	x.List = append([]*Transfer{t}, x.List...)
	if slices.Contains(x.c.files.AlwaysAccept, e.SourceUserID) {
		x.Accept(e.TaskID)
		return
	}
	x.c.changed(PartTransfers)
	if x.c.OnFileOffer != nil {
		x.c.OnFileOffer(t)
	}
}

// Accept takes an offered file: it arrives into the downloads folder.
func (x *Transfers) Accept(taskID string) {
	if t := x.find(taskID); t != nil && t.State == TransferOffered {
		t.State, t.lastAt = TransferSending, x.c.now()
		x.c.sess.AcceptFile(taskID)
		x.c.changed(PartTransfers)
	}
}

// Decline refuses an offered file; its sender hears ERR_REFUSE.
func (x *Transfers) Decline(taskID string) {
	if t := x.find(taskID); t != nil && t.State == TransferOffered {
		t.State = TransferDeclined
		x.c.sess.RejectFile(taskID)
		x.c.changed(PartTransfers)
	}
}

// AlwaysAccept takes an offered file and every later one from its sender
// without asking (remembered in the file settings).
func (x *Transfers) AlwaysAccept(taskID string) {
	t := x.find(taskID)
	if t == nil || t.State != TransferOffered {
		return
	}
	f := x.c.files
	if !slices.Contains(f.AlwaysAccept, t.Peer) {
		f.AlwaysAccept = append(slices.Clone(f.AlwaysAccept), t.Peer)
		x.c.SetFileSettings(f)
	}
	x.Accept(taskID)
}

// received moves a complete file from the SDK's temporary name to its own
// name in the downloads folder, off the UI goroutine; the row then says
// received (or, if it could not be moved, where it is).
func (x *Transfers) received(t *Transfer, tmp string) {
	dir := x.c.downloads()
	go func() {
		path, err := placeReceived(tmp, dir, t.Name)
		x.c.run(func() {
			t.State, t.Path = TransferReceived, path
			if fi, statErr := os.Stat(path); statErr == nil {
				t.Total, t.Sent = fi.Size(), fi.Size()
			}
			x.c.changed(PartTransfers)
			if err != nil {
				x.c.notice(fmt.Sprintf("Could not move %s to %s (%v); it is in %s.", t.Name, dir, err, filepath.Dir(tmp)))
				return
			}
			if x.c.OnFileIn != nil {
				x.c.OnFileIn(x.c.Contacts.Name(t.Peer), t.Name)
			}
		})
	}()
}

// maxNameTries bounds the "name (n).ext" candidates tried.
const maxNameTries = 10000

// placeReceived gives tmp the first free name of name, "name (1).ext",
// "name (2).ext"… in dir, never replacing a file, and returns where it is;
// on failure tmp stays where it was (and that is returned).
func placeReceived(tmp, dir, name string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return tmp, err
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := range maxNameTries {
		cand := name
		if i > 0 {
			cand = fmt.Sprintf("%s (%d)%s", stem, i, ext)
		}
		p := filepath.Join(dir, cand)
		err := claim(tmp, p)
		switch {
		case err == nil:
			return p, nil
		case !errors.Is(err, fs.ErrExist):
			return tmp, err
		}
	}
	return tmp, fmt.Errorf("no free name for %s", name)
}

// claim moves tmp to p unless p exists (fs.ErrExist): a hard link cannot
// replace a file, and where links fail (another file system) a copy into
// a file created exclusively takes its place.
func claim(tmp, p string) error {
	err := os.Link(tmp, p)
	if err == nil {
		return os.Remove(tmp)
	}
	if errors.Is(err, fs.ErrExist) {
		return err
	}
	in, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o666)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p) // nothing partial is left
		return err
	}
	return os.Remove(tmp)
}
