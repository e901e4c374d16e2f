#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The mesh, shown: a hub and two peers in network namespaces over real
# WireGuard (wireguard-go), everything made from one inventory with
# `xnft mesh keys` and `xnft mesh render`. peer1 may reach the hub's SSH and
# PostgreSQL, peer2 only SSH: shown with real connections and with the proof;
# spoke to spoke through the hub; then revocation, live: peer2 removed from
# the inventory, rendered, WireGuard updated, `xnft sync-peers`: its open
# session is cut, peer1's goes on. Everything is removed at the end (also
# on interrupt); only the processes started here are stopped, by PID.
# Usage: tools/mesh-demo.sh [BUILD_DIR]   (needs root, wireguard-go, python3)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
XNFT=$BUILD/src/xnft
XPKT=$BUILD/tests/tools/xpkt
[ "$(id -u)" = 0 ] || { echo "mesh-demo: needs root (network namespaces)" >&2; exit 2; }
[ -x "$XNFT" ] && [ -x "$XPKT" ] || { echo "mesh-demo: build first (no $XNFT or $XPKT)" >&2; exit 2; }
T=$(mktemp -d /tmp/xnft-mesh-demo.XXXXXX)
PIDS=()
declare -A NSOF=([hub]=xmd$$-hub [peer1]=xmd$$-p1 [peer2]=xmd$$-p2) IFC=([hub]=xd$$h [peer1]=xd$$a [peer2]=xd$$b)
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	for ns in "${NSOF[@]}"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
die() { echo "mesh-demo: $*" >&2; exit 1; }

for ns in "${NSOF[@]}"; do ip netns add "$ns" && in_ns "$ns" ip link set lo up || die "namespace $ns"; done
HUB=${NSOF[hub]}
in_ns "$HUB" ip link add br0 type bridge && in_ns "$HUB" ip link set br0 up &&
in_ns "$HUB" ip addr add 11.33.0.1/24 dev br0 && in_ns "$HUB" sysctl -qw net.ipv4.ip_forward=1 || die "hub"
n=2
for h in peer1 peer2; do
	ip link add "d$$-$n" type veth peer name eth0 netns "${NSOF[$h]}" && ip link set "d$$-$n" netns "$HUB" &&
	in_ns "$HUB" ip link set "d$$-$n" master br0 up &&
	in_ns "${NSOF[$h]}" ip addr add "11.33.0.$n/24" dev eth0 && in_ns "${NSOF[$h]}" ip link set eth0 up || die "veth"
	n=$((n + 1))
done

say "The inventory"
INV=$T/mesh.conf K=$T/keys
"$XNFT" mesh init --inventory "$INV" --network 10.10.0.0/24 >/dev/null || die "mesh init"
"$XNFT" mesh add hub --inventory "$INV" --address 10.10.0.1 --role hub --endpoint 11.33.0.1:51820 \
	--service tcp/22:ssh --service tcp/5432:postgres >/dev/null &&
"$XNFT" mesh add peer1 --inventory "$INV" --address 10.10.0.2 --keepalive 1 --reach hub:ssh --reach hub:postgres >/dev/null &&
"$XNFT" mesh add peer2 --inventory "$INV" --address 10.10.0.3 --keepalive 1 --reach hub:ssh >/dev/null || die "mesh add"
for h in hub peer1 peer2; do "$XNFT" mesh keys $h --inventory "$INV" --keys-dir "$K" >/dev/null || die "keys"; done
"$XNFT" mesh list --inventory "$INV"

say "Render: wg-quick configs, and the hub's policy with a chain per peer"
"$XNFT" init "$T/hub" --wan br0 --mesh-if "${IFC[hub]}" --mesh 10.10.0.0/24 >/dev/null || die "init"
"$XNFT" mesh render hub --inventory "$INV" --keys-dir "$K" --out "$T/hub" || die "render hub"
for h in peer1 peer2; do "$XNFT" mesh render $h --inventory "$INV" --keys-dir "$K" --out "$T/$h" >/dev/null || die "render $h"; done
sed -n '/^table/,$p' "$T/hub/rules/18-mesh-peers.nft"

up() {
	local h=$1 ns=${NSOF[$1]} ifc=${IFC[$1]} i
	ip netns exec "$ns" wireguard-go -f "$ifc" >"$T/$h.wg.log" 2>&1 &
	PIDS+=($!)
	for i in $(seq 50); do [ -S "/var/run/wireguard/$ifc.sock" ] && break; sleep 0.1; done
	wg-quick strip "$T/$h/wg0.conf" >"$T/$h.strip" && in_ns "$ns" wg setconf "$ifc" "$T/$h.strip" &&
	in_ns "$ns" ip addr add "$(sed -n 's/^Address = //p' "$T/$h/wg0.conf")" dev "$ifc" && in_ns "$ns" ip link set "$ifc" up
}
for h in hub peer1 peer2; do up $h || die "WireGuard on $h"; done
in_ns "$HUB" nft -I "$T/hub" -f "$T/hub/nftables.conf" || die "the hub's policy"
for port in 22 5432; do
	ip netns exec "$HUB" python3 -c '
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.10.0.1", int(sys.argv[1]))); s.listen(8)
def serve(c):
    while True:
        d = c.recv(100)
        if not d: return
        c.sendall(d)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()' "$port" &
	PIDS+=($!)
done
for i in $(seq 50); do [ "$(in_ns "$HUB" ss -ltn | grep -c "10.10.0.1:\(22\|5432\) ")" = 2 ] && break; sleep 0.1; done
for i in $(seq 50); do
	[ "$(ip netns exec "${NSOF[peer1]}" "$XPKT" ping --dst 10.10.0.1 --timeout-ms 300)" = reply ] &&
	[ "$(ip netns exec "${NSOF[peer2]}" "$XPKT" ping --dst 10.10.0.1 --timeout-ms 300)" = reply ] && break
done

say "Real connections (open = allowed, filtered = dropped by the peer's chain)"
for h in peer1 peer2; do
	for port in 22 5432; do
		printf '  %-6s -> hub tcp/%-5s %s\n' "$h" "$port" \
			"$(ip netns exec "${NSOF[$h]}" "$XPKT" connect --dst 10.10.0.1 --port $port --timeout-ms 1500)"
	done
done
printf '  peer1 -> peer2 (spoke to spoke, through the hub): ping %s\n' \
	"$(ip netns exec "${NSOF[peer1]}" "$XPKT" ping --dst 10.10.0.3 --timeout-ms 1500)"

say "The proof: what the hub's live ruleset lets each peer open"
in_ns "$HUB" "$XNFT" exposure --live --from "${IFC[hub]}" --new |
	awk '/^new connections routed/ { exit } /^  from/ { on = 1 } on'

say "Revocation, live: peer2 holds an open session to the hub's SSH port"
cat >"$T/client.py" <<'PY'
import os, socket, sys, time
c = socket.create_connection(("10.10.0.1", 22), timeout=5)
c.sendall(b"hello"); c.recv(10)
while not os.path.exists(sys.argv[1]): time.sleep(0.05)
c.settimeout(1)
try:
    c.sendall(b"again"); d = c.recv(10)
    print("  %s: session still answers (%s)" % (sys.argv[2], d.decode()), flush=True)
except OSError:
    print("  %s: session cut (no answer within a second)" % sys.argv[2], flush=True)
PY
ip netns exec "${NSOF[peer1]}" python3 "$T/client.py" "$T/go" peer1 & PIDS+=($!); C1=$!
ip netns exec "${NSOF[peer2]}" python3 "$T/client.py" "$T/go" peer2 & PIDS+=($!); C2=$!
sleep 1
echo "  \$ xnft mesh remove peer2; xnft mesh render hub; wg syncconf; xnft sync-peers"
"$XNFT" mesh remove peer2 --inventory "$INV" >/dev/null &&
"$XNFT" mesh render hub --inventory "$INV" --keys-dir "$K" --out "$T/hub" >/dev/null || die "re-render"
wg-quick strip "$T/hub/wg0.conf" >"$T/hub.strip" && in_ns "$HUB" wg syncconf "${IFC[hub]}" "$T/hub.strip"
in_ns "$HUB" "$XNFT" sync-peers --iface "${IFC[hub]}" | sed 's/^/  /'
touch "$T/go"
wait "$C1" "$C2"
in_ns "$HUB" nft -I "$T/hub" -f "$T/hub/nftables.conf" && echo "  the hub's policy reloaded without peer2's chain"
