#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Safe apply against plain `nft -f`, in the same run: `xnft apply` (check,
# lint, intents, lockout, snapshot + reload check, one transaction, boot
# copy) of the default policy and of one with a 100,000-element set, vs
# `nft -I DIR -f DIR/nftables.conf` of the same files; and how long the
# confirm guard takes to restore the snapshot once its deadline passes.
# Everything runs in a network namespace of its own, with a temp state dir.
# Usage: bench/bench_apply.sh [BUILD_DIR]   (needs root; prints Markdown rows)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
XNFT=$BUILD/src/xnft
RUNS=${RUNS:-9}
LARGE_RUNS=${LARGE_RUNS:-3}
WORK=$(mktemp -d /tmp/xnft-bench-apply.XXXXXX)
NS="xnft-bapply-$$"
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$WORK"' EXIT
ip netns add "$NS"
ip -n "$NS" link set lo up
export XNFT_STATE_DIR=$WORK/state

source "$ROOT/bench/lib.sh"

"$XNFT" init "$WORK/default" --wan eth0 --mesh-if wg0 >/dev/null
make_large_policy "$WORK/large"

xapply() { ip netns exec "$NS" "$XNFT" apply "$@"; }
nftf() { ip netns exec "$NS" nft -I "$1" -f "$1/nftables.conf"; }
# The floor of any protocol that validates a policy before it loads it:
# `nft -c -f` (the kernel checks the whole batch, then drops it) followed by
# `nft -f`. Step 1 (a full load in a private namespace) costs at least the
# first, step 6 (the transaction) the second.
nftcf() { ip netns exec "$NS" nft -c -I "$1" -f "$1/nftables.conf" && nftf "$1"; }

# guard_revert_ms DIR: apply with a 1 s window, no confirm; the guard's own
# measure of how long after its deadline the snapshot was back.
guard_revert_ms() {
	xapply --confirm 1 "$1" >/dev/null 2>&1
	for _ in $(seq 1 600); do
		[ -e "$XNFT_STATE_DIR/pending" ] || break
		sleep 0.05
	done
	grep -P '\trevert\treverted\t' "$XNFT_STATE_DIR/journal" | tail -n 1 |
		sed -n 's/.*restored \([0-9]*\) ms after it.*/\1/p'
}

echo "| what | xnft | baseline | ratio |"
echo "|---|---|---|---|"
for p in default large; do
	dir="$WORK/$p"
	runs=$RUNS; [ "$p" = large ] && runs=$LARGE_RUNS
	# the same table is loaded before each timed run, so both replace a loaded table
	nftf "$dir" >/dev/null
	n=$(median_ms "$runs" nftf "$dir")
	x=$(median_ms "$runs" xapply "$dir")
	c=$(median_ms "$runs" nftcf "$dir")
	echo "| apply, $p policy: \`xnft apply\` vs \`nft -f\` (median of $runs, ms) | $x | $n | $(ratio "$x" "$n")× |"
	echo "| apply, $p policy: floor \`nft -c -f\` then \`nft -f\` vs \`nft -f\` (ms) | $c | $n | $(ratio "$c" "$n")× |"
	g=$(guard_revert_ms "$dir")
	echo "| apply --confirm 1, $p policy: guard restores the snapshot, ms after its deadline | ${g:-?} | - | - |"
done
