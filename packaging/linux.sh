#!/usr/bin/env bash
# Builds dist/huddle-VERSION-linux-amd64.tar.xz: the desktop app with its
# .desktop entry (and huddle:// link handler), icons and AppStream metadata.
# Unpack and run `sudo make install` (or `make user-install`) inside it.
source "$(dirname "$0")/common.sh"

cd "$SRC"
GOFLAGS="-ldflags=$LDFLAGS_VERSION" fyne_cmd package --os linux --release --tags migrated_fynedo --app-version "$VERSION"

# Add what fyne's archive lacks: AppStream metadata and sized icons.
mkdir -p "$WORK/pkg"
tar -C "$WORK/pkg" -xJf Huddle.tar.xz
top=$(dirname "$(find "$WORK/pkg" -maxdepth 2 -name Makefile | head -n 1)")
share=$(find "$top" -type d -name share -path '*/usr/*' | head -n 1)
# huddle:// links open the app. Not through FyneApp.toml's CanOpen: fyne
# v1.7.4 then appends %F to Exec and its Makefile takes that for the binary name.
desktop_file=$(find "$share/applications" -name '*.desktop' | head -n 1)
printf 'MimeType=x-scheme-handler/huddle;\n' >>"$desktop_file"
install -Dm644 packaging/linux/org.huddle.app.metainfo.xml "$share/metainfo/org.huddle.app.metainfo.xml"
for size in 48 128 256 512; do
	install -Dm644 "assets/icons/huddle-$size.png" "$share/icons/hicolor/${size}x${size}/apps/org.huddle.app.png"
done
local_dir=$(basename "$(dirname "$share")") # "local" or "usr"
[ "$local_dir" = usr ] && rel="usr/share" || rel="usr/$local_dir/share"
{
	echo
	echo "install: install-extras"
	echo "install-extras:"
	echo "	install -Dm00644 $rel/metainfo/org.huddle.app.metainfo.xml \$(DESTDIR)\$(PREFIX)/share/metainfo/org.huddle.app.metainfo.xml"
	for size in 48 128 256 512; do
		echo "	install -Dm00644 $rel/icons/hicolor/${size}x${size}/apps/org.huddle.app.png \$(DESTDIR)\$(PREFIX)/share/icons/hicolor/${size}x${size}/apps/org.huddle.app.png"
	done
	echo "	-update-desktop-database \$(DESTDIR)\$(PREFIX)/share/applications 2>/dev/null"
} >> "$top/Makefile"

out="$DIST/huddle-$VERSION-linux-amd64.tar.xz"
tar -C "$WORK/pkg" -cJf "$out" .
echo "built $out"
