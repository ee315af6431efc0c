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
	return StartBotWith(t, url, name, ringFor, func(*bot.Config) {})
}

// StartBotWith is StartBot with the rest of the bot's configuration set by
// tweak (voice, calls).
func StartBotWith(t testing.TB, url, name string, ringFor time.Duration, tweak func(*bot.Config)) *bot.Bot {
	t.Helper()
	cfg := bot.Config{
		ServerURL: url, AppID: server.DemoAppID, SecretMD5: server.PasswordFor(server.DemoAppSecret),
		Name: name, RingFor: ringFor, FilesDir: t.TempDir(),
		RetryDelay:   func(int) time.Duration { return 20 * time.Millisecond },
		ReconnectMin: 10 * time.Millisecond, ReconnectMax: 100 * time.Millisecond,
	}
	tweak(&cfg)
	b := bot.New(cfg)
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
