#!/usr/bin/env bash
# A private MariaDB for development and tests: start|stop|status VARDIR.
#
# Everything lives under VARDIR, nothing touches the system's MariaDB:
#   VARDIR/mysql/data        data directory (created by mariadb-install-db once)
#   VARDIR/mysql/mysqld.sock the only way in (--skip-networking: no TCP port)
#   VARDIR/mysql/mysqld.pid  pid file
#   VARDIR/mysql/tmp         tmpdir
#   VARDIR/log/mariadb.err   error log
# `start` also makes sure database `nexhina` (utf8mb4) and user
# nexhina@localhost (password nexhina) with all privileges on it exist.
# The server's admin account is the invoking OS user over the unix socket
# (unix_socket auth, as mariadb-install-db sets it up), so no root password.
#
# Idempotent: `start` on a running server only re-checks the database and
# user; `stop` on a stopped one says so.  Exit status: 0 ok, 1 error;
# `status` exits 0 when running and 3 when not.
set -euo pipefail

usage() {
	echo "usage: $0 start|stop|status VARDIR" >&2
	exit 2
}
[ $# -eq 2 ] || usage
cmd=$1
mkdir -p "$2"
VARDIR=$(cd "$2" && pwd)

MYDIR=$VARDIR/mysql
DATADIR=$MYDIR/data
SOCK=$MYDIR/mysqld.sock
PIDFILE=$MYDIR/mysqld.pid
ERRLOG=$VARDIR/log/mariadb.err
ME=$(id -un)
START_TIMEOUT=${NX_DB_START_TIMEOUT:-30}

# The client tools, all without ~/.my.cnf or /etc/mysql: they must reach
# this server and no other.
admin() { mariadb-admin --no-defaults --socket="$SOCK" --user="$ME" "$@"; }
sql() { mariadb --no-defaults --socket="$SOCK" --user="$ME" --batch; }

# True while PID runs.  A zombie counts as gone: our daemons are reparented
# to PID 1, which may take a while to reap them, and kill -0 succeeds on a
# zombie.
alive() {
	local st
	st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' \
	    "/proc/$1/status" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# Prints the pid if the pid file names a live mariadbd, else nothing.
live_pid() {
	local pid args
	[ -f "$PIDFILE" ] || return 0
	pid=$(tr -dc 0-9 < "$PIDFILE")
	[ -n "$pid" ] || return 0
	# Guard against pid reuse after a reboot or crash.
	args=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 0
	case $args in
	*mariadbd* | *mysqld*) echo "$pid" ;;
	esac
}

log_tail() {
	if [ -f "$ERRLOG" ]; then
		echo "--- last lines of $ERRLOG ---" >&2
		tail -n 25 "$ERRLOG" >&2
	fi
}

ensure_db() {
	# CREATE ... IF NOT EXISTS plus ALTER/GRANT are all idempotent, so this
	# runs on every start and repairs a half-finished earlier setup.
	sql <<'EOF'
CREATE DATABASE IF NOT EXISTS nexhina
  CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'nexhina'@'localhost' IDENTIFIED BY 'nexhina';
ALTER USER 'nexhina'@'localhost' IDENTIFIED BY 'nexhina';
GRANT ALL PRIVILEGES ON nexhina.* TO 'nexhina'@'localhost';
EOF
}

do_start() {
	local pid i
	pid=$(live_pid)
	if [ -n "$pid" ]; then
		if admin ping >/dev/null 2>&1; then
			ensure_db
			echo "db: already running (pid $pid, socket $SOCK)"
			return 0
		fi
		echo "db: pid $pid is alive but $SOCK does not answer" >&2
		log_tail
		return 1
	fi
	for c in mariadbd mariadb-install-db mariadb-admin mariadb; do
		command -v "$c" >/dev/null 2>&1 || {
			echo "db: $c not found; run tools/stack/deps.sh" >&2
			return 1
		}
	done
	# sun_path holds 108 bytes including the NUL.
	if [ "${#SOCK}" -gt 107 ]; then
		echo "db: socket path too long for a unix socket (${#SOCK} > 107):" \
		    "$SOCK; use a shorter VARDIR" >&2
		return 1
	fi
	if [ -S "$SOCK" ] && admin ping >/dev/null 2>&1; then
		echo "db: a server answers on $SOCK but $PIDFILE names no live" \
		    "mariadbd; stop it by hand" >&2
		return 1
	fi
	mkdir -p "$MYDIR/tmp" "$VARDIR/log"
	rm -f "$PIDFILE" "$SOCK" "$SOCK.lock"

	if [ ! -d "$DATADIR/mysql" ]; then
		# A data dir without the mysql schema is new (or a failed earlier
		# install): (re)create it from scratch.
		rm -rf "$DATADIR"
		mkdir -p "$DATADIR"
		echo "db: initialising $DATADIR"
		if ! mariadb-install-db --no-defaults --datadir="$DATADIR" \
		    --user="$ME" --auth-root-authentication-method=socket \
		    --skip-test-db --innodb-log-file-size=32M \
		    --innodb-buffer-pool-size=64M \
		    >>"$VARDIR/log/mariadb-install.log" 2>&1; then
			echo "db: mariadb-install-db failed; see" \
			    "$VARDIR/log/mariadb-install.log" >&2
			tail -n 20 "$VARDIR/log/mariadb-install.log" >&2
			rm -rf "$DATADIR"
			return 1
		fi
	fi

	# setsid: the server gets its own session, so a Ctrl-C in the terminal
	# that started us does not reach it; whoever started it stops it with
	# `db.sh stop` (a clean shutdown, not a signal in the middle of work).
	# Small memory settings: this is a dev/test box with two of these.
	# flush_log_at_trx_commit=2: no fsync per commit (tests commit a lot;
	# losing the last second on an OS crash is fine here).
	# --user: mariadbd refuses to run as root unless told to explicitly.
	setsid mariadbd --no-defaults \
	    --datadir="$DATADIR" \
	    --socket="$SOCK" \
	    --pid-file="$PIDFILE" \
	    --log-error="$ERRLOG" \
	    --tmpdir="$MYDIR/tmp" \
	    --user="$ME" \
	    --skip-networking \
	    --skip-name-resolve \
	    --max-connections=500 \
	    --innodb-buffer-pool-size=64M \
	    --innodb-log-file-size=32M \
	    --innodb-flush-log-at-trx-commit=2 \
	    --performance-schema=OFF \
	    --character-set-server=utf8mb4 \
	    --collation-server=utf8mb4_unicode_ci \
	    </dev/null >/dev/null 2>&1 &
	local spid=$!

	for ((i = 0; i < START_TIMEOUT * 5; i++)); do
		if admin ping >/dev/null 2>&1; then
			break
		fi
		if ! alive "$spid"; then
			echo "db: mariadbd exited during startup" >&2
			log_tail
			return 1
		fi
		sleep 0.2
	done
	if ! admin ping >/dev/null 2>&1; then
		echo "db: mariadbd did not answer on $SOCK within" \
		    "${START_TIMEOUT}s" >&2
		log_tail
		kill -TERM "$spid" 2>/dev/null || true
		sleep 2
		kill -KILL "$spid" 2>/dev/null || true
		return 1
	fi
	ensure_db
	echo "db: running (pid $(live_pid), socket $SOCK)"
}

do_stop() {
	local pid i
	pid=$(live_pid)
	if [ -z "$pid" ]; then
		rm -f "$PIDFILE"
		echo "db: not running"
		return 0
	fi
	# A clean shutdown flushes InnoDB, so the next start needs no recovery.
	admin shutdown >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do
		alive "$pid" || break
		sleep 0.1
	done
	if alive "$pid"; then
		echo "db: pid $pid still alive after 30s; sending SIGKILL" >&2
		kill -KILL "$pid" 2>/dev/null || true
		sleep 0.5
	fi
	rm -f "$PIDFILE"
	echo "db: stopped"
}

do_status() {
	local pid
	pid=$(live_pid)
	if [ -n "$pid" ] && admin ping >/dev/null 2>&1; then
		echo "db: running (pid $pid, socket $SOCK)"
		return 0
	fi
	if [ -n "$pid" ]; then
		echo "db: pid $pid alive but not answering on $SOCK"
		return 1
	fi
	echo "db: not running"
	return 3
}

case $cmd in
start) do_start ;;
stop) do_stop ;;
status) do_status ;;
*) usage ;;
esac
