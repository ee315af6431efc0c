package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"huddle/internal/testkit"
	"huddle/session"
)

// benchSize is one buffer of the transfer benchmarks.
const benchSize = 16 << 20

// BenchmarkBufferToGo is the baseline: a Go SDK user sends a buffer to
// another; the browser benchmarks below are read as ratios against it.
func BenchmarkBufferToGo(b *testing.B) {
	srv := testkit.StartServer(b)
	from := testkit.Login(b, srv.URL, "from")
	to := testkit.Login(b, srv.URL, "to")
	data := pattern(benchSize)
	b.SetBytes(benchSize)
	b.ResetTimer()
	for range b.N {
		from.SendBuffer("to", data, "")
		testkit.Await[session.NotifyBufferData](b, to, nil)
		testkit.Await[session.SendBufferRlst](b, from, nil)
	}
}

// BenchmarkBufferGoToWeb: a Go SDK user sends a buffer to a page, which
// stores, acknowledges and hashes it in JavaScript.
func BenchmarkBufferGoToWeb(b *testing.B) {
	srv := testkit.StartServer(b)
	p := openPage(b, srv)
	p.login("web")
	from := testkit.Login(b, srv.URL, "from")
	data := pattern(benchSize)
	b.SetBytes(benchSize)
	b.ResetTimer()
	for range b.N {
		from.SendBuffer("web", data, "")
		p.eval(`waitEvent("NotifyBufferData", null, 60000).then(a => a[2].byteLength)`, nil)
		testkit.Await[session.SendBufferRlst](b, from, nil)
	}
}

// BenchmarkBufferWebToGo: a page sends a buffer to a Go SDK user.
func BenchmarkBufferWebToGo(b *testing.B) {
	srv := testkit.StartServer(b)
	p := openPage(b, srv)
	p.login("web")
	to := testkit.Login(b, srv.URL, "to")
	p.eval(fmt.Sprintf(`window.big = pattern(%d); 0`, benchSize), nil)
	b.SetBytes(benchSize)
	b.ResetTimer()
	for range b.N {
		p.eval(`CRVideo_SendBuffer("to", window.big, ""); waitEvent("SendBufferRlst", null, 60000).then(a => a[1])`, nil)
		testkit.Await[session.NotifyBufferData](b, to, nil)
	}
}

// BenchmarkFileGoToWeb: a Go SDK user sends a file to a page, which
// gathers it as Blob parts, hashing as it goes.
func BenchmarkFileGoToWeb(b *testing.B) {
	srv := testkit.StartServer(b)
	p := openPage(b, srv)
	p.login("web")
	from := testkit.Login(b, srv.URL, "from")
	path := filepath.Join(b.TempDir(), "bench.bin")
	if err := os.WriteFile(path, pattern(benchSize), 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchSize)
	b.ResetTimer()
	for range b.N {
		from.SendFile("web", path, "")
		p.eval(`waitEvent("NotifyFileData", null, 60000).then(a => a[1].size)`, nil)
		testkit.Await[session.SendFileRlst](b, from, nil)
	}
}

// BenchmarkFileWebToGo: a page sends a File (read in slices) to a Go SDK
// user, who stores it on disk.
func BenchmarkFileWebToGo(b *testing.B) {
	srv := testkit.StartServer(b)
	p := openPage(b, srv)
	p.login("web")
	to := testkit.Login(b, srv.URL, "to")
	p.eval(fmt.Sprintf(`window.bigFile = new File([pattern(%d)], "bench.bin"); 0`, benchSize), nil)
	b.SetBytes(benchSize)
	b.ResetTimer()
	for range b.N {
		p.eval(`CRVideo_SendFile("to", window.bigFile, ""); waitEvent("SendFileRlst", null, 60000).then(a => a[2])`, nil)
		testkit.Await[session.NotifyFileData](b, to, nil)
	}
}
