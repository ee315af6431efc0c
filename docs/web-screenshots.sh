#!/usr/bin/env bash
# Saves a screenshot of each screen of the web client (the page served at /
# when no --web folder is given) to docs/screenshots/web-*.png. The pictures
# come from the web client's own browser tests (web/client_browser_test.go):
# a real server, a headless Chromium driven as a person would, and desktop
# (Go SDK) users on the other side; the tests fail on any console error, so
# a screen saved here is one that passed.
#
#   docs/web-screenshots.sh          (needs chromium: scripts/install-deps.sh)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/docs/screenshots"
mkdir -p "$OUT"
command -v chromium >/dev/null || { echo "chromium is missing: run scripts/install-deps.sh" >&2; exit 1; }
rm -f "$OUT"/web-*.png
cd "$ROOT"
HUDDLE_WEB_SCREENSHOTS="$OUT" HUDDLE_REQUIRE_BROWSER=1 go test -tags ci -count=1 -run '^TestWebClient' ./web/
ls "$OUT"/web-*.png | sed "s|$ROOT/||"
