#!/usr/bin/env bash
# The test stack: tests/lib/stack.sh up|down
#
# `up` wipes $NX_VAR (default var/test: a fresh database every run) and
# starts the same stack as `make run` (tools/stack/run.sh up) without the
# demo bootstrap, with BOTH lighttpd and Apache in front of one FastCGI
# socket, then writes $NX_VAR/env.sh for the tests to source:
#   NX_VAR NX_CONF NX_LIGHTTPD_URL NX_APACHE_URL NX_MOCK_URL NX_MOCK_KEY
#   NX_DB_SOCKET NX_DB_ADMIN NX_DB_USER NX_DB_PASSWORD NX_DB_NAME
#   NX_BUILD NX_ROOT
# NX_DB_ADMIN is the MariaDB account with all privileges (the OS user,
# over the socket; `mariadb --no-defaults -S "$NX_DB_SOCKET" -u
# "$NX_DB_ADMIN"`).
# `down` stops it (the directory stays, with its logs, until the next up).
#
# Ports (env): NX_HTTP_PORT=18080 (lighttpd), NX_APACHE_PORT=18081,
# NX_MOCK_PORT=18090.  BUILD=build.  NX_CONF_EXTRA: extra config lines
# (default below; set it to override, empty for none).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export NX_VAR=${NX_VAR:-$ROOT/var/test}
export NX_HTTP_PORT=${NX_HTTP_PORT:-18080}
export NX_APACHE_PORT=${NX_APACHE_PORT:-18081}
export NX_MOCK_PORT=${NX_MOCK_PORT:-18090}
export BUILD=${BUILD:-build}
# Test-only settings appended to the generated nexhina.conf: SSE keep-alive
# comments every second, so a test can see them during a short stall.
export NX_CONF_EXTRA=${NX_CONF_EXTRA-$'keepalive_interval = 1\nupstream_idle_timeout = 5\nbreaker_threshold = 3\nbreaker_cooldown = 2'}
case $BUILD in
/*) BUILD_ABS=$BUILD ;;
*) BUILD_ABS=$ROOT/$BUILD ;;
esac
RUN=$ROOT/tools/stack/run.sh

case ${1:-} in
up)
	case $NX_VAR in
	/ | "$ROOT" | "$ROOT/" | "$HOME" | "") echo "stack: refusing to wipe" \
	    "NX_VAR=$NX_VAR" >&2; exit 1 ;;
	esac
	# Whatever an earlier, interrupted run left running there goes first.
	if [ -d "$NX_VAR" ]; then
		"$RUN" down >/dev/null 2>&1 || true
	fi
	rm -rf "$NX_VAR"
	"$RUN" up
	{
		echo "# Written by tests/lib/stack.sh; source it."
		for kv in \
		    "NX_ROOT=$ROOT" \
		    "NX_VAR=$NX_VAR" \
		    "NX_CONF=$NX_VAR/nexhina.conf" \
		    "NX_LIGHTTPD_URL=http://127.0.0.1:$NX_HTTP_PORT" \
		    "NX_APACHE_URL=http://127.0.0.1:$NX_APACHE_PORT" \
		    "NX_MOCK_URL=http://127.0.0.1:$NX_MOCK_PORT" \
		    "NX_MOCK_KEY=sk-mock-upstream" \
		    "NX_DB_SOCKET=$NX_VAR/mysql/mysqld.sock" \
		    "NX_DB_ADMIN=$(id -un)" \
		    "NX_DB_USER=nexhina" \
		    "NX_DB_PASSWORD=nexhina" \
		    "NX_DB_NAME=nexhina" \
		    "NX_BUILD=$BUILD_ABS"; do
			printf 'export %s=%q\n' "${kv%%=*}" "${kv#*=}"
		done
	} >"$NX_VAR/env.sh"
	echo "stack: up; env in $NX_VAR/env.sh"
	;;
down)
	"$RUN" down
	;;
*)
	echo "usage: $0 up|down" >&2
	exit 2
	;;
esac
