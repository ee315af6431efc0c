#!/usr/bin/env bash
# A scratch PostgreSQL for tests (and, later, the local cluster): initdb in
# a temporary folder, as an unprivileged user (PostgreSQL refuses to run as
# root; as root we use "nobody"), listening on 127.0.0.1 at a free port and
# on a unix socket in that folder, with role "huddle" (password "huddle",
# may create databases). Durability is off (fsync=off): the cluster is
# thrown away at the end.
#
# Sourced (test.sh):   source scripts/postgres.sh; pg_start; trap pg_stop EXIT
#   pg_start exports HUDDLE_TEST_POSTGRES (a DSN on database "postgres").
# Run directly:        scripts/postgres.sh   prints the DSN, runs until Ctrl-C.

pg_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
	if [ -z "$d" ]; then
		command -v initdb >/dev/null || { echo "postgres.sh: no PostgreSQL (scripts/install-deps.sh installs it)" >&2; return 1; }
		d=$(dirname "$(command -v initdb)")
	fi
	echo "$d"
}

# pg_as runs a command as the cluster's owner.
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u nobody -- "$@"
	else
		"$@"
	fi
}

pg_start() {
	local bin port try
	bin=$(pg_bin) || return 1
	PG_SCRATCH=$(mktemp -d /tmp/huddle-pg.XXXXXX)
	[ "$(id -u)" -eq 0 ] && chown nobody "$PG_SCRATCH"
	echo huddle >"$PG_SCRATCH/pw" && chmod 644 "$PG_SCRATCH/pw"
	pg_as "$bin/initdb" -D "$PG_SCRATCH/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
		--pwfile="$PG_SCRATCH/pw" -E UTF8 --no-sync >"$PG_SCRATCH/initdb.log" 2>&1 ||
		{ cat "$PG_SCRATCH/initdb.log" >&2; return 1; }
	# A random port, again if it was taken.
	for try in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 30000))
		if pg_as "$bin/pg_ctl" -D "$PG_SCRATCH/data" -l "$PG_SCRATCH/server.log" -w -t 30 start \
			-o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$PG_SCRATCH -c fsync=off -c full_page_writes=off -c max_connections=300" \
			>/dev/null; then
			PG_PORT=$port
			break
		fi
	done
	[ -n "${PG_PORT:-}" ] || { echo "postgres.sh: could not start PostgreSQL:" >&2; cat "$PG_SCRATCH/server.log" >&2; return 1; }
	pg_as "$bin/psql" -q -h "$PG_SCRATCH" -p "$PG_PORT" -U postgres -d postgres \
		-c "CREATE ROLE huddle LOGIN CREATEDB PASSWORD 'huddle'" \
		-c "GRANT pg_signal_backend TO huddle" >/dev/null || return 1
	export HUDDLE_TEST_POSTGRES="postgres://huddle:huddle@127.0.0.1:$PG_PORT/postgres?sslmode=disable"
	echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') at $HUDDLE_TEST_POSTGRES (scratch $PG_SCRATCH)"
}

pg_stop() {
	[ -n "${PG_SCRATCH:-}" ] || return 0
	pg_as "$(pg_bin)/pg_ctl" -D "$PG_SCRATCH/data" -m fast -w stop >/dev/null 2>&1 || true
	rm -rf "$PG_SCRATCH"
	PG_SCRATCH=
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -euo pipefail
	pg_start
	trap 'kill "${sleeper:-}" 2>/dev/null; pg_stop' EXIT
	trap 'exit 0' INT TERM
	echo "export HUDDLE_TEST_POSTGRES='$HUDDLE_TEST_POSTGRES'   # Ctrl-C stops it"
	sleep infinity &
	sleeper=$!
	wait "$sleeper"
fi
