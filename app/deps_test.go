package app

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The desktop app links what a client needs, not the server it may run
// inside itself (main hands that in as an EmbeddedServer), nor the load
// tool and the bot that come with the server's command line.
func TestAppDoesNotLinkTheServerOrItsTools(t *testing.T) {
	out, err := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps", ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, pkg := range strings.Fields(string(out)) {
		for _, banned := range []string{"huddle/server", "huddle/internal/cli", "huddle/internal/bench", "huddle/internal/bot"} {
			if pkg == banned || strings.HasPrefix(pkg, banned+"/") {
				t.Errorf("huddle/app links %s", pkg)
			}
		}
	}
}
