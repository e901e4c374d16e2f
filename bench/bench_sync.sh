#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Peer sync with 1,000 peers (issue 16), side by side in one run, inside a
# network namespace of our own holding a wireguard-go interface with 1,000
# peers and the MESH_PEERS / MESH_PEERS6 sets of table inet xnft:
#   xnft:      `xnft sync-peers` from an empty set (1,000 elements added) and
#              again with one peer changed: one transaction each, no flush;
#   the seed's way: `nft flush set` then one `nft add element` per peer,
#              1,000 + 1 processes; every peer is out of the set from the
#              flush until its own add: that window is measured too.
# Usage: bench/bench_sync.sh [BUILD_DIR]   (a release build; needs root)
# Prints a Markdown table for bench/RESULTS.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
XNFT=$BUILD/src/xnft
PEERS=${PEERS:-1000}
RUNS=${RUNS:-5}
WORK=$(mktemp -d /tmp/xnft-bench-sync.XXXXXX)
NS=xnft-bench-sync-$$
IF=xb$$
WGPID=
cleanup() {
	[ -n "$WGPID" ] && kill "$WGPID" 2>/dev/null && wait "$WGPID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

[ -x "$XNFT" ] || { echo "bench: no xnft at $XNFT (build it first)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench: needs root (network namespaces)" >&2; exit 2; }
source "$ROOT/bench/lib.sh"
in_ns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS"
ip netns exec "$NS" wireguard-go -f "$IF" >"$WORK/wg.log" 2>&1 &
WGPID=$!
for _ in $(seq 50); do [ -S "/var/run/wireguard/$IF.sock" ] && break; sleep 0.1; done
# 1,000 peers, 10.20.X.Y/32 each; their keys need not be points anyone holds.
python3 - "$PEERS" >"$WORK/wg.conf" <<'PY'
import base64, os, sys
print("[Interface]\nPrivateKey = %s" % base64.b64encode(os.urandom(32)).decode())
for i in range(int(sys.argv[1])):
    print("[Peer]\nPublicKey = %s\nAllowedIPs = 10.20.%d.%d/32"
          % (base64.b64encode(os.urandom(32)).decode(), 1 + i // 250, 1 + i % 250))
PY
in_ns wg setconf "$IF" "$WORK/wg.conf"
in_ns ip link set "$IF" up
in_ns wg show "$IF" allowed-ips | awk '{print $2}' | sed 's|/32||' >"$WORK/peers"
[ "$(wc -l <"$WORK/peers")" = "$PEERS" ] || { echo "bench: wireguard-go has not $PEERS peers" >&2; exit 1; }
tables() {
	in_ns nft -f - <<'NFT'
table inet xnft
delete table inet xnft
table inet xnft {
	set MESH_PEERS { type ipv4_addr; flags interval; }
	set MESH_PEERS6 { type ipv6_addr; flags interval; }
}
NFT
}
count() { in_ns nft -j list set inet xnft MESH_PEERS | jq '.nftables[1].set.elem // [] | length'; }

xnft_full() { tables; in_ns "$XNFT" sync-peers --iface "$IF" >/dev/null; }
seed_way() {
	in_ns nft flush set inet xnft MESH_PEERS
	while read -r a; do in_ns nft add element inet xnft MESH_PEERS "{ $a }"; done <"$WORK/peers"
}

full_ms=() one_ms=() seed_ms=()
for _ in $(seq "$RUNS"); do
	tables
	s=$(date +%s%N); in_ns "$XNFT" sync-peers --iface "$IF" >/dev/null; e=$(date +%s%N)
	full_ms+=($(( (e - s) / 1000 )))
	[ "$(count)" = "$PEERS" ] || { echo "bench: xnft left $(count) elements" >&2; exit 1; }
	# One peer leaves WireGuard: the steady-state sync deletes one element.
	in_ns wg set "$IF" peer "$(in_ns wg show "$IF" peers | head -1)" remove
	s=$(date +%s%N); in_ns "$XNFT" sync-peers --iface "$IF" >/dev/null; e=$(date +%s%N)
	one_ms+=($(( (e - s) / 1000 )))
	in_ns wg setconf "$IF" "$WORK/wg.conf"
done
# The seed's way, from a full set (as a sync would find it): fewer runs, it is slow.
SEED_RUNS=${SEED_RUNS:-2}
for _ in $(seq "$SEED_RUNS"); do
	xnft_full
	s=$(date +%s%N); seed_way; e=$(date +%s%N)
	seed_ms+=($(( (e - s) / 1000 )))
	[ "$(count)" = "$PEERS" ] || { echo "bench: the seed's way left $(count) elements" >&2; exit 1; }
done
med() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]/1000}'; }
full=$(med "${full_ms[@]}"); one=$(med "${one_ms[@]}"); seed=$(med "${seed_ms[@]}")
# The seed's window: the last peer is out of the set from the flush to its own add,
# the first for one process's time; on average half the run.
window_avg=$(awk -v s="$seed" 'BEGIN { printf "%.0f", s / 2 }')

echo "| what ($PEERS peers, wireguard-go) | xnft | the seed's way | ratio |"
echo "|---|---|---|---|"
echo "| sync, empty set to $PEERS peers: \`xnft sync-peers\` (one transaction, median of $RUNS, ms) vs flush + $PEERS \`nft add element\` (median of $SEED_RUNS, ms) | $full | $seed | $(ratio "$seed" "$full")× |"
echo "| sync, one peer left: \`xnft sync-peers\` (median of $RUNS, ms) vs the same flush + re-add | $one | $seed | $(ratio "$seed" "$one")× |"
echo "| window in which a peer that stays is out of MESH_PEERS (ms) | 0 (no flush; its element is never touched) | up to $seed, $window_avg on average | |"
