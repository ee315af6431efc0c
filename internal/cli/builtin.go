package cli

import (
	"log/slog"
	"os"

	"huddle/internal/buildinfo"
	"huddle/server"
)

// BuiltInServer is the server the desktop app runs inside itself when none
// answers at DefaultAddr: the default data folder, the demo application so
// the sign-in form's defaults work, and only warnings logged.
func BuiltInServer() (*server.Server, error) {
	return server.New(server.Config{
		DataDir: DefaultDataDir(),
		Demo:    true,
		Version: buildinfo.String(),
		Logger:  slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
	})
}
