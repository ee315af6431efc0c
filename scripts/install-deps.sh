#!/usr/bin/env bash
# Installs, on Debian/Ubuntu, what building and testing Huddle needs: Go
# must already be there; the C libraries for Fyne (OpenGL, X11), GTK for
# native file dialogs, libopus and libopusfile for the Opus voice codec
# and libspeexdsp for the echo canceller (media/), Xvfb for real-window tests, Chromium and Firefox for the
# web SDK's and the web client's browser tests (web/), PostgreSQL for the PostgreSQL store's
# tests (scripts/postgres.sh runs a scratch cluster) and HAProxy for the
# cluster come from apt; nats-server is built from its Go module at a
# pinned version (no prebuilt binary is downloaded).
#
#   install-deps.sh          everything the tests need (test.sh)
#   install-deps.sh run      only what building and running the app needs
#                            (run.sh: no browser, no database server)
#   install-deps.sh cluster  what scripts/cluster.sh needs: PostgreSQL,
#                            HAProxy, nats-server (the server build is
#                            headless: no GUI libraries)
set -euo pipefail

# NATS_SERVER_VERSION is the nats-server the cluster and its tests run.
NATS_SERVER_VERSION=v2.15.2
# NATS_SERVER_BIN is where it is installed: on every user's PATH.
NATS_SERVER_BIN=/usr/local/bin

mode=${1:-test}
gui_pkgs=(gcc pkg-config libgl1-mesa-dev xorg-dev libgtk-3-dev libopus-dev libopusfile-dev libspeexdsp-dev)
cluster_pkgs=(postgresql haproxy)
case "$mode" in
run) need_pkgs=("${gui_pkgs[@]}") ;;
cluster) need_pkgs=("${cluster_pkgs[@]}") ;;
test) need_pkgs=("${gui_pkgs[@]}" xvfb xauth x11-utils chromium firefox-esr "${cluster_pkgs[@]}") ;;
*)
	echo "usage: install-deps.sh [test|run|cluster]" >&2
	exit 2
	;;
esac

sudo_cmd=""
[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"

missing=()
for p in "${need_pkgs[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	$sudo_cmd apt-get update -qq
	# The packages' own system services, where systemd starts them, are
	# not used: scripts/cluster.sh and the tests start their own instances
	# in scratch folders, on other ports.
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v go >/dev/null || {
	echo "Huddle needs Go 1.26 or newer: https://go.dev/dl/" >&2
	exit 1
}

# nats-server, built with `go install` at the pinned version; skipped when
# that version is already there.
[ "$mode" = run ] && exit 0
have=$("$NATS_SERVER_BIN/nats-server" --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$NATS_SERVER_VERSION" ]; then
	echo "building nats-server $NATS_SERVER_VERSION${have:+ (replacing $have)}"
	gobin=$(mktemp -d)
	trap 'rm -rf "$gobin"' EXIT
	# Outside any module, so that Huddle's go.mod does not pick the versions.
	(cd "$gobin" && GOBIN="$gobin" GOFLAGS=-mod=mod go install "github.com/nats-io/nats-server/v2@$NATS_SERVER_VERSION")
	$sudo_cmd install -m755 "$gobin/nats-server" "$NATS_SERVER_BIN/nats-server"
fi
