# modes.sh: bash helpers of the run-mode tests (tests/integration/
# install.sh and fcgid.sh), sourced, never run.  Needs the suite's env
# (tests/lib/stack.sh writes it): NX_CONF NX_BUILD NX_DB_SOCKET NX_MOCK_URL.
#
#   ok STATUS NAME, is GOT WANT NAME, like GOT ERE NAME   TAP results
#   sql QUERY                  as the app's DB user, tab-separated rows
#   wait_for SECONDS CMD...    polls CMD every 0.1 s; its last status
#   tenant [CONF]              a group (ratio 1), a user with quota, an
#                              unlimited key and an openai channel to the
#                              mock: T_GROUP T_UID T_KEY T_TID; CONF (else
#                              NX_CONF) names the secret key that seals
#                              the channel's credential
#   chat_check LABEL BASE      one non-streamed chat through BASE that must
#                              be answered (the mock's words), reach the
#                              mock with the channel's key, be logged and
#                              be billed at the price row's rate
# Every check prints one TAP line; N counts them (print the plan last).
# shellcheck shell=bash

N=0
MODES_TMP=$(mktemp -d "${TMPDIR:-/tmp}/nx-modes.XXXXXX")

ok() {
	N=$((N + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $N - $2"
	else
		echo "not ok $N - $2"
	fi
}

is() {
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		echo "#   got:  '$1'"
		echo "#   want: '$2'"
	fi
}

like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '%s\n' "$1" | head -n 15 | sed 's/^/#   got: /'
		echo "#   want match: $2"
	fi
}

sql() {
	mariadb --no-defaults -S "$NX_DB_SOCKET" -u nexhina -pnexhina nexhina \
	    -N -B -e "$1" 2>&1
}

wait_for() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}

tenant() {
	local ctl=("$NX_BUILD/nexhinactl" -c "${1:-$NX_CONF}") s=$$x$RANDOM
	T_GROUP=g$s
	"${ctl[@]}" group set "$T_GROUP" --ratio 1 >/dev/null
	T_UID=$(printf 'pw-u%s\n' "$s" | "${ctl[@]}" user add "u$s" \
	    --quota 10000000 --group "$T_GROUP" --password-stdin)
	T_KEY=$("${ctl[@]}" key create --user "u$s" --name k --unlimited)
	printf 'sk-mock-upstream' | "${ctl[@]}" channel add --type openai \
	    --name "c$s" --base-url "$NX_MOCK_URL" --key-stdin \
	    --models gpt-4o-mini --group "$T_GROUP" >/dev/null
	T_TID=$(sql "SELECT id FROM tokens WHERE user_id = ${T_UID:-0}")
}

chat_check() {
	local label=$1 base=$2 code rid tag
	# Some 200 words, so the charge is well above the 1-unit minimum.
	tag="hello from $1 $$ $RANDOM $(printf 'word%s ' {1..200})"
	local before after content pt ct inu outu bp want row up
	before=$(sql "SELECT quota FROM users WHERE id = $T_UID")
	code=$(curl -sS --max-time 60 -D "$MODES_TMP/hdr" -o "$MODES_TMP/body" \
	    -w '%{http_code}' -H "Authorization: Bearer $T_KEY" \
	    -H 'Content-Type: application/json' \
	    --data "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"$tag\"}]}" \
	    "$base/v1/chat/completions" 2>&1)
	is "$code" 200 "$label: the chat request is answered 200"
	content=$(jq -r '.choices[0].message.content' "$MODES_TMP/body" 2>&1)
	is "$content" "w1 w2 w3 w4 w5" "$label: the client got the upstream's answer"
	pt=$(jq -r '.usage.prompt_tokens' "$MODES_TMP/body" 2>/dev/null)
	ct=$(jq -r '.usage.completion_tokens' "$MODES_TMP/body" 2>/dev/null)
	[[ $pt =~ ^[0-9]+$ ]] || pt=0
	[[ $ct =~ ^[0-9]+$ ]] || ct=0
	is "$pt/$ct" "$(($(wc -w <<<"$tag") + 3))/5" \
	    "$label: usage counts the prompt and the 5 answer tokens"
	up=$(curl -sS "$NX_MOCK_URL/_mock/requests" | jq -r --arg t "$tag" \
	    '[.[] | select(.body | contains($t))] | last |
	    "\(.path) \(.headers.authorization)"')
	is "$up" "/v1/chat/completions Bearer sk-mock-upstream" \
	    "$label: the upstream got it with the channel's key"
	rid=$(tr -d '\r' <"$MODES_TMP/hdr" | sed -n 's/^[Xx]-[Rr]equest-[Ii][Dd]: *//p')
	# The settle may land a moment after the last byte.
	log_row() {
		row=$(sql "SELECT CONCAT_WS(' ', type, status, model_name,
		    prompt_tokens, completion_tokens, quota) FROM logs WHERE
		    request_id = '$rid' AND token_id = $T_TID")
		[ -n "$row" ]
	}
	wait_for 5 log_row
	read -r inu outu <<<"$(sql "SELECT input_u, output_u FROM model_prices
	    WHERE model = 'gpt-4o-mini'")"
	bp=$(sql "SELECT value FROM options WHERE name = 'base_price'")
	# bill_tokens at group ratio 1: ceil((p*in + c*out) * base / 1e12).
	want=$(( ((pt * inu + ct * outu) * bp + 999999999999) / 1000000000000 ))
	is "$row" "2 200 gpt-4o-mini $pt $ct $want" \
	    "$label: one consume log row (quota $want from the price row)"
	after=$(sql "SELECT quota FROM users WHERE id = $T_UID")
	is "$((before - after))" "$want" "$label: the user's balance went down by it"
}
