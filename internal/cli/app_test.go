package cli_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/cli"
	"huddle/internal/pgtest"
)

func appCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := cli.App(args, &out)
	return out.String(), err
}

// listedIDs is the first field of each line of `huddle app list`.
func listedIDs(t *testing.T, where ...string) []string {
	t.Helper()
	out, err := appCmd(t, append([]string{"list"}, where...)...)
	require.NoError(t, err)
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			ids = append(ids, f[0])
		}
	}
	return ids
}

// The app commands work on both stores: the data folder's SQLite, and
// PostgreSQL with --postgres or $HUDDLE_POSTGRES.
func TestAppListAndRemove(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testAppListAndRemove(t, "--data", t.TempDir()) })
	t.Run("postgres", func(t *testing.T) {
		dsn := pgtest.DSN(t)
		// The data folder is not needed to list or remove: it does not exist.
		testAppListAndRemove(t, "--postgres", dsn, "--data", filepath.Join(t.TempDir(), "none"))
	})
	t.Run("postgres from the environment", func(t *testing.T) {
		t.Setenv("HUDDLE_POSTGRES", pgtest.DSN(t))
		testAppListAndRemove(t, "--data", t.TempDir())
	})
}

// testAppListAndRemove runs each command with where (its store flags).
func testAppListAndRemove(t *testing.T, where ...string) {
	cmd := func(name string, args ...string) []string { return append(append([]string{name}, where...), args...) }
	assert.Empty(t, listedIDs(t, where...))
	for _, id := range []string{"zeta", "acme"} {
		_, err := appCmd(t, cmd("add", "--id", id, "--secret", "s3cret")...)
		require.NoError(t, err)
	}
	_, err := appCmd(t, cmd("add", "--id", "jwt-app", "--secret", "s3cret", "--user-auth", "jwt")...)
	require.NoError(t, err)
	out, err := appCmd(t, cmd("list")...)
	require.NoError(t, err)
	assert.NotContains(t, out, "s3cret")
	assert.Equal(t, []string{"acme", "jwt-app", "zeta"}, listedIDs(t, where...))

	out, err = appCmd(t, cmd("remove", "--id", "zeta")...)
	require.NoError(t, err)
	assert.Contains(t, out, `"zeta" removed`)
	assert.Equal(t, []string{"acme", "jwt-app"}, listedIDs(t, where...))

	_, err = appCmd(t, cmd("remove", "--id", "zeta")...)
	assert.ErrorContains(t, err, `no application "zeta"`)
	_, err = appCmd(t, cmd("remove")...)
	assert.ErrorContains(t, err, "--id")
	_, err = appCmd(t, "frobnicate")
	assert.ErrorContains(t, err, "usage")
}
