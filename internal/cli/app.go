package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"huddle/server"
	"huddle/server/store"
)

// App runs `huddle app add`.
func App(args []string) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: huddle app add --id ID --secret SECRET [--user-auth none|jwt] [--data DIR]")
	}
	fs := flag.NewFlagSet("app add", flag.ContinueOnError)
	data := fs.String("data", envOr("HUDDLE_DATA", DefaultDataDir()), "the server's data folder (env HUDDLE_DATA)")
	id := fs.String("id", "", "application ID (the SDK's authAcnt)")
	secret := fs.String("secret", "", "application secret (clients send its MD5 as authPswd)")
	auth := fs.String("user-auth", "none", `how users prove who they are: "none", or "jwt" (privAuthCode is an HS256 JWT signed with the secret)`)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *id == "" || *secret == "" {
		return errors.New("--id and --secret are required")
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return err
	}
	st, err := store.OpenSQLite(filepath.Join(*data, "huddle.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	if err := server.AddApp(context.Background(), st, *data, *id, *secret, store.UserAuth(*auth)); err != nil {
		return err
	}
	fmt.Printf("application %q added (user auth: %s)\n", *id, *auth)
	return nil
}
