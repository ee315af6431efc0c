package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"huddle/session"
)

// runTransfer: alice sends a file to bob through the server with the real
// SDK (read from disk, content hash, WebSocket frames, flow control,
// written to bob's temp folder, verified), one file after another for
// cfg.Duration and at least twice. Each relayed file is followed by the
// same bytes over raw loopback TCP, spliced by the kernel and through
// userland buffers, so the three rates share the machine's moment.
func runTransfer(ctx context.Context, cfg Config, t *target) ([]Row, error) {
	dir, err := ScratchDir()
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	src := filepath.Join(dir, "src.bin")
	size := int64(cfg.FileMiB) << 20
	if err := WriteRandomFile(src, size); err != nil {
		return nil, err
	}
	alice, aliceEvents, err := sdkLogin(ctx, cfg, t.urls[0], "xfer-alice", "")
	if err != nil {
		return nil, err
	}
	defer alice.Close()
	bob, bobEvents, err := sdkLogin(ctx, cfg, t.urls[len(t.urls)-1], "xfer-bob", filepath.Join(dir, "recv"))
	if err != nil {
		return nil, err
	}
	defer bob.Close()

	var perFile histogram
	var relayed, spliced, userland time.Duration
	files := 0
	for start := time.Now(); files < 2 || time.Since(start) < cfg.Duration; files++ {
		began := time.Now()
		alice.SendFile("xfer-bob", src, "")
		tmp, err := awaitTransfer(ctx, aliceEvents, bobEvents)
		if err != nil {
			return nil, err
		}
		took := time.Since(began)
		relayed += took
		perFile.add(took)
		if err := os.Remove(tmp); err != nil {
			return nil, err
		}
		if err := timeCopy(&spliced, src, dir, false); err != nil {
			return nil, err
		}
		if err := timeCopy(&userland, src, dir, true); err != nil {
			return nil, err
		}
	}
	mbps := func(d time.Duration) float64 { return float64(size) * float64(files) / d.Seconds() / 1e6 }
	return []Row{{
		Scenario: "transfer", Load: fmt.Sprintf("%d MiB file", cfg.FileMiB),
		Rate: mbps(relayed), RateOf: "MB/s relayed",
		P50: perFile.quantile(0.5), P99: perFile.quantile(0.99), Max: perFile.quantile(1),
		Note: fmt.Sprintf("%d files alice → server → bob, time per file; raw loopback TCP %.0f MB/s spliced: relay/TCP %.2f; %.0f MB/s through userland buffers: %.2f",
			files, mbps(spliced), mbps(relayed)/mbps(spliced), mbps(userland), mbps(relayed)/mbps(userland)),
	}}, nil
}

// timeCopy adds the time of one raw TCP copy of src to sum.
func timeCopy(sum *time.Duration, src, dir string, userland bool) error {
	began := time.Now()
	err := CopyOverTCP(src, filepath.Join(dir, "tcp.bin"), userland)
	*sum += time.Since(began)
	return err
}

// sdkLogin signs user in with a real session; its events arrive on the
// returned channel, which the caller must keep draining.
func sdkLogin(ctx context.Context, cfg Config, url, user, tempDir string) (*session.Session, <-chan session.Event, error) {
	events := make(chan session.Event, 4096)
	s := session.New(session.Config{ServerURL: url, TempDir: tempDir, Handler: func(ev session.Event) { events <- ev }})
	s.Login(cfg.App, demoPswd(cfg.Secret), user, user, "", "")
	for {
		select {
		case ev := <-events:
			switch ev := ev.(type) {
			case session.LoginSuccess:
				return s, events, nil
			case session.LoginFail:
				s.Close()
				return nil, nil, fmt.Errorf("%s: login failed: %v", user, ev.Err)
			}
		case <-ctx.Done():
			s.Close()
			return nil, nil, ctx.Err()
		}
	}
}

// awaitTransfer waits for the sender's result and the receiver's file, and
// returns where the file landed.
func awaitTransfer(ctx context.Context, sender, receiver <-chan session.Event) (string, error) {
	tmp, sent := "", false
	for tmp == "" || !sent {
		select {
		case ev := <-sender:
			if r, ok := ev.(session.SendFileRlst); ok {
				if r.Err != session.NOERR {
					return "", fmt.Errorf("send file: error %v", r.Err)
				}
				sent = true
			}
		case ev := <-receiver:
			switch ev := ev.(type) {
			case session.NotifyFileData:
				tmp = ev.TmpFile
			case session.NotifyCancelSend:
				return "", errors.New("the receiver's transfer was cancelled")
			}
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return tmp, nil
}
