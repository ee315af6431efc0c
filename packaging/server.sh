#!/usr/bin/env bash
# Builds the headless server: dist/huddle-server-VERSION-linux-amd64.tar.gz
# with a static binary (no GUI, no cgo), the systemd unit and a sample
# configuration. See packaging/server/README.md for installing it.
source "$(dirname "$0")/common.sh"

cd "$SRC"
stage="$WORK/huddle-server-$VERSION"
mkdir -p "$stage"
CGO_ENABLED=0 go build -tags nogui -trimpath -ldflags "-s -w $LDFLAGS_VERSION" -o "$stage/huddle" .
cp packaging/server/huddle.service packaging/server/huddle.env packaging/server/README.md "$stage/"
out="$DIST/huddle-server-$VERSION-linux-amd64.tar.gz"
tar -C "$WORK" -czf "$out" "huddle-server-$VERSION"
echo "built $out"
