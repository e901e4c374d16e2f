#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs every test: cmocka unit tests, fuzz targets (bounded runs over their
# corpus), integration tests (real kernel, network namespaces). Every test
# speaks TAP; the last line is "N passed, N failed" over all of them.
#   tests/run.sh [BUILD_DIR [FUZZ_BUILD_DIR]]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build-asan}
FUZZ_BUILD=${2:-$ROOT/build-fuzz}
export ROOT XNFT="$BUILD/src/xnft" XPKT="$BUILD/tests/tools/xpkt" LISTING_CMP="$BUILD/tests/tools/listing_cmp"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
passed=0
failed=0
failed_names=()
LOG=$(mktemp -d /tmp/xnft-run.XXXXXX)

# run_tap NAME COMMAND...: run one TAP producer with a time limit, count its results.
run_tap() {
	local name=$1; shift
	local out="$LOG/$(echo "$name" | tr '/ ' '__').log"
	timeout --kill-after=10 900 "$@" >"$out" 2>&1
	local rc=$?
	local p f plans planned
	p=$(grep -cE '^ok [0-9]+' "$out")
	f=$(grep -cE '^not ok [0-9]+' "$out")
	# Every producer prints one plan ("1..N"); a script that died half-way,
	# or ran fewer tests than it planned, must not read as all passed.
	plans=$(grep -cE '^1\.\.[0-9]+' "$out")
	planned=$(grep -m 1 -oE '^1\.\.[0-9]+' "$out" | cut -d. -f3)
	if [ "$plans" -ne 1 ] || [ "$planned" -ne $((p + f)) ]; then
		echo "not ok - $name: plan ${planned:-missing} ($plans plan lines), $((p + f)) results" >>"$out"
		f=$((f + 1))
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1   # crashed or died after reporting every result as ok: that is a failure
		echo "not ok - $name exited with status $rc" >>"$out"
	fi
	# A test that replaced /dev/null (a rename onto it) would break every test
	# after it: count it as a failure of this one, and put the device back.
	if [ ! -c /dev/null ]; then
		rm -f /dev/null && mknod -m 666 /dev/null c 1 3
		f=$((f + 1))
		echo "not ok - $name left /dev/null a regular file (put back)" >>"$out"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		failed_names+=("$name")
		echo "FAIL $name ($p passed, $f failed)"
		grep -E '^not ok|^#|ERROR|error|Sanitizer' "$out" | head -40 | sed 's/^/    /'
	else
		echo "PASS $name ($p passed)"
	fi
}

echo "== unit tests"
for t in "$BUILD"/tests/test_*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	CMOCKA_MESSAGE_OUTPUT=TAP run_tap "unit/$(basename "$t")" "$t"
done

echo "== fuzz targets (bounded runs)"
for t in "$FUZZ_BUILD"/tests/fuzz/fuzz_*; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	name=$(basename "$t")
	corpus="$ROOT/tests/fuzz/corpus/${name#fuzz_}"
	run_tap "fuzz/$name" "$ROOT/tests/fuzz/run-one.sh" "$t" "$corpus"
done

echo "== integration tests"
for t in "$ROOT"/tests/integration/test_*.sh; do
	[ -f "$t" ] || continue
	run_tap "integration/$(basename "$t" .sh)" bash "$t"
done

echo "logs: $LOG"
if [ "$failed" -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
