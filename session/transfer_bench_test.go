package session_test

import (
	"crypto/rand"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
	dir := benchDir(b)
	src := filepath.Join(dir, "src.bin")
	writeRandomFile(b, src, size)

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
		rawTCPCopy(b, src, filepath.Join(recvDir, "tcp.bin"), false)
		tcp += time.Since(start)

		start = time.Now()
		rawTCPCopy(b, src, filepath.Join(recvDir, "tcp.bin"), true)
		tcpUser += time.Since(start)
	}
	b.StopTimer()
	mbps := func(d time.Duration) float64 { return float64(size) * float64(b.N) / d.Seconds() / 1e6 }
	b.ReportMetric(mbps(relay), "relay-MB/s")
	b.ReportMetric(mbps(tcp), "tcp-MB/s")
	b.ReportMetric(mbps(relay)/mbps(tcp), "relay/tcp")
	b.ReportMetric(mbps(tcpUser), "tcp-userland-MB/s")
}

// benchDir is in memory (/dev/shm) where there is one, so that disk
// write-back does not muddle the comparison of the two network paths.
func benchDir(b *testing.B) string {
	dir, err := os.MkdirTemp("/dev/shm", "huddle-bench-")
	if err != nil {
		return b.TempDir()
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	return dir
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

func writeRandomFile(b *testing.B, path string, size int64) {
	block := make([]byte, 4<<20)
	_, err := rand.Read(block)
	require.NoError(b, err)
	f, err := os.Create(path)
	require.NoError(b, err)
	for written := int64(0); written < size; {
		n := min(int64(len(block)), size-written)
		_, err := f.Write(block[:n])
		require.NoError(b, err)
		block[0]++ // no two blocks alike
		written += n
	}
	require.NoError(b, f.Close())
}

// rawTCPCopy is the baseline: src → loopback TCP → dst. io.Copy lets the
// kernel splice the bytes without them ever entering the process; userland
// forces them through a 256 KiB buffer on both sides, as any program that
// looks at the bytes must.
func rawTCPCopy(b *testing.B, src, dst string, userland bool) {
	copyFn := io.Copy
	if userland {
		copyFn = func(w io.Writer, r io.Reader) (int64, error) {
			return io.CopyBuffer(struct{ io.Writer }{w}, struct{ io.Reader }{r}, make([]byte, 256<<10))
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(b, err)
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- err
			return
		}
		defer c.Close()
		out, err := os.Create(dst)
		if err != nil {
			done <- err
			return
		}
		_, err = copyFn(out, c)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		done <- err
	}()
	in, err := os.Open(src)
	require.NoError(b, err)
	defer in.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(b, err)
	_, err = copyFn(c, in)
	require.NoError(b, err)
	require.NoError(b, c.Close())
	require.NoError(b, <-done)
	require.NoError(b, os.Remove(dst))
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
