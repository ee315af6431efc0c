package cli_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/cli"
)

func appCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := cli.App(args, &out)
	return out.String(), err
}

// listedIDs is the first field of each line of `huddle app list`.
func listedIDs(t *testing.T, data string) []string {
	t.Helper()
	out, err := appCmd(t, "list", "--data", data)
	require.NoError(t, err)
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			ids = append(ids, f[0])
		}
	}
	return ids
}

func TestAppListAndRemove(t *testing.T) {
	data := t.TempDir()
	assert.Empty(t, listedIDs(t, data))
	for _, id := range []string{"zeta", "acme"} {
		_, err := appCmd(t, "add", "--data", data, "--id", id, "--secret", "s3cret")
		require.NoError(t, err)
	}
	out, err := appCmd(t, "list", "--data", data)
	require.NoError(t, err)
	assert.NotContains(t, out, "s3cret")
	assert.Equal(t, []string{"acme", "zeta"}, listedIDs(t, data))

	out, err = appCmd(t, "remove", "--data", data, "--id", "zeta")
	require.NoError(t, err)
	assert.Contains(t, out, `"zeta" removed`)
	assert.Equal(t, []string{"acme"}, listedIDs(t, data))

	_, err = appCmd(t, "remove", "--data", data, "--id", "zeta")
	assert.ErrorContains(t, err, `no application "zeta"`)
	_, err = appCmd(t, "remove", "--data", data)
	assert.ErrorContains(t, err, "--id")
	_, err = appCmd(t, "frobnicate")
	assert.ErrorContains(t, err, "usage")
}
