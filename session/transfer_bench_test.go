package session_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"huddle/internal/bench"
	"huddle/internal/testkit"
	"huddle/server"
	"huddle/session"
)

// BenchmarkSendFile sends one file from alice to bob through a server on
// loopback and, in the same run, copies the same file over a raw loopback
// TCP connection (disk to socket to disk, as the relay does), both the
// plain io.Copy way and through userland buffers. It reports the rates and
// relay/tcp. The file is 64 MiB; HUDDLE_BENCH_BIG=1 makes
// it 1 GiB (docs/performance.md).
func BenchmarkSendFile(b *testing.B) {
	size := int64(64 << 20)
	if os.Getenv("HUDDLE_BENCH_BIG") != "" {
		size = 1 << 30
	}
	dir, err := bench.ScratchDir()
	require.NoError(b, err)
	b.Cleanup(func() { os.RemoveAll(dir) })
	src := filepath.Join(dir, "src.bin")
	require.NoError(b, bench.WriteRandomFile(src, size))

	srv := testkit.StartServer(b, benchLimits)
	recvDir := filepath.Join(dir, "recv")
	// Plain sessions with handlers: a 1 GiB transfer may take longer than
	// testkit's event wait.
	alice, aliceEvents := benchLogin(b, srv.URL, "alice", "")
	bob, bobEvents := benchLogin(b, srv.URL, "bob", recvDir)
	_ = bob

	var relay, tcp, tcpUser time.Duration
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		alice.SendFile("bob", src, "")
		var got session.NotifyFileData
		for ev := range bobEvents {
			if e, ok := ev.(session.NotifyFileData); ok {
				got = e
				break
			}
		}
		for ev := range aliceEvents {
			if e, ok := ev.(session.SendFileRlst); ok {
				require.Equal(b, session.NOERR, e.Err)
				break
			}
		}
		relay += time.Since(start)
		require.NoError(b, os.Remove(got.TmpFile))

		start = time.Now()
		require.NoError(b, bench.CopyOverTCP(src, filepath.Join(recvDir, "tcp.bin"), false))
		tcp += time.Since(start)

		start = time.Now()
		require.NoError(b, bench.CopyOverTCP(src, filepath.Join(recvDir, "tcp.bin"), true))
		tcpUser += time.Since(start)
	}
	b.StopTimer()
	mbps := func(d time.Duration) float64 { return float64(size) * float64(b.N) / d.Seconds() / 1e6 }
	b.ReportMetric(mbps(relay), "relay-MB/s")
	b.ReportMetric(mbps(tcp), "tcp-MB/s")
	b.ReportMetric(mbps(relay)/mbps(tcp), "relay/tcp")
	b.ReportMetric(mbps(tcpUser), "tcp-userland-MB/s")
}

func benchLogin(b *testing.B, url, user, tempDir string) (*session.Session, <-chan session.Event) {
	events := make(chan session.Event, 1024)
	s := session.New(session.Config{ServerURL: url, TempDir: tempDir, Handler: func(ev session.Event) { events <- ev }})
	b.Cleanup(s.Close)
	s.Login("demo", demoPswd, user, user, "", "")
	_, ok := (<-events).(session.LoginSuccess)
	require.True(b, ok)
	return s, events
}

// benchLimits lets a run try other flow-control settings:
// W=<window MiB> C=<chunk KiB> go test -bench SendFile ./session/
var benchLimits = testkit.WithLimits(func(l *server.Limits) {
	if v, err := strconv.Atoi(os.Getenv("W")); err == nil {
		l.Window = int64(v) << 20
	}
	if v, err := strconv.Atoi(os.Getenv("C")); err == nil {
		l.Chunk = v << 10
	}
})
