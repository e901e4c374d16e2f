#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The default policy at the mesh trust boundary and in the forward chain,
# with real packets: mesh peers reach SSH and the services `xnft init
# --service` opened, nothing else; forged sources inside the tunnel, stealth
# scans and invalid state are dropped by their own rules; SSH is rate-limited
# per peer; the host routes peer to peer (hub mode) but nothing from the
# internet into the mesh, and the mesh's addresses forged on the WAN reach
# nothing.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
policy_setup

for port in 22 80 "$WEB_PORT"; do
	start_listener "$HOST" "$TEST_TMP/tcp$port.log" --port "$port" --count 1000 --timeout-ms 170000 ||
		not_ok "TCP listener on host port $port"
done

# ---- services: SSH and the added service for peers, nothing else ----
check_eq "mesh: SSH (TCP 22) from the peer opens over IPv4" open "$(xconnect "$PEER" --dst "$MESH_HOST_V4" --port 22)"
check_eq "mesh: SSH (TCP 22) from the peer opens over IPv6" open "$(xconnect "$PEER" --dst "$MESH_HOST_V6" --port 22)"
check_eq "mesh: TCP 80 (listener, but no service rule) is filtered over IPv4" filtered \
	"$(xconnect "$PEER" --dst "$MESH_HOST_V4" --port 80)"
check_eq "mesh: TCP 80 is filtered over IPv6" filtered "$(xconnect "$PEER" --dst "$MESH_HOST_V6" --port 80)"
check_eq "mesh: the service added with --service tcp/$WEB_PORT:web opens over IPv4" open \
	"$(xconnect "$PEER" --dst "$MESH_HOST_V4" --port "$WEB_PORT")"
check_eq "mesh: ... and over IPv6" open "$(xconnect "$PEER" --dst "$MESH_HOST_V6" --port "$WEB_PORT")"
check_eq "mesh: the service is not open to the internet" filtered \
	"$(xconnect "$INET" --dst "$HOST_V4" --port "$WEB_PORT")"
check_rise "mesh: a new SSH connection passes the services chain's SSH rule" 1 \
	"service: SSH (mesh-only" xconnect "$PEER" --dst "$MESH_HOST_V4" --port 22
check_rise "mesh: the web service's connection passes its own rule" 1 \
	"service: web (mesh-only)" xconnect "$PEER" --dst "$MESH_HOST_V4" --port "$WEB_PORT"
check_eq "the SSH listener saw the peer 3 times" 3 "$(grep -c "^accepted tcp from \($PEER_V4\|$PEER_V6\) " "$TEST_TMP/tcp22.log")"
check_eq "the TCP 80 listener saw nobody" 0 "$(grep -c '^accepted' "$TEST_TMP/tcp80.log")"

# ---- ping: answered for the mesh ----
check_eq "mesh: ping over IPv4 is answered" reply "$(xpkt "$PEER" ping --dst "$MESH_HOST_V4")"
check_eq "mesh: ping over IPv6 is answered" reply "$(xpkt "$PEER" ping --dst "$MESH_HOST_V6")"
check_rise "mesh: echo-requests from peers pass the per-source ping rule" 3 \
	"mesh: ping from peers" xpkt "$PEER" send --dst "$MESH_HOST_V4" --proto icmp --icmp-type 8 --count 3

# ---- the mesh's addresses are worth nothing on the WAN ----
check_eq "internet: SSH to the host's mesh address (10.10.0.1) via eth0 is filtered" filtered \
	"$(xconnect "$INET" --dst "$MESH_HOST_V4" --port 22)"
check_eq "internet: SSH to the host's mesh address (fd10::1) via eth0 is filtered" filtered \
	"$(xconnect "$INET" --dst "$MESH_HOST_V6" --port 22)"
check_rise "internet: a peer's address forged on eth0 is a bogon (10.10.0.2, 3 of 3)" 3 \
	"bogons: drop new IPv4 from a bogon" \
	xpkt "$INET" send --src "$PEER_V4" --dst "$HOST_V4" --proto tcp --dport 22 --count 3
check_rise "internet: a peer's address forged on eth0 is a bogon (fd10::2, 3 of 3)" 3 \
	"bogons: drop new IPv6 from a bogon" \
	xpkt "$INET" send --src "$PEER_V6" --dst "$HOST_V6" --proto tcp --dport 22 --count 3

# ---- forged sources inside the tunnel ----
check_rise "mesh spoof: source 10.99.0.5 on wg0 dropped (MESH-SPOOF rule, 3 of 3)" 3 \
	"mesh: drop spoofed IPv4 source in tunnel" \
	xpkt "$PEER" send --src 10.99.0.5 --dst "$MESH_HOST_V4" --proto tcp --dport 22 --count 3
check_rise "mesh spoof: source fd99::5 on wg0 dropped (MESH-SPOOF rule, 3 of 3)" 3 \
	"mesh: drop spoofed IPv6 source in tunnel" \
	xpkt "$PEER" send --src fd99::5 --dst "$MESH_HOST_V6" --proto tcp --dport 22 --count 3
check_rise "mesh spoof: a public IPv6 source on wg0 dropped too (2001:db8::5)" 2 \
	"mesh: drop spoofed IPv6 source in tunnel" \
	xpkt "$PEER" send --src 2001:db8::5 --dst "$MESH_HOST_V6" --proto udp --dport 53 --count 2
check_rise "mesh spoof: and logged under XNFT-MESH-SPOOF (under the log limit)" 2 \
	"mesh: log spoofed IPv4 source in tunnel" \
	xpkt "$PEER" send --src 10.99.0.6 --dst "$MESH_HOST_V4" --proto icmp --icmp-type 8 --count 2

# ---- stealth scans and invalid state from the mesh ----
for f in none:NULL fin,psh,urg:XMAS fin:"FIN scan" syn,fin:"SYN+FIN" syn,rst:"SYN+RST"; do
	flags=${f%%:*}
	rule="antiscan: drop TCP ${f#*:}"
	check_rise "scan from the mesh: TCP flags $flags over IPv4 dropped by '$rule' (3 of 3)" 3 \
		"$rule" xpkt "$PEER" send --dst "$MESH_HOST_V4" --proto tcp --dport 22 --flags "$flags" --count 3
	check_rise "scan from the mesh: TCP flags $flags over IPv6 dropped by '$rule' (3 of 3)" 3 \
		"$rule" xpkt "$PEER" send --dst "$MESH_HOST_V6" --proto tcp --dport 22 --flags "$flags" --count 3
done
check_rise "mesh invalid: RST with no connection dropped in mesh_input (MESH-INVALID, 3 of 3)" 3 \
	"mesh: drop invalid conntrack state" \
	xpkt "$PEER" send --dst "$MESH_HOST_V4" --proto tcp --dport 22 --flags rst --count 3
check_rise "mesh invalid: ICMPv6 error about no connection dropped in mesh_input (2 of 2)" 2 \
	"mesh: drop invalid conntrack state" \
	xpkt "$PEER" send --dst "$MESH_HOST_V6" --proto icmpv6 --icmp-type 1 --count 2
check_rise "mesh invalid: none of it reached the WAN-side invalid rule" 0 \
	"conntrack: drop invalid state" \
	xpkt "$PEER" send --dst "$MESH_HOST_V4" --proto tcp --dport 22 --flags rst --count 2

# ---- SSH is rate-limited per peer: a burst of 5, then the excess drops ----
results=""
for _ in 1 2 3 4 5 6 7; do
	results="$results $(xconnect "$PEER2" --dst "$MESH_HOST_V4" --port 22)"
done
check_match "ssh rate: peer2's first 5 SSH connects in a burst open, later ones are dropped" \
	'^ open open open open open( filtered)+$' "$results"
check_ge "ssh rate: the excess is counted by the SSH-RATELIMIT drop" 1 \
	"$(rule_counter "service: drop SSH over the per-source rate")"
check_eq "ssh rate: the other peer's budget is its own: SSH still opens" open \
	"$(xconnect "$PEER" --dst "$MESH_HOST_V4" --port 22)"

# ---- forward: hub mode peer to peer; nothing from the internet into the mesh ----
start_listener "$PEER2" "$TEST_TMP/peer2.log" --port 22 --count 10 --timeout-ms 30000; p2l=$LISTENER_PID
check_rise "hub: peer -> peer2 (routed by the host, wg0 in and out) counted by the hub rule (IPv4)" 1 \
	"forward: hub mode, IPv4 mesh peer to mesh peer" xconnect "$PEER" --dst "$PEER2_V4" --port 22
check_rise "hub: ... and by the IPv6 hub rule" 1 \
	"forward: hub mode, IPv6 mesh peer to mesh peer" xconnect "$PEER" --dst "$PEER2_V6" --port 22
s0=$(rule_json)
check_eq "hub: peer -> peer2 TCP 22 opens over IPv4" open "$(xconnect "$PEER" --dst "$PEER2_V4" --port 22)"
check_eq "hub: peer -> peer2 TCP 22 opens over IPv6" open "$(xconnect "$PEER" --dst "$PEER2_V6" --port 22)"
check_ge "hub: the replies were forwarded as established" 2 \
	"$(snap_rise "$s0" "$(rule_json)" "forward: established/related")"
check_eq "hub: peer2's listener accepted peer's 4 connections" 4 \
	"$(grep -c "^accepted tcp from \($PEER_V4\|$PEER_V6\) " "$TEST_TMP/peer2.log")"
check_rise "hub: a forged source forwarded towards peer2 is dropped (FWD-DROP)" 2 \
	"forward: drop what no rule allowed" \
	xpkt "$PEER" send --src 10.99.0.5 --dst "$PEER2_V4" --proto tcp --dport 22 --count 2

start_listener "$PEER" "$TEST_TMP/peer.log" --port 22 --count 10 --timeout-ms 30000
check_rise "forward: internet -> mesh peer, a new connection, dropped (FWD-DROP, IPv4)" 1 \
	"forward: drop what no rule allowed" xconnect "$INET" --dst "$PEER_V4" --port 22
check_rise "forward: internet -> mesh peer, a new connection, dropped (FWD-DROP, IPv6)" 1 \
	"forward: drop what no rule allowed" xconnect "$INET" --dst "$PEER_V6" --port 22
check_eq "forward: internet -> mesh peer connect is filtered" filtered "$(xconnect "$INET" --dst "$PEER_V4" --port 22)"
check_eq "forward: the peer's listener saw no internet source" 0 "$(grep -c '^accepted' "$TEST_TMP/peer.log")"
start_listener "$INET" "$TEST_TMP/inet.log" --port 443 --count 10 --timeout-ms 30000
check_eq "forward: mesh peer -> internet is not routed (no exit-node rule)" filtered \
	"$(xconnect "$PEER" --dst "$INET_V4" --port 443)"
check_rise "forward: ... dropped by the forward catch-all" 1 \
	"forward: drop what no rule allowed" xconnect "$PEER" --dst "$INET_V6" --port 443
kill "$p2l" 2>/dev/null

finish
