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

# A real window for a few seconds: the app must still be running after
# them, quit cleanly when told, and say nothing about Fyne calls made off
# the UI goroutine, nor about the C locale (which Fyne before 2.8 could
# not parse).
export HOME="$DIST/home" LANG=C.UTF-8
mkdir -p "$HOME"
display=:$((90 + RANDOM % 100))
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
trap 'kill "$xvfb_pid" 2>/dev/null; rm -rf "$DIST"' EXIT
# The display must take connections before the app starts: GLFW tries once
# ("failed to initialise GLFW: PlatformUnavailable"), and a loaded machine
# can take seconds to open Xvfb's socket.
for _ in $(seq 300); do
	xwininfo -display "$display" -root >/dev/null 2>&1 && break
	kill -0 "$xvfb_pid" 2>/dev/null || break
	sleep 0.2
done
xwininfo -display "$display" -root >/dev/null 2>&1 || { echo "Xvfb did not start on $display" >&2; exit 1; }
DISPLAY=$display "$bin" >"$DIST/window.log" 2>&1 &
app_pid=$!
# Its window first: a SIGTERM before Fyne's run loop (which turns it into
# Quit) would kill the app, not quit it, and a loaded machine can take many
# seconds to get there.
for _ in $(seq 600); do
	xwininfo -display "$display" -root -tree 2>/dev/null | grep -q '"Huddle"' && break
	kill -0 "$app_pid" 2>/dev/null || break
	sleep 0.2
done
if ! xwininfo -display "$display" -root -tree 2>/dev/null | grep -q '"Huddle"'; then
	echo "the installed app showed no window within 2 minutes:" >&2
	cat "$DIST/window.log" >&2
	exit 1
fi
sleep 3 # nothing to await: the test is that it keeps running
if ! kill -0 "$app_pid" 2>/dev/null; then
	echo "the installed app exited early:" >&2
	cat "$DIST/window.log" >&2
	exit 1
fi
# SIGTERM, as the end of a desktop session sends: the app must quit
# cleanly (this Xvfb has no D-Bus, so no tray either).
kill "$app_pid"
status=0
wait "$app_pid" 2>/dev/null || status=$?
if [ "$status" -ne 0 ] || grep -q -e "Error in Fyne call thread" -e "Error parsing user locale" "$DIST/window.log"; then
	echo "the app did not quit cleanly (exit $status):" >&2
	cat "$DIST/window.log" >&2
	exit 1
fi
echo "linux package: installed and ran"
