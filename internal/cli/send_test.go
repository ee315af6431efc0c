package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"huddle/internal/cli"
	"huddle/internal/testkit"
	"huddle/session"
)

func TestSendDeliversAFileAndPrintsProgress(t *testing.T) {
	srv := testkit.StartServer(t)
	bob := testkit.Login(t, srv.URL, "bob")
	path := filepath.Join(t.TempDir(), "notes.txt")
	data := bytes.Repeat([]byte("huddle "), 300_000) // about 2 MiB
	require.NoError(t, os.WriteFile(path, data, 0o600))

	var out bytes.Buffer
	require.NoError(t, cli.Send([]string{"--server", srv.URL, "--as", "alice", "--to", "bob", path}, &out))
	got := testkit.Await[session.NotifyFileData](t, bob, nil)
	assert.Equal(t, "alice", got.SourceUserID)
	recv, err := os.ReadFile(got.TmpFile)
	require.NoError(t, err)
	assert.Equal(t, data, recv)
	assert.Contains(t, out.String(), "signed in as alice; sending notes.txt to bob")
	assert.Contains(t, out.String(), "100%")
	assert.Contains(t, out.String(), "notes.txt delivered to bob")
}

func TestSendToSomeoneOfflineSaysSo(t *testing.T) {
	srv := testkit.StartServer(t)
	path := filepath.Join(t.TempDir(), "notes.txt")
	require.NoError(t, os.WriteFile(path, []byte("hi"), 0o600))
	err := cli.Send([]string{"--server", srv.URL, "--as", "alice", "--to", "nobody", path}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sending notes.txt to nobody")

	err = cli.Send([]string{"--server", srv.URL, "--to", "bob", filepath.Join(t.TempDir(), "missing")}, &bytes.Buffer{})
	assert.ErrorIs(t, err, os.ErrNotExist, "a missing file is refused before signing in")
}
