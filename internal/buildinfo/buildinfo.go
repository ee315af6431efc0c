// Package buildinfo carries the version stamped into release builds with
// -ldflags "-X huddle/internal/buildinfo.Version=1.2.3".
package buildinfo

import "runtime/debug"

// Version is set at link time; development builds fall back to the module
// version or VCS revision Go recorded.
var Version = ""

// String is the version to show people.
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v := bi.Main.Version; v != "" && v != "(devel)" {
			return v
		}
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				return "dev-" + s.Value[:12]
			}
		}
	}
	return "dev"
}
