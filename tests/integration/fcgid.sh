#!/usr/bin/env bash
# fcgid.sh: shared hosting, for real (TAP output).  A private Apache with
# Debian's mod_fcgid serves a "hosting account" set up by the shipped kit:
# make install DESTDIR, then deploy/shared-hosting/setup.sh run as the
# account's user (www-data when the suite runs as root: no root needed),
# which writes ~/nexhina (binaries, config, key, nexhina.fcgi) and the web
# root's .htaccess (FcgidWrapper ... virtual).  Through that Apache:
#   - a chat request is answered, keyed (a wrong key gets the 401) and
#     billed; a stream arrives whole; the console's static files are
#     served; each process mod_fcgid spawned serves alone: no children,
#     its parent is Apache, Apache's error log says "single mode";
#   - a second virtual host whose wrapper omits --single (config mode =
#     auto) is detected as spawned by mod_fcgid all the same;
#   - the crontab line (`nexhina housekeep`) refunds a stale hold;
#   - stopping Apache stops every process it spawned.
# Apache listens on the suite's lighttpd port + 4 and + 5
# (NX_FCGID_PORT overrides the first).
set -uo pipefail

: "${NX_CONF:?}" "${NX_BUILD:?}" "${NX_DB_SOCKET:?}" "${NX_VAR:?}"
: "${NX_MOCK_URL:?}" "${NX_LIGHTTPD_URL:?}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/modes.sh
. "$ROOT/tests/lib/modes.sh"
W=$NX_VAR/fcgid
PORT=${NX_FCGID_PORT:-$((${NX_LIGHTTPD_URL##*:} + 4))}
PORT2=$((PORT + 1))
BASE=http://127.0.0.1:$PORT
A=$W/apache
H=$W/home
PATH=$PATH:/usr/sbin:/sbin

[ -f /usr/lib/apache2/modules/mod_fcgid.so ] || {
	echo "1..0 # SKIP mod_fcgid not installed (tools/stack/deps.sh)"
	exit 0
}
apache_pid() { cat "$A/run/apache2.pid" 2>/dev/null; }
cleanup() {
	local p
	p=$(apache_pid)
	if [ -n "$p" ]; then
		kill -TERM "$p" 2>/dev/null
		wait_for 10 test ! -d "/proc/$p" >/dev/null 2>&1
	fi
	rm -rf "$MODES_TMP"
}
trap cleanup EXIT
rm -rf "$W"
mkdir -p "$W" "$A/run" "$A/log" "$A/fcgid" "$H"
chmod 755 "$W"

# The account's user: www-data under root (as Apache's children), else us.
if [ "$(id -u)" -eq 0 ]; then
	ACCT=www-data
	chown www-data: "$H" "$A/fcgid"
	as_acct() { runuser -u www-data -- env HOME="$H" "$@"; }
else
	ACCT=$(id -un)
	as_acct() { env HOME="$H" "$@"; }
fi

# ---- the kit, installed the documented way ----
make -s -C "$ROOT" -o "$NX_BUILD/nexhina" -o "$NX_BUILD/nexhinactl" \
    BUILD="$NX_BUILD" install DESTDIR="$W/root" PREFIX=/usr >"$W/install.log" 2>&1
ok $? "make install DESTDIR (the package's tree)"
out=$(as_acct sh "$W/root/usr/share/nexhina/shared-hosting/setup.sh" 2>&1)
ok $? "setup.sh runs as the account's user ($ACCT), without root"
N_HOME=$H/nexhina
for f in bin/nexhina:755 nexhina.fcgi:755 etc/nexhina.conf:600 \
    etc/secret.key:600 share/nexhina/schema/0001_init.sql:644; do
	is "$(stat -c '%a %U' "$N_HOME/${f%%:*}" 2>&1)" "${f##*:} $ACCT" \
	    "setup.sh wrote ~/nexhina/${f%%:*} (${f##*:}, owned by $ACCT)"
done
like "$(cat "$H/public_html/.htaccess")" "^FcgidWrapper $N_HOME/nexhina.fcgi virtual\$" \
    "setup.sh wrote the web root's .htaccess with the wrapper's path"
like "$out" "crontab -e" "setup.sh tells what is left (database, migrate, cron)"
# Step 3 of the README: the database.
sed -i -e "s|^db_socket = .*|db_socket = $NX_DB_SOCKET|" \
    -e 's|^db_user = .*|db_user = nexhina|' \
    -e 's|^db_password = .*|db_password = nexhina|' \
    -e 's|^db_name = .*|db_name = nexhina|' "$N_HOME/etc/nexhina.conf"
out=$(as_acct "$N_HOME/bin/nexhina" check -c "$N_HOME/etc/nexhina.conf" 2>&1)
is "$out" "$N_HOME/etc/nexhina.conf: ok" "the edited config is valid"
like "$(grep -E '^(mode|threads|ratelimit|status_file) ' "$N_HOME/etc/nexhina.conf" | tr '\n' ' ')" \
    '^mode = single threads = 1 ratelimit = db status_file = "" $' \
    "the kit's config: single mode, one slot, limits in MariaDB, no status file"
out=$(as_acct "$N_HOME/bin/nexhina" migrate -c "$N_HOME/etc/nexhina.conf" 2>&1)
is "$out" "up to date" "migrate from the account (the suite already migrated)"

# A second web root whose wrapper leaves the mode to auto-detection.
mkdir -p "$H/auto"
sed 's/ serve --single / serve /' "$N_HOME/nexhina.fcgi" >"$N_HOME/auto.fcgi"
sed 's/^mode = single$/mode = auto/' "$N_HOME/etc/nexhina.conf" \
    >"$N_HOME/etc/auto.conf"
sed -i "s|/etc/nexhina.conf\"|/etc/auto.conf\"|" "$N_HOME/auto.fcgi"
sed "s|$N_HOME/nexhina.fcgi|$N_HOME/auto.fcgi|" "$H/public_html/.htaccess" \
    >"$H/auto/.htaccess"
chmod 755 "$N_HOME/auto.fcgi"
chmod 600 "$N_HOME/etc/auto.conf"
[ "$ACCT" = "$(id -un)" ] || chown -R "$ACCT:" "$H"

# ---- the host's Apache ----
{
	cat <<EOF
ServerRoot "$A"
DefaultRuntimeDir "$A/run"
PidFile "$A/run/apache2.pid"
Mutex file:$A/run default
ErrorLog "$A/log/error.log"
LogLevel warn fcgid:info
ServerName 127.0.0.1
Listen 127.0.0.1:$PORT
Listen 127.0.0.1:$PORT2
EOF
	for m in mpm_event authz_core mime dir rewrite setenvif fcgid; do
		echo "LoadModule ${m}_module /usr/lib/apache2/modules/mod_$m.so"
	done
	[ "$(id -u)" -ne 0 ] || printf 'User www-data\nGroup www-data\n'
	cat <<EOF
StartServers 1
ServerLimit 2
ThreadsPerChild 16
MaxRequestWorkers 32
MinSpareThreads 8
MaxSpareThreads 32
TypesConfig /etc/mime.types
# Host-level settings deploy/shared-hosting/README.md asks a host for.
FcgidIPCDir "$A/fcgid"
FcgidProcessTableFile "$A/fcgid/shm"
FcgidIOTimeout 600
FcgidBusyTimeout 900
FcgidOutputBufferSize 0
FcgidMaxRequestLen 33554432
FcgidMaxProcessesPerClass 3
FcgidMinProcessesPerClass 0
<Directory "$H">
    AllowOverride FileInfo Options
    Require all granted
</Directory>
<VirtualHost 127.0.0.1:$PORT>
    DocumentRoot "$H/public_html"
</VirtualHost>
<VirtualHost 127.0.0.1:$PORT2>
    DocumentRoot "$H/auto"
</VirtualHost>
EOF
} >"$A/apache2.conf"
apache2 -t -f "$A/apache2.conf" >"$A/log/start.log" 2>&1 &&
    apache2 -f "$A/apache2.conf" -k start >>"$A/log/start.log" 2>&1
ok $? "Apache with mod_fcgid starts"
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for 15 port_open "$PORT"
ok $? "Apache answers on 127.0.0.1:$PORT"

# ---- requests ----
code=$(curl -sS -o "$W/healthz" -w '%{http_code}' "$BASE/healthz" 2>&1)
is "$code" 200 "GET /healthz reaches the app mod_fcgid spawned"
# The account's key seals the channel: the app opens it with that key.
tenant "$N_HOME/etc/nexhina.conf"
chat_check fcgid "$BASE"
code=$(curl -sS -o "$W/401" -w '%{http_code}' -H 'Authorization: Bearer sk-nope' \
    -H 'Content-Type: application/json' --data '{"model":"gpt-4o-mini",
    "messages":[{"role":"user","content":"hi"}]}' "$BASE/v1/chat/completions")
is "$code:$(cat "$W/401")" '401:{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}' \
    "a wrong key gets API.md's 401 (the Authorization header got through)"
curl -sS -N --max-time 30 -H "Authorization: Bearer $T_KEY" \
    -H 'Content-Type: application/json' --data '{"model":"gpt-4o-mini",
    "stream":true,"messages":[{"role":"user","content":"stream please"}]}' \
    "$BASE/v1/chat/completions" >"$W/stream" 2>&1
is "$(grep -c '^data: {' "$W/stream"):$(grep '^data: ' "$W/stream" | tail -n 1)" \
    "$(grep -c '^data: {' "$W/stream" | awk '$1 >= 6 { print $1 }'):data: [DONE]" \
    "a streamed chat arrives event by event, ending in [DONE]"
code=$(curl -sS -o "$W/index" -w '%{http_code}' "$BASE/" 2>&1)
is "$code:$(cmp -s "$W/index" "$H/public_html/index.html" && echo same)" \
    "200:same" "GET / is the console's static index.html, not the app"

# Limits across processes: six concurrent calls on a key with RPM 3, each
# allowed one holding its process 0.8 s, so mod_fcgid starts more; with
# ratelimit = db the window is one count in MariaDB, whatever process
# serves a call (per-process counts would let up to 9 through).
rk=$("$NX_BUILD/nexhinactl" -c "$N_HOME/etc/nexhina.conf" key create \
    --user "$T_UID" --name rl --unlimited --rpm 3)
rtid=$(sql "SELECT id FROM tokens WHERE user_id = $T_UID AND name = 'rl'")
# One burst, one window: windows are calendar minutes, so a burst that
# straddles a minute boundary is two windows (a regression once: 5 x 200).
sec=$(date +%S)
sec=${sec#0}
if [ "$sec" -gt 45 ]; then
	sleep $((61 - sec))
fi
for i in 1 2 3 4 5 6; do
	curl -sS -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $rk" \
	    -H 'Content-Type: application/json' --data '{"model":"gpt-4o-mini",
	    "messages":[{"role":"user","content":"limit me"}],
	    "metadata":{"mock_latency_ms":"800"}}' \
	    "$BASE/v1/chat/completions" >"$W/rl.$i" 2>&1 &
done
wait
codes=$(cat "$W"/rl.* | sort | uniq -c | awk '{ printf "%s x%s ", $2, $1 }')
nproc=$(pgrep -fc "^$N_HOME/bin/nexhina serve --single ")
is "$codes" "200 x3 429 x3 " \
    "ratelimit = db: RPM 3 holds across mod_fcgid's processes ($nproc running)"
is "$(sql "SELECT COUNT(*) > 0 FROM rate_windows WHERE scope REGEXP
    '(^|[^0-9])$rtid([^0-9]|\$)'")" 1 "the key's window is a row in MariaDB"

# The processes mod_fcgid started: alone, children of Apache.
mapfile -t procs < <(pgrep -f "^$N_HOME/bin/nexhina serve --single ")
[ "${#procs[@]}" -ge 1 ] && [ "${#procs[@]}" -le 3 ]
ok $? "mod_fcgid runs ${#procs[@]} nexhina process(es) (at most FcgidMaxProcessesPerClass)"
kids=0 parents=
for p in "${procs[@]}"; do
	kids=$((kids + $(pgrep -P "$p" -c)))
	parents+=" $(ps -o comm= -p "$(ps -o ppid= -p "$p" | tr -d ' ')")"
done
is "$kids" 0 "single mode: no master, workers or housekeeper of its own"
like "$parents" '^( apache2)+$' "each was spawned by Apache (mod_fcgid)"
like "$(cat "$A/log/error.log")" 'single mode on fd 0: 1 slots in this process' \
    "Apache's error log has the app's own lines (single mode, 1 slot)"
like "$(cat "$A/log/error.log")" 'access rid=.* route=chat .* status=200 ' \
    "and its access lines"

# ---- auto-detection (wrapper without --single, mode = auto) ----
code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT2/healthz" 2>&1)
is "$code" 200 "auto: GET /healthz through the wrapper without --single"
mapfile -t auto < <(pgrep -f "^$N_HOME/bin/nexhina serve -c $N_HOME/etc/auto.conf")
is "${#auto[@]}:$(pgrep -P "${auto[0]:-999999999}" -c)" "1:0" \
    "auto: mode = auto recognised mod_fcgid (one process, no children)"
chat_check fcgid-auto "http://127.0.0.1:$PORT2"

# ---- cron: nexhina housekeep ----
now=$(date +%s)
before=$(sql "SELECT quota FROM users WHERE id = $T_UID")
sql "INSERT INTO quota_holds (request_id, user_id, token_id, unlimited,
    amount, model, created_at) VALUES ('fcgid-stale-$$', $T_UID, $T_TID, 1,
    77, 'gpt-4o-mini', $now - 4000)" >/dev/null
# The line setup.sh prints for crontab -e, without its schedule and
# redirections.
cron=$(sed -n "s|@HOME@|$N_HOME|g; /^[^#]/p" \
    "$W/root/usr/share/nexhina/shared-hosting/crontab")
read -ra f <<<"$cron"
cmd=()
for x in "${f[@]:5}"; do
	case $x in '>'* | *'>'*) break ;; esac
	cmd+=("$x")
done
as_acct "${cmd[@]}" >"$W/housekeep.log" 2>&1
ok $? "the crontab's command runs as the account (${cmd[1]:-?} -c ...)"
is "$(sql "SELECT COUNT(*) FROM quota_holds WHERE request_id = 'fcgid-stale-$$'")" 0 \
    "housekeep refunded the stale hold"
is "$(($(sql "SELECT quota FROM users WHERE id = $T_UID") - before))" 77 \
    "the user got the 77 units back"

# ---- Apache stops, and so do its processes ----
p=$(apache_pid)
kill -TERM "$p"
gone() { ! pgrep -f "^$N_HOME/bin/nexhina serve" >/dev/null; }
wait_for 15 gone
ok $? "stopping Apache stops every nexhina process it spawned"

echo "1..$N"
