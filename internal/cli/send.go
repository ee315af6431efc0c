package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"huddle/server"
	"huddle/session"
)

// Send runs `huddle send --to USER FILE`: signs in, sends the file, prints
// progress to out and returns once the receiver has it (or why not).
func Send(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("send", flag.ContinueOnError)
	to := fs.String("to", "", "the user to send the file to (required; must be online)")
	as := fs.String("as", envOr("USER", "huddle-send"), "your user ID (env USER)")
	url := fs.String("server", envOr("HUDDLE_SERVER", "ws://"+DefaultAddr+"/ws"), "server address (env HUDDLE_SERVER)")
	appID := fs.String("app", server.DemoAppID, "application ID")
	secret := fs.String("secret", server.DemoAppSecret, "application secret")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *to == "" || fs.NArg() != 1 {
		return errors.New("usage: huddle send --to USER [--as ID] [--server URL] FILE")
	}
	file := fs.Arg(0)
	if _, err := os.Stat(file); err != nil {
		return err
	}
	sess := session.New(session.Config{ServerURL: *url, ClientName: "huddle-send"})
	defer sess.Close()
	sess.Login(*appID, server.PasswordFor(*secret), *as, *as, "", "send")
	name := filepath.Base(file)
	deadline := time.After(*timeout)
	task, tenths := "", -1
	for {
		select {
		case <-deadline:
			if task != "" {
				sess.CancelSend(task)
			}
			return fmt.Errorf("sending %s to %s: no result within %v", name, *to, *timeout)
		case ev := <-sess.Events():
			switch e := ev.(type) {
			case session.LoginFail:
				return fmt.Errorf("signing in to %s: %v", *url, e.Err)
			case session.LineOff:
				return fmt.Errorf("signed out while sending: %v", e.Err)
			case session.LoginSuccess:
				fmt.Fprintf(out, "signed in as %s; sending %s to %s\n", e.UsrID, name, *to)
				task = sess.SendFile(*to, file, "send")
			case session.SendProgress:
				// A line per tenth: readable in a terminal and in a log.
				if t := int(e.SendedLen * 10 / max(e.TotalLen, 1)); e.TaskID == task && t > tenths {
					tenths = t
					fmt.Fprintf(out, "%3d%%  %d of %d bytes\n", t*10, e.SendedLen, e.TotalLen)
				}
			case session.SendFileRlst:
				if e.TaskID != task {
					continue
				}
				if e.Err != session.NOERR {
					return fmt.Errorf("sending %s to %s: %v", name, *to, e.Err)
				}
				fmt.Fprintf(out, "%s delivered to %s\n", name, *to)
				sess.Logout()
				return nil
			}
		}
	}
}
