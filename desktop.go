//go:build !nogui

package main

import (
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

// runDesktop opens the desktop app.
func runDesktop() error {
	a := app.NewWithID("org.huddle.app")
	w := a.NewWindow("Huddle")
	w.SetContent(widget.NewLabel("Huddle"))
	w.ShowAndRun()
	return nil
}
