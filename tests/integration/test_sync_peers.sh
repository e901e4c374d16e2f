#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft sync-peers with real wireguard-go interfaces: a hub and two peers in
# namespaces of our own, the default policy on the hub.
#  - a missing or a down interface: a clear error, the sets untouched;
#  - the sets become the AllowedIPs, the init's /24 replaced in one go;
#  - a peer that stays never loses a packet across 100 syncs that each add
#    or remove the other peer (a continuous ping counts the gaps);
#  - revocation: peer2 removed from WireGuard, one sync: its element and its
#    conntrack entries are gone and its open TCP session is cut, while
#    peer1's session goes on;
#  - the daemon syncs at start and on SIGHUP ([mesh] sync_interface), logs it.
source "$(dirname "$0")/lib.sh"
require_root

T=$(tmpdir) || exit 1
HUB=$(ns_add hub) && P1=$(ns_add p1) && P2=$(ns_add p2) || { not_ok "namespaces"; finish; }
WG=xw$$h; W1=xw$$a; W2=xw$$b   # wireguard-go's sockets are shared by every namespace
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Underlay: a bridge on the hub, one veth per peer; addresses that are no
# bogons, or the policy would drop the handshakes from the "internet".
in_ns "$HUB" ip link add br0 type bridge && in_ns "$HUB" ip link set br0 up &&
in_ns "$HUB" ip addr add 11.31.0.1/24 dev br0 || not_ok "hub bridge"
n=2
for ns in "$P1" "$P2"; do
	ip link add "v$$-$n" type veth peer name eth0 netns "$ns" &&
	ip link set "v$$-$n" netns "$HUB" &&
	in_ns "$HUB" ip link set "v$$-$n" master br0 up &&
	in_ns "$ns" ip addr add "11.31.0.$n/24" dev eth0 && in_ns "$ns" ip link set eth0 up ||
		not_ok "veth to peer $n"
	n=$((n + 1))
done

# wireguard-go, in the foreground so that its PID is ours to stop.
start_wg() {
	local ns=$1 ifc=$2 i
	ip netns exec "$ns" wireguard-go -f "$ifc" >"$T/$ifc.log" 2>&1 &
	track_pid $!
	for i in $(seq 50); do [ -S "/var/run/wireguard/$ifc.sock" ] && return 0; sleep 0.1; done
	return 1
}
for k in hub p1 p2; do (umask 077; wg genkey >"$T/$k.key"; wg pubkey <"$T/$k.key" >"$T/$k.pub"); done
start_wg "$HUB" "$WG" && start_wg "$P1" "$W1" && start_wg "$P2" "$W2" || { not_ok "wireguard-go started"; finish; }
in_ns "$HUB" wg set "$WG" listen-port 51820 private-key "$T/hub.key" \
	peer "$(cat "$T/p1.pub")" allowed-ips 10.10.0.2/32 \
	peer "$(cat "$T/p2.pub")" allowed-ips 10.10.0.3/32 &&
in_ns "$HUB" ip addr add 10.10.0.1/24 dev "$WG" && in_ns "$HUB" ip link set "$WG" up || not_ok "hub wg"
n=2
for pair in "$P1:$W1:p1" "$P2:$W2:p2"; do
	IFS=: read -r ns ifc k <<<"$pair"
	in_ns "$ns" wg set "$ifc" private-key "$T/$k.key" peer "$(cat "$T/hub.pub")" \
		allowed-ips 10.10.0.0/24 endpoint 11.31.0.1:51820 persistent-keepalive 1 &&
	in_ns "$ns" ip addr add "10.10.0.$n/24" dev "$ifc" && in_ns "$ns" ip link set "$ifc" up ||
		not_ok "peer $k wg"
	n=$((n + 1))
done

# The default policy on the hub, its WAN the bridge, its mesh the WireGuard interface.
"$XNFT" init "$T/pol" --wan br0 --mesh-if "$WG" --mesh 10.10.0.0/24 --mesh fd10::/64 >/dev/null &&
in_ns "$HUB" nft -I "$T/pol" -f "$T/pol/nftables.conf" || { not_ok "policy loaded on the hub"; finish; }
mesh_set() { in_ns "$HUB" nft -j list set inet xnft "$1" | jq -c '[.nftables[1].set.elem // [] | .[] | if type == "object" then (.prefix.addr + "/" + (.prefix.len|tostring)) else . end]'; }

# run NS ARGS...: xnft in a namespace; $rc, $out, $err.
run() {
	local ns=$1; shift
	out=$(ip netns exec "$ns" "$XNFT" "$@" 2>"$T/err"); rc=$?
	err=$(cat "$T/err")
	if grep -Eq "Sanitizer|runtime error:" "$T/err"; then not_ok "no sanitizer report from xnft $*"; fi
}

# ---- errors leave the sets alone ----
before=$(mesh_set MESH_PEERS)
run "$HUB" sync-peers --iface nosuch0
check_eq "a missing interface: exit 2" "2" "$rc"
check_match "... says which" "no interface nosuch0 in this network namespace" "$err"
in_ns "$HUB" ip link set "$WG" down
run "$HUB" sync-peers --iface "$WG"
check_eq "a down interface: exit 2" "2" "$rc"
check_match "... says it is down and the set is left" "interface $WG is down; MESH_PEERS is left as it is" "$err"
check_eq "... MESH_PEERS untouched" "$before" "$(mesh_set MESH_PEERS)"
in_ns "$HUB" ip link set "$WG" up
run "$HUB" sync-peers --iface br0
check_eq "not a WireGuard interface: exit 2" "2" "$rc"
check_eq "... MESH_PEERS untouched" "$before" "$(mesh_set MESH_PEERS)"

# ---- the first sync ----
run "$HUB" sync-peers --iface "$WG"
check_eq "sync: exit 0" "0" "$rc"
check_match "sync: 2 peers from the API socket, +2 -2 (the /24 and the empty /64 placeholder out)" \
	"2 peers \\(userspace API socket\\); MESH_PEERS 2, MESH_PEERS6 0; \\+2 -[12] elements" "$out"
check_eq "MESH_PEERS = the peers' AllowedIPs" '["10.10.0.2","10.10.0.3"]' "$(mesh_set MESH_PEERS)"
run "$HUB" sync-peers --iface "$WG"
check_match "a second sync changes nothing" "\\+0 -0 elements" "$out"
run "$HUB" sync-peers --iface "$WG" --json
check_eq "--json: the result as one object" '1 true 2 2 0 0 0' \
	"$(printf '%s' "$out" | jq -r '[.version, .ok, .peers, .mesh_peers, .added, .removed, .conntrack_deleted] | join(" ")')"
run "$HUB" sync-peers --iface nosuch0 --json
check_eq "--json: a failure is the failure object, exit 2" '2 2 false' \
	"$(printf '%s' "$out" | jq -r '[.error.exit, .ok] | join(" ")' | sed "s/^/$rc /")"

wait_ping() { local i; for i in $(seq 50); do [ "$(ip netns exec "$1" "$XPKT" ping --dst "$2" --timeout-ms 300)" = reply ] && return 0; done; return 1; }
check "peer1 pings the hub through the tunnel" wait_ping "$P1" 10.10.0.1
check "peer2 pings the hub through the tunnel" wait_ping "$P2" 10.10.0.1

cat >"$T/echo.py" <<'PY'
import socket, sys, threading
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.10.0.1", 22)); s.listen(8)
def serve(c):
    while True:
        d = c.recv(100)
        if not d: return
        c.sendall(d)
while True:
    c, _ = s.accept(); threading.Thread(target=serve, args=(c,), daemon=True).start()
PY
ip netns exec "$HUB" python3 "$T/echo.py" &
track_pid $!
for i in $(seq 50); do in_ns "$HUB" ss -ltn | grep -q '10.10.0.1:22 ' && break; sleep 0.1; done

# ---- 100 syncs under a continuous probe ----
# Every packet from the tunnel meets the MESH_PEERS check before the
# established fast path, so peer1's round trips, going on all the time, would
# be dropped by it in any instant its address were out of the set: that
# rule's counter must not move, and the round trips must go on.
cat >"$T/probe.py" <<'PY'
import os, socket, sys
flag = sys.argv[1]
c = socket.create_connection(("10.10.0.1", 22), timeout=5)
n = 0
print("started", flush=True)
while not os.path.exists(flag):
    c.sendall(b"p"); assert c.recv(1) == b"p"; n += 1
print("round trips", n, flush=True)
PY
spoof_drops() { in_ns "$HUB" nft -j list chain inet xnft input | jq '[.nftables[].rule? // empty | select(.comment == "mesh: drop spoofed IPv4 source in tunnel") | .expr[] | .counter? // empty | .packets] | add'; }
ip netns exec "$P1" python3 "$T/probe.py" "$T/probe.stop" >"$T/probe.log" 2>&1 &
PROBE=$!
track_pid "$PROBE"
for i in $(seq 100); do grep -q started "$T/probe.log" && break; sleep 0.1; done
drops0=$(spoof_drops)
syncs=0 failed=0
for i in $(seq 100); do
	if [ $((i % 2)) -eq 1 ]; then
		in_ns "$HUB" wg set "$WG" peer "$(cat "$T/p2.pub")" remove
	else
		in_ns "$HUB" wg set "$WG" peer "$(cat "$T/p2.pub")" allowed-ips 10.10.0.3/32
	fi
	if ip netns exec "$HUB" "$XNFT" sync-peers --iface "$WG" >"$T/sync.out" 2>&1 &&
	   grep -q "+[01] -[01] element" "$T/sync.out"; then syncs=$((syncs + 1)); else failed=$((failed + 1)); fi
done
drops1=$(spoof_drops)
touch "$T/probe.stop"
for i in $(seq 100); do grep -q "round trips" "$T/probe.log" && break; sleep 0.1; done
check_eq "100 syncs, each adding or removing peer2, all succeeded" "100 0" "$syncs $failed"
check_eq "no packet of the tunnel dropped by the MESH_PEERS check during the syncs" "$drops0" "$drops1"
trips=$(sed -n 's/^round trips //p' "$T/probe.log")
[ "${trips:-0}" -ge 100 ] && ok "peer1's probe ran through the syncs without an error ($trips round trips)" ||
	{ not_ok "peer1's probe ran through the syncs"; sed 's/^/# /' "$T/probe.log"; }
check_eq "peer2 back in MESH_PEERS after the even number of toggles" '["10.10.0.2","10.10.0.3"]' "$(mesh_set MESH_PEERS)"

# ---- revocation cuts an open session ----
cat >"$T/client.py" <<'PY'
import os, socket, sys, time
flag, name = sys.argv[1], sys.argv[2]
c = socket.create_connection(("10.10.0.1", 22), timeout=5)
c.sendall(b"one"); print("first", c.recv(10).decode(), flush=True)
for _ in range(300):               # wait for the flag file, at most 30 s
    if os.path.exists(flag): break
    time.sleep(0.1)
c.settimeout(3)
try:
    c.sendall(b"two"); d = c.recv(10); print("second", d.decode() if d else "closed", flush=True)
except OSError as e:
    print("second cut", type(e).__name__, flush=True)
PY
# peer2 was removed and re-added 50 times: wait for its next handshake.
check "peer2's tunnel is back" wait_ping "$P2" 10.10.0.1
ip netns exec "$P1" python3 "$T/client.py" "$T/go" p1 >"$T/c1.log" 2>&1 &
C1=$!; track_pid "$C1"
ip netns exec "$P2" python3 "$T/client.py" "$T/go" p2 >"$T/c2.log" 2>&1 &
C2=$!; track_pid "$C2"
for i in $(seq 100); do grep -q first "$T/c1.log" && grep -q first "$T/c2.log" && break; sleep 0.1; done
check_eq "both peers have an open session to the hub's port 22" "first one|first one" \
	"$(head -1 "$T/c1.log")|$(head -1 "$T/c2.log")"
ct_count() { in_ns "$HUB" conntrack -L -s "$1" 2>/dev/null | grep -c 'dport=22 '; }
check_eq "conntrack holds peer2's session" "1" "$(ct_count 10.10.0.3)"

in_ns "$HUB" wg set "$WG" peer "$(cat "$T/p2.pub")" remove
run "$HUB" sync-peers --iface "$WG"
check_eq "revocation sync: exit 0" "0" "$rc"
check_match "... one element out, peer2's conntrack entries deleted" "\\+0 -1 element in one transaction; [1-9][0-9]* conntrack entr" "$out"
check_eq "MESH_PEERS without peer2" '["10.10.0.2"]' "$(mesh_set MESH_PEERS)"
check_eq "no conntrack entry of peer2 left" "0" "$(ct_count 10.10.0.3)"
check_eq "peer1's conntrack entries stay (probe and session)" "2" "$(ct_count 10.10.0.2)"
touch "$T/go"
wait "$C1" "$C2" 2>/dev/null
check_eq "peer1's session goes on" "second two" "$(sed -n 2p "$T/c1.log")"
check_match "peer2's session is cut" "^second cut" "$(sed -n 2p "$T/c2.log")"

# ---- the daemon keeps the set in sync ----
wait_set() { local i; for i in $(seq 100); do [ "$(mesh_set MESH_PEERS)" = "$1" ] && return 0; sleep 0.1; done; return 1; }
cat >"$T/xnft.conf" <<CONF
[daemon]
sources = file:$T/events.log
socket = $T/daemon.sock
database = $T/bans.db
[mesh]
sync_interface = $WG
sync_interval = 1h   # only the start and SIGHUP sync within this test
CONF
: >"$T/events.log"
in_ns "$HUB" wg set "$WG" peer "$(cat "$T/p2.pub")" allowed-ips 10.10.0.3/32
ip netns exec "$HUB" "$XNFT" daemon -c "$T/xnft.conf" >"$T/daemon.log" 2>&1 &
DPID=$!
track_pid "$DPID"
check "the daemon syncs at start: peer2 back in MESH_PEERS" wait_set '["10.10.0.2","10.10.0.3"]'
in_ns "$HUB" wg set "$WG" peer "$(cat "$T/p2.pub")" remove
kill -HUP "$DPID"
check "on SIGHUP it syncs again: peer2 out" wait_set '["10.10.0.2"]'
check_match "the daemon logged both syncs, with counts" \
	"peer sync \\(SIGHUP\\): $WG: 1 peers; \\+0 -1 elements in one transaction; .*totals: [0-9]+ syncs, \\+1 -1" "$(cat "$T/daemon.log")"
kill -TERM "$DPID"
for i in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.1; done
wait "$DPID"; drc=$?
check_eq "the daemon exits 0 on SIGTERM" "0" "$drc"
check_eq "no sanitizer report in the daemon's log" "" "$(grep -E 'runtime error|AddressSanitizer|LeakSanitizer' "$T/daemon.log")"

finish
