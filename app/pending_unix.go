//go:build !windows

package app

import (
	"path/filepath"

	"github.com/google/renameio/v2"
)

// newPendingFile starts a temporary file beside dst (same file system, so
// the final rename is atomic), with the permissions os.Create would give.
func newPendingFile(dst string) (pendingFile, error) {
	return renameio.NewPendingFile(dst, renameio.WithTempDir(filepath.Dir(dst)), renameio.WithPermissions(0o666))
}
