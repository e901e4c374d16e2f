#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `xnft check` (load in a private namespace, model, lint) against `nft -c`,
# the validation a user would otherwise run, side by side in one run.
# Usage: bench/bench_check.sh [BUILD_DIR]
# Needs root (network namespaces). Prints a Markdown table for RESULTS.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
XNFT=$BUILD/src/xnft
RUNS=${RUNS:-15}
WORK=$(mktemp -d /tmp/xnft-bench.XXXXXX)
NS="xnft-bench-$$"
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$WORK"' EXIT
ip netns add "$NS"

source "$ROOT/bench/lib.sh"

"$XNFT" init "$WORK/default" --wan eth0 --mesh-if wg0 >/dev/null
make_large_policy "$WORK/large"

echo "| what | xnft | baseline | ratio |"
echo "|---|---|---|---|"
for p in default large; do
	dir="$WORK/$p"
	runs=$RUNS; [ "$p" = large ] && runs=5
	x=$(median_ms "$runs" "$XNFT" check -q "$dir")
	n=$(median_ms "$runs" ip netns exec "$NS" nft -c -I "$dir" -f "$dir/nftables.conf")
	echo "| check, $p policy: \`xnft check\` vs \`nft -c -f\` (median of $runs, ms) | $x | $n | $(ratio "$x" "$n")× |"
	xm=$(peak_kib "$XNFT" check -q "$dir")
	nm=$(peak_kib ip netns exec "$NS" nft -c -I "$dir" -f "$dir/nftables.conf")
	echo "| check, $p policy: peak memory (MiB) | $((xm / 1024)) | $((nm / 1024)) | $(ratio "$xm" "$nm")× |"
done
