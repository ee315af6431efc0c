package app

import (
	"os"
	"path/filepath"
)

// newPendingFile starts a temporary file beside dst. renameio does not
// build on Windows; os.Rename there replaces the destination
// (MoveFileEx with MOVEFILE_REPLACE_EXISTING), which is what it needs.
func newPendingFile(dst string) (pendingFile, error) {
	f, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+"-*.part")
	if err != nil {
		return nil, err
	}
	return &windowsPending{File: f, dst: dst}, nil
}

type windowsPending struct {
	*os.File
	dst  string
	done bool
}

func (p *windowsPending) CloseAtomicallyReplace() error {
	if err := p.Sync(); err != nil {
		return err
	}
	if err := p.Close(); err != nil {
		return err
	}
	if err := os.Rename(p.Name(), p.dst); err != nil {
		return err
	}
	p.done = true
	return nil
}

func (p *windowsPending) Cleanup() error {
	if p.done {
		return nil
	}
	p.Close()
	return os.Remove(p.Name())
}
