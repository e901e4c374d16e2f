#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmarks of the exhaustive engine (issue 3), whole processes, one run:
#   1. the default policy: exposure + verify + lint, each alone and together
#      in one process (`xnft check --exposure`), target < 50 ms;
#   2. 1,000 rules with a 100,000-element interval blocklist: exposure
#      (< 2 s, < 512 MiB peak RSS) and diff of two such rulesets (< 2 s);
#      20,000 scattered addresses in timeout sets (issue 12: < 1 s, < 100 MiB);
#   3. side by side: `xnft exposure --live` on the lab host against
#      `nmap -sS -sU` from the lab's internet namespace, same ports: the
#      ratio of time and whether both agree on what is open.
# Usage: bench/bench_analyze.sh [BUILD_DIR]   (a release build; needs root)
# Prints a Markdown table for bench/RESULTS.md. Loading a policy (a private
# namespace and libnftables) is part of every xnft figure; `xnft trace POLICY
# iif lo` (a load and one packet) is given as that floor. SKIP_LAB=1 leaves
# out part 3, ONLY_LAB=1 runs part 3 alone.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
XNFT=$BUILD/src/xnft
RUNS=${RUNS:-11}
WORK=$(mktemp -d /tmp/xnft-bench-analyze.XXXXXX)
LAB_UP=0
cleanup() {
	[ "$LAB_UP" = 1 ] && "$XNFT" lab down >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

[ -x "$XNFT" ] || { echo "bench: no xnft at $XNFT (build it first)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces)" >&2; exit 2; }

# verify, diff and lint exit 1 with findings: not a failure here
BENCH_OK_RC=1
source "$ROOT/bench/lib.sh"

sum() { awk -v a="$1" -v b="$2" -v c="${3:-0}" 'BEGIN { printf "%.1f", a + b + c }'; }

if [ "${ONLY_LAB:-0}" != 1 ]; then
"$XNFT" init "$WORK/default" --wan eth0 --mesh-if wg0 >/dev/null
make_large_policy "$WORK/large" 900
make_large_policy "$WORK/large2" 900 7
rules=$("$XNFT" check "$WORK/large" | sed -n 's/.* \([0-9]*\) rules,.*/\1/p')

echo "| what | wall ms (median) | CPU ms | peak MiB | target |"
echo "|---|---|---|---|---|"
d=$WORK/default
c=$(median_ms "$RUNS" "$XNFT" trace "$d" iif lo)
e=$(median_ms "$RUNS" "$XNFT" exposure "$d")
v=$(median_ms "$RUNS" "$XNFT" verify "$d")
l=0
if "$XNFT" lint --help >/dev/null 2>&1; then
	l=$(median_ms "$RUNS" "$XNFT" lint "$d")
fi
echo "| default policy: \`xnft trace POLICY iif lo\` (the load, one packet) | $c | $(cpu_ms "$XNFT" trace "$d" iif lo) | $(peak_mib "$XNFT" trace "$d" iif lo) | |"
echo "| default policy: \`xnft exposure\` | $e | $(cpu_ms "$XNFT" exposure "$d") | $(peak_mib "$XNFT" exposure "$d") | |"
echo "| default policy: \`xnft verify\` (19 intents) | $v | $(cpu_ms "$XNFT" verify "$d") | $(peak_mib "$XNFT" verify "$d") | |"
echo "| default policy: \`xnft lint\` | $l | $(cpu_ms "$XNFT" lint "$d") | $(peak_mib "$XNFT" lint "$d") | |"
echo "| default policy: exposure + verify + lint as three processes | $(sum "$e" "$v" "$l") | | | |"
k=$(median_ms "$RUNS" "$XNFT" check --exposure "$d")
echo "| default policy: \`xnft check --exposure\` (lint + verify + exposure, one process) | $k | $(cpu_ms "$XNFT" check --exposure "$d") | $(peak_mib "$XNFT" check --exposure "$d") | < 50 |"
runs=3
e=$(median_ms "$runs" "$XNFT" exposure "$WORK/large")
c=$(median_ms "$runs" "$XNFT" trace "$WORK/large" iif lo)
echo "| $rules rules + 100,000-element blocklist: \`xnft trace POLICY iif lo\` (the load, one packet) | $c | $(cpu_ms "$XNFT" trace "$WORK/large" iif lo) | $(peak_mib "$XNFT" trace "$WORK/large" iif lo) | |"
echo "| $rules rules + 100,000-element blocklist: \`xnft exposure\` | $e | $(cpu_ms "$XNFT" exposure "$WORK/large") | $(peak_mib "$XNFT" exposure "$WORK/large") | < 2000 ms, < 512 MiB |"
make_scattered_blocklist "$WORK/scattered.nft"
b=$(median_ms "$runs" "$XNFT" exposure "$WORK/scattered.nft")
echo "| 20,000 scattered addresses in timeout sets (CrowdSec-like): \`xnft exposure\` | $b | $(cpu_ms "$XNFT" exposure "$WORK/scattered.nft") | $(peak_mib "$XNFT" exposure "$WORK/scattered.nft") | < 1000 ms, < 100 MiB |"
x=$(median_ms "$runs" "$XNFT" diff "$WORK/large" "$WORK/large2")
echo "| two such rulesets (one port moved): \`xnft diff\` | $x | $(cpu_ms "$XNFT" diff "$WORK/large" "$WORK/large2") | $(peak_mib "$XNFT" diff "$WORK/large" "$WORK/large2") | < 2000 ms |"
fi

[ "${SKIP_LAB:-0}" = 1 ] && exit 0

# ---- side by side on the lab: exhaustive analysis against a port scan ----------------
# Never tear down a lab someone else is using: skip instead.
if ip netns list | grep -q '^xnft-lab-'; then
	echo "| lab: skipped, a lab is already up (run \`xnft lab down\` first) | | | | |"
	exit 0
fi
"$XNFT" lab up >/dev/null
LAB_UP=1
HOST_NS=xnft-lab-host
INET_NS=xnft-lab-internet
TARGET=198.18.0.1
TCP_PORTS=1-1024,5432,8080,51820
UDP_PORTS=53,67,123,161,500,1194,4500,51820
s=$(date +%s%N)
ip netns exec "$HOST_NS" "$XNFT" exposure --live >"$WORK/exposure.txt"
e=$(date +%s%N)
xms=$(( (e - s) / 1000000 ))
s=$(date +%s%N)
ip netns exec "$INET_NS" nmap -n -Pn -sS -sU -T4 --max-retries 1 \
	-p "T:$TCP_PORTS,U:$UDP_PORTS" "$TARGET" -oG "$WORK/nmap.txt" >/dev/null 2>&1
e=$(date +%s%N)
nms=$(( (e - s) / 1000000 ))
# nmap: ports it saw open (a reply came back); UDP that stays silent is open|filtered
nopen=$(grep -o '[0-9]*/open/[a-z]*' "$WORK/nmap.txt" | paste -sd, - || true)
nfilt=$(grep -o '[0-9]*/open|filtered/udp' "$WORK/nmap.txt" | wc -l)
# exposure: new connections on the host's internet-facing interface (or any interface)
wan=$(ip -n "$HOST_NS" -o -4 addr show | awk -v a="$TARGET" '$4 ~ "^" a "/" { print $2 }')
xnew=$(awk -v w="  from $wan:" '/^routed through/ { exit } /^  from / { on = ($0 == w || $0 ~ /^  from any interface/) }
	on && /ct state new/ { sub(/^ +/, ""); print }' "$WORK/exposure.txt" | paste -sd';' - || true)
agree=yes
[ -z "$nopen" ] || agree="no: nmap saw $nopen open"
echo "| lab: \`xnft exposure --live\` on the host vs \`nmap -sS -sU\` from 198.18.0.2 (T:$TCP_PORTS U:$UDP_PORTS) | $xms vs $nms | | | ratio $(ratio "$nms" "$xms")× |"
echo "| lab: what is open | xnft, new connections from $wan: ${xnew:-none}; nmap: ${nopen:-no open port}, $nfilt UDP ports open\\|filtered (silence: nmap cannot tell open from dropped) | | | agree: $agree |"
