#!/usr/bin/env bash
# install.sh: installing Nexhina and running it the ways operators do
# (TAP output).
#
#  1. make install DESTDIR (PREFIX=/usr, then /usr/local): the FHS tree of
#     README "Install"; an edited config survives a reinstall; the
#     installed binary finds its own migrations.
#  2. make deb: lintian reports no error; contents, Depends, conffiles;
#     the maintainer scripts run for real against $DPKG_ROOT, with a
#     private copy of /etc in a mount namespace (for adduser): system
#     user, secret key 0600, config written once and never overwritten,
#     purge.
#  3. systemd: the installed unit passes systemd-analyze verify; its
#     ExecStartPre and ExecStart lines run as they are (binary and config
#     paths mapped into the test tree) under $NOTIFY_SOCKET: READY=1, a
#     chat through lighttpd (deploy/lighttpd), nexhinactl status,
#     ExecReload (HUP) -> RELOADING=1, READY=1, generation 2; TERM ->
#     STOPPING=1, exit 0, status file gone.
#  4. spawn-fcgi: the installed deploy/spawn-fcgi/nexhina-spawn-fcgi puts
#     the master on spawn-fcgi's socket (fd 0); its workers accept; a chat
#     through lighttpd; nexhinactl status; TERM.
#  5. log = syslog: the master's lines and the access lines arrive at
#     /dev/log (a listener of ours, in a mount namespace).
#
# Env: the suite's (tests/lib/stack.sh).  lighttpd listens on the suite's
# lighttpd port + 3 (NX_INSTALL_PORT overrides).
set -uo pipefail

: "${NX_CONF:?}" "${NX_BUILD:?}" "${NX_DB_SOCKET:?}" "${NX_DB_ADMIN:?}"
: "${NX_VAR:?}" "${NX_MOCK_URL:?}" "${NX_LIGHTTPD_URL:?}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/modes.sh
. "$ROOT/tests/lib/modes.sh"
W=$NX_VAR/install
PORT=${NX_INSTALL_PORT:-$((${NX_LIGHTTPD_URL##*:} + 3))}
BASE=http://127.0.0.1:$PORT
DB=nx_inst_$$
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	wait 2>/dev/null
	"$ROOT/tools/stack/web.sh" lighttpd stop "$W/web" >/dev/null 2>&1
	mariadb --no-defaults -S "$NX_DB_SOCKET" -u "$NX_DB_ADMIN" \
	    -e "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
	rm -rf "$MODES_TMP"
}
trap cleanup EXIT
rm -rf "$W"
mkdir -p "$W"
chmod 755 "$W"

# make install, never rebuilding (-o): the suite tests the binaries built.
minstall() {
	make -s -C "$ROOT" -o "$NX_BUILD/nexhina" -o "$NX_BUILD/nexhinactl" \
	    BUILD="$NX_BUILD" install "$@"
}
mode_of() { stat -c %a "$1" 2>/dev/null; }

# ---- 1. make install ----
D=$W/root
minstall DESTDIR="$D" PREFIX=/usr >"$W/install.log" 2>&1
ok $? "make install DESTDIR PREFIX=/usr"
for f in usr/bin/nexhina:755 usr/bin/nexhinactl:755 etc/nexhina:755 \
    etc/nexhina/nexhina.conf:600 etc/nexhina/nexhina.conf.sample:644 \
    usr/share/nexhina/schema:755 usr/share/nexhina/web/index.html:644 \
    usr/lib/systemd/system/nexhina.service:644 \
    usr/lib/tmpfiles.d/nexhina.conf:644 var/lib/nexhina:750 \
    run/nexhina:750 usr/share/man/man8/nexhina.8:644 \
    usr/share/doc/nexhina/README.md:644 \
    usr/share/nexhina/deploy/spawn-fcgi/nexhina-spawn-fcgi:755 \
    usr/share/nexhina/shared-hosting/setup.sh:755; do
	is "$(mode_of "$D/${f%%:*}")" "${f##*:}" "installed /${f%%:*} (mode ${f##*:})"
done
diff -r "$ROOT/schema" "$D/usr/share/nexhina/schema" >/dev/null
ok $? "every migration is in /usr/share/nexhina/schema"
keys=$("$NX_BUILD/nexhina" config-keys | sed -n 's/^| `\([a-z_]*\)` |.*/\1/p')
missing=
for k in $keys; do
	grep -q "^#$k = " "$D/etc/nexhina/nexhina.conf.sample" || missing+=" $k"
done
is "$(wc -w <<<"$keys") keys, missing:${missing:-none}" \
    "$(wc -w <<<"$keys") keys, missing:none" \
    "the sample names every key, commented out"
is "$(grep -Ec '^[a-z_]+[[:space:]]*=' "$D/etc/nexhina/nexhina.conf.sample")" 0 \
    "no key of the sample is active"
out=$("$D/usr/bin/nexhina" check -c "$D/etc/nexhina/nexhina.conf" 2>&1)
is "$out" "$D/etc/nexhina/nexhina.conf: ok" "the installed nexhina.conf is valid"
unit=$D/usr/lib/systemd/system/nexhina.service
is "$(sed -n 's/^ExecStart=//p' "$unit")" \
    "/usr/bin/nexhina serve -c /etc/nexhina/nexhina.conf" \
    "the unit's ExecStart runs the installed binary on /etc/nexhina"
like "$(grep -E '^(Type|ExecReload|Group|ProtectSystem|PrivateTmp|NoNewPrivileges|RuntimeDirectory)=' "$unit" | tr '\n' ' ')" \
    '^Type=notify Group=www-data ExecReload=/bin/kill -HUP \$MAINPID RuntimeDirectory=nexhina ProtectSystem=strict PrivateTmp=yes NoNewPrivileges=yes $' \
    "the unit: notify, HUP reload, group www-data, hardening"
if command -v systemd-analyze >/dev/null; then
	sed "s|/usr/bin/nexhina|$D/usr/bin/nexhina|g" "$unit" >"$W/nexhina.service"
	out=$(systemd-analyze verify "$W/nexhina.service" 2>&1)
	is "$?:$out" "0:" "systemd-analyze verify accepts the unit"
	exposure=$(systemd-analyze security --offline=yes "$W/nexhina.service" \
	    2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 2.0) }'
	ok $? "systemd-analyze security rates the unit ${exposure:-?} (at most 2.0)"
else
	ok 0 "systemd-analyze verify # SKIP systemd-analyze not installed"
fi

echo "listen_mode = 0640 # edited" >>"$D/etc/nexhina/nexhina.conf"
minstall DESTDIR="$D" PREFIX=/usr >"$W/install2.log" 2>&1
like "$(tail -n 1 "$D/etc/nexhina/nexhina.conf")" "edited" \
    "a second make install keeps the edited nexhina.conf"

D2=$W/root-local
minstall DESTDIR="$D2" PREFIX=/usr/local >"$W/install3.log" 2>&1
is "$(sed -n 's/^ExecStart=//p' "$D2/usr/local/lib/systemd/system/nexhina.service")" \
    "/usr/local/bin/nexhina serve -c /etc/nexhina/nexhina.conf" \
    "PREFIX=/usr/local: the unit names /usr/local/bin"
mariadb --no-defaults -S "$NX_DB_SOCKET" -u "$NX_DB_ADMIN" -e "CREATE
    DATABASE $DB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    GRANT ALL PRIVILEGES ON $DB.* TO 'nexhina'@'localhost'"
sed "s/^db_name[[:space:]]*=.*/db_name = $DB/" "$NX_CONF" >"$W/mig.conf"
out=$(cd / && env -u NEXHINA_SCHEMA "$D2/usr/local/bin/nexhina" migrate \
    -c "$W/mig.conf" 2>&1)
is "$out" "$(cd "$ROOT/schema" && ls [0-9]*.sql | sed 's/^/applied /')" \
    "the installed binary finds its migrations (PREFIX/share/nexhina/schema)"

# ---- 2. make deb ----
t0=$(date +%s)
deb=$(make -s -C "$ROOT" BUILD="$NX_BUILD" deb 2>"$W/deb.log" | tail -n 1)
t1=$(date +%s)
[ -f "$deb" ]
ok $? "make deb builds ${deb##*/} ($((t1 - t0)) s)"
if command -v lintian >/dev/null; then
	lintian "$deb" >"$W/lintian.log" 2>&1
	t2=$(date +%s)
	is "$(grep -c '^E:' "$W/lintian.log")" 0 "lintian reports no error ($((t2 - t1)) s)"
	grep -E '^[EW]:' "$W/lintian.log" | head -n 20 | sed 's/^/#   /'
else
	ok 1 "lintian is not installed (tools/stack/deps.sh installs it)"
fi
contents=$(dpkg-deb --contents "$deb" 2>&1)
for p in ./usr/bin/nexhina ./usr/bin/nexhinactl \
    ./lib/systemd/system/nexhina.service ./etc/nexhina/nexhina.conf.sample \
    ./usr/share/nexhina/schema/0001_init.sql \
    ./usr/share/nexhina/nexhina.conf.dist ./usr/share/doc/nexhina/copyright \
    ./usr/share/doc/nexhina/changelog.gz ./usr/lib/tmpfiles.d/nexhina.conf; do
	like "$contents" " $p\$" "the package ships $p"
done
like "$contents" '^-rwxr-xr-x root/root .* \./usr/bin/nexhina$' \
    "files belong to root:root, binaries 0755"
if grep -Eq ' \./(run|var)/| \./etc/nexhina/(nexhina\.conf|secret\.key)$' \
    <<<"$contents"; then
	ok 1 "no /run, /var, nexhina.conf or secret.key in the package"
else
	ok 0 "no /run, /var, nexhina.conf or secret.key in the package"
fi
deps=$(dpkg-deb -f "$deb" Depends)
for lib in libfcgi0ldbl libcurl4 libcjson1 libmariadb3 libssl3 libb64-0d \
    libcrypt1 adduser; do
	like "$deps" "(^|, )$lib( |,|\$)" "Depends names $lib"
done
mkdir -p "$W/deb/ctl"
dpkg-deb -e "$deb" "$W/deb/ctl"
is "$(cat "$W/deb/ctl/conffiles")" "/etc/nexhina/nexhina.conf.sample" \
    "conffiles: the sample only"
[ -x "$W/deb/ctl/postinst" ] && [ -x "$W/deb/ctl/prerm" ] &&
    [ -x "$W/deb/ctl/postrm" ]
ok $? "maintainer scripts: postinst prerm postrm"

# Maintainer scripts for real: DPKG_ROOT is the unpacked package; /etc is
# a private copy (adduser writes passwd) in a mount namespace of our own.
R=$W/deb/root
dpkg-deb -x "$deb" "$R"
cp -a /etc "$W/deb/etc"
in_ns() {
	unshare --mount -- sh -c 'mount --make-rprivate / &&
	    mount --bind "$1" /etc && shift && exec "$@"' sh "$W/deb/etc" \
	    env DPKG_ROOT="$R" "$@"
}
if in_ns true 2>/dev/null; then
	in_ns sh "$W/deb/ctl/postinst" configure "" >"$W/deb/postinst.log" 2>&1
	ok $? "postinst configure (first install)"
	nuid=$(awk -F: '$1 == "nexhina" { print $3 }' "$W/deb/etc/passwd")
	[ -n "$nuid" ] && [ "$nuid" -lt 1000 ]
	ok $? "postinst made the system user nexhina (uid ${nuid:-none})"
	is "$(stat -c '%a %u' "$R/etc/nexhina/secret.key" 2>&1)" "600 $nuid" \
	    "secret.key: mode 0600, owned by nexhina"
	like "$(cat "$R/etc/nexhina/secret.key")" '^[0-9a-f]{64}$' \
	    "secret.key holds 64 hex digits"
	is "$(stat -c '%a %u' "$R/etc/nexhina/nexhina.conf" 2>&1)" "600 $nuid" \
	    "nexhina.conf: written from the dist file, 0600, owned by nexhina"
	is "$(stat -c '%a %u' "$R/var/lib/nexhina" 2>&1)" "750 $nuid" \
	    "/var/lib/nexhina: 0750, owned by nexhina"
	key=$(cat "$R/etc/nexhina/secret.key")
	echo "db_password = \"edited\"" >>"$R/etc/nexhina/nexhina.conf"
	sum=$(md5sum <"$R/etc/nexhina/nexhina.conf")
	in_ns sh "$W/deb/ctl/postinst" configure 0.1.0 >>"$W/deb/postinst.log" 2>&1
	ok $? "postinst configure (upgrade)"
	is "$(md5sum <"$R/etc/nexhina/nexhina.conf"):$(cat "$R/etc/nexhina/secret.key")" \
	    "$sum:$key" "an upgrade keeps the edited config and the key"
	in_ns sh "$W/deb/ctl/postrm" purge >"$W/deb/postrm.log" 2>&1
	ok $? "postrm purge"
	[ ! -e "$R/etc/nexhina/nexhina.conf" ] && [ ! -e "$R/etc/nexhina/secret.key" ] &&
	    [ ! -e "$R/var/lib/nexhina" ] && [ -e "$R/etc/nexhina/nexhina.conf.sample" ]
	ok $? "purge removes config, key and state, not the package's own files"
else
	ok 0 "maintainer scripts # SKIP no mount namespaces here (unshare)"
fi

# ---- a tenant, lighttpd ----
tenant
webstart() {	# webstart SOCKET
	"$ROOT/tools/stack/web.sh" lighttpd start "$W/web" "$PORT" "$1" \
	    "$D/usr/share/nexhina/web" >>"$W/web.log" 2>&1
}
webstop() {
	"$ROOT/tools/stack/web.sh" lighttpd stop "$W/web" >>"$W/web.log" 2>&1
}
alive() { [ -d "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
exited() { ! alive "$1"; }

# A config for a run mode: the suite's, with our own socket, status
# file and a small pool.  Extra lines in $2.
mkconf() {	# mkconf DIR EXTRA
	mkdir -p "$1/run"
	chmod 755 "$1" "$1/run"
	grep -Ev '^[[:space:]]*(listen|status_file|workers|threads)[[:space:]]*=' \
	    "$NX_CONF" >"$1/nexhina.conf"
	printf 'status_file = %s\nworkers = 2\nthreads = 4\n%s\n' \
	    "$1/run/status" "$2" >>"$1/nexhina.conf"
}
STATUS=("$D/usr/bin/nexhinactl")

# ---- 3. systemd: the unit's own lines ----
S=$W/sd
mkconf "$S" "listen = unix:$S/run/fcgi.sock"
map() {
	sed -n "s/^$1=//p" "$unit" | sed -e "s|/usr/bin/nexhina|$D/usr/bin/nexhina|g" \
	    -e "s|/etc/nexhina/nexhina.conf|$S/nexhina.conf|g"
}
read -ra pre <<<"$(map ExecStartPre)"
read -ra start <<<"$(map ExecStart)"
out=$("${pre[@]}" 2>&1)
is "$out" "$S/nexhina.conf: ok" "systemd: ExecStartPre (nexhina check) passes"
socat -u "UNIX-RECV:$S/notify.sock" "OPEN:$S/notify.log,creat,append" &
PIDS+=($!)
wait_for 5 test -S "$S/notify.sock"
NOTIFY_SOCKET=$S/notify.sock "${start[@]}" 2>"$S/nexhina.log" &
MPID=$!
PIDS+=("$MPID")
wait_for 10 grep -q 'READY=1' "$S/notify.log"
ok $? "systemd: ExecStart runs the master, which notifies READY=1"
test -S "$S/run/fcgi.sock"
ok $? "systemd: the master bound its socket"
webstart "$S/run/fcgi.sock"
ok $? "systemd: lighttpd (deploy/lighttpd) in front of it"
chat_check systemd "$BASE"
out=$(NEXHINA_CONF=$S/nexhina.conf "${STATUS[@]}" status 2>&1)
rc=$?
is "$rc" 0 "systemd: nexhinactl status exits 0 (running, database reachable)"
like "$out" "^nexhina: running [0-9.]+, master pid $MPID, up [0-9]+s, generation 1\$" \
    "systemd: status names the version, the master pid and generation 1"
like "$out" "^workers: 2 running \\(2 configured, 4 slots each\\)\$" \
    "systemd: status counts 2 running workers of 4 slots"
like "$out" "^busy slots: 0 of 8\$" "systemd: status shows busy slots (0 of 8)"
like "$out" "^  [0-9]+ +1 +0/4 +[0-9]+ " "systemd: one line per worker"
like "$out" "^breakers: (all closed|none configured)" "systemd: status reports breakers"
like "$out" "^database: reachable" "systemd: status reports the database reachable"
req=$(awk '/^  [0-9]+ +1 +/ { n += $4 } END { print n + 0 }' <<<"$out")
[ "$req" -ge 1 ]
ok $? "systemd: the workers counted the chat request ($req)"
# A dead channel ahead of the mock: every call fails over, and after
# breaker_threshold failures its breaker shows in the status.
dead=$(printf 'sk-dead' | "$NX_BUILD/nexhinactl" -c "$NX_CONF" channel add \
    --type openai --name "dead$$" --base-url http://127.0.0.1:1 --key-stdin \
    --models gpt-4o-mini --group "$T_GROUP" --priority 10)
thr=$(sed -n 's/^breaker_threshold[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' \
    "$S/nexhina.conf" | tail -n 1)
codes=
for _ in $(seq "${thr:-5}"); do
	codes+=$(curl -sS -o /dev/null -w '%{http_code} ' -H "Authorization: Bearer $T_KEY" \
	    -H 'Content-Type: application/json' --data '{"model":"gpt-4o-mini",
	    "messages":[{"role":"user","content":"fail over"}]}' "$BASE/v1/chat/completions")
done
like "$codes" '^(200 )+$' "systemd: ${thr:-5} calls fail over from the dead channel $dead"
brk() {
	out=$(NEXHINA_CONF=$S/nexhina.conf "${STATUS[@]}" status 2>&1)
	grep -Eq "^  channel $dead: (open for [0-9]+s more|half-open \(a probe may try\)), ${thr:-5} failures\$" <<<"$out"
}
if wait_for 5 brk; then
	ok 0 "systemd: status shows channel $dead's breaker (${thr:-5} failures)"
else
	ok 1 "systemd: status shows channel $dead's breaker (${thr:-5} failures)"
	sed 's/^/#   /' <<<"$out"
fi
"$NX_BUILD/nexhinactl" -c "$NX_CONF" channel disable "$dead" >/dev/null
read -ra reload <<<"$(sed -n 's/^ExecReload=//p' "$unit" | sed "s/\\\$MAINPID/$MPID/")"
"${reload[@]}"
ok $? "systemd: ExecReload (${reload[*]})"
wait_for 10 grep -q 'STATUS=reloaded' "$S/notify.log"
like "$(tr '\n' ' ' <"$S/notify.log")" 'READY=1 STATUS=serving RELOADING=1 READY=1 STATUS=reloaded' \
    "systemd: the reload is notified RELOADING=1 then READY=1"
gen2() {
	out=$(NEXHINA_CONF=$S/nexhina.conf "${STATUS[@]}" status 2>&1)
	grep -q 'generation 2$' <<<"$out" &&
	    [ "$(grep -cE '^  [0-9]+ +2 ' <<<"$out")" -eq 2 ] &&
	    ! grep -qE '^  [0-9]+ +1 ' <<<"$out"
}
wait_for 10 gen2
ok $? "systemd: after the reload, generation 2 runs 2 new workers, old ones gone"
chat_check systemd-reloaded "$BASE"
kill -TERM "$MPID"
wait_for 15 exited "$MPID"
wait "$MPID"
is "$?" 0 "systemd: TERM stops the master with status 0"
like "$(tr '\n' ' ' <"$S/notify.log")" 'STOPPING=1' "systemd: STOPPING=1 was notified"
[ ! -e "$S/run/status" ] && [ ! -e "$S/run/fcgi.sock" ]
ok $? "systemd: socket and status file removed"
NEXHINA_CONF=$S/nexhina.conf "${STATUS[@]}" status >"$S/status.out" 2>&1
is "$?:$(sed -n 's/^nexhina: //p' "$S/status.out")" "3:not running (no $S/run/status)" \
    "systemd: nexhinactl status then says not running (exit 3)"
webstop

# ---- 4. spawn-fcgi ----
F=$W/sf
mkconf "$F" ""
SPAWN=$D/usr/share/nexhina/deploy/spawn-fcgi/nexhina-spawn-fcgi
spawn() {
	NEXHINA=$D/usr/bin/nexhina NEXHINA_CONF=$1 NEXHINA_SOCKET=$F/run/fcgi.sock \
	    NEXHINA_PIDFILE=$F/run/nexhina.pid NEXHINA_SOCKET_MODE=0666 \
	    NEXHINA_SOCKET_OWNER='' NEXHINA_USER='' NEXHINA_GROUP='' "$SPAWN"
}
sed "s|^status_file = .*|&\nlisten = unix:$F/run/other.sock|" "$F/nexhina.conf" >"$F/listen.conf"
out=$(spawn "$F/listen.conf" 2>&1)
like "$?:$out" '^1:.*sets listen' "spawn-fcgi: the script refuses a config with listen"
out=$(spawn "$F/nexhina.conf" 2>"$F/nexhina.log")
like "$out" 'child spawned successfully' "spawn-fcgi: nexhina-spawn-fcgi starts it"
SPID=$(cat "$F/run/nexhina.pid" 2>/dev/null)
PIDS+=("${SPID:-0}")
workers() { [ "$(pgrep -P "${SPID:-0}" -c)" -ge 3 ]; }
wait_for 10 workers
is "$(pgrep -P "${SPID:-0}" -c)" 3 \
    "spawn-fcgi: the master on fd 0 forked 2 workers and the housekeeper"
is "$(stat -c %a "$F/run/fcgi.sock" 2>&1)" 666 "spawn-fcgi: socket mode from -M"
webstart "$F/run/fcgi.sock"
ok $? "spawn-fcgi: lighttpd in front of spawn-fcgi's socket"
chat_check spawn-fcgi "$BASE"
out=$(NEXHINA_CONF=$F/nexhina.conf "${STATUS[@]}" status 2>&1)
is "$?" 0 "spawn-fcgi: nexhinactl status exits 0"
like "$out" "^nexhina: running .*, master pid $SPID, " \
    "spawn-fcgi: status names spawn-fcgi's child as the master"
like "$out" "^listen: fd 0\$" "spawn-fcgi: status shows the socket taken on fd 0"
like "$out" "^workers: 2 running" "spawn-fcgi: status shows 2 workers"
kill -TERM "${SPID:-0}"
wait_for 15 exited "${SPID:-0}"
ok $? "spawn-fcgi: TERM stops the master"
webstop

# ---- 5. log = syslog ----
# /dev/log is our listener, in a mount namespace whose /dev is a tmpfs
# with the few nodes a process needs; the app runs there, the listener
# outside.
G=$W/syslog
mkconf "$G" "listen = unix:$G/run/fcgi.sock
log = syslog"
socat -u "UNIX-RECV:$G/log.sock" "OPEN:$G/syslog.log,creat,append" &
PIDS+=($!)
wait_for 5 test -S "$G/log.sock"
in_devns() {
	unshare --mount -- sh -c 'mount --make-rprivate / &&
	    mkdir -p "$1/dev" && mount -t tmpfs tmpfs "$1/dev" &&
	    for n in null zero random urandom; do
		touch "$1/dev/$n" && mount --bind "/dev/$n" "$1/dev/$n" || exit 1
	    done &&
	    ln -s "$1/log.sock" "$1/dev/log" && mount --bind "$1/dev" /dev &&
	    shift && exec "$@"' sh "$G" "$@"
}
if in_devns true 2>/dev/null; then
	in_devns "$D/usr/bin/nexhina" serve -c "$G/nexhina.conf" 2>"$G/stderr" &
	PIDS+=($!)
	wait_for 10 test -S "$G/run/fcgi.sock"
	# $! is the subshell running unshare; the master is its grandchild.
	GPID=$(pgrep -o -f "^$D/usr/bin/nexhina serve -c $G/nexhina.conf\$")
	PIDS+=("${GPID:-0}")
	out=$(env -i REQUEST_METHOD=GET REQUEST_URI=/healthz \
	    cgi-fcgi -bind -connect "$G/run/fcgi.sock" 2>&1)
	like "$out" '^Status: 200' "syslog: the server answers /healthz"
	wait_for 5 grep -q 'path=/healthz' "$G/syslog.log"
	like "$(tr '\n' ' ' <"$G/syslog.log")" \
	    '<30>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} nexhina\[[0-9]+\]: info master serving on unix:' \
	    "syslog: the master's lines reach syslog (daemon.info, ident nexhina)"
	like "$(cat "$G/syslog.log")" \
	    'nexhina\[[0-9]+\]: access rid=[0-9a-f]{32} method=GET route=healthz path=/healthz status=200 ' \
	    "syslog: so does the access line, one key=value line per request"
	kill -TERM "$GPID"
	wait_for 15 exited "$GPID"
	is "$(cat "$G/stderr")" "" "syslog: nothing went to stderr"
else
	ok 0 "log = syslog # SKIP no mount namespaces here (unshare)"
fi

echo "1..$N"
