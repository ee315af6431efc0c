package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"huddle/server"
	"huddle/server/store"
)

const appUsage = `usage:
  huddle app add --id ID --secret SECRET [--user-auth none|jwt] [--data DIR] [--postgres DSN]
  huddle app list [--data DIR] [--postgres DSN]    one application per line, its ID first
  huddle app remove --id ID [--data DIR] [--postgres DSN]  with its users and meetings
--postgres (env HUDDLE_POSTGRES) works on the PostgreSQL store of "huddle serve --postgres";
the data folder still holds the key that seals JWT applications' secrets.`

// App runs `huddle app add|list|remove`, printing to out.
func App(args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(appUsage)
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("app "+cmd, flag.ContinueOnError)
	var o appOptions
	fs.StringVar(&o.data, "data", envOr("HUDDLE_DATA", DefaultDataDir()), "the server's data folder (env HUDDLE_DATA)")
	fs.StringVar(&o.postgres, "postgres", os.Getenv("HUDDLE_POSTGRES"), postgresUsage+" (env HUDDLE_POSTGRES)")
	switch cmd {
	case "add":
		return appAdd(fs, args, &o, out)
	case "list":
		return appList(fs, args, &o, out)
	case "remove":
		return appRemove(fs, args, &o, out)
	}
	return errors.New(appUsage)
}

// appOptions are the flags every `huddle app` command has.
type appOptions struct{ data, postgres string }

// where names the store, for messages.
func (o *appOptions) where() string {
	if o.postgres != "" {
		return "the PostgreSQL store"
	}
	return o.data
}

func appAdd(fs *flag.FlagSet, args []string, o *appOptions, out io.Writer) error {
	id := fs.String("id", "", "application ID (the SDK's authAcnt)")
	secret := fs.String("secret", "", "application secret (clients send its MD5 as authPswd)")
	auth := fs.String("user-auth", "none", `how users prove who they are: "none", or "jwt" (privAuthCode is an HS256 JWT signed with the secret)`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *id == "" || *secret == "" {
		return errors.New("--id and --secret are required")
	}
	// The data folder is made even with --postgres: a JWT application's
	// secret is sealed with its key file.
	if err := os.MkdirAll(o.data, 0o700); err != nil {
		return err
	}
	st, err := openStore(o.postgres, o.data, true)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := server.AddApp(context.Background(), st, o.data, *id, *secret, store.UserAuth(*auth)); err != nil {
		return err
	}
	fmt.Fprintf(out, "application %q added (user auth: %s)\n", *id, *auth)
	return nil
}

// appList prints "ID  user-auth  created" per application, sorted by ID.
func appList(fs *flag.FlagSet, args []string, o *appOptions, out io.Writer) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, err := openStore(o.postgres, o.data, false)
	if err != nil {
		return err
	}
	defer st.Close()
	apps, err := st.Apps(context.Background())
	if err != nil {
		return err
	}
	for _, a := range apps {
		fmt.Fprintf(out, "%s\tuser-auth=%s\tcreated=%s\n", a.ID, a.UserAuth, a.Created.UTC().Format(time.RFC3339))
	}
	return nil
}

// appRemove deletes an application with its users and meetings. A running
// server refuses new sign-ins to it at once; users signed in stay until
// they sign out or the server restarts.
func appRemove(fs *flag.FlagSet, args []string, o *appOptions, out io.Writer) error {
	id := fs.String("id", "", "application ID to remove")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *id == "" {
		return errors.New("--id is required")
	}
	st, err := openStore(o.postgres, o.data, false)
	if err != nil {
		return err
	}
	defer st.Close()
	err = st.DeleteApp(context.Background(), *id)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no application %q in %s", *id, o.where())
	} else if err != nil {
		return err
	}
	fmt.Fprintf(out, "application %q removed, with its users and meetings\n", *id)
	return nil
}
