#!/usr/bin/env bash
# Runs the whole Nexhina stack on this machine, for a developer (make run).
#
#   tools/stack/run.sh          start, bootstrap on first run, print the
#                               console URL, login and API key, then wait;
#                               Ctrl-C (or SIGTERM) stops everything, exit 0
#   tools/stack/run.sh up       start the stack in $NX_VAR and return
#   tools/stack/run.sh down     stop the stack in $NX_VAR
#
# `up`/`down` are what tests/lib/stack.sh uses for the test stack, so the
# developer's and the tests' stacks start the same way:
#   1. $NX_VAR layout (etc run log tmp), secret key, nexhina.conf (each
#      only when absent: a second run reuses them, and the data)
#   2. leftovers of an earlier run (stale pid files) are stopped
#   3. private MariaDB (tools/stack/db.sh), `nexhina migrate`
#   4. mock-upstream on $NX_MOCK_PORT, waited for its ready line
#   5. `nexhina serve`, waited for its socket
#   6. lighttpd on 127.0.0.1:$NX_HTTP_PORT (tools/stack/web.sh), and Apache
#      on $NX_APACHE_PORT when that is set, both in front of the socket
#
# Environment (defaults):
#   NX_VAR=<repo>/var  NX_HTTP_PORT=8080  NX_MOCK_PORT=8090
#   NX_APACHE_PORT=    (empty: no Apache)     BUILD=build
#   NX_WORKERS=2  NX_THREADS=16               (only for a new nexhina.conf)
#   NX_CONF_EXTRA=     more `key = value` lines for a new nexhina.conf
#                      (keys other than the generated ones)
#   NX_STOP_TIMEOUT=40  seconds `nexhina` may take to drain on SIGTERM
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SELF=$ROOT/tools/stack/run.sh
STACK=$ROOT/tools/stack
MODE=${1:-run}

VAR=${NX_VAR:-$ROOT/var}
mkdir -p "$VAR"
VAR=$(cd "$VAR" && pwd)
# The binaries find schema/ (migrations) relative to the working directory.
cd "$ROOT"
BUILD=${BUILD:-build}
case $BUILD in
/*) BIN=$BUILD ;;
*) BIN=$ROOT/$BUILD ;;
esac
HTTP_PORT=${NX_HTTP_PORT:-8080}
MOCK_PORT=${NX_MOCK_PORT:-8090}
APACHE_PORT=${NX_APACHE_PORT:-}
STOP_TIMEOUT=${NX_STOP_TIMEOUT:-40}
CONF=$VAR/nexhina.conf
MOCK_KEY=sk-mock-upstream
DEMO_MODELS=gpt-4o-mini,gpt-4o,gpt-4.1,gpt-4.1-mini,gpt-4.1-nano,o3,o4-mini
DEMO_ANTHROPIC=claude-sonnet-4-20250514,claude-opus-4-20250514
DEMO_GEMINI=gemini-2.5-pro

say() { echo "run: $*"; }
die() {
	echo "run: error: $*" >&2
	exit 1
}

# Tail of a log file, for error messages.
show_log() {
	if [ -s "$1" ]; then
		echo "--- last lines of $1 ---" >&2
		tail -n "${2:-20}" "$1" >&2
	fi
}

port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True while PID runs.  A zombie counts as gone: our daemons are reparented
# to PID 1, which may take a while to reap them, and kill -0 succeeds on a
# zombie.
alive() {
	local st
	st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' \
	    "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# pid in $VAR/run/NAME.pid if it is alive and its command line contains
# PATTERN (guards against a reused pid), else nothing.
live_pid() {
	local f=$VAR/run/$1.pid pid args
	[ -f "$f" ] || return 0
	pid=$(tr -dc 0-9 <"$f")
	[ -n "$pid" ] || return 0
	args=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 0
	case $args in
	*"$2"*) echo "$pid" ;;
	esac
}

# Start a daemon in its own session (so a Ctrl-C in the terminal reaches
# only this script, which then stops everything in order), output appended
# to LOG, pid in $VAR/run/NAME.pid.
start_bg() {
	local name=$1 log=$2
	shift 2
	echo "=== $(date '+%F %T') $*" >>"$log"
	setsid "$@" </dev/null >>"$log" 2>&1 &
	echo $! >"$VAR/run/$name.pid"
}

# SIGTERM, wait up to TIMEOUT s, then SIGKILL the process group (setsid
# made the daemon its leader, so forked workers go too).
stop_bg() {
	local name=$1 pattern=$2 timeout=$3 pid i
	pid=$(live_pid "$name" "$pattern")
	if [ -z "$pid" ]; then
		rm -f "$VAR/run/$name.pid"
		return 0
	fi
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < timeout * 10; i++)); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		echo "run: $name (pid $pid) still running after ${timeout}s;" \
		    "SIGKILL" >&2
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
	fi
	# Stragglers of the group (e.g. workers of a master that crashed).
	kill -KILL -- "-$pid" 2>/dev/null || true
	rm -f "$VAR/run/$name.pid"
	say "$name stopped"
}

# The unix socket path from `listen = unix:...` in nexhina.conf.
conf_socket() {
	local v
	v=$(sed -n 's/^[[:space:]]*listen[[:space:]]*=[[:space:]]*//p' "$CONF" |
	    tail -n 1 | sed 's/[[:space:]]*$//')
	case $v in
	unix:/*) echo "${v#unix:}" ;;
	*) die "$CONF: listen must be unix:/absolute/path for the web" \
	    "servers of this stack (found '${v:-nothing}')" ;;
	esac
}

webroot() {
	# The console lives in web/ (read-only for us); before it exists,
	# a placeholder page in $VAR/web.
	if [ -d "$ROOT/web" ]; then
		echo "$ROOT/web"
		return
	fi
	mkdir -p "$VAR/web"
	if [ ! -f "$VAR/web/index.html" ]; then
		printf '%s\n' '<!doctype html><title>Nexhina</title>' \
		    '<p>Nexhina is running; the console (web/) is not built yet.' \
		    >"$VAR/web/index.html"
	fi
	echo "$VAR/web"
}

make_layout() {
	mkdir -p "$VAR/etc" "$VAR/run" "$VAR/log" "$VAR/tmp"
	# The web servers' children (www-data) must reach the socket in run/.
	chmod 755 "$VAR" "$VAR/run"
	if [ ! -s "$VAR/secret.key" ]; then
		# 32 random bytes as 64 hex characters.
		(
			umask 077
			od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$VAR/secret.key"
		)
		say "created $VAR/secret.key"
	fi
	chmod 600 "$VAR/secret.key"
	if [ ! -f "$CONF" ]; then
		cat >"$CONF" <<EOF
# Nexhina configuration, generated by tools/stack/run.sh for a private
# development/test stack.  Edit freely: it is only written when absent.
listen = unix:$VAR/run/fcgi.sock
# Apache's and nginx's children run as www-data and must connect.
listen_mode = 0666
workers = ${NX_WORKERS:-2}
threads = ${NX_THREADS:-16}
db_socket = $VAR/mysql/mysqld.sock
db_user = nexhina
db_password = nexhina
db_name = nexhina
secret_key_file = $VAR/secret.key
status_file = $VAR/run/status
log_level = info
EOF
		if [ -n "${NX_CONF_EXTRA:-}" ]; then
			printf '# from NX_CONF_EXTRA\n%s\n' "$NX_CONF_EXTRA" >>"$CONF"
		fi
		say "created $CONF"
	fi
}

need_bin() {
	[ -x "$BIN/$1" ] || die "$BIN/$1 not found; build first (make)"
}

stack_down() {
	# Reverse order: front ends first, so no request hits a dead app.
	"$STACK/web.sh" lighttpd stop "$VAR" || true
	"$STACK/web.sh" apache stop "$VAR" || true
	stop_bg nexhina "nexhina" "$STOP_TIMEOUT" || true
	stop_bg mock "mock-upstream" 5 || true
	"$STACK/db.sh" stop "$VAR" || true
}

stack_up() {
	local sock pid i web off
	need_bin nexhina
	need_bin mock-upstream
	make_layout
	sock=$(conf_socket)
	[ "${#sock}" -le 107 ] ||
	    die "socket path too long for a unix socket: $sock"

	# Leftovers of an earlier run that was not stopped cleanly.  The DB is
	# kept (db.sh start just reports it); everything else restarts, since
	# the binaries may have been rebuilt.
	"$STACK/web.sh" lighttpd stop "$VAR" >/dev/null
	"$STACK/web.sh" apache stop "$VAR" >/dev/null
	stop_bg nexhina "nexhina" "$STOP_TIMEOUT"
	stop_bg mock "mock-upstream" 5

	for p in "$HTTP_PORT" "$MOCK_PORT" ${APACHE_PORT:+"$APACHE_PORT"}; do
		if port_open "$p"; then
			die "127.0.0.1:$p is in use by another program" \
			    "(see: ss -ltnp 'sport = :$p'); set NX_HTTP_PORT," \
			    "NX_MOCK_PORT or NX_APACHE_PORT"
		fi
	done

	"$STACK/db.sh" start "$VAR"

	say "migrating"
	"$BIN/nexhina" migrate -c "$CONF" ||
	    die "nexhina migrate failed"

	off=$(stat -c %s "$VAR/log/mock.log" 2>/dev/null || echo 0)
	start_bg mock "$VAR/log/mock.log" \
	    "$BIN/mock-upstream" --port "$MOCK_PORT" --key "$MOCK_KEY"
	pid=$(cat "$VAR/run/mock.pid")
	for ((i = 0; i < 150; i++)); do
		# (grep without -q reads all its input: no SIGPIPE for tail)
		if tail -c +"$((off + 1))" "$VAR/log/mock.log" |
		    grep 'mock-upstream listening on' >/dev/null; then
			break
		fi
		alive "$pid" || {
			show_log "$VAR/log/mock.log"
			die "mock-upstream exited during startup"
		}
		sleep 0.1
	done
	[ "$i" -lt 150 ] || {
		show_log "$VAR/log/mock.log"
		die "mock-upstream printed no ready line within 15 s"
	}
	say "mock-upstream listening on 127.0.0.1:$MOCK_PORT"

	# A socket file left by a killed server would fool the wait below.
	rm -f "$sock"
	start_bg nexhina "$VAR/log/nexhina.log" "$BIN/nexhina" serve -c "$CONF"
	pid=$(cat "$VAR/run/nexhina.pid")
	for ((i = 0; i < 150; i++)); do
		[ -S "$sock" ] && break
		alive "$pid" || {
			show_log "$VAR/log/nexhina.log"
			die "nexhina serve exited during startup"
		}
		sleep 0.1
	done
	[ -S "$sock" ] || {
		show_log "$VAR/log/nexhina.log"
		die "nexhina serve created no socket $sock within 15 s"
	}
	say "nexhina serving on $sock (pid $pid)"

	web=$(webroot)
	"$STACK/web.sh" lighttpd start "$VAR" "$HTTP_PORT" "$sock" "$web"
	if [ -n "$APACHE_PORT" ]; then
		"$STACK/web.sh" apache start "$VAR" "$APACHE_PORT" "$sock" "$web"
	fi
}

# Random password: letters and digits only, easy to paste.
gen_password() {
	local pw=
	while [ "${#pw}" -lt 20 ]; do
		pw+=$(head -c 64 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
	done
	echo "${pw:0:20}"
}

# First run only: admin user, demo channel to the mock, demo key.  Each
# step leaves a marker, so a run that failed half-way resumes where it
# stopped instead of adding the admin twice.
bootstrap() {
	local ctl=("$BIN/nexhinactl" -c "$CONF") pw out key
	if [ -f "$VAR/bootstrap.done" ]; then
		vendor_channels
		return 0
	fi
	need_bin nexhinactl
	say "first run: creating admin user, demo channel and demo key"
	if [ ! -f "$VAR/bootstrap.user" ]; then
		if [ ! -s "$VAR/admin-password" ]; then
			(
				umask 077
				gen_password >"$VAR/admin-password"
			)
		fi
		pw=$(cat "$VAR/admin-password")
		printf %s "$pw" | "${ctl[@]}" user add admin --role 100 \
		    --quota 50000000 --password-stdin >/dev/null ||
		    die "nexhinactl user add failed"
		touch "$VAR/bootstrap.user"
	fi
	if [ ! -f "$VAR/bootstrap.channel" ]; then
		printf %s "$MOCK_KEY" | "${ctl[@]}" channel add --type openai \
		    --name demo-mock --base-url "http://127.0.0.1:$MOCK_PORT" \
		    --key-stdin --models "$DEMO_MODELS" >/dev/null ||
		    die "nexhinactl channel add failed"
		echo "$MOCK_PORT" >"$VAR/bootstrap.channel"
	fi
	if [ ! -s "$VAR/demo-key" ]; then
		out=$("${ctl[@]}" key create --user admin --name demo --unlimited) ||
		    die "nexhinactl key create failed"
		key=$(grep -o 'sk-[A-Za-z0-9_-]*' <<<"$out" | head -n 1 || true)
		[ -n "$key" ] || key=$(tr -d '[:space:]' <<<"$out")
		[ -n "$key" ] || die "nexhinactl key create printed no key"
		(
			umask 077
			echo "$key" >"$VAR/demo-key"
		)
	fi
	chmod 600 "$VAR/admin-password" "$VAR/demo-key"
	vendor_channels
	touch "$VAR/bootstrap.done"
}

# Demo anthropic and gemini channels to the mock (which speaks both), so
# /v1/messages and the Gemini API can be tried as well; once per var/,
# also for a var/ made before they existed.
vendor_channels() {
	local ctl=("$BIN/nexhinactl" -c "$CONF")
	[ ! -f "$VAR/bootstrap.vendors" ] || return 0
	printf %s "$MOCK_KEY" | "${ctl[@]}" channel add --type anthropic \
	    --name demo-mock-anthropic --base-url "http://127.0.0.1:$MOCK_PORT" \
	    --key-stdin --models "$DEMO_ANTHROPIC" >/dev/null ||
	    die "nexhinactl channel add failed"
	printf %s "$MOCK_KEY" | "${ctl[@]}" channel add --type gemini \
	    --name demo-mock-gemini --base-url "http://127.0.0.1:$MOCK_PORT" \
	    --key-stdin --models "$DEMO_GEMINI" >/dev/null ||
	    die "nexhinactl channel add failed"
	touch "$VAR/bootstrap.vendors"
}

print_banner() {
	local url="http://127.0.0.1:$HTTP_PORT" key pw
	key=$(cat "$VAR/demo-key" 2>/dev/null || echo '?')
	pw=$(cat "$VAR/admin-password" 2>/dev/null || echo '?')
	cat <<EOF

  Nexhina is running.

  Console   $url/
  Login     admin / $pw     ($VAR/admin-password)
  API key   $key     ($VAR/demo-key)

  Try it:
    curl $url/v1/chat/completions -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'
    curl $url/v1/messages -H "x-api-key: $key" -H 'anthropic-version: 2023-06-01' -H 'Content-Type: application/json' -d '{"model":"claude-sonnet-4-20250514","max_tokens":100,"messages":[{"role":"user","content":"Hello"}]}'

  Logs in $VAR/log/   Ctrl-C stops everything.

EOF
	if [ -f "$VAR/bootstrap.channel" ]; then
		local bp
		bp=$(cat "$VAR/bootstrap.channel")
		if [ -n "$bp" ] && [ "$bp" != "$MOCK_PORT" ]; then
			echo "  note: channel demo-mock points at port $bp, the mock" \
			    "now runs on $MOCK_PORT" >&2
		fi
	fi
}

stopping=0
# Ctrl-C / SIGTERM while running in the foreground.
# shellcheck disable=SC2317  # invoked by trap
on_signal() {
	[ "$stopping" = 0 ] || return 0
	stopping=1
	echo
	say "stopping"
	stack_down
	rm -f "$VAR/run/run.pid"
	exit 0
}

# `up` failed part-way: stop whatever this attempt started.
# shellcheck disable=SC2317  # invoked by trap
on_up_exit() {
	local rc=$?
	if [ "$rc" -ne 0 ]; then
		stack_down >&2
	fi
	return "$rc"
}

run_foreground() {
	local pid
	# One run.sh per var/ at a time.
	pid=$(live_pid run "run.sh")
	if [ -n "$pid" ] && [ "$pid" != "$$" ]; then
		die "another run.sh (pid $pid) is using $VAR"
	fi
	mkdir -p "$VAR/run"
	echo $$ >"$VAR/run/run.pid"

	trap on_signal INT TERM

	# `up` in its own process: with set -e in force there, and it cleans
	# up after itself if a step fails.
	if ! "$SELF" up; then
		rm -f "$VAR/run/run.pid"
		exit 1
	fi
	if ! (bootstrap); then
		stack_down
		rm -f "$VAR/run/run.pid"
		exit 1
	fi
	if ! curl -fsS -o /dev/null --max-time 5 \
	    "http://127.0.0.1:$HTTP_PORT/healthz" 2>/dev/null; then
		echo "run: warning: GET /healthz did not answer 200" \
		    "(see $VAR/log/nexhina.log)" >&2
	fi
	print_banner

	# Wait; notice when a piece dies (sleep in the background so the
	# trap runs at once on Ctrl-C).
	while :; do
		sleep 2 &
		wait $! || true
		if [ -z "$(live_pid nexhina nexhina)" ]; then
			show_log "$VAR/log/nexhina.log"
			say "nexhina serve exited; stopping the rest"
			break
		fi
		if [ -z "$(live_pid mock mock-upstream)" ]; then
			show_log "$VAR/log/mock.log"
			say "mock-upstream exited; stopping the rest"
			break
		fi
		if ! "$STACK/web.sh" lighttpd status "$VAR" >/dev/null; then
			show_log "$VAR/log/lighttpd.error.log"
			say "lighttpd exited; stopping the rest"
			break
		fi
	done
	stopping=1
	stack_down
	rm -f "$VAR/run/run.pid"
	exit 1
}

case $MODE in
up)
	trap 'exit 130' INT TERM
	trap on_up_exit EXIT
	stack_up
	;;
down)
	stack_down
	;;
run)
	run_foreground
	;;
*)
	echo "usage: $0 [up|down]" >&2
	exit 2
	;;
esac
