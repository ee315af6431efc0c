#!/usr/bin/env bash
# Installs, on Debian/Ubuntu, what building and testing Huddle needs: Go
# must already be there; the C libraries for Fyne (OpenGL, X11), GTK for
# native file dialogs, Xvfb for real-window tests, Chromium for the
# web SDK's browser tests (web/), and PostgreSQL for the PostgreSQL store's
# tests (scripts/postgres.sh runs a scratch cluster) come from apt.
#
#   install-deps.sh        everything the tests need (test.sh)
#   install-deps.sh run    only what building and running the app needs
#                          (run.sh: no browser, no database server)
set -euo pipefail
need_pkgs=(gcc pkg-config libgl1-mesa-dev xorg-dev libgtk-3-dev)
[ "${1:-test}" = run ] || need_pkgs+=(xvfb xauth chromium postgresql)
missing=()
for p in "${need_pkgs[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	sudo_cmd=""
	[ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
	$sudo_cmd apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v go >/dev/null || {
	echo "Huddle needs Go 1.26 or newer: https://go.dev/dl/" >&2
	exit 1
}
