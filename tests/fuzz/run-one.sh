#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Run one libFuzzer target for a bounded number of inputs over its seed
# corpus, as one TAP test: tests/fuzz/run-one.sh TARGET CORPUS_DIR
set -u
target=$1
corpus=$2
work=$(mktemp -d /tmp/xnft-fuzz.XXXXXX)
trap 'rm -rf "$work" "$work".artifact-*' EXIT
[ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null
if "$target" -runs="${FUZZ_RUNS:-20000}" -max_len=65536 -timeout=10 -artifact_prefix="$work.artifact-" "$work" >"$work.log" 2>&1; then
	echo "ok 1 - $(basename "$target"): ${FUZZ_RUNS:-20000} runs, no crash"
else
	echo "not ok 1 - $(basename "$target") found a crash"
	tail -40 "$work.log" | sed 's/^/# /'
	for a in "$work".artifact-*; do [ -f "$a" ] && echo "# reproducer (base64): $(base64 -w0 "$a" | head -c 2000)"; done
fi
rm -f "$work.log"
echo "1..1"
