#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run one libFuzzer target for a bounded number of inputs over its seed
# corpus, as one TAP test: tests/fuzz/run-one.sh TARGET CORPUS_DIR
set -u
target=$1
corpus=$2
work=$(mktemp -d /tmp/xnft-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null
if "$target" -runs="${FUZZ_RUNS:-20000}" -max_len=65536 -timeout=10 "$work" >"$work.log" 2>&1; then
	echo "ok 1 - $(basename "$target"): ${FUZZ_RUNS:-20000} runs, no crash"
else
	echo "not ok 1 - $(basename "$target") found a crash"
	tail -40 "$work.log" | sed 's/^/# /'
fi
rm -f "$work.log"
echo "1..1"
