#!/usr/bin/env bash
# Proves the Linux package installs and runs: builds it, installs it into a
# temporary prefix with its own Makefile, runs `huddle version`, then opens
# the real window under Xvfb for a few seconds.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIST=$(mktemp -d)
trap 'rm -rf "$DIST"' EXIT
DIST=$DIST "$ROOT/packaging/linux.sh"

pkg=$(ls "$DIST"/huddle-*-linux-amd64.tar.xz)
mkdir -p "$DIST/unpacked" "$DIST/prefix"
tar -C "$DIST/unpacked" -xJf "$pkg"
make -s -C "$(dirname "$(find "$DIST/unpacked" -maxdepth 2 -name Makefile | head -n 1)")" install PREFIX="$DIST/prefix"

bin="$DIST/prefix/bin/huddle"
for f in "$bin" "$DIST/prefix/share/applications/org.huddle.app.desktop" \
	"$DIST/prefix/share/metainfo/org.huddle.app.metainfo.xml" \
	"$DIST/prefix/share/icons/hicolor/256x256/apps/org.huddle.app.png"; do
	[ -e "$f" ] || { echo "missing after install: $f" >&2; exit 1; }
done
grep -q '^MimeType=x-scheme-handler/huddle' "$DIST/prefix/share/applications/org.huddle.app.desktop" || {
	echo "the .desktop entry does not register huddle:// links" >&2
	exit 1
}
"$bin" version | tee "$DIST/version.txt"
want=$(sed -n 's/^Version = "\(.*\)"/\1/p' "$ROOT/FyneApp.toml")
grep -q "huddle $want" "$DIST/version.txt" || { echo "version not stamped: want $want" >&2; exit 1; }

# A real window for a few seconds: still running when timeout stops it (124)
# means it came up; anything else is a failure.
export HOME="$DIST/home"
mkdir -p "$HOME"
set +e
timeout -k 3 6 xvfb-run -a -s "-screen 0 1280x800x24" "$bin" >"$DIST/window.log" 2>&1
rc=$?
set -e
if [ "$rc" -ne 124 ]; then
	echo "the installed app exited early (status $rc):" >&2
	cat "$DIST/window.log" >&2
	exit 1
fi
if grep -q "Error in Fyne call thread" "$DIST/window.log"; then
	cat "$DIST/window.log" >&2
	exit 1
fi
echo "linux package: installed and ran"
