#!/usr/bin/env bash
# Cross-builds dist/Huddle-VERSION-windows-amd64.exe, a GUI executable with
# the icon and version resources, using mingw-w64 (Debian package
# gcc-mingw-w64-x86-64).
source "$(dirname "$0")/common.sh"

command -v x86_64-w64-mingw32-gcc >/dev/null || {
	echo "needs mingw-w64: sudo apt-get install gcc-mingw-w64-x86-64" >&2
	exit 1
}
cd "$SRC"
CC=x86_64-w64-mingw32-gcc CGO_ENABLED=1 GOOS=windows GOARCH=amd64 \
	GOFLAGS="-ldflags=$LDFLAGS_VERSION" fyne_cmd package --os windows --release --tags migrated_fynedo --app-version "$VERSION"
out="$DIST/Huddle-$VERSION-windows-amd64.exe"
mv Huddle.exe "$out"
echo "built $out"
