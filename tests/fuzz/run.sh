#!/usr/bin/env bash
# make fuzz: builds every libFuzzer harness tests/fuzz/fuzz_<name>.c and runs
# it for FUZZ_SECONDS (default 20) on a copy of its seed corpus
# tests/fuzz/corpus/<name>/ (the committed seeds are never modified).
#
# A harness names the app sources it needs in a comment line
#   * fuzz-sources: app/multipart.c app/arena.c app/buf.c
# and, when it needs libraries, a line "fuzz-libs: -lcjson ...".  Each is
# built with clang -fsanitize=fuzzer,address,undefined into $BUILD/fuzz/
# (BUILD defaults to build).  Any crash, sanitizer report, leak or timeout
# fails the harness; its reproducer is kept in $BUILD/fuzz/artifacts/.
#
# Usage: tests/fuzz/run.sh [name...]     (default: every harness)
# One TAP line per harness ("ok - fuzz NAME" / "not ok - fuzz NAME: why",
# so tests/run.sh counts them); last line: "N passed, M failed"; exit
# status 1 when M > 0.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1

BUILD=${BUILD:-build}
OUT=$BUILD/fuzz
SECONDS_EACH=${FUZZ_SECONDS:-20}
CC=${FUZZ_CC:-clang}
CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
-fno-sanitize-recover=undefined -std=gnu11 -I. -Iapp"
PKG_CFLAGS=$(pkg-config --cflags libcjson 2>/dev/null || true)

if ! command -v "$CC" >/dev/null 2>&1; then
	echo "fuzz: $CC not found (tools/stack/deps.sh installs clang" \
	    "and libclang-rt-14-dev)" >&2
	echo "not ok - fuzz: $CC not found"
	echo "0 passed, 1 failed"
	exit 1
fi

names=()
if [ $# -gt 0 ]; then
	names=("$@")
else
	for f in tests/fuzz/fuzz_*.c; do
		[ -e "$f" ] || continue
		n=${f#tests/fuzz/fuzz_}
		names+=("${n%.c}")
	done
fi

mkdir -p "$OUT/artifacts"
pass=0
fail=0
for n in "${names[@]}"; do
	src=tests/fuzz/fuzz_$n.c
	bin=$OUT/fuzz_$n
	if [ ! -f "$src" ]; then
		echo "not ok - fuzz $n: no $src"
		fail=$((fail + 1))
		continue
	fi
	# shellcheck disable=SC2207
	srcs=($(sed -n 's/^.*fuzz-sources:[[:space:]]*//p' "$src" | head -n 1))
	# shellcheck disable=SC2207
	libs=($(sed -n 's/^.*fuzz-libs:[[:space:]]*//p' "$src" | head -n 1))
	# shellcheck disable=SC2086
	if ! $CC $CFLAGS $PKG_CFLAGS -o "$bin" "$src" "${srcs[@]}" \
	    "${libs[@]}"; then
		echo "not ok - fuzz $n: build failed"
		fail=$((fail + 1))
		continue
	fi
	work=$OUT/corpus-$n
	rm -rf "$work"
	mkdir -p "$work"
	if [ -d "tests/fuzz/corpus/$n" ]; then
		cp -R "tests/fuzz/corpus/$n/." "$work/"
	fi
	echo "fuzz: $n: ${SECONDS_EACH}s on $(find "$work" -type f | wc -l) seeds"
	log=$OUT/fuzz_$n.log
	if "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$OUT/artifacts/${n}-" "$work" >"$log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' \
		    "$log")
		echo "ok - fuzz $n (${runs:-?} runs, corpus $(find "$work" \
		    -type f | wc -l) files)"
		pass=$((pass + 1))
	else
		echo "not ok - fuzz $n: crash or sanitizer report; see $log" \
		    "and $OUT/artifacts/"
		grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -n 10
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
