// Package assets holds the files Huddle ships inside its binary.
package assets

import (
	_ "embed"

	"fyne.io/fyne/v2"
)

//go:embed icon.png
var iconPNG []byte

// Icon is the application icon (icon.svg rendered to 512×512 PNG).
var Icon = fyne.NewStaticResource("huddle.png", iconPNG)
