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

fyne_cmd() {
	if command -v fyne >/dev/null && fyne version 2>/dev/null | grep -q 'v1.7.4'; then
		fyne "$@"
	else
		go run fyne.io/tools/cmd/fyne@v1.7.4 "$@"
	fi
}
