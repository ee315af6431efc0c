package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/app"
	"huddle/internal/cli"
)

// localeProbe makes the test binary a stand-in for the app: the same
// packages initialised (Fyne's lang reads the locale in its init), then
// Fyne asked for the locale as the window does (fonts, date formats).
const localeProbe = "HUDDLE_TEST_LOCALE_PROBE"

func TestMain(m *testing.M) {
	if os.Getenv(localeProbe) != "" {
		lang.SystemLocale()
		lang.L("Cancel")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// Fyne before 2.8 logged "Error parsing user locale C" at start under
// LANG=C.UTF-8 (its locale library hands it "C"); run.sh worked around it,
// a built app could not.
func TestNoLocaleErrorUnderTheCLocale(t *testing.T) {
	for _, locale := range []string{"LANG=C.UTF-8", "LANG=C", "LC_ALL=C", "LC_ALL=POSIX", "LC_ALL=C.UTF-8", "LC_MESSAGES=C.utf8"} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "LANG") && !strings.HasPrefix(kv, "LC_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, locale, localeProbe+"=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		assert.NotContains(t, string(out), "locale", locale)
	}
}

// The app proposes the address the built-in server listens on.
func TestTheAppsDefaultServerIsTheBuiltInOne(t *testing.T) {
	assert.Equal(t, "ws://"+cli.DefaultAddr+"/ws", app.DefaultServerURL)
}
