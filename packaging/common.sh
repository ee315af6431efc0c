# Sourced by the packaging scripts: version, output folder, and a scratch
# copy of the tree. `fyne package` rewrites FyneApp.toml (build number) and
# drops generated files next to the sources, so it only ever runs on the
# copy: the working tree is never changed.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VERSION=${VERSION:-$(sed -n 's/^Version = "\(.*\)"/\1/p' "$ROOT/FyneApp.toml")}
DIST=${DIST:-$ROOT/dist}
LDFLAGS_VERSION="-X=huddle/internal/buildinfo.Version=$VERSION"
mkdir -p "$DIST"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# The copy's folder is named huddle: fyne names the executable after it.
SRC=$WORK/huddle
mkdir -p "$SRC"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -C "$SRC" -xf -

# fyne.io/tools v1.7.4 is built against fyne.io/fyne/v2 v2.8.1, the version
# go.mod pins: keep the two in step when either moves.
fyne_cmd() {
	local fyne=fyne
	# Compare the whole output: `| grep -q` under pipefail fails whenever
	# grep stops reading before fyne has written its second line.
	if [[ "$(fyne version 2>/dev/null)" != *"cli version: v1.7.4"* ]]; then
		# Built for this machine, even when the package is for another:
		# the caller's GOOS, CC and the like are meant for the app.
		env -u GOOS -u GOARCH -u CC -u CGO_ENABLED -u GOFLAGS GOBIN="$WORK/bin" \
			go install fyne.io/tools/cmd/fyne@v1.7.4
		fyne=$WORK/bin/fyne
	fi
	"$fyne" "$@"
}
