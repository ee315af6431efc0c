package testkit

import (
	"context"
	"testing"
	"time"

	"huddle/internal/bot"
	"huddle/server"
)

// StartBot runs a bot signed in as name on url until the test ends, and
// waits for its first sign-in. It answers calls after ringFor.
func StartBot(t testing.TB, url, name string, ringFor time.Duration) *bot.Bot {
	t.Helper()
	b := bot.New(bot.Config{
		ServerURL: url, AppID: server.DemoAppID, SecretMD5: server.PasswordFor(server.DemoAppSecret),
		Name: name, RingFor: ringFor, FilesDir: t.TempDir(),
		RetryDelay:   func(int) time.Duration { return 20 * time.Millisecond },
		ReconnectMin: 10 * time.Millisecond, ReconnectMax: 100 * time.Millisecond,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("bot %s: %v", name, err)
		}
	})
	select {
	case <-b.SignedIn():
	case err := <-done:
		done <- err
		t.Fatalf("bot %s did not sign in: %v", name, err)
	case <-time.After(WaitTimeout):
		t.Fatalf("bot %s did not sign in within %v", name, WaitTimeout)
	}
	return b
}
