#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A day-two change, whole process: `xnft allow https --dry-run` on the
# default policy (read the owned values, render, stage, load old and new,
# diff, check with lint and intents) against what a user would otherwise run
# after a hand edit: `nft -c -f` (validation only, no diff, no intents).
# Usage: bench/bench_daytwo.sh [BUILD_DIR]
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

dir=$WORK/default
"$XNFT" init "$dir" --wan eth0 --mesh-if wg0 --no-iface-check >/dev/null
cp -a "$dir" "$WORK/edited"
sed -i 's|# xnft-init: services|&\n\t\ttcp dport 443 ct state new counter accept comment "service: https (mesh-only)"|' \
	"$WORK/edited/rules/40-services.nft"
before=$(cd "$dir" && find . -type f | sort | xargs md5sum | md5sum)

x=$(median_ms "$RUNS" "$XNFT" allow https --dry-run -p "$dir")
n=$(median_ms "$RUNS" ip netns exec "$NS" nft -c -I "$WORK/edited" -f "$WORK/edited/nftables.conf")
d=$(BENCH_OK_RC=1 median_ms "$RUNS" "$XNFT" diff "$dir" "$WORK/edited")
c=$(median_ms "$RUNS" "$XNFT" check -q "$WORK/edited")
xc=$(cpu_ms "$XNFT" allow https --dry-run -p "$dir")
xm=$(peak_mib "$XNFT" allow https --dry-run -p "$dir")
after=$(cd "$dir" && find . -type f | sort | xargs md5sum | md5sum)
[ "$before" = "$after" ] || { echo "bench: --dry-run changed the tree" >&2; exit 1; }
met=$(awk -v x="$x" 'BEGIN { print (x < 100 ? "**met**" : "**not met**") }')

echo "| what | xnft | baseline | ratio | target |"
echo "|---|---|---|---|---|"
echo "| default policy: \`xnft allow https --dry-run\` (whole process: values, render, stage, diff, check, lint, intents) vs \`nft -c -f\` of the hand-edited file (median of $RUNS, ms) | **$x** | $n | $(ratio "$x" "$n")× | < 100 ms: $met |"
echo "| the same, CPU ms / peak MiB | $xc / $xm | | | |"
echo "| its parts as separate processes: \`xnft diff OLD NEW\` + \`xnft check -q NEW\` (ms) | $d + $c | | | |"
