// Huddle: calls, meetings and file transfer an organisation runs itself.
//
//	huddle                 open the desktop app
//	huddle serve           run the server
//	huddle app add ...     add an application to a server's data folder
//	huddle bench ...       load-test a server (docs/performance.md)
//	huddle version         print the version
package main

import (
	"fmt"
	"os"

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
		err = runDesktop()
	case "serve":
		err = cli.Serve(args)
	case "app":
		err = cli.App(args)
	case "bench":
		err = cli.Bench(args)
	case "version", "--version", "-v":
		fmt.Println("huddle", buildinfo.String())
	case "help", "-h", "--help":
		fmt.Println(usage)
	default:
		err = fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "huddle:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  huddle                  open the desktop app
  huddle serve [flags]    run the server (huddle serve -h for flags)
  huddle app add --id ID --secret SECRET [--user-auth none|jwt] [--data DIR]
  huddle bench --scenario connections|presence|calls [flags]   load-test a server
  huddle version`
