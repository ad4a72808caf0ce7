#!/usr/bin/env bash
# migrate_upgrade.sh: `nexhina migrate` upgrades a database made by an
# older version without losing anything (TAP output).
#
# A database of its own on the suite's MariaDB is created at migration
# 0001 only (a schema dir holding just 0001_init.sql), filled through
# nexhinactl and plain SQL with a row in every table, dumped; then the
# full schema/ is applied (0002 onwards) and the dump must come out the
# same, the new indexes must exist and be usable, schema_migrations must
# record every file, and a second run must change nothing.
#
# Env (from tests/lib/stack.sh): NX_CONF, NX_BUILD, NX_DB_SOCKET,
# NX_DB_ADMIN.
set -uo pipefail

: "${NX_CONF:?}" "${NX_BUILD:?}" "${NX_DB_SOCKET:?}" "${NX_DB_ADMIN:?}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nx-mig-test.XXXXXX")
DB=nx_mig_$$
N=0

ok() {	# ok STATUS NAME
	N=$((N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $N - $2"
	else
		echo "not ok $N - $2"
	fi
}
is() {	# is GOT WANT NAME
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
	fi
}
admin() {
	mariadb --no-defaults -S "$NX_DB_SOCKET" -u "$NX_DB_ADMIN" -N -B -e "$1"
}
sql() {
	mariadb --no-defaults -S "$NX_DB_SOCKET" -u nexhina -pnexhina "$DB" \
	    -N -B -e "$1" 2>&1
}
cleanup() {
	admin "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT

NX=$NX_BUILD/nexhina
CTL=("$NX_BUILD/nexhinactl" -c "$TMP/nexhina.conf")

admin "CREATE DATABASE $DB CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    GRANT ALL PRIVILEGES ON $DB.* TO 'nexhina'@'localhost'" ||
    { echo "Bail out! cannot create database $DB"; exit 1; }
sed -e "s/^db_name[[:space:]]*=.*/db_name = $DB/" "$NX_CONF" >"$TMP/nexhina.conf"
grep -q "^db_name = $DB\$" "$TMP/nexhina.conf" ||
    echo "db_name = $DB" >>"$TMP/nexhina.conf"

# ---- version 1: only the first migration ----
mkdir "$TMP/schema-v1"
cp "$ROOT/schema/0001_init.sql" "$TMP/schema-v1/"
out=$(NEXHINA_SCHEMA=$TMP/schema-v1 "$NX" migrate -c "$TMP/nexhina.conf" 2>&1)
is "$out" "applied 0001_init.sql" "an empty database migrates to 0001 only"
is "$(sql "SELECT GROUP_CONCAT(version ORDER BY version) FROM
    schema_migrations")" "1" "schema_migrations holds version 1"
is "$(sql "SELECT COUNT(*) FROM information_schema.statistics WHERE
    table_schema = '$DB' AND index_name = 'ix_logs_type_created'")" 0 \
    "no 0002 index yet"

# ---- data, the way a running installation makes it ----
"${CTL[@]}" group set vip --ratio 1.5 --rpm 60 --tpm 100000 >/dev/null
uid=$(printf 'pw-of-alice\n' | "${CTL[@]}" user add alice --quota 500000 \
    --group vip --password-stdin)
key=$("${CTL[@]}" key create --user alice --name laptop --quota 1000 \
    --models gpt-4o-mini,gpt-4o --rpm 10)
cid=$(printf 'sk-upstream-secret' | "${CTL[@]}" channel add --type openai \
    --name up1 --base-url http://127.0.0.1:9 --key-stdin \
    --models gpt-4o-mini --group vip --priority 3 --weight 2)
# This nexhinactl reads and writes the prices of the newest schema, so the
# old price row is written as the old version wrote it.
sql "INSERT INTO model_prices (model, basis, input_u, output_u, updated_at)
    VALUES ('my-model', 'tokens', 2500000, 10000000, $(date +%s))"
ok $? "nexhinactl wrote a user, a key, a channel and a group; SQL a price"
case $key in sk-*) ok 0 "the key was issued" ;; *) ok 1 "the key was issued" ;; esac
now=$(date +%s)
sql "INSERT INTO logs (created_at, type, user_id, username, token_id,
      channel_id, model_name, prompt_tokens, completion_tokens, quota,
      request_id, status, other)
    VALUES ($now - 100, 2, $uid, 'alice', 1, $cid, 'gpt-4o-mini', 12, 5,
      2, 'rid-a', 200, '{\"usage_source\":\"upstream\"}'),
    ($now - 50, 5, $uid, 'alice', 1, $cid, 'gpt-4o', 0, 0, 0, 'rid-b',
      502, ''),
    ($now - 10, 6, $uid, 'alice', 1, 0, 'gpt-4o-mini', 0, 0, 7, 'rid-c',
      0, '');
  INSERT INTO quota_holds (request_id, user_id, token_id, amount, model,
      created_at) VALUES ('rid-d', $uid, 1, 42, 'gpt-4o-mini', $now);
  INSERT INTO options (name, value) VALUES ('x_upgrade_note', 'kept');
  INSERT INTO redemptions (user_id, name, \`key\`, quota, created_time)
    VALUES ($uid, 'gift', '0123456789abcdef0123456789abcdef', 1000, $now);
  INSERT INTO sessions (id, user_id, created_at, expires_at)
    VALUES (REPEAT('a', 64), $uid, $now, $now + 3600);
  INSERT INTO rate_windows (scope, window_start, count)
    VALUES ('rpm:1', $now - $now % 60, 3)" >"$TMP/insert.out"
ok $? "plain SQL wrote logs, holds, options, redemptions, sessions, windows"

# Every table of the old database but schema_migrations, row by row, in
# key order, in the columns it had (tables and columns a later migration
# adds are checked on their own).
old_tables=$(sql "SELECT table_name FROM information_schema.tables
    WHERE table_schema = '$DB' AND table_name <> 'schema_migrations'
    ORDER BY table_name")
for t in $old_tables; do
	printf '%s %s\n' "$t" "$(sql "SELECT GROUP_CONCAT(CONCAT('\`',
	    column_name, '\`') ORDER BY ordinal_position) FROM
	    information_schema.columns WHERE table_schema = '$DB' AND
	    table_name = '$t'")"
done >"$TMP/columns"
dump() {
	local t cols
	while read -r t cols; do
		echo "== $t"
		sql "SELECT $cols FROM \`$t\` ORDER BY 1, 2"
	done <"$TMP/columns"
}
dump >"$TMP/before"
rows_before=$(grep -vc '^== ' "$TMP/before")
[ "$rows_before" -ge 30 ]
ok $? "the old database holds $rows_before rows before the upgrade"

# ---- the upgrade ----
out=$(NEXHINA_SCHEMA=$ROOT/schema "$NX" migrate -c "$TMP/nexhina.conf" 2>&1)
rc=$?
want=$(cd "$ROOT/schema" && ls [0-9][0-9][0-9][0-9]_*.sql | tail -n +2 |
    sed 's/^/applied /')
is "$rc:$out" "0:$want" "the upgrade applies every later migration, in order"
is "$(sql "SELECT GROUP_CONCAT(version ORDER BY version) FROM
    schema_migrations")" "$(cd "$ROOT/schema" && ls [0-9][0-9][0-9][0-9]_*.sql |
    sed 's/^0*\([0-9]\)/\1/; s/_.*//' | paste -sd, -)" \
    "schema_migrations records every file"
dump >"$TMP/after"
if cmp -s "$TMP/before" "$TMP/after"; then
	ok 0 "every row of every table is unchanged by the upgrade"
else
	ok 1 "every row of every table is unchanged by the upgrade"
	diff "$TMP/before" "$TMP/after" | head -n 20 | sed 's/^/#   /'
fi
for ix in ix_logs_type_created ix_logs_model_created ix_logs_channel_created; do
	is "$(sql "SELECT GROUP_CONCAT(column_name ORDER BY seq_in_index)
	    FROM information_schema.statistics WHERE table_schema = '$DB'
	    AND table_name = 'logs' AND index_name = '$ix'")" \
	    "$(case $ix in
	    *type*) echo type,created_at ;;
	    *model*) echo model_name,created_at ;;
	    *) echo channel_id,created_at ;;
	    esac)" "0002 added $ix"
done
is "$(sql "SELECT COUNT(*) FROM information_schema.statistics WHERE
    table_schema = '$DB' AND table_name = 'personal_tokens' AND
    index_name = 'uk_pat_hash' AND non_unique = 0")" 1 \
    "0003 added personal_tokens with a unique token hash"
is "$(sql "SELECT CONCAT_WS('|', model, input_u, cache_write_u) FROM
    model_prices WHERE model LIKE 'claude-%' OR model = 'gpt-4o-mini'
    ORDER BY model")" "$(printf '%s\n' \
    'claude-opus-4-20250514|15000000|18750000' \
    'claude-sonnet-4-20250514|6000000|7500000' 'gpt-4o-mini|1000000|0')" \
    "0004 priced Claude cache writes at 1.25x input, nothing else"
explain=$(sql "EXPLAIN SELECT id FROM logs WHERE type = 5 AND
    created_at > $now - 3600 ORDER BY created_at DESC")
case $explain in
*ix_logs_type_created*) ok 0 "the console's 'errors of the last hour' can use an index" ;;
*) ok 1 "the console's 'errors of the last hour' can use an index"
   echo "#   $explain" ;;
esac

# ---- the upgraded database still works for the app ----
out=$("${CTL[@]}" user list 2>&1)
case $out in
*alice*) ok 0 "nexhinactl reads the upgraded database" ;;
*) ok 1 "nexhinactl reads the upgraded database"; echo "#   $out" ;;
esac
is "$(sql "SELECT quota FROM users WHERE id = $uid")" 500000 \
    "alice's balance survived"
is "$(sql "SELECT CONCAT(input_u, '/', output_u) FROM model_prices WHERE
    model = 'my-model'")" "2500000/10000000" "the custom price survived"
out=$(NEXHINA_SCHEMA=$ROOT/schema "$NX" migrate -c "$TMP/nexhina.conf" 2>&1)
is "$out" "up to date" "a second upgrade changes nothing"
dump >"$TMP/again"
cmp -s "$TMP/before" "$TMP/again"
ok $? "and still no row changed"

echo "1..$N"
