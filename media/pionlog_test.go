package media

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

// formatCounter counts how often it is formatted.
type formatCounter struct{ n *int }

func (f formatCounter) String() string { *f.n++; return "track" }

// pion formats some of its structs for Debugf without their locks (its
// onTrack logs a track that SetRemoteDescription may be writing): a line
// nobody reads must not be formatted at all, or the race detector sees
// pion's race in every call.
func TestPionDebugLinesAreFormattedOnlyWhenLogged(t *testing.T) {
	var n int
	var out bytes.Buffer
	quiet := pionLogs{slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelInfo}))}.NewLogger("pc")
	quiet.Debugf("got new track: %+v", formatCounter{&n})
	quiet.Tracef("%v", formatCounter{&n})
	quiet.Infof("%v", formatCounter{&n})
	quiet.Warnf("%v", formatCounter{&n})
	require.Zero(t, n, "formatted for a level not logged")
	require.Empty(t, out.String())

	loud := pionLogs{slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelDebug}))}.NewLogger("pc")
	loud.Debugf("got new track: %+v", formatCounter{&n})
	require.Equal(t, 1, n)
	require.Contains(t, out.String(), "got new track: track")
}
