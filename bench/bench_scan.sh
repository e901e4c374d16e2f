#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# `xnft scan` against plain nmap with the same arguments on the same ports:
# xnft's overhead over nmap itself (reading the proof, the -oX report with
# libexpat, the comparison). A scanner namespace and a target namespace on a
# veth pair; the target drops everything but 22/tcp and 51820/udp (the proof
# is `xnft exposure --new --json` of that ruleset). Nothing listens on 22, so
# xnft reports one drift (22/tcp closed: a warning); that is the verdict line.
# Usage: bench/bench_scan.sh [BUILD_DIR]
# Needs root (network namespaces) and nmap. Prints a Markdown table for RESULTS.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
XNFT=$BUILD/src/xnft
RUNS=${RUNS:-5}
PORTS=${PORTS:-1-1024}
WORK=$(mktemp -d /tmp/xnft-bench.XXXXXX)
SCANNER="xnft-bench-scan-$$" TARGET="xnft-bench-target-$$"
trap 'ip netns del "$SCANNER" 2>/dev/null; ip netns del "$TARGET" 2>/dev/null; rm -rf "$WORK"' EXIT

source "$ROOT/bench/lib.sh"

ip netns add "$SCANNER"
ip netns add "$TARGET"
ip -n "$SCANNER" link add eth0 type veth peer name eth0 netns "$TARGET"
ip -n "$SCANNER" addr add 192.0.2.2/24 dev eth0
ip -n "$TARGET" addr add 192.0.2.1/24 dev eth0
ip -n "$SCANNER" link set eth0 up
ip -n "$TARGET" link set eth0 up
ip -n "$TARGET" link set lo up
cat >"$WORK/target.nft" <<'NFT'
table inet bench {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept
		iifname "lo" accept
		tcp dport 22 accept
		udp dport 51820 accept
	}
}
NFT
ip netns exec "$TARGET" nft -f "$WORK/target.nft"
"$XNFT" exposure "$WORK/target.nft" --new --json >"$WORK/proof.json"

# The argv xnft scan gives nmap (src/scan/scan.c), without --max-rate.
NMAP_ARGS=(-n -Pn --max-retries 1 --host-timeout 300s)
BENCH_OK_RC=1
x1=$(median_ms "$RUNS" ip netns exec "$SCANNER" "$XNFT" scan 192.0.2.1 --expect-json "$WORK/proof.json" \
	--ports "$PORTS" --max-rate 0 --no-stealth)
n1=$(median_ms "$RUNS" ip netns exec "$SCANNER" nmap "${NMAP_ARGS[@]}" -sS -sU -p "T:$PORTS,U:$PORTS" \
	-oX "$WORK/n.xml" 192.0.2.1)
x4=$(median_ms "$RUNS" ip netns exec "$SCANNER" "$XNFT" scan 192.0.2.1 --expect-json "$WORK/proof.json" \
	--ports "$PORTS" --max-rate 0)
n4=$(median_ms "$RUNS" bash -c "ip netns exec $SCANNER nmap ${NMAP_ARGS[*]} -sS -sU -p T:$PORTS,U:$PORTS -oX $WORK/n.xml 192.0.2.1 &&
	for s in -sN -sX -sF; do ip netns exec $SCANNER nmap ${NMAP_ARGS[*]} \$s -p T:$PORTS -oX $WORK/n.xml 192.0.2.1 || exit 2; done")
xc=$(cpu_ms ip netns exec "$SCANNER" "$XNFT" scan 192.0.2.1 --expect-json "$WORK/proof.json" \
	--ports "$PORTS" --max-rate 0 --no-stealth)
nc=$(cpu_ms ip netns exec "$SCANNER" nmap "${NMAP_ARGS[@]}" -sS -sU -p "T:$PORTS,U:$PORTS" -oX "$WORK/n.xml" 192.0.2.1)
ip netns exec "$SCANNER" "$XNFT" scan 192.0.2.1 --expect-json "$WORK/proof.json" --ports "$PORTS" \
	--max-rate 0 >"$WORK/result" || true
echo "| what | xnft | baseline | ratio |"
echo "|---|---|---|---|"
echo "| SYN + UDP scan of $PORTS: \`xnft scan --no-stealth\` vs \`nmap -sS -sU\` (median of $RUNS, ms) | $x1 | $n1 | $(ratio "$x1" "$n1")× |"
echo "| the same plus NULL, XMAS, FIN: \`xnft scan\` vs four nmap runs (median of $RUNS, ms) | $x4 | $n4 | $(ratio "$x4" "$n4")× |"
echo "| SYN + UDP scan: CPU, user + system, nmap included (ms) | $xc | $nc | $(ratio "$xc" "$nc")× |"
echo
echo "xnft scan's verdict: $(head -n 1 "$WORK/result")"
