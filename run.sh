#!/usr/bin/env bash
# Runs the Huddle desktop app from source, installing the system libraries
# Fyne needs on Debian/Ubuntu first. Extra arguments go to huddle
# (e.g. ./run.sh serve, which gets --demo: application demo, secret demo).
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh
# Under LANG=C.UTF-8 (many fresh installs and containers) Fyne logs "Error
# parsing user locale C" at start: its locale library cannot parse "C".
# LANGUAGE names the language of messages only, not the character set.
case "${LC_ALL:-${LC_MESSAGES:-${LANG:-}}}" in
C.*) export LANGUAGE="${LANGUAGE:-en}" ;;
esac
if [ "${1:-}" = serve ]; then
	shift
	set -- serve --demo "$@"
fi
exec go run -tags migrated_fynedo . "$@"
