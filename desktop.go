//go:build !nogui

package main

import (
	"fmt"
	"log"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"huddle/app"
	"huddle/assets"
	"huddle/views"
)

// runDesktop opens the desktop app. With the default local address and no
// server answering there, it runs the server inside itself first.
func runDesktop() error {
	a := fyneapp.NewWithID("org.huddle.app")
	a.SetIcon(assets.Icon)
	w := a.NewWindow("Huddle")
	w.SetIcon(assets.Icon)
	w.Resize(fyne.NewSize(900, 640))

	client := app.New(fyne.Do)
	ui := views.New(a, w, client)

	var local *app.LocalServer
	settings := app.LoadSettings(a.Preferences())
	local, err := app.EnsureLocalServer(settings.ServerURL)
	switch {
	case err != nil:
		ui.SetServerNote("Could not start the built-in server: " + err.Error())
	case local != nil:
		ui.SetServerNote(fmt.Sprintf("Running the built-in server on %s; other windows on this machine can join it.", local.Addr))
	}

	stop := make(chan struct{})
	go ui.RunTicker(stop)
	// Stop the ticker, timers and session on the UI goroutine, before the
	// event loop ends, so nothing queues UI work for a window that is gone.
	a.Lifecycle().SetOnStopped(func() {
		close(stop)
		client.Close()
	})
	ui.Start()
	w.SetMaster()
	w.ShowAndRun()

	if local != nil {
		if err := local.Stop(); err != nil {
			log.Printf("built-in server: %v", err)
		}
	}
	return nil
}
