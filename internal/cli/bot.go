package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"huddle/internal/bot"
	"huddle/media"
	"huddle/server"
)

// recordJitterFrames is the jitter buffer of a recording bot: 200 ms.
const recordJitterFrames = 10

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
	callUser := fs.String("call", "", "call this user once, as soon as they are online")
	invite := fs.String("invite", "", "invite this user into the current call's meeting once it is connected")
	hangupAfter := fs.Duration("hangup-after", 0, "hang up each call this long after it connected (0: never)")
	play := fs.String("play", "", "a PCM 16-bit WAV file to send, looped, in every call or meeting the bot is in")
	record := fs.String("record", "", "a WAV file to write what the bot hears to (PCM 16-bit, 48 kHz mono; valid even if the bot is killed)")
	codecs := fs.String("codecs", "", "audio codecs to offer, comma-separated, preferred first (this build: "+strings.Join(media.CodecNames(), ",")+"; empty: all); \"PCMU\" acts as a build without Opus")
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
	cfg := bot.Config{
		ServerURL: *url, AppID: *appID, SecretMD5: server.PasswordFor(*secret),
		Name: *name, RingFor: *ring,
		SendTo: *to, Say: say, SendFile: *file,
		CallUser: *callUser, InviteUser: *invite, HangupAfter: *hangupAfter,
	}
	if *codecs != "" {
		cs, err := media.CodecsNamed(strings.Split(*codecs, ",")...)
		if err != nil {
			return fmt.Errorf("bot: --codecs: %w", err)
		}
		cfg.Codecs = cs
	}
	if *play != "" {
		src, err := media.OpenWAVSource(*play)
		if err != nil {
			return fmt.Errorf("bot: --play: %w", err)
		}
		cfg.Play = src
	}
	if *record != "" {
		sink, err := media.CreateWAVSink(*record)
		if err != nil {
			return fmt.Errorf("bot: --record: %w", err)
		}
		// Close writes the final sizes; each frame already kept them valid.
		defer sink.Close()
		cfg.Record = sink
		// A recording does not mind 200 ms of delay, and gains a tone
		// without gaps on a busy machine.
		cfg.JitterFrames = recordJitterFrames
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cfg.Log = log
	log.Info("bot starting", "name", *name, "server", *url, "opus", media.OpusBuiltIn())
	return bot.New(cfg).Run(ctx)
}
