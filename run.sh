#!/usr/bin/env bash
# Runs the Huddle desktop app from source, installing the system libraries
# Fyne needs on Debian/Ubuntu first. Extra arguments go to huddle
# (e.g. ./run.sh serve, which gets --demo: application demo, secret demo).
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh run
if [ "${1:-}" = serve ]; then
	shift
	set -- serve --demo "$@"
fi
exec go run -tags migrated_fynedo . "$@"
