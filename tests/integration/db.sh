#!/usr/bin/env bash
# db.sh: nexhinactl end to end against the suite's MariaDB (TAP output).
#
# Env (from tests/lib/stack.sh): NX_CONF (config for the suite's MariaDB,
# migrations applied), NX_BUILD (holds nexhinactl), NX_DB_SOCKET.  Every
# name made here carries this run's pid, so the test shares the database
# with the others.  Each command's exit status (0 ok, 1 error, 2 usage)
# and what it left in the tables are checked with the mariadb client.
# The bad-argument tables below are split on purpose (one word per
# argument; JSON quotes are meant literally).
# shellcheck disable=SC2086,SC2089,SC2090
set -uo pipefail

: "${NX_CONF:?NX_CONF is required}" "${NX_BUILD:?NX_BUILD is required}"
: "${NX_DB_SOCKET:?NX_DB_SOCKET is required}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CTL=$NX_BUILD/nexhinactl
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nx-db-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export NEXHINA_CONF=$NX_CONF
S=$$
N=0
FAILS=0

ok() {	# ok COND-STATUS NAME
	N=$((N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $N - $2"
	else
		echo "not ok $N - $2"
		FAILS=$((FAILS + 1))
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
sql() {
	mariadb --no-defaults -S "$NX_DB_SOCKET" -u nexhina -pnexhina nexhina \
	    -N -B -e "$1" 2>&1
}
# run ARGS...: sets RC, OUT (stdout) and ERR (stderr) of nexhinactl.
run() {
	"$CTL" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
	OUT=$(cat "$TMP/out")
	ERR=$(cat "$TMP/err")
}

[ -x "$CTL" ] || { echo "Bail out! $CTL is missing"; exit 1; }

# ---- migrations ----
run migrate "$ROOT/schema"
is "$RC:$OUT" "0:up to date" "migrate on a migrated database is up to date"
is "$(sql "SELECT COUNT(*) FROM schema_migrations WHERE version = 1")" 1 \
    "schema_migrations records 0001"
is "$(sql "SELECT COUNT(*) FROM model_prices WHERE model IN ('gpt-4o-mini',
    'gpt-4o','gpt-4.1','gpt-4.1-mini','gpt-4.1-nano','o3','o4-mini',
    'claude-sonnet-4-20250514','claude-opus-4-20250514','gemini-2.5-pro',
    'text-embedding-3-large','text-embedding-3-small',
    'text-embedding-ada-002','gpt-image-1','dall-e-3','dall-e-2','tts-1',
    'tts-1-hd','gpt-4o-mini-tts','whisper-1','veo-2','sora',
    'cohere-rerank-v3','omni-moderation-latest')")" 24 \
    "every model of API.md section 7 has a price"
is "$(sql "SELECT CONCAT(input_u, '/', output_u, '/', cache_u) FROM
    model_prices WHERE model = 'claude-opus-4-20250514'")" \
    "15000000/75000000/1500000" "reference multipliers seeded exactly"

# ---- usage and config errors ----
run
is "$RC" 2 "no command: exit 2"
run frobnicate
is "$RC" 2 "unknown command: exit 2"
run -c "$TMP/nonexistent.conf" user list
is "$RC" 1 "missing config: exit 1"
[[ $ERR == *nonexistent.conf* ]]
ok $? "missing config: message names the file"
sed '/^[[:space:]]*db_socket[[:space:]]*=/d' "$NX_CONF" >"$TMP/down.conf"
echo "db_socket = $TMP/no-such.sock" >>"$TMP/down.conf"
chmod 600 "$TMP/down.conf"
t0=$(date +%s)
run -c "$TMP/down.conf" user list
t1=$(date +%s)
is "$RC" 1 "unreachable database: exit 1"
[[ $ERR == *"database: "* && $(printf '%s\n' "$ERR" | wc -l) -eq 1 ]]
ok $? "unreachable database: one clear line on stderr"
[ $((t1 - t0)) -le 2 ]
ok $? "unreachable database: fails fast"
run -c "$TMP/down.conf" user add "u$S" --role 7
is "$RC" 2 "usage errors are found before connecting"

# ---- users ----
U=dbt_u$S
run user add "$U" --quota 1000 --role 10 --email "$U@example.org" \
    --display-name "Test User"
UID_=$OUT
is "$RC" 0 "user add"
[[ $UID_ =~ ^[0-9]+$ ]]
ok $? "user add prints the id"
[[ $ERR == *"shown once"* ]]
ok $? "user add without --password-stdin prints a generated password"
is "$(sql "SELECT CONCAT_WS('|', username, display_name, email, role,
    status, quota, \`group\`) FROM users WHERE id = $UID_")" \
    "$U|Test User|$U@example.org|10|1|1000|default" "user row"
is "$(sql "SELECT COUNT(*) FROM logs WHERE user_id = $UID_ AND type = 3
    AND quota = 1000")" 1 "initial quota logged as manage"
printf 'pw of %s\nsecond line\n' "$U" | "$CTL" user add "${U}b" \
    --password-stdin >"$TMP/out" 2>"$TMP/err"
is "$?:$(cat "$TMP/err")" "0:" "user add --password-stdin"
H=$(sql "SELECT password_hash FROM users WHERE username = '${U}b'")
[[ $H == \$y\$* || $H == \$2* ]]
ok $? "password stored as a yescrypt/bcrypt hash"
[[ $H != *"pw of"* ]]
ok $? "password not stored in clear"
run user add "$U"
is "$RC" 1 "duplicate user name: exit 1"
[[ $ERR == *taken* ]]
ok $? "duplicate user name: says so"
for bad in "--role 5" "--quota -1" "--quota 1x" "--quota 99999999999999999999" \
    "--email nope" "--group bad,group" "--bogus"; do
	run user add "x$S" $bad
	is "$RC" 2 "user add $bad: exit 2"
done
run user add 12345
is "$RC" 2 "all-digit user name rejected"
run user add "nogroup$S" --group "nosuch$S"
is "$RC" 1 "user add with an unknown group: exit 1"
run user list
is "$RC" 0 "user list"
grep -q "^$UID_ *$U " <<<"$OUT"
ok $? "user list shows the user"
run user set-quota "$U" 250
is "$RC" 0 "user set-quota by name"
is "$(sql "SELECT quota FROM users WHERE id = $UID_")" 250 "quota set"
is "$(sql "SELECT quota FROM logs WHERE user_id = $UID_ AND type = 3
    ORDER BY id DESC LIMIT 1")" -750 "manage log carries the delta"
run user set-quota "$UID_" 300
is "$RC:$(sql "SELECT quota FROM users WHERE id = $UID_")" "0:300" \
    "user set-quota by id"
run user set-quota "$U" -5
is "$RC" 2 "negative quota rejected"
run user set-quota "nouser$S" 5
is "$RC" 1 "set-quota of an unknown user: exit 1"

# ---- groups ----
G=dbt_g$S
run group set "$G" --ratio 1.25 --rpm 60 --tpm 90000 --description "test group"
is "$RC" 0 "group set (insert)"
is "$(sql "SELECT CONCAT_WS('|', ratio_u, rpm, tpm, description) FROM
    \`groups\` WHERE name = '$G'")" "1250000|60|90000|test group" \
    "group row, ratio parsed exactly"
run group set "$G" --rpm 61
is "$(sql "SELECT CONCAT_WS('|', ratio_u, rpm, tpm) FROM \`groups\`
    WHERE name = '$G'")" "1250000|61|90000" "group set (update) keeps the rest"
run group list
grep -q "^$G *1.25 *61 *90000 *test group" <<<"$OUT"
ok $? "group list prints the ratio back as a decimal"
for bad in "--ratio 1.1234567" "--ratio -1" "--ratio 1." "--ratio .5" \
    "--rpm -1" "--tpm x"; do
	run group set "$G" $bad
	is "$RC" 2 "group set $bad: exit 2"
done

# ---- keys ----
run key create --user "$U" --name "k$S" --quota 500 \
    --models " gpt-4o ,gpt-4o-mini,,gpt-4o" --ips "10.0.0.0/8, ::1" \
    --group "$G" --rpm 10 --tpm 1000 --expires $(( $(date +%s) + 86400 ))
KEY=$OUT
is "$RC" 0 "key create"
[[ $KEY =~ ^sk-[A-Za-z0-9]{48}$ ]]
ok $? "key create prints only the key"
HASH=$(printf '%s' "$KEY" | sha256sum | cut -d' ' -f1)
KID=$(sql "SELECT id FROM tokens WHERE key_hash = '$HASH'")
[[ $KID =~ ^[0-9]+$ ]]
ok $? "key stored by its sha256"
is "$(sql "SELECT CONCAT_WS('|', user_id, name, status, remain_quota,
    unlimited_quota, model_limits, allow_ips, \`group\`, rpm_limit,
    tpm_limit) FROM tokens WHERE id = $KID")" \
    "$UID_|k$S|1|500|0|gpt-4o,gpt-4o-mini|10.0.0.0/8,::1|$G|10|1000" \
    "key row, lists normalized"
P=$(sql "SELECT key_prefix FROM tokens WHERE id = $KID")
[[ $P == "${KEY:0:7}"* && $P != "$KEY" ]]
ok $? "display prefix stored, not the key"
is "$(sql "SELECT COUNT(*) FROM tokens WHERE key_prefix = '$KEY'
    OR key_hash = '$KEY'")" 0 "the key itself is stored nowhere"
run key create --user "$UID_"
is "$RC" 0 "key create by user id, defaults"
KID2=$(sql "SELECT id FROM tokens WHERE user_id = $UID_ ORDER BY id DESC
    LIMIT 1")
is "$(sql "SELECT CONCAT_WS('|', unlimited_quota, expired_time,
    \`group\`, IFNULL(rpm_limit, 'NULL'), IFNULL(tpm_limit, 'NULL'))
    FROM tokens WHERE id = $KID2")" "1|-1||NULL|NULL" \
    "defaults: unlimited, never expires, user's group, group's limits"
for bad in "--quota 5 --unlimited" "--quota -1" "--ips 1.2.3.4/33" \
    "--ips 300.1.1.1" "--expires 100" "--rpm -1" "--name" \
    "--models a,$(printf 'm%.0s' {1..129})"; do
	run key create --user "$U" $bad
	is "$RC" 2 "key create $bad: exit 2"
done
run key create
is "$RC" 2 "key create without --user: exit 2"
run key create --user "nouser$S"
is "$RC" 1 "key create for an unknown user: exit 1"
run key create --user "$U" --group "nosuch$S"
is "$RC" 1 "key create with an unknown group: exit 1"
run key list --user "$U"
is "$RC" 0 "key list --user"
is "$(grep -c "^[0-9]" <<<"$OUT")" 2 "key list shows the user's two keys"
[[ $OUT != *"$KEY"* ]]
ok $? "key list does not print keys"
run key disable "$KID"
is "$RC:$(sql "SELECT status FROM tokens WHERE id = $KID")" "0:2" \
    "key disable"
run key disable 0
is "$RC" 2 "key disable 0: exit 2"
run key disable 999999999
is "$RC" 1 "key disable of an unknown key: exit 1"

# ---- channels ----
CRED="sk-upstream-$S-secret"
printf '%s\n' "$CRED" | "$CTL" channel add --type openai --name "ch$S" \
    --base-url https://api.example.com/v1 --key-stdin \
    --models "gpt-4o, gpt-4o-mini ,gpt-4o" --group "default, $G" \
    --priority 5 --weight 3 --test-model gpt-4o-mini \
    --model-mapping '{"gpt-4o": "gpt-4o-2024-08-06"}' \
    --other '{ "api_version": "x" }' >"$TMP/out" 2>"$TMP/err"
RC=$?
CID=$(cat "$TMP/out")
is "$RC:$(cat "$TMP/err")" "0:" "channel add --key-stdin"
is "$(sql "SELECT CONCAT_WS('|', type, name, base_url, models,
    model_mapping, \`group\`, priority, weight, status, test_model, other)
    FROM channels WHERE id = '$CID'")" \
    "openai|ch$S|https://api.example.com/v1|gpt-4o,gpt-4o-mini|{\"gpt-4o\":\"gpt-4o-2024-08-06\"}|default,$G|5|3|1|gpt-4o-mini|{\"api_version\":\"x\"}" \
    "channel row, lists and JSON normalized"
is "$(sql "SELECT LENGTH(key_enc) FROM channels WHERE id = '$CID'")" \
    $((12 + ${#CRED} + 16)) "credential sealed (nonce + ciphertext + tag)"
is "$(sql "SELECT COUNT(*) FROM channels WHERE id = '$CID' AND
    LOCATE('$CRED', key_enc) > 0")" 0 "credential not stored in clear"
printf '%s' "$CRED" >"$TMP/cred"
run channel add --type anthropic --name "ch2$S" \
    --base-url https://api.example.com --key-file "$TMP/cred" --models m1
is "$RC" 0 "channel add --key-file"
CID2=$OUT
run channel list
is "$RC" 0 "channel list"
grep -q "^$CID .*ch$S" <<<"$OUT"
ok $? "channel list shows the channel"
[[ $OUT != *"$CRED"* ]]
ok $? "channel list never prints the credential"
run channel disable "$CID2"
is "$RC:$(sql "SELECT status FROM channels WHERE id = '$CID2'")" "0:2" \
    "channel disable"
B=(--name x --base-url https://x.example --key-file "$TMP/cred" --models m)
for bad in "--type nope" "--type openai --model-mapping {\"a\":1}" \
    "--type openai --other [1]" "--type openai --other {bad" \
    "--type openai --key-stdin" "--type openai --weight -1"; do
	run channel add "${B[@]}" $bad
	is "$RC" 2 "channel add $bad: exit 2"
done
run channel add --type openai --name x --base-url ftp://x --key-file \
    "$TMP/cred" --models m
is "$RC" 2 "channel add with a non-http URL: exit 2"
run channel add "${B[@]}" --type openai --group "nosuch$S"
is "$RC" 1 "channel add with an unknown group: exit 1"
run channel add --type openai --name x --base-url https://x.example \
    --key-file "$TMP/cred" --models " , "
is "$RC" 2 "channel add with an empty model list: exit 2"

# ---- prices ----
M=dbt-model-$S
run price set "$M" --basis tokens --input 2.5 --output 0.075 --cache 0.000001 \
    --cache-write 3.125
is "$RC" 0 "price set"
is "$(sql "SELECT CONCAT_WS('|', basis, input_u, output_u, cache_u,
    cache_write_u, unit_u, extra) FROM model_prices WHERE model = '$M'")" \
    "tokens|2500000|75000|1|3125000|0|" \
    "multipliers parsed exactly into millionths"
run price set "$M" --basis tokens --output 12
is "$(sql "SELECT CONCAT_WS('|', input_u, output_u, cache_u, cache_write_u)
    FROM model_prices WHERE model = '$M'")" "2500000|12000000|1|3125000" \
    "price set updates only the given fields"
run price set "$M" --basis tokens --cache-write -1
is "$RC" 2 "price set refuses a negative --cache-write"
run price list
grep -q "^$M *tokens *2.5 *12 *0.000001 *3.125 *0" <<<"$OUT"
ok $? "price list prints multipliers back as decimals"
run price set "img-$M" --basis image --unit 21000 \
    --extra '{"1024x1024/low": 5500}'
is "$RC:$(sql "SELECT CONCAT_WS('|', unit_u, extra) FROM model_prices
    WHERE model = 'img-$M'")" "0:21000000000|{\"1024x1024/low\":5500}" \
    "image price with a size/quality table"
for bad in "--basis words" "--basis tokens --input 1.1234567" \
    "--basis tokens --input -1" "--basis tokens --input 1e3" \
    "--basis tokens --extra [1]" "--basis image --extra {\"a\":\"x\"}" \
    "--input 1"; do
	run price set "$M" $bad
	is "$RC" 2 "price set $bad: exit 2"
done

# ---- clean up what this run made ----
sql "DELETE FROM tokens WHERE user_id = $UID_;
    DELETE FROM logs WHERE user_id IN ($UID_, (SELECT id FROM users
    WHERE username = '${U}b'));
    DELETE FROM users WHERE username IN ('$U', '${U}b');
    DELETE FROM channels WHERE id IN ('$CID', '$CID2');
    DELETE FROM model_prices WHERE model IN ('$M', 'img-$M');
    DELETE FROM \`groups\` WHERE name = '$G'" >/dev/null

echo "1..$N"
[ "$FAILS" -eq 0 ]
