#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The mesh end to end, from one inventory: a hub and two peers over real
# WireGuard (wireguard-go), every config made by `xnft mesh keys` and
# `xnft mesh render`. peer1 may reach the hub's SSH and PostgreSQL, peer2
# only SSH -- shown with real connections and with the proof (exposure of
# the live ruleset); spoke to spoke through the hub; then revocation: peer2
# removed from the inventory, rendered, WireGuard updated, one sync: its
# open session is cut, peer1's goes on.
source "$(dirname "$0")/lib.sh"
require_root

T=$(tmpdir) || exit 1
HUB=$(ns_add hub) && P1=$(ns_add p1) && P2=$(ns_add p2) || { not_ok "namespaces"; finish; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
INV=$T/mesh.conf
K=$T/keys
declare -A IFC=([hub]=xm$$h [peer1]=xm$$a [peer2]=xm$$b) NSOF=([hub]=$HUB [peer1]=$P1 [peer2]=$P2)

in_ns "$HUB" ip link add br0 type bridge && in_ns "$HUB" ip link set br0 up &&
in_ns "$HUB" ip addr add 11.32.0.1/24 dev br0 || not_ok "hub bridge"
n=2
for ns in "$P1" "$P2"; do
	ip link add "m$$-$n" type veth peer name eth0 netns "$ns" && ip link set "m$$-$n" netns "$HUB" &&
	in_ns "$HUB" ip link set "m$$-$n" master br0 up &&
	in_ns "$ns" ip addr add "11.32.0.$n/24" dev eth0 && in_ns "$ns" ip link set eth0 up || not_ok "veth $n"
	n=$((n + 1))
done
in_ns "$HUB" sysctl -qw net.ipv4.ip_forward=1

cat >"$INV" <<INV
[mesh]
interface = wg0
network = 10.10.0.0/24
[host hub]
address = 10.10.0.1
role = hub
endpoint = 11.32.0.1:51820
services = tcp/22:ssh, tcp/5432:postgres
[host peer1]
address = 10.10.0.2
keepalive = 1
reach = hub:ssh, hub:postgres
[host peer2]
address = 10.10.0.3
keepalive = 1
reach = hub:ssh
INV
for h in hub peer1 peer2; do "$XNFT" mesh keys $h --inventory "$INV" --keys-dir "$K" >/dev/null || not_ok "keys $h"; done
"$XNFT" init "$T/hub" --wan br0 --mesh-if "${IFC[hub]}" --mesh 10.10.0.0/24 >/dev/null || not_ok "init"
check "render hub into its policy tree" "$XNFT" mesh render hub --inventory "$INV" --keys-dir "$K" --out "$T/hub"
for h in peer1 peer2; do check "render $h" "$XNFT" mesh render $h --inventory "$INV" --keys-dir "$K" --out "$T/$h"; done

# bring_up HOST: wireguard-go on the host's own interface name (their API
# sockets share one directory), configured from the rendered wg0.conf the
# way wg-quick does it: the stripped config, then the Address.
bring_up() {
	local h=$1 ns=${NSOF[$1]} ifc=${IFC[$1]} conf=$T/$1/wg0.conf i
	ip netns exec "$ns" wireguard-go -f "$ifc" >"$T/$h.wg.log" 2>&1 &
	track_pid $!
	for i in $(seq 50); do [ -S "/var/run/wireguard/$ifc.sock" ] && break; sleep 0.1; done
	wg-quick strip "$conf" >"$T/$h.strip" && in_ns "$ns" wg setconf "$ifc" "$T/$h.strip" || return 1
	in_ns "$ns" ip addr add "$(sed -n 's/^Address = //p' "$conf")" dev "$ifc" && in_ns "$ns" ip link set "$ifc" up
}
for h in hub peer1 peer2; do check "$h: WireGuard up from the rendered config" bring_up $h; done
in_ns "$HUB" nft -I "$T/hub" -f "$T/hub/nftables.conf" || not_ok "the hub's rendered policy loads"

cat >"$T/echo.py" <<'PY'
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.10.0.1", int(sys.argv[1]))); s.listen(8)
def serve(c):
    while True:
        d = c.recv(100)
        if not d: return
        c.sendall(d)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
for port in 22 5432; do ip netns exec "$HUB" python3 "$T/echo.py" $port & track_pid $!; done
wait_up() { local i; for i in $(seq 50); do [ "$(ip netns exec "$1" "$XPKT" ping --dst "$2" --timeout-ms 300)" = reply ] && return 0; done; return 1; }
check "peer1 reaches the hub through the tunnel" wait_up "$P1" 10.10.0.1
check "peer2 reaches the hub through the tunnel" wait_up "$P2" 10.10.0.1
for i in $(seq 50); do [ "$(in_ns "$HUB" ss -ltn | grep -c "10.10.0.1:\(22\|5432\) ")" = 2 ] && break; sleep 0.1; done
conn() { ip netns exec "$1" "$XPKT" connect --dst 10.10.0.1 --port "$2" --timeout-ms 1500; }
check_eq "peer1 -> hub SSH: open" open "$(conn "$P1" 22)"
check_eq "peer1 -> hub PostgreSQL: open" open "$(conn "$P1" 5432)"
check_eq "peer2 -> hub SSH: open" open "$(conn "$P2" 22)"
check_eq "peer2 -> hub PostgreSQL: filtered (its chain drops it)" filtered "$(conn "$P2" 5432)"
check "spoke to spoke through the hub: peer1 pings peer2" wait_up "$P1" 10.10.0.3
out=$(ip netns exec "$HUB" "$XNFT" exposure --live --from "${IFC[hub]}" --new 2>&1)
check_match "the proof agrees: peer1 may open SSH and PostgreSQL" "source in 10.10.0.2: tcp dport \\{ 22, 5432 \\}" "$out"
check_match "... the other peers SSH only" "not in 10.10.0.2: tcp dport 22( |$)" "$out"

# ---- revocation, live ----
cat >"$T/client.py" <<'PY'
import os, socket, sys, time
c = socket.create_connection(("10.10.0.1", 22), timeout=5)
c.sendall(b"one"); print("first", c.recv(10).decode(), flush=True)
while not os.path.exists(sys.argv[1]): time.sleep(0.05)
c.settimeout(2)
try:
    c.sendall(b"two"); d = c.recv(10); print("second", d.decode() if d else "closed", flush=True)
except OSError as e:
    print("second cut", type(e).__name__, flush=True)
PY
ip netns exec "$P1" python3 "$T/client.py" "$T/go" >"$T/c1.log" 2>&1 & C1=$!; track_pid $C1
ip netns exec "$P2" python3 "$T/client.py" "$T/go" >"$T/c2.log" 2>&1 & C2=$!; track_pid $C2
for i in $(seq 100); do grep -q first "$T/c1.log" && grep -q first "$T/c2.log" && break; sleep 0.1; done
check_eq "both peers hold an open session to the hub's SSH port" "first one|first one" "$(head -1 "$T/c1.log")|$(head -1 "$T/c2.log")"
check "mesh remove peer2" "$XNFT" mesh remove peer2 --inventory "$INV"
check "render the hub again" "$XNFT" mesh render hub --inventory "$INV" --keys-dir "$K" --out "$T/hub"
wg-quick strip "$T/hub/wg0.conf" >"$T/hub.strip"
check "WireGuard on the hub follows the config (wg syncconf)" in_ns "$HUB" wg syncconf "${IFC[hub]}" "$T/hub.strip"
out=$(ip netns exec "$HUB" "$XNFT" sync-peers --iface "${IFC[hub]}" 2>&1)
check_match "sync-peers: peer2 out, its conntrack entries deleted" "\\+0 -1 element in one transaction; [1-9][0-9]* conntrack" "$out"
touch "$T/go"
wait "$C1" "$C2" 2>/dev/null
check_eq "peer1's session goes on" "second two" "$(sed -n 2p "$T/c1.log")"
check_match "peer2's session is cut" "^second cut" "$(sed -n 2p "$T/c2.log")"
check "the re-rendered policy (no chain for peer2) loads on the hub" in_ns "$HUB" nft -I "$T/hub" -f "$T/hub/nftables.conf"
check_eq "peer1 still reaches PostgreSQL" open "$(conn "$P1" 5432)"

finish
