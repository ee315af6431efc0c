//go:build nogui

package main

import "errors"

// runDesktop in a headless build (-tags nogui, CGO_ENABLED=0): the server
// release has no GUI and none of its C dependencies.
func runDesktop([]string) error {
	return errors.New("this is the headless server build; run `huddle serve`, or install the desktop app")
}
