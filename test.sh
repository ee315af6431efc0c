#!/usr/bin/env bash
# Huddle's test command: installs what it needs on Debian/Ubuntu, then
# checks formatting and vet, and runs every test with the race detector.
set -euo pipefail
cd "$(dirname "$0")"

need_pkgs=(gcc pkg-config libgl1-mesa-dev xorg-dev libgtk-3-dev xvfb)
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
command -v go >/dev/null || { echo "Go 1.26 or newer is needed: https://go.dev/dl/" >&2; exit 1; }

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
echo "== go vet"
go vet -tags ci ./...
echo "== go test -race"
go test -race -tags ci -count=1 -timeout 20m ./...
echo "== benchmarks (smoke: each once)"
go test -tags ci -run '^$' -bench . -benchtime=1x ./protocol/ ./server/
