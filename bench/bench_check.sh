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

# A large policy: the default one plus a 100,000-element interval blocklist.
make_large_policy() {
	local dir=$1
	"$XNFT" init "$dir" --wan eth0 --mesh-if wg0 --force >/dev/null
	{
		echo "table inet xnft {"
		echo "	set BLOCKLIST {"
		echo "		type ipv4_addr; flags interval"
		printf '		elements = { '
		awk 'BEGIN { for (i = 0; i < 100000; i++) { a = 11 + int(i / 65536); b = int(i / 256) % 256; c = i % 256;
			printf "%s%d.%d.%d.0/24", (i ? ", " : ""), a, b, c } }'
		echo " }"
		echo "	}"
		echo "	chain input {"
		echo "		iifname \$WAN_IF ip saddr @BLOCKLIST counter drop comment \"blocklist: 100,000 networks\""
		echo "	}"
		echo "}"
	} >"$dir/rules/16-blocklist.nft"
	sed -i 's|^include "rules/20-mesh.nft"|include "rules/16-blocklist.nft"\n&|' "$dir/nftables.conf"
}

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
