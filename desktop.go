//go:build !nogui

package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"huddle/app"
	"huddle/assets"
	"huddle/internal/cli"
	"huddle/views"
)

// runDesktop opens the desktop app. With the default local address and no
// server answering there, it runs the server inside itself first. Flags
// fill in the sign-in screen (two windows on one machine, scripts); a
// huddle://meet/<ID> link first (the desktop passes it when one is
// clicked) shows that meeting once signed in.
func runDesktop(args []string) error {
	link := ""
	if len(args) > 0 && app.IsLink(args[0]) {
		link, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("huddle", flag.ContinueOnError)
	var p views.Prefill
	fs.StringVar(&p.ServerURL, "server", "", "server address (default: the remembered one)")
	fs.StringVar(&p.AppID, "app", "", "application ID")
	fs.StringVar(&p.Secret, "secret", "", "application secret")
	fs.StringVar(&p.Nick, "nick", "", "nickname")
	fs.StringVar(&p.UserID, "user", "", "user ID")
	fs.BoolVar(&p.AutoLogin, "auto-login", false, "sign in at once with these details")
	if err := fs.Parse(args); err != nil {
		return err
	}
	a := fyneapp.NewWithID("org.huddle.app")
	quitOnSignal(a)
	a.SetIcon(assets.Icon)
	w := a.NewWindow("Huddle")
	w.SetIcon(assets.Icon)
	w.Resize(fyne.NewSize(900, 640))

	client := app.New(fyne.Do)
	client.HistoryDir = a.Storage().RootURI().Path()
	client.Audio = app.SystemAudio
	client.Speaker = app.SystemSpeaker
	vs := app.LoadVoiceSettings(a.Preferences())
	client.Voice.Input, client.Voice.Output = vs.Input, vs.Output
	client.OnVoiceSettings = func(s app.VoiceSettings) { s.Save(a.Preferences()) }
	ui := views.New(a, w, client)
	if !systemTrayReachable() {
		ui.WithoutTray()
	}

	var local *app.LocalServer
	serverURL := app.LoadSettings(a.Preferences()).ServerURL
	if p.ServerURL != "" {
		serverURL = p.ServerURL
	}
	local, err := app.EnsureLocalServer(serverURL, cli.DefaultAddr, func() (app.EmbeddedServer, error) {
		srv, err := cli.BuiltInServer()
		if err != nil {
			return nil, err // not a nil *server.Server in the interface
		}
		return srv, nil
	})
	switch {
	case err != nil:
		ui.SetServerNote("Could not start the built-in server: " + err.Error())
	case local != nil:
		ui.SetServerNote(fmt.Sprintf("Running the built-in server on %s; other windows on this machine can join it.", local.Addr))
	}

	// Stop the clocks, timers and session on the UI goroutine, before the
	// event loop ends, so nothing queues UI work for a window that is gone.
	a.Lifecycle().SetOnStopped(func() {
		ui.Stop()
		client.Close()
	})
	ui.StartWith(p)
	if link != "" {
		ui.OpenLink(link)
	}
	w.SetMaster()
	w.ShowAndRun()
	client.WaitSaved()

	if local != nil {
		if err := local.Stop(); err != nil {
			log.Printf("built-in server: %v", err)
		}
	}
	return nil
}

// systemTrayReachable: on Linux and the BSDs the tray is a D-Bus service.
// Without a session bus, and without dbus-launch to start one (a bare X
// server, some containers), there is no tray to reach.
func systemTrayReachable() bool {
	switch runtime.GOOS {
	case "windows", "darwin":
		return true
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	_, err := exec.LookPath("dbus-launch")
	return err == nil
}

// quitOnSignal makes SIGTERM (the end of a desktop session) and Ctrl-C quit
// the app cleanly from its first moment. Fyne catches them only once its
// run loop is up; one that came earlier (a loaded machine takes seconds to
// get there) killed the app mid-start. A quit asked for before the loop
// runs waits in Fyne's queue until it does.
func quitOnSignal(a fyne.App) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		fyne.Do(a.Quit)
	}()
}
