// Huddle: calls, meetings and file transfer an organisation runs itself.
//
//	huddle [--server URL --user ID --nick NAME --auto-login]
//	                       open the desktop app
//	huddle huddle://meet/ID [flags]
//	                       open it at that meeting
//	huddle serve           run the server
//	huddle bot --name NAME a headless participant that answers calls
//	huddle send --to USER FILE
//	                       send a file from the command line
//	huddle app add ...     add an application to a server's data folder
//	huddle bench ...       load-test a server (docs/performance.md)
//	huddle version         print the version
package main

import (
	"fmt"
	"os"
	"strings"

	"huddle/internal/buildinfo"
	"huddle/internal/cli"
)

func main() {
	args := os.Args[1:]
	cmd := ""
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "":
		err = runDesktop(nil)
	case "serve":
		err = cli.Serve(args)
	case "bot":
		err = cli.Bot(args)
	case "send":
		err = cli.Send(args, os.Stdout)
	case "app":
		err = cli.App(args, os.Stdout)
	case "bench":
		err = cli.Bench(args)
	case "version", "--version", "-v":
		fmt.Println("huddle", buildinfo.String())
	case "help", "-h", "--help":
		fmt.Println(usage)
	default:
		// The desktop app's own flags, or a huddle:// link it was opened with.
		// (Not app.IsLink: the headless build must not pull in the GUI.)
		if strings.HasPrefix(cmd, "-") || strings.HasPrefix(strings.ToLower(cmd), "huddle://") {
			err = runDesktop(append([]string{cmd}, args...))
			break
		}
		err = fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "huddle:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  huddle [--server URL] [--app ID --secret SECRET] [--nick NAME] [--user ID] [--auto-login]
                          open the desktop app; flags fill in the sign-in screen,
                          --auto-login signs in at once
  huddle huddle://meet/ID [flags]
                          open the desktop app at that meeting
  huddle serve [flags]    run the server (huddle serve -h for flags)
  huddle bot --name NAME [--server URL] [--app demo --secret demo] [--ring 2s]
                          a headless participant: answers calls, echoes messages,
                          sums up received files; with --to USER [--say TEXT]...
                          [--send-file PATH] it greets USER and sends them the
                          file as soon as they are online
  huddle send --to USER [--as ID] [--server URL] FILE
                          sign in, send FILE to USER (online), print progress,
                          exit once it arrived (status 1 and why if not)
  huddle app add --id ID --secret SECRET [--user-auth none|jwt] [--data DIR]
  huddle app list [--data DIR]            one application per line, its ID first
  huddle app remove --id ID [--data DIR]  remove it with its users and meetings
  huddle bench --scenario connections|presence|calls|cmd [flags]   load-test a server
  huddle version`
