#!/usr/bin/env bash
# Nexhina benchmark (make bench).  See tools/bench/README.md.
#
# In one run on this machine, measures requests/s, p50 and p99 latency of a
# non-streaming POST /v1/chat/completions at each concurrency for three
# targets, interleaved (for each concurrency: mock, floor, nexhina), so that
# the three numbers of a row are taken close together in time:
#   mock     the mock upstream called directly
#   floor    the mock behind a plain lighttpd reverse proxy (mod_proxy,
#            tools/bench/floor-lighttpd.conf): the floor for any gateway
#   nexhina  Nexhina (MariaDB, a real key, a channel to the mock) behind
#            lighttpd with deploy/lighttpd/nexhina.conf (tools/stack/web.sh)
#   nx-anthropic, nx-gemini
#            the same OpenAI request for a model whose channel is an
#            anthropic (gemini) one: Nexhina converts the request and the
#            answer (app/adapt.c); the ratio to `nexhina` is the cost of
#            the conversion
#   floor-sse, nexhina-sse
#            floor and nexhina with the request streamed ("stream": true,
#            include_usage): the cost of relaying a stream event by event
# then prints a table per concurrency with the Nexhina / floor ratios, the
# CPU each process spent per request, MariaDB statements per Nexhina
# request and the RSS of every Nexhina process, and writes the same to
# var/bench/result.json.
#
# Everything lives in var/bench (wiped at start); every process started
# here is stopped at the end, on error and on Ctrl-C/SIGTERM.
#
# Exit status: 0 all targets answered 200 to every request; 1 a target
# failed to start or a request failed (non-2xx, socket error, non-200 in an
# access log, a Nexhina worker died); 130/143 interrupted.
#
# Environment (defaults):
#   BENCH_CONCURRENCY="1 16 64"  BENCH_DURATION=8  BENCH_WARMUP=2 (seconds)
#   BENCH_WRK_THREADS=1          (one epoll thread drives >60k req/s and
#                                leaves the most CPU to the servers)
#   BENCH_NX_PORT=28080  BENCH_FLOOR_PORT=28081  BENCH_MOCK_PORT=28090
#   BENCH_TARGETS="mock floor nexhina nx-anthropic nx-gemini floor-sse
#                  nexhina-sse"
#   BUILD=build
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$ROOT/tools/bench
STACK=$ROOT/tools/stack
VAR=$ROOT/var/bench
CONF=$VAR/nexhina.conf
BUILD=${BUILD:-build}
case $BUILD in
/*) BIN=$BUILD ;;
*) BIN=$ROOT/$BUILD ;;
esac

CONCURRENCY=${BENCH_CONCURRENCY:-1 16 64}
DURATION=${BENCH_DURATION:-8}
WARMUP=${BENCH_WARMUP:-2}
WRK_THREADS=${BENCH_WRK_THREADS:-1}
NX_PORT=${BENCH_NX_PORT:-28080}
FLOOR_PORT=${BENCH_FLOOR_PORT:-28081}
MOCK_PORT=${BENCH_MOCK_PORT:-28090}
# Nexhina for the bench: 2 workers x 64 slots, so 64 concurrent
# connections fit in one worker's slots even if the kernel hands them all
# to the same one.
NX_WORKERS=2
NX_THREADS=64
# tools/stack/run.sh starts the mock with this key (its MOCK_KEY).
MOCK_KEY=sk-mock-upstream
PATH_CHAT=/v1/chat/completions
TARGETS=${BENCH_TARGETS:-mock floor nexhina nx-anthropic nx-gemini floor-sse nexhina-sse}
# Models of the converted targets (seeded prices, channels in bootstrap).
MODEL_ANTHROPIC=claude-sonnet-4-20250514
MODEL_GEMINI=gemini-2.5-pro
NX_KEY=
WRK_PID=
CLEANED=0
FAILED=0
declare -A RPS P50 P99 REQS BAD
declare -a PROBLEMS=()

say() { echo "bench: $*"; }
warn() { echo "bench: $*" >&2; }
die() {
	echo "bench: error: $*" >&2
	exit 1
}

# A measured problem: reported, the run goes on, the exit status is 1.
problem() {
	warn "ERROR: $*"
	PROBLEMS+=("$*")
	FAILED=1
}

show_log() {
	if [ -s "$1" ]; then
		echo "--- last lines of $1 ---" >&2
		tail -n "${2:-20}" "$1" >&2
	fi
}

port_open() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

label() {
	case $1 in
	mock) echo "mock upstream (direct)" ;;
	floor) echo "lighttpd proxy (floor)" ;;
	nexhina) echo "nexhina via lighttpd" ;;
	nx-anthropic) echo "nexhina -> anthropic" ;;
	nx-gemini) echo "nexhina -> gemini" ;;
	floor-sse) echo "lighttpd proxy, streamed" ;;
	nexhina-sse) echo "nexhina, streamed" ;;
	esac
}

# Targets answered by Nexhina (its lighttpd, workers and MariaDB).
is_nx() {
	case $1 in
	nexhina | nx-* | nexhina-sse) return 0 ;;
	esac
	return 1
}

url_of() {
	case $1 in
	mock) echo "http://127.0.0.1:$MOCK_PORT$PATH_CHAT" ;;
	floor | floor-sse) echo "http://127.0.0.1:$FLOOR_PORT$PATH_CHAT" ;;
	*) echo "http://127.0.0.1:$NX_PORT$PATH_CHAT" ;;
	esac
}

key_of() {
	if is_nx "$1"; then echo "$NX_KEY"; else echo "$MOCK_KEY"; fi
}

model_of() {
	case $1 in
	nx-anthropic) echo "$MODEL_ANTHROPIC" ;;
	nx-gemini) echo "$MODEL_GEMINI" ;;
	*) echo gpt-4o-mini ;;
	esac
}

# The request of every target: the same small chat, its own model; the
# *-sse targets ask for a stream (five content chunks from the mock,
# then the usage chunk).
body_of() {
	local stream=
	case $1 in
	*-sse) stream=',"stream":true,"stream_options":{"include_usage":true}' ;;
	esac
	printf '{"model":"%s","messages":[{"role":"user","content":"Hello bench"}]%s}' \
	    "$(model_of "$1")" "$stream"
}

# ---- the floor proxy ---------------------------------------------------

floor_pid() {
	local f=$VAR/run/floor-lighttpd.pid pid args
	[ -f "$f" ] || return 0
	pid=$(tr -dc 0-9 <"$f")
	[ -n "$pid" ] || return 0
	args=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || return 0
	case $args in
	*lighttpd*floor-lighttpd.conf*) echo "$pid" ;;
	esac
}

floor_start() {
	local conf=$VAR/etc/floor-lighttpd.conf log=$VAR/log/floor-lighttpd.start.log i
	local lighttpd
	lighttpd=$(PATH=$PATH:/usr/sbin:/sbin command -v lighttpd) ||
	    die "lighttpd not installed; run tools/stack/deps.sh"
	mkdir -p "$VAR/tmp/floor-lighttpd"
	cat >"$conf" <<EOF
# Generated by tools/bench/run.sh: the benchmark's plain reverse proxy.
var.bench_var = "$VAR"
var.floor_port = $FLOOR_PORT
var.mock_port = $MOCK_PORT
include "$BENCH/floor-lighttpd.conf"
EOF
	"$lighttpd" -tt -f "$conf" >>"$log" 2>&1 || {
		show_log "$log"
		die "floor lighttpd: config test failed ($conf)"
	}
	# Daemonizes (its own session) and writes the pid file.
	"$lighttpd" -f "$conf" >>"$log" 2>&1 || {
		show_log "$log"
		show_log "$VAR/log/floor-lighttpd.error.log"
		die "floor lighttpd failed to start"
	}
	for ((i = 0; i < 150; i++)); do
		if [ -n "$(floor_pid)" ] && port_open "$FLOOR_PORT"; then
			say "floor lighttpd proxy on 127.0.0.1:$FLOOR_PORT" \
			    "(pid $(floor_pid))"
			return 0
		fi
		sleep 0.1
	done
	show_log "$VAR/log/floor-lighttpd.error.log"
	die "floor lighttpd did not answer on 127.0.0.1:$FLOOR_PORT within 15 s"
}

floor_stop() {
	local pid i
	pid=$(floor_pid)
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	rm -f "$VAR/run/floor-lighttpd.pid"
	say "floor lighttpd stopped"
}

# ---- setup and teardown ------------------------------------------------

stack_down() {
	floor_stop || true
	# lighttpd, nexhina, mock, MariaDB, in that order (run.sh's own down).
	NX_VAR=$VAR NX_STOP_TIMEOUT=15 BUILD=$BUILD "$STACK/run.sh" down ||
	    true
}

# shellcheck disable=SC2317  # invoked by trap
cleanup() {
	[ "$CLEANED" = 0 ] || return 0
	CLEANED=1
	if [ -n "$WRK_PID" ]; then
		kill -TERM "$WRK_PID" 2>/dev/null || true
		wait "$WRK_PID" 2>/dev/null || true
		WRK_PID=
	fi
	if [ -d "$VAR" ]; then
		say "stopping everything started for the bench"
		stack_down 2>&1 | sed 's/^/  /' >&2
	fi
}

gen_password() {
	local pw=
	while [ "${#pw}" -lt 20 ]; do
		pw+=$(head -c 64 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
	done
	echo "${pw:0:20}"
}

# Fresh var dir, secret key and config (written here rather than by
# run.sh so that the bench settings are explicit: threads 64 and the
# access log on, to stderr, which run.sh sends to log/nexhina.log).
make_var() {
	if [ -d "$VAR" ]; then
		say "stopping leftovers of an earlier bench in $VAR"
		stack_down >/dev/null 2>&1 || true
		rm -rf "$VAR"
	fi
	mkdir -p "$VAR/etc" "$VAR/run" "$VAR/log" "$VAR/tmp" "$VAR/wrk"
	# The web server's children may run as www-data and need the socket.
	chmod 755 "$VAR" "$VAR/run"
	(
		umask 077
		od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$VAR/secret.key"
	)
	cat >"$CONF" <<EOF
# Nexhina configuration for tools/bench/run.sh (regenerated every run).
listen = unix:$VAR/run/fcgi.sock
listen_mode = 0666
workers = $NX_WORKERS
threads = $NX_THREADS
db_socket = $VAR/mysql/mysqld.sock
db_user = nexhina
db_password = nexhina
db_name = nexhina
secret_key_file = $VAR/secret.key
log_level = info
# On, as in production: the access line is part of a request's cost.
access_log = on
EOF
}

# User, channel to the mock and an unlimited key, before `nexhina serve`
# starts (so the workers load the channel at once, no reload wait).
bootstrap() {
	local ctl=("$BIN/nexhinactl" -c "$CONF") out t
	"$STACK/db.sh" start "$VAR" | sed 's/^/  /'
	"$BIN/nexhina" migrate -c "$CONF" >>"$VAR/log/migrate.log" 2>&1 || {
		show_log "$VAR/log/migrate.log"
		die "nexhina migrate failed"
	}
	gen_password | "${ctl[@]}" user add bench --quota 1000000000000 \
	    --password-stdin >>"$VAR/log/bootstrap.log" 2>&1 || {
		show_log "$VAR/log/bootstrap.log"
		die "nexhinactl user add failed"
	}
	# One channel per upstream type, all to the mock (which speaks each).
	for t in openai:gpt-4o-mini anthropic:$MODEL_ANTHROPIC \
	    gemini:$MODEL_GEMINI; do
		printf %s "$MOCK_KEY" | "${ctl[@]}" channel add --type "${t%%:*}" \
		    --name "bench-${t%%:*}" --base-url "http://127.0.0.1:$MOCK_PORT" \
		    --key-stdin --models "${t#*:}" >>"$VAR/log/bootstrap.log" 2>&1 || {
			show_log "$VAR/log/bootstrap.log"
			die "nexhinactl channel add (${t%%:*}) failed"
		}
	done
	out=$("${ctl[@]}" key create --user bench --name bench --unlimited \
	    2>>"$VAR/log/bootstrap.log") || {
		show_log "$VAR/log/bootstrap.log"
		die "nexhinactl key create failed"
	}
	NX_KEY=$(grep -o 'sk-[A-Za-z0-9_-]*' <<<"$out" | head -n 1 || true)
	[ -n "$NX_KEY" ] || NX_KEY=$(tr -d '[:space:]' <<<"$out")
	[ -n "$NX_KEY" ] || die "nexhinactl key create printed no key"
}

# One request per target before the load: 200 and a chat completion, or
# the target is declared failed to start.
check_target() {
	local t=$1 url code body=$VAR/wrk/check-$1.json err=$VAR/wrk/check-$1.err
	url=$(url_of "$t")
	code=$(curl -sS -o "$body" -w '%{http_code}' --max-time 10 \
	    -H "Authorization: Bearer $(key_of "$t")" \
	    -H 'Content-Type: application/json' -d "$(body_of "$t")" "$url" \
	    2>"$err") ||
	    code="$code ($(tr '\n' ' ' <"$err"))"
	if [ "$code" != 200 ] || ! grep -Eq '"chat\.completion(\.chunk)?"' "$body"; then
		warn "$(label "$t") at $url answered: $code"
		[ -s "$body" ] && head -c 600 "$body" >&2 && echo >&2
		return 1
	fi
}

# ---- measuring ---------------------------------------------------------

# wrk in the background and `wait`, so that a signal runs the trap at once
# (a foreground child would delay it until wrk ends).
run_wrk() {
	local out=$1 secs=$2 c=$3 url=$4 key=$5 body=$6 threads=$WRK_THREADS
	[ "$threads" -le "$c" ] || threads=$c
	BENCH_KEY=$key BENCH_BODY=$body wrk -t"$threads" -c"$c" -d"${secs}s" --timeout 10s \
	    --latency -s "$BENCH/chat.lua" "$url" >"$out" 2>&1 &
	WRK_PID=$!
	local rc=0
	wait "$WRK_PID" || rc=$?
	WRK_PID=
	return "$rc"
}

# wrk's report -> "rps p50_ms p99_ms requests non2xx socket_errors",
# times converted to ms whatever unit wrk chose (us, ms, s, m, h).
parse_wrk() {
	awk '
	function ms(v,   n, u) {
		n = v + 0
		u = v
		sub(/^[0-9.]+/, "", u)
		if (u == "us") return n / 1000
		if (u == "ms") return n
		if (u == "s") return n * 1000
		if (u == "m") return n * 60000
		if (u == "h") return n * 3600000
		return -1
	}
	$1 == "50%" { p50 = ms($2) }
	$1 == "99%" { p99 = ms($2) }
	/requests in/ { reqs = $1 }
	/^Requests\/sec:/ { rps = $2 }
	/Non-2xx or 3xx responses:/ { bad = $NF }
	/Socket errors:/ {
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[0-9]+,?$/) serr += $i + 0
	}
	END {
		if (rps == "" || p50 == "" || p99 == "") { print "none"; exit }
		printf "%.2f %.3f %.3f %d %d %d\n", rps, p50, p99, reqs, bad, serr
	}' "$1"
}

# ---- CPU accounting ----------------------------------------------------
#
# user+system CPU of each process taking part, between the start and the
# end of a measured run: per request it shows where the time goes, and the
# sum over the wall time ("busy", in CPUs) whether the chain is CPU-bound
# (busy near the CPU count) or waiting on something (locks, I/O).

CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
COMPONENTS="wrk lighttpd nexhina mariadb mock"
declare -A SNAP CPU BUSY

pid_in() {
	local pid
	pid=$(tr -dc 0-9 <"$1" 2>/dev/null || true)
	[ -z "$pid" ] || echo "$pid"
}

# Processes of component COMP for target T, one pid per line.
comp_pids() {
	case $2 in
	mock) pid_in "$VAR/run/mock.pid" ;;
	lighttpd)
		case $1 in
		floor | floor-sse) floor_pid ;;
		mock) ;;
		*) pid_in "$VAR/run/lighttpd.pid" ;;
		esac ;;
	nexhina)
		! is_nx "$1" || nx_pids "$(pid_in "$VAR/run/nexhina.pid")" ;;
	mariadb) ! is_nx "$1" || pid_in "$VAR/mysql/mysqld.pid" ;;
	esac
}

# Clock ticks of user+system CPU of the given processes (all threads).
cpu_ticks() {
	local p st rest sum=0
	local -a fld
	for p in "$@"; do
		read -r st 2>/dev/null <"/proc/$p/stat" || continue
		rest=${st##*) }
		# After "pid (comm) ": state ppid ... utime(12th) stime(13th).
		read -r -a fld <<<"$rest"
		sum=$((sum + fld[11] + fld[12]))
	done
	echo "$sum"
}

# CPU of the shell's reaped children in ms (wrk is the only one that ends
# during a measured run), from the output of the `times` builtin in FILE.
# `times` itself must run in this shell, not in a $(...) subshell, which
# would report its own.
children_ms() {
	awk 'NR == 2 {
		t = 0
		for (i = 1; i <= 2; i++) {
			split($i, a, "m"); sub(/s$/, "", a[2])
			t += a[1] * 60000 + a[2] * 1000
		}
		printf "%d\n", t }' "$1"
}

cpu_snapshot() {
	local t=$1 when=$2 comp
	local -a pids
	# The clock and wrk's `times` next to the measured run: last before
	# it, first after it, so the helpers run here are not counted as wrk.
	if [ "$when" = after ]; then
		times >"$VAR/wrk/times.after"
		SNAP[after.ns]=$(date +%s%N)
	fi
	for comp in $COMPONENTS; do
		[ "$comp" != wrk ] || continue
		mapfile -t pids < <(comp_pids "$t" "$comp")
		if [ "${#pids[@]}" -eq 0 ]; then
			SNAP[$when.$comp]=
		else
			SNAP[$when.$comp]=$(cpu_ticks "${pids[@]}")
		fi
	done
	if [ "$when" = before ]; then
		SNAP[before.ns]=$(date +%s%N)
		times >"$VAR/wrk/times.before"
	fi
	SNAP[$when.wrk]=$(children_ms "$VAR/wrk/times.$when")
}

# CPU[K.COMP] = us of CPU per request, BUSY[K] = average CPUs in use.
cpu_account() {
	local k=$1 reqs=$3 comp a b us total=0 wall_us
	for comp in $COMPONENTS; do
		a=${SNAP[before.$comp]:-}
		b=${SNAP[after.$comp]:-}
		if [ -z "$a" ] || [ -z "$b" ]; then
			continue
		fi
		if [ "$comp" = wrk ]; then
			us=$(((b - a) * 1000))
		else
			us=$(((b - a) * 1000000 / CLK_TCK))
		fi
		total=$((total + us))
		if [ "$reqs" -gt 0 ]; then
			CPU[$k.$comp]=$((us / reqs))
		fi
	done
	if [ "$reqs" -gt 0 ]; then
		CPU[$k.total]=$((total / reqs))
	fi
	wall_us=$(((${SNAP[after.ns]} - ${SNAP[before.ns]}) / 1000))
	BUSY[$k]=$(awk -v c="$total" -v w="$wall_us" \
	    'BEGIN { if (w > 0) printf "%.2f", c / w }')
}

# MariaDB's statement counters (SHOW GLOBAL STATUS) around the measured
# Nexhina runs: statements per request, the other half of the DB cost.
# Innodb_row_lock_waits: how often a statement had to wait for a row lock
# (every hold and settlement updates the same key and user rows).
DB_COUNTERS="Questions Com_select Com_insert Com_update Com_delete Com_begin Com_commit Com_rollback Innodb_row_lock_waits"
declare -A DBSNAP DBQ

db_snapshot() {
	local when=$1 name value names
	names=$(sed "s/[A-Za-z_]*/'&'/g; s/ /,/g" <<<"$DB_COUNTERS")
	while read -r name value; do
		DBSNAP[$when.$name]=$value
	done < <(mariadb --no-defaults --socket="$VAR/mysql/mysqld.sock" \
	    --user="$(id -un)" --batch --skip-column-names \
	    -e "SHOW GLOBAL STATUS WHERE Variable_name IN ($names)" 2>/dev/null)
}

db_account() {
	local k=$1 reqs=$2 name a b
	[ "$reqs" -gt 0 ] || return 0
	for name in $DB_COUNTERS; do
		a=${DBSNAP[before.$name]:-}
		b=${DBSNAP[after.$name]:-}
		if [ -n "$a" ] && [ -n "$b" ]; then
			# Minus the SHOW STATUS of the second snapshot.
			[ "$name" != Questions ] || b=$((b - 1))
			DBQ[$k.$name]=$(awk -v d="$((b - a))" -v n="$reqs" \
			    'BEGIN { printf "%.2f", d / n }')
		fi
	done
}

measure() {
	local c=$1 t=$2 k=$1.$2 url key out res rps p50 p99 reqs bad serr
	url=$(url_of "$t")
	key=$(key_of "$t")
	out=$VAR/wrk/c$c-$t
	printf '  c=%-3s %-24s ' "$c" "$(label "$t")"
	if ! run_wrk "$out.warmup.txt" "$WARMUP" "$c" "$url" "$key" \
	    "$(body_of "$t")"; then
		echo "wrk failed"
		show_log "$out.warmup.txt" 10
		problem "c=$c $t: wrk failed (see $out.warmup.txt)"
		return 0
	fi
	! is_nx "$t" || db_snapshot before
	cpu_snapshot "$t" before
	if ! run_wrk "$out.txt" "$DURATION" "$c" "$url" "$key" \
	    "$(body_of "$t")"; then
		echo "wrk failed"
		show_log "$out.txt" 10
		problem "c=$c $t: wrk failed (see $out.txt)"
		return 0
	fi
	cpu_snapshot "$t" after
	! is_nx "$t" || db_snapshot after
	res=$(parse_wrk "$out.txt")
	if [ "$res" = none ]; then
		echo "no result"
		show_log "$out.txt" 20
		problem "c=$c $t: could not read wrk's report ($out.txt)"
		return 0
	fi
	read -r rps p50 p99 reqs bad serr <<<"$res"
	RPS[$k]=$rps P50[$k]=$p50 P99[$k]=$p99 REQS[$k]=$reqs BAD[$k]=$bad
	cpu_account "$k" "$t" "$reqs"
	! is_nx "$t" || db_account "$k" "$reqs"
	printf '%10s req/s  p50 %8s ms  p99 %8s ms\n' "${RPS[$c.$t]}" \
	    "${P50[$c.$t]}" "${P99[$c.$t]}"
	if [ "${REQS[$c.$t]}" -eq 0 ]; then
		problem "c=$c $t: no request completed"
	fi
	if [ "${BAD[$c.$t]}" -gt 0 ]; then
		problem "c=$c $t: ${BAD[$c.$t]} of ${REQS[$c.$t]} responses" \
		    "were not 2xx (wrk: Non-2xx or 3xx responses)"
	fi
	if [ "$serr" -gt 0 ]; then
		BAD[$c.$t]=$((BAD[$c.$t] + serr))
		problem "c=$c $t: $serr socket errors ($(grep 'Socket errors' \
		    "$out.txt" | sed 's/^ *//'))"
	fi
}

# Statuses other than 200 in a lighttpd access log (common log format:
# the status follows the quoted request line), as "count status..." .
lighttpd_non200() {
	[ -f "$1" ] || {
		echo 0
		return
	}
	awk -F'"' '{ split($3, a, " "); if (a[1] != "200") { n++; s[a[1]]++ } }
	END { printf "%d", n; for (k in s) printf " %s:%d", k, s[k]; print "" }' "$1"
}

# ---- Nexhina processes ------------------------------------------------

# pid and descendants of the master, one per line.
nx_pids() {
	local master=$1 queue pid p st rest ppid
	local -A kids=()
	for p in /proc/[0-9]*; do
		read -r st 2>/dev/null <"$p/stat" || continue
		rest=${st##*) }
		read -r _ ppid _ <<<"$rest"
		kids[$ppid]+="${p#/proc/} "
	done
	queue=("$master")
	while [ "${#queue[@]}" -gt 0 ]; do
		pid=${queue[0]}
		queue=("${queue[@]:1}")
		[ -d "/proc/$pid" ] || continue
		echo "$pid"
		for p in ${kids[$pid]:-}; do
			queue+=("$p")
		done
	done
}

nx_role() {
	local pid=$1 master=$2 threads
	if [ "$pid" = "$master" ]; then
		echo master
	elif grep -q "housekeeper\[$pid\]" "$VAR/log/nexhina.log" 2>/dev/null; then
		echo housekeeper
	elif grep -q "worker\[$pid\]" "$VAR/log/nexhina.log" 2>/dev/null; then
		echo worker
	else
		# Workers run one thread per slot; the housekeeper one.
		threads=$(awk '$1 == "Threads:" { print $2 }' "/proc/$pid/status")
		if [ "${threads:-1}" -gt 1 ]; then echo worker; else echo housekeeper; fi
	fi
}

# Fills RSS_ROWS ("pid role hwm_kib rss_kib threads") and the totals.
RSS_ROWS=()
HWM_SUM=0 HWM_MAX=0 RSS_SUM=0 RSS_MAX=0
read_rss() {
	local master pid hwm rss thr
	master=$(tr -dc 0-9 <"$VAR/run/nexhina.pid" 2>/dev/null || true)
	if [ -z "$master" ] || [ ! -d "/proc/$master" ]; then
		problem "nexhina master is not running after the load"
		return 0
	fi
	while read -r pid; do
		hwm=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
		rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
		thr=$(awk '$1 == "Threads:" { print $2 }' "/proc/$pid/status" 2>/dev/null) || continue
		if [ -z "$hwm" ] || [ -z "$rss" ]; then
			continue
		fi
		RSS_ROWS+=("$pid $(nx_role "$pid" "$master") $hwm $rss $thr")
		HWM_SUM=$((HWM_SUM + hwm))
		RSS_SUM=$((RSS_SUM + rss))
		[ "$hwm" -le "$HWM_MAX" ] || HWM_MAX=$hwm
		[ "$rss" -le "$RSS_MAX" ] || RSS_MAX=$rss
	done < <(nx_pids "$master")
}

# ---- report ------------------------------------------------------------

ratio() {
	# num / den with 2 decimals, "-" when either is missing or den is 0.
	awk -v a="${1:-}" -v b="${2:-}" 'BEGIN {
		if (a == "" || b == "" || b + 0 == 0) print "-"
		else printf "%.2f\n", a / b }'
}

mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

jnum() {
	# A JSON number, or null for "" and "-".
	case ${1:-} in
	'' | -) echo null ;;
	*) echo "$1" ;;
	esac
}

report() {
	local c t k comp
	echo
	echo "Nexhina benchmark: POST $PATH_CHAT (*-sse: streamed)," \
	    "${DURATION}s per point after ${WARMUP}s warm-up, wrk" \
	    "$(wrk --version 2>&1 | head -n 1 | awk '{print $2}')," \
	    "$(nproc) CPUs"
	for c in $CONCURRENCY; do
		echo
		echo "concurrency $c"
		printf '  %-26s %12s %10s %10s %10s\n' target 'req/s' 'p50 ms' \
		    'p99 ms' 'failed'
		for t in $TARGETS; do
			k=$c.$t
			printf '  %-26s %12s %10s %10s %10s\n' "$(label "$t")" \
			    "${RPS[$k]:--}" "${P50[$k]:--}" "${P99[$k]:--}" \
			    "${BAD[$k]:--}"
		done
		printf '  %-26s %11sx %9sx %9sx\n' "nexhina / floor" \
		    "$(ratio "${RPS[$c.nexhina]:-}" "${RPS[$c.floor]:-}")" \
		    "$(ratio "${P50[$c.nexhina]:-}" "${P50[$c.floor]:-}")" \
		    "$(ratio "${P99[$c.nexhina]:-}" "${P99[$c.floor]:-}")"
		for t in $TARGETS; do
			[ "${t#nx-}" != "$t" ] || continue
			printf '  %-26s %11sx %9sx %9sx\n' "$t / nexhina" \
			    "$(ratio "${RPS[$c.$t]:-}" "${RPS[$c.nexhina]:-}")" \
			    "$(ratio "${P50[$c.$t]:-}" "${P50[$c.nexhina]:-}")" \
			    "$(ratio "${P99[$c.$t]:-}" "${P99[$c.nexhina]:-}")"
		done
		if [ -n "${RPS[$c.nexhina-sse]:-}" ]; then
			printf '  %-26s %11sx %9sx %9sx\n' "streamed: nexhina / floor" \
			    "$(ratio "${RPS[$c.nexhina-sse]:-}" "${RPS[$c.floor-sse]:-}")" \
			    "$(ratio "${P50[$c.nexhina-sse]:-}" "${P50[$c.floor-sse]:-}")" \
			    "$(ratio "${P99[$c.nexhina-sse]:-}" "${P99[$c.floor-sse]:-}")"
		fi
	done
	echo
	echo "  ratios: req/s higher is better (1.00x = as fast as the bare" \
	    "proxy); p50/p99 lower is better (1.00x = no added latency);" \
	    "nx-* / nexhina: the same request converted for an anthropic or" \
	    "gemini channel against the OpenAI pass-through"
	echo
	echo "CPU per request in the measured runs (us of user+system CPU;" \
	    "busy = CPUs in use on average, out of $(nproc)):"
	printf '  %-4s %-13s' c target
	for comp in $COMPONENTS total; do
		printf ' %9s' "$comp"
	done
	printf ' %6s\n' busy
	for c in $CONCURRENCY; do
		for t in $TARGETS; do
			k=$c.$t
			printf '  %-4s %-13s' "$c" "$t"
			for comp in $COMPONENTS total; do
				printf ' %9s' "${CPU[$k.$comp]:--}"
			done
			printf ' %6s\n' "${BUSY[$k]:--}"
		done
	done
	echo
	echo "MariaDB statements per Nexhina request (SHOW GLOBAL STATUS;" \
	    "the OpenAI path):"
	printf '  %-4s' c
	for comp in $DB_COUNTERS; do
		comp=${comp#Com_}
		printf ' %9s' "${comp/Innodb_row_lock_waits/lockwaits}"
	done
	echo
	for c in $CONCURRENCY; do
		printf '  %-4s' "$c"
		for comp in $DB_COUNTERS; do
			printf ' %9s' "${DBQ[$c.nexhina.$comp]:--}"
		done
		echo
	done
	echo
	echo "Nexhina processes after the load (${#RSS_ROWS[@]}):"
	printf '  %-8s %-12s %8s %12s %12s\n' pid role threads 'peak RSS' 'RSS now'
	local row pid role hwm rss thr
	for row in "${RSS_ROWS[@]}"; do
		read -r pid role hwm rss thr <<<"$row"
		printf '  %-8s %-12s %8s %8s MiB %8s MiB\n' "$pid" "$role" "$thr" \
		    "$(mib "$hwm")" "$(mib "$rss")"
	done
	printf '  %-8s %-12s %8s %8s MiB %8s MiB\n' sum '' '' \
	    "$(mib "$HWM_SUM")" "$(mib "$RSS_SUM")"
	printf '  %-8s %-12s %8s %8s MiB %8s MiB\n' max '' '' \
	    "$(mib "$HWM_MAX")" "$(mib "$RSS_MAX")"
	echo "  (peak RSS = VmHWM, RSS now = VmRSS from /proc; RSS counts" \
	    "shared pages once per process, so the sum overstates the total)"
}

write_json() {
	local f=$VAR/result.json c t k first_c=1 first_t row pid role hwm rss thr
	local comp sep
	local first_p=1
	{
		printf '{\n  "bench": "nexhina non-stream chat",\n'
		printf '  "duration_s": %s,\n  "warmup_s": %s,\n' "$DURATION" "$WARMUP"
		printf '  "wrk_threads_max": %s,\n  "cpus": %s,\n' "$WRK_THREADS" "$(nproc)"
		printf '  "nexhina": {"workers": %s, "threads": %s},\n' \
		    "$NX_WORKERS" "$NX_THREADS"
		printf '  "points": ['
		for c in $CONCURRENCY; do
			[ "$first_c" = 1 ] || printf ','
			first_c=0
			printf '\n    {"concurrency": %s, "targets": {' "$c"
			first_t=1
			for t in $TARGETS; do
				k=$c.$t
				[ "$first_t" = 1 ] || printf ','
				first_t=0
				printf '\n      "%s": {"rps": %s, "p50_ms": %s, "p99_ms": %s, "requests": %s, "failed": %s,' \
				    "$t" "$(jnum "${RPS[$k]:-}")" "$(jnum "${P50[$k]:-}")" \
				    "$(jnum "${P99[$k]:-}")" "$(jnum "${REQS[$k]:-}")" \
				    "$(jnum "${BAD[$k]:-}")"
				printf '\n        "cpu_us_per_request": {'
				sep=
				for comp in $COMPONENTS total; do
					printf '%s"%s": %s' "$sep" "$comp" \
					    "$(jnum "${CPU[$k.$comp]:-}")"
					sep=', '
				done
				printf '}, "busy_cpus": %s' "$(jnum "${BUSY[$k]:-}")"
				if is_nx "$t"; then
					printf ',\n        "db_statements_per_request": {'
					sep=
					for comp in $DB_COUNTERS; do
						printf '%s"%s": %s' "$sep" "$comp" \
						    "$(jnum "${DBQ[$k.$comp]:-}")"
						sep=', '
					done
					printf '}'
				fi
				printf '}'
			done
			printf '},\n      "nexhina_over_floor": {"rps": %s, "p50": %s, "p99": %s}' \
			    "$(jnum "$(ratio "${RPS[$c.nexhina]:-}" "${RPS[$c.floor]:-}")")" \
			    "$(jnum "$(ratio "${P50[$c.nexhina]:-}" "${P50[$c.floor]:-}")")" \
			    "$(jnum "$(ratio "${P99[$c.nexhina]:-}" "${P99[$c.floor]:-}")")"
			printf ',\n      "stream_nexhina_over_floor": {"rps": %s, "p50": %s, "p99": %s}' \
			    "$(jnum "$(ratio "${RPS[$c.nexhina-sse]:-}" "${RPS[$c.floor-sse]:-}")")" \
			    "$(jnum "$(ratio "${P50[$c.nexhina-sse]:-}" "${P50[$c.floor-sse]:-}")")" \
			    "$(jnum "$(ratio "${P99[$c.nexhina-sse]:-}" "${P99[$c.floor-sse]:-}")")"
			for t in $TARGETS; do
				[ "${t#nx-}" != "$t" ] || continue
				printf ',\n      "%s_over_nexhina": {"rps": %s, "p50": %s, "p99": %s}' \
				    "${t#nx-}" \
				    "$(jnum "$(ratio "${RPS[$c.$t]:-}" "${RPS[$c.nexhina]:-}")")" \
				    "$(jnum "$(ratio "${P50[$c.$t]:-}" "${P50[$c.nexhina]:-}")")" \
				    "$(jnum "$(ratio "${P99[$c.$t]:-}" "${P99[$c.nexhina]:-}")")"
			done
			printf '}'
		done
		printf '\n  ],\n  "rss": {"processes": ['
		for row in "${RSS_ROWS[@]}"; do
			read -r pid role hwm rss thr <<<"$row"
			[ "$first_p" = 1 ] || printf ','
			first_p=0
			printf '\n    {"pid": %s, "role": "%s", "threads": %s, "vmhwm_kib": %s, "vmrss_kib": %s}' \
			    "$pid" "$role" "$thr" "$hwm" "$rss"
		done
		printf '\n  ], "vmhwm_sum_kib": %s, "vmhwm_max_kib": %s,' "$HWM_SUM" "$HWM_MAX"
		printf ' "vmrss_sum_kib": %s, "vmrss_max_kib": %s},\n' "$RSS_SUM" "$RSS_MAX"
		printf '  "errors": ['
		first_p=1
		for row in "${PROBLEMS[@]}"; do
			[ "$first_p" = 1 ] || printf ','
			first_p=0
			# Messages are ours: no quotes or backslashes to escape
			# beyond these two.
			row=${row//\\/\\\\}
			printf '\n    "%s"' "${row//\"/\\\"}"
		done
		printf '\n  ],\n  "ok": %s\n}\n' "$([ "$FAILED" = 0 ] && echo true || echo false)"
	} >"$f"
}

# ---- main --------------------------------------------------------------

main() {
	local t c p start n bad
	start=$(date +%s)
	for p in nexhina nexhinactl mock-upstream; do
		[ -x "$BIN/$p" ] || die "$BIN/$p not found; build first (make)"
	done
	command -v wrk >/dev/null 2>&1 || die "wrk not installed; run tools/stack/deps.sh"
	command -v curl >/dev/null 2>&1 || die "curl not installed"
	for p in "$NX_PORT" "$FLOOR_PORT" "$MOCK_PORT"; do
		if port_open "$p"; then
			die "127.0.0.1:$p is in use by another program" \
			    "(ss -ltnp 'sport = :$p'); set BENCH_NX_PORT," \
			    "BENCH_FLOOR_PORT or BENCH_MOCK_PORT"
		fi
	done

	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	say "setting up $VAR"
	make_var
	bootstrap
	say "starting mock-upstream, nexhina and lighttpd (tools/stack/run.sh up)"
	NX_VAR=$VAR NX_HTTP_PORT=$NX_PORT NX_MOCK_PORT=$MOCK_PORT BUILD=$BUILD \
	    "$STACK/run.sh" up 2>&1 | sed 's/^/  /' ||
	    die "the Nexhina stack failed to start (logs in $VAR/log/)"
	floor_start

	for t in $TARGETS; do
		check_target "$t" || {
			[ "$t" != nexhina ] || show_log "$VAR/log/nexhina.log"
			die "$(label "$t") failed to start"
		}
	done

	say "measuring (${WARMUP}s warm-up + ${DURATION}s per point)"
	for c in $CONCURRENCY; do
		for t in $TARGETS; do
			measure "$c" "$t"
		done
	done

	# Stricter than wrk (which only counts >= 400): every request that
	# reached a lighttpd must have been answered 200.
	read -r n bad <<<"$(lighttpd_non200 "$VAR/log/floor-lighttpd.access.log")"
	[ "$n" = 0 ] || problem "floor lighttpd access log: $n non-200 responses ($bad)"
	read -r n bad <<<"$(lighttpd_non200 "$VAR/log/lighttpd.access.log")"
	[ "$n" = 0 ] || problem "nexhina lighttpd access log: $n non-200 responses ($bad)"
	n=$(grep -Ec '(^| )access rid=.* status=' "$VAR/log/nexhina.log" || true)
	bad=$(grep -E '(^| )access rid=.* status=' "$VAR/log/nexhina.log" |
	    grep -vc ' status=200 ' || true)
	[ "$bad" = 0 ] || problem "nexhina log: $bad of $n access lines with a status other than 200"
	n=$(grep -Ec 'master\[[0-9]+\] .*(killed by signal|exited with)' \
	    "$VAR/log/nexhina.log" || true)
	[ "$n" = 0 ] || problem "nexhina log: $n worker/housekeeper deaths" \
	    "($(grep -Eo '(killed by signal|exited with) [0-9]+' \
	    "$VAR/log/nexhina.log" | sort | uniq -c | tr -s ' \n' '  '))"

	read_rss
	report
	write_json
	echo
	if [ "$FAILED" != 0 ]; then
		warn "FAILED: ${#PROBLEMS[@]} problem(s):"
		for p in "${PROBLEMS[@]}"; do
			warn "  - $p"
		done
	fi
	say "result in $VAR/result.json; logs in $VAR/log/" \
	    "($(($(date +%s) - start))s)"
	return "$FAILED"
}

main "$@"
