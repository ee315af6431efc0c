package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"huddle/internal/bot"
	"huddle/server"
)

// Bot runs `huddle bot`: a headless participant to try the app with.
func Bot(args []string) error {
	fs := flag.NewFlagSet("bot", flag.ContinueOnError)
	name := fs.String("name", "", "user ID and nickname of the bot (required)")
	url := fs.String("server", envOr("HUDDLE_SERVER", "ws://"+DefaultAddr+"/ws"), "server address (env HUDDLE_SERVER)")
	appID := fs.String("app", server.DemoAppID, "application ID")
	secret := fs.String("secret", server.DemoAppSecret, "application secret")
	ring := fs.Duration("ring", 2*time.Second, "how long a call rings before the bot answers")
	to := fs.String("to", "", "a user to greet and send --send-file to once they are online")
	file := fs.String("send-file", "", "a file to send to --to")
	var say []string
	fs.Func("say", "a message to send to --to (repeatable)", func(s string) error { say = append(say, s); return nil })
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" {
		return errors.New("bot: --name is required")
	}
	if *to == "" && (*file != "" || len(say) > 0) {
		return errors.New("bot: --send-file and --say need --to USER")
	}
	if *file != "" {
		if _, err := os.Stat(*file); err != nil {
			return fmt.Errorf("bot: --send-file: %w", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	log.Info("bot starting", "name", *name, "server", *url)
	return bot.New(bot.Config{
		ServerURL: *url, AppID: *appID, SecretMD5: server.PasswordFor(*secret),
		Name: *name, RingFor: *ring, Log: log,
		SendTo: *to, Say: say, SendFile: *file,
	}).Run(ctx)
}
