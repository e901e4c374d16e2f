#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The default policy against the public internet, with real packets: the
# internet reaches exactly the WireGuard port; SSH answers only the admin's
# break-glass address; bogons, fragments, redirects, invalid state and
# forged NDP are dropped by their own rules; replies, PMTUD errors and NDP
# from the link get through; one source's flood exhausts only its own budget.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
policy_setup

# Services present on the host, so "filtered" means the policy dropped the
# SYN, not that nothing listened.
for port in 22 80 "$WEB_PORT"; do
	start_listener "$HOST" "$TEST_TMP/tcp$port.log" --port "$port" --count 1000 --timeout-ms 170000 ||
		not_ok "TCP listener on host port $port"
done

# ---- the internet reaches no TCP service ----
for port in 22 80 "$WEB_PORT"; do
	check_eq "internet: TCP $port over IPv4 is filtered (listener present)" filtered \
		"$(xconnect "$INET" --dst "$HOST_V4" --port "$port")"
	check_eq "internet: TCP $port over IPv6 is filtered (listener present)" filtered \
		"$(xconnect "$INET" --dst "$HOST_V6" --port "$port")"
done
check_rise "internet: a new SYN to 22 ends on the catch-all drop" 1 \
	"catch-all: drop what no rule allowed" \
	xpkt "$INET" send --dst "$HOST_V4" --proto tcp --dport 22

# ---- UDP: only the WireGuard port ----
start_listener "$HOST" "$TEST_TMP/wg.log" --port 51820 --udp --count 2 --timeout-ms 10000; wgl=$LISTENER_PID
start_listener "$HOST" "$TEST_TMP/dns.log" --port 53 --udp --count 2 --timeout-ms 1500; dnsl=$LISTENER_PID
check_rise "internet: UDP 51820 over IPv4 accepted by the vpn rule" 1 \
	"vpn: WireGuard from the internet" xpkt "$INET" send --dst "$HOST_V4" --proto udp --dport 51820
check_rise "internet: UDP 51820 over IPv6 accepted by the vpn rule" 1 \
	"vpn: WireGuard over IPv6" xpkt "$INET" send --dst "$HOST_V6" --proto udp --dport 51820
# shellcheck disable=SC2317 # called through check_rise
send_dns_both() {
	xpkt "$INET" send --dst "$HOST_V4" --proto udp --dport 53 &&
		xpkt "$INET" send --dst "$HOST_V6" --proto udp --dport 53
}
check_rise "internet: UDP 53 (v4 and v6) dropped by the catch-all" 2 \
	"catch-all: drop what no rule allowed" send_dns_both
wait_exit "$wgl" 12
wait_exit "$dnsl" 5
check_match "internet: the WireGuard listener received the IPv4 datagram" \
	"received udp from $INET_V4 .*xpkt datagram" "$(cat "$TEST_TMP/wg.log")"
check_match "internet: the WireGuard listener received the IPv6 datagram" \
	"received udp from $INET_V6 .*xpkt datagram" "$(cat "$TEST_TMP/wg.log")"
check_eq "internet: the UDP 53 listener received nothing" 0 "$(received "$TEST_TMP/dns.log")"

# ---- no ping from the internet ----
check_eq "internet: ping over IPv4 gets no reply" timeout "$(xpkt "$INET" ping --dst "$HOST_V4" --timeout-ms 500)"
check_eq "internet: ping over IPv6 gets no reply" timeout "$(xpkt "$INET" ping --dst "$HOST_V6" --timeout-ms 500)"
check_rise "internet: echo-request dropped by the ICMP catch-all" 2 \
	"catch-all: drop unmatched ICMP (no ping" \
	xpkt "$INET" send --dst "$HOST_V4" --proto icmp --icmp-type 8 --count 2

# ---- break-glass: SSH from the admin address, and only from it ----
check_eq "break-glass: TCP 22 from the admin address opens (IPv4)" open \
	"$(xconnect "$INET" --src "$ADMIN_V4" --dst "$HOST_V4" --port 22)"
check_eq "break-glass: TCP 22 from the admin address opens (IPv6)" open \
	"$(xconnect "$INET" --src "$ADMIN_V6" --dst "$HOST_V6" --port 22)"
check_eq "break-glass: TCP 22 from another internet address is filtered (IPv4)" filtered \
	"$(xconnect "$INET" --src "$INET2_V4" --dst "$HOST_V4" --port 22)"
check_eq "break-glass: TCP 22 from another internet address is filtered (IPv6)" filtered \
	"$(xconnect "$INET" --src "$INET2_V6" --dst "$HOST_V6" --port 22)"
check_eq "break-glass: the admin address reaches only SSH (TCP 80 filtered)" filtered \
	"$(xconnect "$INET" --src "$ADMIN_V4" --dst "$HOST_V4" --port 80)"
check_eq "the host's SSH listener accepted the admin twice" 2 "$(grep -c '^accepted' "$TEST_TMP/tcp22.log")"
check_eq "... and no other internet source" 0 \
	"$(grep '^accepted' "$TEST_TMP/tcp22.log" | grep -Evc "from ($ADMIN_V4|$ADMIN_V6) port")"
check_eq "no internet source reached TCP 80 or $WEB_PORT" 0 \
	"$(cat "$TEST_TMP/tcp80.log" "$TEST_TMP/tcp$WEB_PORT.log" | grep -c '^accepted')"

# ---- bogons: new connections dropped, replies accepted (failure mode #11) ----
check_rise "bogon: new TCP from 10.1.2.3 on eth0 dropped (BOGON rule, 3 of 3)" 3 \
	"bogons: drop new IPv4 from a bogon" \
	xpkt "$INET" send --src 10.1.2.3 --dst "$HOST_V4" --proto tcp --dport 22 --count 3
check_rise "bogon: new TCP from fd00::5 on eth0 dropped (BOGON rule, 3 of 3)" 3 \
	"bogons: drop new IPv6 from a bogon" \
	xpkt "$INET" send --src fd00::5 --dst "$HOST_V6" --proto tcp --dport 22 --count 3
check_eq "bogon: a real connect from the bogon server's address is filtered" filtered \
	"$(xconnect "$INET" --src "$BOGON_SRV_V4" --dst "$HOST_V4" --port 22)"
start_listener "$INET" "$TEST_TMP/bogonsrv.log" --port 443 --count 4 --timeout-ms 10000; bsl=$LISTENER_PID
check_eq "bogon: the host's own connection to a bogon server (10.66.0.1) opens: reply accepted" open \
	"$(xconnect "$HOST" --dst "$BOGON_SRV_V4" --port 443)"
check_eq "bogon: the host's own connection to fd66::1 opens: reply accepted" open \
	"$(xconnect "$HOST" --dst "$BOGON_SRV_V6" --port 443)"

# ---- PMTUD: ICMP errors about the host's flows are related and accepted,
#      within a per-source budget ----
check_eq "pmtud: the host connects out over IPv4 from port 40001" open \
	"$(xconnect "$HOST" --dst "$INET_V4" --port 443 --sport 40001)"
check_eq "pmtud: the host connects out over IPv6 from port 40002" open \
	"$(xconnect "$HOST" --dst "$INET_V6" --port 443 --sport 40002)"
wait_exit "$bsl" 12
s0=$(rule_json)
xpkt "$INET" send --src "$INET_V4" --dst "$HOST_V4" --proto icmp --icmp-type 3 --icmp-code 4 \
	--dport 40001 --sport 443 --count 30 >/dev/null
xpkt "$INET" send --src "$INET_V6" --dst "$HOST_V6" --proto icmpv6 --icmp-type 2 \
	--dport 40002 --sport 443 --count 30 >/dev/null
wait_rise "$s0" "conntrack: drop ICMPv6 errors over the rate" 1
s1=$(rule_json)
check_ge "pmtud: frag-needed about the flow accepted as related (burst of 20 of 30)" 20 \
	"$(snap_rise "$s0" "$s1" "conntrack: ICMP errors for our flows")"
check_ge "pmtud: packet-too-big about the flow accepted as related (20 of 30)" 20 \
	"$(snap_rise "$s0" "$s1" "conntrack: ICMPv6 errors for our flows")"
check_ge "pmtud: ICMP errors over the per-source rate dropped (ICMP4-EXCESS)" 1 \
	"$(snap_rise "$s0" "$s1" "conntrack: drop ICMP errors over the rate")"
check_ge "pmtud: ICMPv6 errors over the per-source rate dropped (ICMP6-EXCESS)" 1 \
	"$(snap_rise "$s0" "$s1" "conntrack: drop ICMPv6 errors over the rate")"

# ---- invalid conntrack state ----
check_rise "invalid: a RST with no connection is dropped as invalid (3 of 3)" 3 \
	"conntrack: drop invalid state" \
	xpkt "$INET" send --dst "$HOST_V4" --proto tcp --dport 22 --flags rst --count 3
check_rise "invalid: an ICMP error about no connection is dropped as invalid" 2 \
	"conntrack: drop invalid state" \
	xpkt "$INET" send --dst "$HOST_V4" --proto icmp --icmp-type 3 --icmp-code 1 --count 2
check_rise "invalid: an ICMPv6 error about no connection is dropped as invalid" 2 \
	"conntrack: drop invalid state" \
	xpkt "$INET" send --dst "$HOST_V6" --proto icmpv6 --icmp-type 1 --icmp-code 4 --count 2
# A bare ACK: with nf_conntrack_tcp_loose=1 (the default) conntrack picks it
# up as a new mid-stream flow, which the catch-all drops; with loose=0 it
# is invalid. Both must end in a drop.
check_eq "invalid: conntrack picks up mid-stream flows here (tcp_loose=1)" 1 \
	"$(in_ns "$HOST" sysctl -n net.netfilter.nf_conntrack_tcp_loose)"
s0=$(rule_json)
xpkt "$INET" send --dst "$HOST_V4" --proto tcp --dport 22 --flags ack --count 3 >/dev/null
wait_rise "$s0" "catch-all: drop what no rule allowed" 3
s1=$(rule_json)
check_ge "invalid: bare ACKs with tcp_loose=1 end on the catch-all drop" 3 \
	"$(snap_rise "$s0" "$s1" "catch-all: drop what no rule allowed")"
check_eq "invalid: ... and not on the invalid rule" 0 "$(snap_rise "$s0" "$s1" "conntrack: drop invalid state")"
in_ns "$HOST" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
check_rise "invalid: bare ACKs with tcp_loose=0 dropped as invalid (3 of 3)" 3 \
	"conntrack: drop invalid state" \
	xpkt "$INET" send --dst "$HOST_V6" --proto tcp --dport 22 --flags ack --count 3
in_ns "$HOST" sysctl -qw net.netfilter.nf_conntrack_tcp_loose=1

# ---- fragments are dropped before reassembly (failure mode #13) ----
start_listener "$HOST" "$TEST_TMP/wgfrag.log" --port 51820 --udp --count 1 --timeout-ms 1500; fl=$LISTENER_PID
check_rise "fragments: 2 fragmented IPv4 datagrams = 4 fragments dropped (FRAGMENT rule)" 4 \
	"antiscan: drop IPv4 fragment from the internet" \
	xpkt "$INET" send --dst "$HOST_V4" --proto udp --dport 51820 --frag --count 2
check_rise "fragments: 2 fragmented IPv6 datagrams = 4 fragments dropped (FRAGMENT rule)" 4 \
	"antiscan: drop IPv6 fragment from the internet" \
	xpkt "$INET" send --dst "$HOST_V6" --proto udp --dport 51820 --frag --count 2
wait_exit "$fl" 5
check_eq "fragments: the WireGuard port (otherwise open) received none of them" 0 \
	"$(received "$TEST_TMP/wgfrag.log")"

# ---- redirects ----
check_rise "redirect: ICMP redirect dropped (ICMP4-REDIRECT rule, 2 of 2)" 2 \
	"antiscan: drop ICMP redirect" \
	xpkt "$INET" send --dst "$HOST_V4" --proto icmp --icmp-type 5 --icmp-code 1 --count 2
check_rise "redirect: ICMPv6 nd-redirect dropped (ICMP6-REDIRECT rule, 2 of 2)" 2 \
	"antiscan: drop ICMPv6 nd-redirect" \
	xpkt "$INET" send --dst "$HOST_V6" --proto icmpv6 --icmp-type 137 --hoplimit 255 --count 2

# ---- NDP only from the link (hop limit 255) ----
check_rise_min "ndp: neighbour solicitation with hop limit 255 accepted" 3 \
	"icmp: NDP from the link" \
	xpkt "$INET" send --dst "$HOST_V6" --proto icmpv6 --icmp-type 135 --hoplimit 255 --count 3
check_rise "ndp: neighbour solicitation with hop limit 64 dropped (ICMPv6 catch-all, 3 of 3)" 3 \
	"catch-all: drop unmatched ICMPv6" \
	xpkt "$INET" send --dst "$HOST_V6" --proto icmpv6 --icmp-type 135 --hoplimit 64 --count 3
check_rise "ndp: router advertisement with hop limit 64 dropped (2 of 2)" 2 \
	"catch-all: drop unmatched ICMPv6" \
	xpkt "$INET" send --dst "$HOST_V6" --proto icmpv6 --icmp-type 134 --hoplimit 64 --count 2

# ---- stealth scans from the internet ----
for f in none:NULL fin,psh,urg:XMAS fin:"FIN scan" syn,fin:"SYN+FIN" syn,rst:"SYN+RST"; do
	flags=${f%%:*}
	rule="antiscan: drop TCP ${f#*:}"
	check_rise "scan from the internet: TCP flags $flags over IPv4 dropped by '$rule' (3 of 3)" 3 \
		"$rule" xpkt "$INET" send --dst "$HOST_V4" --proto tcp --dport 22 --flags "$flags" --count 3
	check_rise "scan from the internet: TCP flags $flags over IPv6 dropped by '$rule' (3 of 3)" 3 \
		"$rule" xpkt "$INET" send --dst "$HOST_V6" --proto tcp --dport 22 --flags "$flags" --count 3
done

# ---- SYN flood: one source's excess is dropped, other sources unaffected ----
s0=$(rule_json)
xpkt "$INET" send --src "$INET2_V4" --dst "$HOST_V4" --proto tcp --dport 22 --count 200 >/dev/null
wait_rise "$s0" "antiscan: drop SYN flood excess" 1
s1=$(rule_json)
check_ge "synflood: 200 SYNs from one IPv4 source: the excess is dropped (SYNFLOOD rule)" 1 \
	"$(snap_rise "$s0" "$s1" "antiscan: drop SYN flood excess")"
check_ge "synflood: the first 60 (the burst) went on to the other rules" 60 \
	"$(snap_rise "$s0" "$s1" "catch-all: drop what no rule allowed")"
check_eq "synflood: meanwhile the admin's SSH (another source) still opens" open \
	"$(xconnect "$INET" --src "$ADMIN_V4" --dst "$HOST_V4" --port 22)"
check_rise_min "synflood: 200 SYNs from one IPv6 source: the excess is dropped" 1 \
	"antiscan: drop SYN flood excess" \
	xpkt "$INET" send --src "$INET2_V6" --dst "$HOST_V6" --proto tcp --dport 22 --count 200
check_eq "synflood: meanwhile the admin's SSH over IPv6 still opens" open \
	"$(xconnect "$INET" --src "$ADMIN_V6" --dst "$HOST_V6" --port 22)"

# ---- WireGuard port: new flows rate-limited per source ----
start_listener "$HOST" "$TEST_TMP/wg2.log" --port 51820 --udp --count 100 --timeout-ms 10000; wgl=$LISTENER_PID
s0=$(rule_json)
xpkt "$INET" send --src "$INET2_V4" --dst "$HOST_V4" --proto udp --dport 51820 --count 40 >/dev/null
wait_rise "$s0" "vpn: drop WireGuard over the per-source rate" 1
s1=$(rule_json)
check_ge "wg: 40 new flows from one source: the burst (15) accepted" 15 \
	"$(snap_rise "$s0" "$s1" "vpn: WireGuard from the internet")"
check_ge "wg: ... and the rest dropped (WG-RATELIMIT rule)" 1 \
	"$(snap_rise "$s0" "$s1" "vpn: drop WireGuard over the per-source rate")"
check_rise "wg: a new flow from another source is still accepted" 1 \
	"vpn: WireGuard from the internet" \
	xpkt "$INET" send --src "$INET_V4" --dst "$HOST_V4" --proto udp --dport 51820 --sport 41000
check_rise_min "wg: 40 new IPv6 flows from one source: the rest dropped" 1 \
	"vpn: drop WireGuard over the per-source rate" \
	xpkt "$INET" send --src "$INET2_V6" --dst "$HOST_V6" --proto udp --dport 51820 --count 40
check_rise "wg: a new IPv6 flow from another source is still accepted" 1 \
	"vpn: WireGuard over IPv6" \
	xpkt "$INET" send --src "$INET_V6" --dst "$HOST_V6" --proto udp --dport 51820 --sport 41000
kill "$wgl" 2>/dev/null
wait_exit "$wgl" 3
wg_log=$(cat "$TEST_TMP/wg2.log")
check_match "wg: the listener got the other source's IPv4 datagram" "from $INET_V4 port 41000 " "$wg_log"
check_match "wg: the listener got the other source's IPv6 datagram" "from $INET_V6 port 41000 " "$wg_log"
n=$(grep -c "from $INET2_V4 " <<<"$wg_log")
check_ge "wg: the flooding IPv4 source's burst reached the listener" 15 "$n"
check_eq "wg: ... but not all its 40 flows" yes "$([ "$n" -lt 40 ] && echo yes || echo "$n")"

# ---- break-glass is itself rate-limited per source (fresh state) ----
reset_counters
results=""
for _ in 1 2 3 4 5; do
	results="$results $(xconnect "$INET" --src "$ADMIN_V4" --dst "$HOST_V4" --port 22)"
done
check_match "break-glass: the first 3 admin connects in a burst open, later ones are dropped" \
	'^ open open open( filtered)+$' "$results"
check_ge "break-glass: the excess is counted by the BREAKGLASS-RATELIMIT drop" 1 \
	"$(rule_counter "break-glass: drop admin SSH over the rate")"

finish
