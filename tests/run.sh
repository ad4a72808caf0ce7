#!/usr/bin/env bash
# Nexhina's test runner (make test, make unit): tests/run.sh [--unit-only]
#
#  1. every $BUILD/tests/test_* binary (unit tests; BUILD defaults to build)
#  2. unless --unit-only: the test stack (tests/lib/stack.sh up: fresh
#     MariaDB, mock upstream, nexhina, lighttpd and Apache, under var/test),
#     then every tests/integration/*.sh (bash), tests/integration/*.test.mjs,
#     tests/clients/*.test.mjs and tests/browser/*.test.mjs (node --test;
#     the console in Chromium), with var/test/env.sh
#     exported; then the stack goes down (also on failure or Ctrl-C).
#
# Every test program speaks TAP: `ok N - name`, `not ok N - name`, `# ...`
# diagnostics, optionally a plan `1..N`.  Its output is shown as it runs.
# Counted are the results at the start of a line (top level); indented
# ones are node's subtests, already summed up in their parent's result.
# `# SKIP` / `# TODO` results count as skipped.  A program that exits
# non-zero without a `not ok` counts as one failure, as does one that
# prints no result at all, stops short of its plan, or times out
# (NX_TEST_TIMEOUT seconds per program, default 600).
#
# The last line is exactly `N passed, M failed`; the exit status is 1 when
# M > 0 or when nothing ran.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1

UNIT_ONLY=0
case ${1:-} in
--unit-only) UNIT_ONLY=1 ;;
'') ;;
*)
	echo "usage: $0 [--unit-only]" >&2
	exit 2
	;;
esac

export BUILD=${BUILD:-build}
TIMEOUT=${NX_TEST_TIMEOUT:-600}
PASS=0
FAIL=0
SKIP=0
FAILED=()
STACK_UP=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/nexhina-tests.XXXXXX")

# Reads TAP on stdin; prints one line per counted result:
#   P<TAB>name  passed      F<TAB>name  failed      S<TAB>name  skipped
#   X<TAB>text  a failure not tied to a result (short of plan, bail out)
#   N<TAB>n     the plan's count (only for plain TAP)
# mode=node: a top-level result named after a test file with subtests
# (node 18 wraps each file that way) stands for its subtests instead.
tap_parse() {
	awk -v mode="$1" '
	function classify(line, indent,   ok, rest, dir, i, c) {
		ok = (line !~ /^[ \t]*not ok/)
		rest = line
		sub(/^[ \t]*(not ok|ok)/, "", rest)
		sub(/^[ \t]*[0-9]+/, "", rest)
		sub(/^[ \t]*-?[ \t]*/, "", rest)
		dir = ""
		# The directive starts at the first unescaped "#".
		for (i = 1; i <= length(rest); i++) {
			c = substr(rest, i, 1)
			if (c == "\\") { i++; continue }
			if (c == "#") {
				dir = substr(rest, i + 1)
				rest = substr(rest, 1, i - 1)
				break
			}
		}
		sub(/[ \t]+$/, "", rest)
		if (rest == "") rest = "(unnamed)"
		dir = toupper(dir)
		if (dir ~ /^[ \t]*(SKIP|TODO)/) return "S\t" rest
		return (ok ? "P" : "F") "\t" rest
	}
	BEGIN { nchild = 0; top = 0 }
	/^# Subtest: / { nchild = 0; next }
	/^    (not ok|ok)([ \t]|$)/ {
		child[++nchild] = classify($0)
		next
	}
	/^(not ok|ok)([ \t]|$)/ {
		r = classify($0)
		name = substr(r, 3)
		top++
		if (mode == "node" && nchild > 0 && name ~ /\.(m?js|cjs|ts)$/) {
			anyf = 0
			for (k = 1; k <= nchild; k++) {
				print child[k]
				if (substr(child[k], 1, 1) == "F") anyf = 1
			}
			if (substr(r, 1, 1) == "F" && !anyf) print r
		} else {
			print r
		}
		nchild = 0
		next
	}
	/^1\.\.[0-9]+/ {
		if (mode != "node") {
			n = $0
			sub(/^1\.\./, "", n)
			sub(/[^0-9].*$/, "", n)
			plan = n + 0
			haveplan = 1
		}
		next
	}
	/^Bail out!/ { print "X\tbailed out: " substr($0, 10); next }
	END {
		if (haveplan) {
			print "N\t" plan
			if (top < plan)
				print "X\tplanned " plan " tests, only " top " ran"
		}
	}'
}

# run_tap MODE NAME CMD...: runs one test program, shows its output, and
# adds its results to the totals.
run_tap() {
	local mode=$1 name=$2 out=$TMP/out res=$TMP/res rc kind text
	local nres=0 nfail=0 plan=
	shift 2
	echo "# ---- $name"
	timeout -k 10 "$TIMEOUT" "$@" </dev/null 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	tap_parse "$mode" <"$out" >"$res"
	while IFS=$'\t' read -r kind text; do
		case $kind in
		P)
			PASS=$((PASS + 1))
			nres=$((nres + 1))
			;;
		S)
			SKIP=$((SKIP + 1))
			nres=$((nres + 1))
			;;
		F | X)
			FAIL=$((FAIL + 1))
			nfail=$((nfail + 1))
			nres=$((nres + 1))
			FAILED+=("$name: $text")
			;;
		N) plan=$text ;;
		esac
	done <"$res"
	if [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then
		FAIL=$((FAIL + 1))
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			text="timed out after ${TIMEOUT}s"
		else
			text="exited with status $rc"
		fi
		echo "not ok - $name $text"
		FAILED+=("$name: $text")
	elif [ "$nres" -eq 0 ] && [ "$plan" != 0 ]; then
		FAIL=$((FAIL + 1))
		echo "not ok - $name printed no test results"
		FAILED+=("$name: printed no test results")
	fi
}

# A check of the runner's own (stack up): one result.
record() {
	if [ "$1" = ok ]; then
		PASS=$((PASS + 1))
		echo "ok - $2"
	else
		FAIL=$((FAIL + 1))
		echo "not ok - $2"
		FAILED+=("$2")
	fi
}

show_logs() {
	local f
	for f in "$@"; do
		[ -s "$f" ] || continue
		echo "# --- last lines of $f"
		tail -n 30 "$f" | sed 's/^/#   /'
	done
}

stack_down() {
	if [ "$STACK_UP" = 1 ]; then
		STACK_UP=0
		echo "# ---- stack down"
		tests/lib/stack.sh down 2>&1 | sed 's/^/# /'
	fi
}

summary() {
	local f
	echo "# ----"
	if [ ${#FAILED[@]} -gt 0 ]; then
		echo "# Failed:"
		for f in "${FAILED[@]}"; do
			echo "#   $f"
		done
	fi
	[ "$SKIP" -eq 0 ] || echo "# $SKIP skipped"
	echo "$PASS passed, $FAIL failed"
}

cleanup() {
	stack_down
	rm -rf "$TMP"
}
# shellcheck disable=SC2317  # invoked by trap
on_signal() {
	echo "# interrupted"
	FAIL=$((FAIL + 1))
	FAILED+=("interrupted")
	cleanup
	summary
	trap - EXIT
	exit 130
}
trap cleanup EXIT
trap on_signal INT TERM

# 1. unit tests
shopt -s nullglob
units=()
for f in "$BUILD"/tests/test_*; do
	[ -f "$f" ] && [ -x "$f" ] && units+=("$f")
done
if [ ${#units[@]} -eq 0 ]; then
	echo "# no unit test binaries in $BUILD/tests/ (run make first)"
fi
for f in "${units[@]}"; do
	run_tap plain "unit/${f##*/}" "$f"
done

# 1b. the libFuzzer harnesses, NX_FUZZ_SECONDS each (default 8; 0 skips
# them, reported as one skipped result): one result per harness; a
# missing clang is a failure (tools/stack/deps.sh installs it).
if [ "${NX_FUZZ_SECONDS:-8}" = 0 ]; then
	SKIP=$((SKIP + 1))
	echo "ok - fuzz # SKIP NX_FUZZ_SECONDS=0"
else
	run_tap plain fuzz env FUZZ_SECONDS="${NX_FUZZ_SECONDS:-8}" \
	    tests/fuzz/run.sh
fi

# 2. the stack and everything that talks to it
if [ "$UNIT_ONLY" = 0 ]; then
	sh_tests=(tests/integration/*.sh)
	node_tests=(tests/integration/*.test.mjs tests/clients/*.test.mjs
	    tests/browser/*.test.mjs)

	echo "# ---- stack up"
	STACK_UP=1
	if tests/lib/stack.sh up 2>&1 | sed 's/^/# /'; then
		record ok "stack: up (lighttpd, Apache, nexhina, mock, MariaDB)"
	else
		record fail "stack: up"
		v=${NX_VAR:-$ROOT/var/test}
		show_logs "$v/log/nexhina.log" "$v/log/mock.log" \
		    "$v/log/mariadb.err" "$v/log/lighttpd.error.log" \
		    "$v/log/apache2.error.log"
		sh_tests=()
		node_tests=()
	fi

	if [ ${#sh_tests[@]} -gt 0 ] || [ ${#node_tests[@]} -gt 0 ]; then
		set -a
		# shellcheck disable=SC1091
		. "${NX_VAR:-$ROOT/var/test}/env.sh"
		set +a
	fi
	for f in "${sh_tests[@]}"; do
		run_tap plain "${f#tests/}" bash "$f"
	done
	if [ ${#node_tests[@]} -gt 0 ] && ! command -v node >/dev/null; then
		echo "# node not found: run tools/stack/deps.sh"
	fi
	for f in "${node_tests[@]}"; do
		run_tap node "${f#tests/}" node --test --test-reporter=tap "$f"
	done

	v=${NX_VAR:-$ROOT/var/test}
	stack_down
	# Sanitizer builds (make asan): a worker's report lands in the
	# server's log, not in any test's output.
	if [ -f "$v/log/nexhina.log" ] && grep -qE \
	    'ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:' \
	    "$v/log/nexhina.log"; then
		grep -E -A 12 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
		    "$v/log/nexhina.log" | head -n 60 | sed 's/^/# /'
		record fail "nexhina.log: sanitizer report (see $v/log/nexhina.log)"
	fi
	# The tests kill workers with SIGKILL and SIGTERM only; a worker
	# that died of SIGILL, SIGABRT, SIGBUS, SIGFPE or SIGSEGV crashed,
	# even when every test that met the dead connection passed.
	if [ -f "$v/log/nexhina.log" ]; then
		crashes=$(grep -E 'killed by signal (4|6|7|8|11);' \
		    "$v/log/nexhina.log" || true)
		if [ -n "$crashes" ]; then
			grep -E -B 3 'killed by signal (4|6|7|8|11);' \
			    "$v/log/nexhina.log" | head -n 40 | sed 's/^/# /'
			record fail "nexhina.log: no worker crashed ($(wc -l \
			    <<<"$crashes") crash(es); see $v/log/nexhina.log)"
		else
			record ok "nexhina.log: no worker crashed"
		fi
	fi
fi

trap - EXIT
cleanup
summary
if [ "$FAIL" -gt 0 ] || [ $((PASS + FAIL)) -eq 0 ]; then
	exit 1
fi
exit 0
