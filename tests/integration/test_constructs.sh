#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_constructs.sh: one class of issue 24 per fixture in fixtures_constructs,
# each with packets whose answer the kernel gives. Part 1 (no kernel): xnft's
# trace and exposure state the answer written next to each check. Part 2:
# the fixtures are loaded in the host namespace of policy_lib.sh's topology,
# the packets sent for real, and the kernel's `nft monitor trace` compared
# rule by rule with `xnft trace --live --json` (trace_lib.sh).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}
FX=$ROOT/tests/integration/fixtures_constructs
J=$(tmpdir)

verdict_of() { # FILE WORDS...: the verdict line of xnft trace
	local f=$1; shift
	"$XNFT" trace --local-addr 198.18.0.1 --local-addr 192.0.2.10 "$f" "$@" 2>&1 | grep '^verdict:'
}

# ---- part 1: the answers, without a kernel ---------------------------------------------

# a map lookup that misses ends the rule (kernel: NFT_BREAK in nft_lookup)
out=$(verdict_of "$FX/map_miss.nft" iifname eth0 ip saddr 198.18.0.2 ip daddr 198.18.0.1 udp dport 7001)
check_match "map miss: a key in the map is marked and accepted" 'accept .*map_miss.nft:12' "$out"
out=$(verdict_of "$FX/map_miss.nft" iifname eth0 ip saddr 198.18.0.3 ip daddr 198.18.0.1 udp dport 7001)
check_match "map miss: 'meta mark set ... map' on a missing key ends the rule (policy drop)" 'drop at input, by the policy' "$out"
out=$(verdict_of "$FX/map_miss.nft" iifname eth0 ip saddr 198.18.0.3 ip daddr 198.18.0.1 udp dport 7002)
check_match "map miss: 'dnat to ... map' on a missing key does no NAT (policy drop)" 'drop at input, by the policy' "$out"
out=$("$XNFT" exposure "$FX/map_miss.nft" 2>&1)
check_match "map miss: exposure accepts 7001 only from the map's key" 'IPv4 source 198\.18\.0\.2.*: udp dport 7001' "$out"

# a ct key read on a packet with no conntrack entry ends the rule
out=$(verdict_of "$FX/ct_noentry.nft" iifname eth0 ip saddr 198.18.0.2 ip daddr 198.18.0.1 udp dport 7010)
check_match "no ct entry: 'meta mark set ct mark' ends the rule of an untracked packet" 'drop at input, by the policy' "$out"
out=$(verdict_of "$FX/ct_noentry.nft" iifname eth0 ip saddr 198.18.0.2 ip daddr 198.18.0.1 udp dport 7011)
check_match "no ct entry: a tracked packet is accepted" 'accept .*ct_noentry.nft:11' "$out"

# synproxy answers and steals a SYN; other TCP packets go on; not TCP ends the rule
out=$(verdict_of "$FX/synproxy.nft" iifname eth0 ip saddr 198.18.0.2 tcp dport 8080 tcp flags syn ct state untracked)
check_match "synproxy: a SYN is answered (stolen) by the synproxy rule" 'accept .*synproxy.nft:7' "$out"
out=$(verdict_of "$FX/synproxy.nft" iifname eth0 ip saddr 198.18.0.2 tcp dport 8080 tcp flags rst ct state untracked)
check_match "synproxy: an RST goes on to the next rule" 'accept .*synproxy.nft:8' "$out"
out=$(verdict_of "$FX/synproxy.nft" iifname eth0 ip saddr 198.18.0.2 udp dport 8080)
check_match "synproxy: a UDP packet ends the synproxy rule (no accept)" 'drop at input, by the policy' "$out"
out=$("$XNFT" exposure "$FX/synproxy.nft" 2>&1)
check_match "synproxy: exposure shows port 8080 open to new (untracked) SYNs" 'ct state invalid,untracked: .*tcp dport 8080' "$out"
check_match "tcp flags: printed as a mask match, not value by value" 'tcp flags & \(syn \| rst \| ack\) != 0 tcp dport 8080' "$out"
check_fails "tcp flags: no enumeration of flag combinations" grep -q 'values)' <<<"$out"

# values the packet words do not give: what a plain received packet has, said on the rule
w="iifname eth0 ip saddr 198.18.0.2 ip daddr 198.18.0.1 udp dport"
out=$(verdict_of "$FX/defaults.nft" $w 7100)
check_match "meta priority: \"1:1234\" and 0x00011234 do not match priority 0" 'drop at input, by the policy' "$out"
out=$(verdict_of "$FX/defaults.nft" $w 7103)
check_match "meta priority: root does not match priority 0" 'drop at input, by the policy' "$out"
out=$("$XNFT" trace "$FX/defaults.nft" $w 7101 2>&1)
check_match "sdifname: != \"vrf1\" accepts a packet that came through no VRF" 'accept .*defaults.nft:11' "$out"
check_match "sdifname: the assumption is stated on the rule" 'defaults.nft:11: meta sdifname taken as empty' "$out"
out=$("$XNFT" trace "$FX/defaults.nft" $w 7102 2>&1)
check_match "rt classid: != 5 accepts on a route with no realm, said so" 'defaults.nft:12: rt classid taken as 0' "$out"
out=$("$XNFT" trace "$FX/defaults.nft" $w 7104 2>&1)
check_match "meta hour: a range over the whole day holds now, said so" 'defaults.nft:14: meta hour taken as now' "$out"
check_match "meta hour: ... and the rule accepts" 'accept .*defaults.nft:14' "$out"

# values a plain received packet fixes (nft_xfrm, nft_exthdr, nft_rt), said on the rule
out=$("$XNFT" trace "$FX/values.nft" $w 7700 2>&1)
check_match "ipsec in: != on a packet with no secpath does not match (the rule ends)" \
	'ipsec in reqid != 1: ipsec in has no value: no secpath' "$out"
check_match "ipsec in: the plain packet is stated on the rule" \
	'values.nft:17: ipsec in: the packet came through no IPsec tunnel' "$out"
printf 'table inet t {\n chain output {\n  type filter hook output priority 0; policy accept;\n  udp dport 7706 ipsec out reqid != 1 drop\n }\n}\n' >"$J/ipsec_out.nft"
out=$("$XNFT" trace "$J/ipsec_out.nft" oifname eth0 udp dport 7706 2>&1)
check_match "ipsec out: a route with no transform ends the rule (the drop does not run)" \
	'accept at output, by the policy' "$out"
check_match "ipsec out: ... said so on the rule" \
	'ipsec_out.nft:4: ipsec out: the packet is routed with no IPsec transform' "$out"
out=$("$XNFT" trace "$FX/values.nft" iifname eth0 ip saddr 198.18.0.2 tcp dport 7701 2>&1)
check_match "tcp option by number: a read of a missing option ends the rule" \
	'tcp option @254,16,16 != 0: the packet has no tcp option 254' "$out"
check_match "tcp option by number: missing holds for a SYN without options" \
	'values.nft:22 +\[match\]' "$out"
out=$("$XNFT" trace "$FX/values.nft" $w 7702 2>&1)
check_match "reset tcp option: a UDP packet ends the rule" 'values.nft:23 +\[ -- \]' "$out"
check_match "reset tcp option: ... for want of a tcp header" \
	'reset tcp option 254: no tcp header to reset an option in' "$out"
out=$("$XNFT" trace "$FX/values.nft" iifname eth0 ip saddr 198.18.0.2 tcp dport 7702 2>&1)
check_match "reset tcp option: a TCP packet goes on through the rule" 'values.nft:23 +\[match\]' "$out"
out=$("$XNFT" trace "$FX/values.nft" $w 7703 2>&1)
check_match "rt ip nexthop: a packet for this host has its destination as next hop" \
	'values.nft:25 +\[match\]' "$out"
check_fails "rt ip nexthop: exact on input (no assumption)" grep -q 'values.nft:25: ' <<<"$out"
out=$("$XNFT" trace "$FX/values.nft" iifname eth0 ip6 saddr 2001:2::2 ip6 daddr 2001:2::1 udp dport 7703 2>&1)
check_match "rt ip nexthop: an IPv6 packet ends the rule" 'values.nft:26 +\[ -- \]' "$out"
check_match "rt ip6 nexthop: the IPv6 destination" 'values.nft:27 +\[match\]' "$out"
check_match "rt before routing: the prerouting rule ends (no route yet)" \
	'values.nft:12 +\[ -- \]' "$out"
printf 'table inet t {\n chain pre {\n  type filter hook prerouting priority 0; policy accept;\n  udp dport 7730 rt classid != 5 drop\n }\n chain input {\n  type filter hook input priority 0; policy drop;\n  udp dport 7730 accept\n }\n}\n' >"$J/rtpre.nft"
out=$("$XNFT" exposure "$J/rtpre.nft" 2>&1)
check_match "rt before routing: exposure knows the drop never happens" 'udp dport 7730$' "$out"
out=$("$XNFT" exposure "$FX/deps.nft" 2>&1)
check_match "tcp option missing: exposure holds it for UDP exactly (no tcp header, no option)" \
	'IPv4: udp dport 7201$' "$out"
out=$("$XNFT" trace "$FX/values.nft" $w 7705 2>&1)
check_match "meta cpu: not knowable, stated on the rule" 'values.nft:30: meta cpu 0: taken as not matching' "$out"
printf 'table inet t {\n chain input {\n  type filter hook input priority 0; policy drop;\n  udp dport 7705 meta cpu 0 accept\n  udp dport 7706 ipsec in reqid 1 accept\n }\n}\n' >"$J/cpu.nft"
out=$("$XNFT" exposure "$J/cpu.nft" 2>&1)
check_match "meta cpu: exposure takes both outcomes, said so" 'some only if meta cpu 0 \(depends on the cpu\)' "$out"
check_match "ipsec in: exposure takes both outcomes (an IPsec packet may match), said so" \
	'some only if ipsec in reqid 1 \(depends on IPsec\)' "$out"
out=$("$XNFT" trace "$FX/fwd_map.nft" iifname lo ip saddr 198.18.0.2 ip daddr 198.18.0.1 udp dport 7720 2>&1)
check_match "fwd to ... map: a key not in the map ends the rule (the packet reaches input)" \
	'accept .*fwd_map.nft:13' "$out"
out=$("$XNFT" trace "$FX/fwd_map.nft" iifname lo ip saddr 198.18.0.2 ip daddr 10.0.0.1 udp dport 7720 2>&1)
check_match "fwd to ... map: a key in the map forwards the packet" 'accept at ingress.*fwd_map.nft:7' "$out"
out=$("$XNFT" trace "$FX/fwd_map.nft" iifname eth0 ip saddr 198.18.0.2 ip daddr 10.0.0.1 udp dport 7720 2>&1)
check_match "fwd to ... map: the chain is lo's (its header's device), eth0 never meets it" \
	'accept at input.*fwd_map.nft:13' "$out"

# rt mtu: the route's TCP MSS, from an Ethernet MTU (or lo's), said on the rule
fw="iifname eth0 oifname wg0"
out=$("$XNFT" trace "$FX/rt_mtu.nft" $fw ip saddr 198.18.0.2 ip daddr 10.10.0.2 udp dport 7600 2>&1)
check_match "rt mtu: a forwarded IPv4 packet reads 1460 (accepted by the < 1500 rule)" 'accept .*rt_mtu.nft:17' "$out"
check_match "rt mtu: != 1460 does not hold" 'rt_mtu.nft:12 +\[ -- \]' "$out"
check_match "rt mtu: the MTU is stated on the rule" \
	'rt_mtu.nft:11: rt mtu taken as 1460: the TCP MSS of a route through an Ethernet device \(MTU 1500' "$out"
out=$("$XNFT" trace "$FX/rt_mtu.nft" $fw ip6 saddr 2001:2::2 ip6 daddr fd10::2 udp dport 7600 2>&1)
check_match "rt mtu: a forwarded IPv6 packet reads 1440" 'accept .*rt_mtu.nft:18' "$out"
out=$("$XNFT" trace "$FX/rt_mtu.nft" oifname lo ip6 saddr ::1 ip6 daddr ::1 udp dport 7601 2>&1)
check_match "rt mtu: through lo, IPv6 reads TCP's default 536" 'rt_mtu.nft:26 +\[match\]' "$out"
out=$("$XNFT" exposure "$FX/rt_mtu.nft" --from eth0 2>&1)
check_match "rt mtu: exposure takes both outcomes, said so" 'rt mtu .*\(depends on the route\)' "$out"

# ct keys a plain entry fixes: zone 0, no helper (the rule ends), a new connection's counters
out=$("$XNFT" trace "$FX/headers.nft" $w 7610 2>&1)
check_match "ct packets: a new connection's first packet, said so" 'ct packets taken as 1 \(the connection.s first packet' "$out"
check_match "ct zone: 0, said so" 'ct zone taken as 0' "$out"
check_match "ct helper: no helper ends the rule (!= too)" 'ct helper != "ftp": ct helper has no value' "$out"

# meta priority set is seen by later rules; meta rtclassid of a plain route is 0
out=$("$XNFT" trace "$FX/stmts.nft" $w 7620 2>&1)
check_match "meta priority set: a later match sees the value written" 'stmts.nft:54 +\[match\]' "$out"
check_match "meta rtclassid: 0 (cosmos) after routing, said so" 'stmts.nft:46: meta rtclassid taken as 0: no realm' "$out"
check_match "ip id: not in the words, taken as 0, said so" 'stmts.nft:36: ip id taken as 0 \(the packet words cannot give it\)' "$out"

# exthdr existence carries nft's meta nfproto ipv6; fib gives no oif for a local address
out=$("$XNFT" trace "$FX/absent.nft" $w 7630 2>&1)
check_match "exthdr frag missing: an IPv4 packet ends the rule (meta nfproto ipv6 in front)" \
	'absent.nft:27 +\[ -- \]' "$out"
check_match "fib daddr oif exists: a local destination has no output interface" 'absent.nft:55 +\[ -- \]' "$out"
check_match "meta random: a value, said so" 'absent.nft:56: meta random taken as 0' "$out"
check_match "meta iifkind: without --live the device's kind is not known, said so" \
	'meta iifkind "veth": taken as not matching \(the kind of eth0 is not known \(--live asks the device\)\)' "$out"
out=$("$XNFT" trace "$FX/absent.nft" iifname eth0 ip6 saddr 2001:2::2 ip6 daddr 2001:2::1 udp dport 7630 2>&1)
check_match "exthdr frag missing: holds for an IPv6 packet without one" 'absent.nft:27 +\[match\]' "$out"

# ICMP fields of one message type carry nft's implied icmp type (the listing drops it)
out=$("$XNFT" trace "$FX/more.nft" iifname eth0 ip6 saddr 2001:2::2 ip6 daddr 2001:2::1 icmpv6 type echo-request 2>&1)
check_match "icmpv6 max-delay: an echo request is not a listener query" \
	'icmpv6 type mld-listener-query \(implied by icmpv6 max-delay\): icmpv6 type is echo-request' "$out"

# synproxy over IPv6: the kernel's IPv4 checksum check drops the packet
out=$("$XNFT" trace "$FX/synproxy_k.nft" iifname eth0 ip6 saddr 2001:2::2 ip6 daddr 2001:2::1 tcp dport 7660 tcp flags syn ct state untracked 2>&1)
check_match "synproxy over IPv6: the SYN is dropped at the synproxy rule" 'drop at input, .*synproxy_k.nft:14' "$out"
check_match "synproxy over IPv6: ... said so" 'an IPv6 packet is dropped \(the kernel checks its TCP checksum as IPv4' "$out"
out=$("$XNFT" exposure "$FX/synproxy_k.nft" 2>&1)
check_match "synproxy over IPv6: exposure keeps the answered SYN, on a condition" \
	'some only unless synproxy mss 1460 wscale 7 timestamp sack-perm \(an IPv6 packet fails its IPv4 checksum check' "$out"

# esp/ah spi and meta cpu from the packet words
out=$("$XNFT" trace "$FX/ipsec_hdr.nft" iifname eth0 ip saddr 198.18.0.2 esp spi 9 2>&1)
check_match "esp spi: a value from the words matches exactly" 'ipsec_hdr.nft:10 +\[match\]' "$out"
check_match "esp spi: ... and != 5 holds" 'ipsec_hdr.nft:9 +\[match\]' "$out"
check_fails "esp spi: nothing assumed when the word gives it" grep -q 'esp spi taken as' <<<"$out"
out=$("$XNFT" trace "$FX/ipsec_hdr.nft" iifname eth0 ip saddr 198.18.0.2 meta l4proto esp 2>&1)
check_match "esp spi: without the word, taken as 0 and said so" 'ipsec_hdr.nft:8: esp spi taken as 0' "$out"
out=$("$XNFT" trace "$FX/ipsec_hdr.nft" iifname eth0 ip saddr 198.18.0.2 udp dport 7900 meta cpu 1 2>&1)
check_match "meta cpu: the word gives it" 'accept .*ipsec_hdr.nft:15' "$out"
out=$("$XNFT" trace "$FX/ipsec_hdr.nft" iifname eth0 ip saddr 198.18.0.2 udp dport 7900 2>&1)
check_match "meta cpu: without the word, not matching, said so with the word to write" \
	'ipsec_hdr.nft:15: meta cpu 1: taken as not matching \(the cpu is not known \(packet word: meta cpu N\)\)' "$out"
out=$("$XNFT" trace "$FX/ipsec_hdr.nft" esp spi 5 tcp dport 22 2>&1); rc=$?
check_eq "esp spi: with a tcp port is refused (exit 1)" 1 "$rc"
check_match "esp spi: ... saying why" "contradicts 'esp spi'" "$out"

# meta day/hour/time: the packet arrives now; written for the time the test runs
today=$(date -u +%A)
h=$((10#$(date +%H)))
lo=$((h > 0 ? h - 1 : 0)); hi=$((h < 23 ? h + 1 : 23))
if ((h < 12)); then away='"20:00"-"21:00"'; else away='"02:00"-"03:00"'; fi
cat >"$J/time.nft" <<EOF
table inet t {
	chain input {
		type filter hook input priority 0; policy drop;
		udp dport 7710 meta day "$today" counter
		udp dport 7710 meta day != "$today" counter
		udp dport 7710 meta hour "$(printf %02d $lo):00"-"$(printf %02d $hi):59:59" counter
		udp dport 7710 meta hour $away counter
		udp dport 7710 meta time > "2099-01-01" counter
		udp dport 7710 meta time < "2099-01-01 00:00" counter
		udp dport 7710 meta time > "2001-01-01 00:00:00" accept
	}
}
EOF
out=$("$XNFT" trace "$J/time.nft" $w 7710 2>&1)
check_match "meta day: today matches, said so" "time.nft:4: meta day taken as today, $today" "$out"
check_match "meta day: != today does not match" 'time.nft:5 +\[ -- \]' "$out"
check_match "meta hour: a range around now matches" 'time.nft:6 +\[match\]' "$out"
check_match "meta hour: a range away from now does not" 'time.nft:7 +\[ -- \]' "$out"
check_match "meta time: a date to come is after now" 'time.nft:8 +\[ -- \]' "$out"
check_match "meta time: now is before a date to come" 'time.nft:9 +\[match\]' "$out"
check_match "meta time: ... and after a past one: accepted, said so" 'accept .*time.nft:10' "$out"
check_match "meta time: the assumption is on the rule" 'time.nft:8: meta time taken as now' "$out"
# the word meta time (local) says when the packet arrives: 2001-06-04 was a Monday
cat >"$J/when.nft" <<EOF
table inet t {
	chain input {
		type filter hook input priority 0; policy drop;
		udp dport 7711 meta day "Monday" counter
		udp dport 7711 meta hour "11:00"-"13:00" counter
		udp dport 7711 meta time < "2001-06-05" counter
		udp dport 7711 meta time > "2001-06-04 12:00:01" accept
	}
}
EOF
out=$("$XNFT" trace "$J/when.nft" $w 7711 meta time 2001-06-04T12:00 2>&1)
check_match "meta time word: its day" 'when.nft:4 +\[match\]' "$out"
check_match "meta time word: its hour" 'when.nft:5 +\[match\]' "$out"
check_match "meta time word: its time" 'when.nft:6 +\[match\]' "$out"
check_match "meta time word: not after itself (policy drop)" 'drop at input, by the policy' "$out"
check_fails "meta time word: hour and time are not assumptions then" grep -q 'taken as now' <<<"$out"
out=$("$XNFT" trace "$J/when.nft" $w 7711 time '"2001-06-05 14:00:00"' 2>&1)
check_match "meta time word: a day later, only the last rule holds" 'accept .*when.nft:7' "$out"
check_match "meta time word: ... on a Tuesday" 'when.nft:4: meta day taken as that of the packet.s meta time, Tuesday' "$out"
out=$("$XNFT" trace "$J/when.nft" $w 7711 time tomorrow 2>&1); rc=$?
check_eq "meta time word: not a date is refused (exit 1)" 1 "$rc"
check_match "meta time word: ... saying what to write" 'expected a local date and time like 2026-12-07T10:00' "$out"

# named quotas: `quota q { over N }` is not inverted
out=$(verdict_of "$FX/quota.nft" $w 7400)
check_match "named quota over: a fresh 'over' quota does not match (accepted by the next rule)" 'accept .*quota.nft:9' "$out"
out=$(verdict_of "$FX/quota.nft" $w 7401)
check_match "named quota: a fresh plain quota passes" 'accept .*quota.nft:10' "$out"
out=$("$XNFT" exposure "$FX/quota.nft" 2>&1)
check_match "named quota over: exposure says when it is within its limit" 'while quota name "over100" is within its limit' "$out"

# neighbour discovery is untracked (nf_conntrack_proto_icmpv6), the tracer's default says so
out=$("$XNFT" trace "$FX/defaults.nft" iifname eth0 ip6 saddr fe80::1 icmpv6 type nd-neighbor-solicit 2>&1)
check_match "neighbour discovery: the default ct state is untracked" 'ct state untracked \(conntrack does not track' "$out"

# ether type of a packet received on an Ethernet device (meta iiftype ether in front)
out=$(verdict_of "$FX/ether.nft" $w 7500)
check_match "ether type ip: an IPv4 packet from eth0 matches" 'accept .*ether.nft:8' "$out"
out=$(verdict_of "$FX/ether.nft" iifname lo ip saddr 127.0.0.1 ip daddr 127.0.0.1 udp dport 7500)
check_match "ether type: a packet from lo (not Ethernet) does not match" 'drop at input, by the policy' "$out"

# implicit dependencies as nft adds them
out=$(verdict_of "$FX/deps.nft" iifname eth0 ip6 saddr 2001:2::2 ip6 daddr 2001:2::1 udp dport 7200)
check_match "reject with icmp in inet: an IPv6 packet goes on to the next rule" 'accept .*deps.nft:10' "$out"
out=$(verdict_of "$FX/deps.nft" $w 7200)
check_match "reject with icmp in inet: an IPv4 packet is rejected" 'drop .*deps.nft:9' "$out"
out=$(verdict_of "$FX/deps.nft" $w 7201)
check_match "tcp option maxseg missing: true for a UDP packet (no tcp dependency)" 'accept .*deps.nft:11' "$out"
out=$(verdict_of "$FX/deps.nft" $w 7202)
check_match "limit name tcp dport map: a UDP packet is not counted (tcp dependency)" 'drop at input, by the policy' "$out"

# a dormant table is not attached; its flags are read over netlink, so the
# listing parses under AddressSanitizer too (libnftables 1.0.6 prints them from freed memory)
out=$("$XNFT" trace "$FX/dormant.nft" $w 7300 2>&1); rc=$?
check_eq "dormant: trace exits 0" 0 "$rc"
check_match "dormant: the dormant table's drop does not run; the other table accepts" 'accept .*dormant.nft:13' "$out"
out=$("$XNFT" exposure "$FX/dormant.nft" 2>&1)
check_match "dormant: exposure shows udp dport 7300 open" 'udp dport 7300' "$out"

# an IPv6 address in a line that covers both families is printed as IPv6
out=$("$XNFT" exposure "$FX/v6_addr.nft" 2>&1)
check_match "exposure: the IPv6 exclusion is printed as an IPv6 address" 'IPv6 source not in fd49:efd7:1::1: everything' "$out"
check_fails "exposure: no IPv6 address printed as IPv4" grep -q '253\.73\.239\.215' <<<"$out"

# addresses too scattered to list are counted
out=$("$XNFT" exposure "$FX/addr_count.nft" 2>&1)
check_match "exposure: a scattered address set is counted" 'IPv4 source in 60 addresses: tcp dport 22-23' "$out"

# arp and bridge tables: never silently left out (a bridge forward chain's
# frames are listed apart: its one rule matches ARP only, so IP passes)
out=$("$XNFT" exposure "$ROOT/tests/unit/fixtures/families.nft" 2>&1)
check_match "arp/bridge: exposure lists the frames bridged port to port" \
	'^Bridged between ports of a bridge \(not to this host' "$out"
check_match "arp/bridge: exposure says arp tables filter ARP only" '^arp tables filter ARP only \(arp a\)' "$out"
out=$("$XNFT" trace "$ROOT/tests/unit/fixtures/families.nft" $w 22 2>&1)
check_match "arp/bridge: trace says it did not trace the bridge table" 'bridge table br is not traced' "$out"

# --json prints one JSON document on stdout in every case, errors included
echo "table inet x { chain c { bogus } }" >"$J/bad.nft"
json_cases=(
	"trace --json $J/bad.nft iif eth0 ip saddr 192.0.2.1"
	"exposure --json $J/bad.nft"
	"verify --json $J/bad.nft"
	"diff --json $J/bad.nft $FX/deps.nft"
	"exposure --json --no-such-option"
	"trace --json $FX/deps.nft"
	"trace --json $FX/deps.nft iif eth0 no-such-word 7"
	"verify --json --intents /nonexistent $FX/deps.nft"
	"diff --json $FX/deps.nft"
	"diff --json --local-addr not-an-address $FX/deps.nft $FX/deps.nft"
	"exposure --json $FX/deps.nft"
	"trace --json $FX/deps.nft iif eth0 ip saddr 192.0.2.1 udp dport 7200"
)
for i in "${!json_cases[@]}"; do
	c=${json_cases[$i]}
	# shellcheck disable=SC2086
	"$XNFT" $c >"$J/out.json" 2>/dev/null
	check "--json prints one JSON document with its version (case $((i + 1)): ${c%% *})" \
		python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["version"] == 1' \
		"$J/out.json"
done

# the coverage table (expression -> family -> fixture line) matches the corpus
check "fixtures_constructs/coverage.md is current (tests/tools/cx_coverage.py)" \
	python3 "$ROOT/tests/tools/cx_coverage.py" --check "$ROOT"

# ---- part 2: the kernel, rule by rule ----------------------------------------------------

source "$(dirname "$0")/trace_lib.sh"
trace_start

source "$(dirname "$0")/cx_lib.sh"

: >"$T/map.pk"
tag=100
for src in "$INET_V4" "$INET2_V4"; do
	for port in 7001 7002; do
		pk inet "$src" "$HOST_V4" udp "$port" $((tag++)) >>"$T/map.pk"
	done
done
kernel_batch "map lookup misses end the rule" map_miss.nft "$T/map.pk"

: >"$T/ct.pk"
for port in 7010 7011; do
	pk inet "$INET_V4" "$HOST_V4" udp "$port" $((tag++)) >>"$T/ct.pk"
done
kernel_batch "ct reads without a conntrack entry end the rule" ct_noentry.nft "$T/ct.pk"

: >"$T/def.pk"
for port in 7100 7101 7102 7103 7104; do
	pk inet "$INET_V4" "$HOST_V4" udp "$port" $((tag++)) >>"$T/def.pk"
done
kernel_batch "defaults of a plain received packet" defaults.nft "$T/def.pk"

: >"$T/deps.pk"
for port in 7200 7201 7202; do
	pk inet "$INET_V4" "$HOST_V4" udp "$port" $((tag++)) >>"$T/deps.pk"
	pk6 inet "$INET_V6" "$HOST_V6" udp "$port" $((tag++)) >>"$T/deps.pk"
done
kernel_batch "implicit dependencies as nft adds them" deps.nft "$T/deps.pk"

: >"$T/dormant.pk"
pk inet "$INET_V4" "$HOST_V4" udp 7300 $((tag++)) >>"$T/dormant.pk"
pk6 inet "$INET_V6" "$HOST_V6" udp 7300 $((tag++)) >>"$T/dormant.pk"
kernel_batch "dormant tables are not attached" dormant.nft "$T/dormant.pk"

: >"$T/quota.pk"
for port in 7400 7401; do
	pk inet "$INET_V4" "$HOST_V4" udp "$port" $((tag++)) >>"$T/quota.pk"
done
kernel_batch "named quotas" quota.nft "$T/quota.pk"

: >"$T/ether.pk"
pk inet "$INET_V4" "$HOST_V4" udp 7500 $((tag++)) >>"$T/ether.pk"
pk6 inet "$INET_V6" "$HOST_V6" udp 7500 $((tag++)) >>"$T/ether.pk"
kernel_batch "ether type behind meta iiftype ether" ether.nft "$T/ether.pk"

: >"$T/values.pk"
for port in 7700 7702 7703 7704; do   # 7705 (meta cpu): not knowable, part 1 only
	pk inet "$INET_V4" "$HOST_V4" udp "$port" $((tag++)) >>"$T/values.pk"
done
for port in 7701 7702; do
	pk inet "$INET_V4" "$HOST_V4" tcp "$port" $((tag++)) >>"$T/values.pk"
done
pk6 inet "$INET_V6" "$HOST_V6" udp 7703 $((tag++)) >>"$T/values.pk"
kernel_batch "values a plain packet fixes (ipsec, tcp option, rt, sdif)" values.nft "$T/values.pk"

pkspi() { # SRC DST PROTO SPI TAG: an esp or ah packet line of the batch
	local ip=ip ttl="ip ttl"
	[[ $1 == *:* ]] && ip=ip6 ttl="ip6 hoplimit"
	printf 'inet\tsrc=%s dst=%s proto=%s ttl=64 tag=%d spi=%d\tiifname eth0 %s saddr %s %s daddr %s %s 64 %s spi %d ct state new\n' \
		"$1" "$2" "$3" "$5" "$4" "$ip" "$1" "$ip" "$2" "$ttl" "$3" "$4"
}
: >"$T/spi.pk"
for spi in 5 9; do
	pkspi "$INET_V4" "$HOST_V4" esp "$spi" $((tag++)) >>"$T/spi.pk"
	pkspi "$INET_V6" "$HOST_V6" esp "$spi" $((tag++)) >>"$T/spi.pk"
done
for spi in 7 8; do
	pkspi "$INET_V4" "$HOST_V4" ah "$spi" $((tag++)) >>"$T/spi.pk"
	pkspi "$INET_V6" "$HOST_V6" ah "$spi" $((tag++)) >>"$T/spi.pk"
done
kernel_batch "esp and ah spi from the packet words" ipsec_hdr.nft "$T/spi.pk"

: >"$T/bound.pk"
for src in "$INET_V4" "$INET2_V4"; do
	for port in 7800 7801 7802; do
		pk inet "$src" "$HOST_V4" udp "$port" $((tag++)) >>"$T/bound.pk"
	done
done
pk6 inet "$INET_V6" "$HOST_V6" udp 7802 $((tag++)) >>"$T/bound.pk"
pk6 inet "$INET2_V6" "$HOST_V6" udp 7802 $((tag++)) >>"$T/bound.pk"
kernel_batch "chain bindings under --live, by the kernel's names" bound.nft "$T/bound.pk"

: >"$T/rt.pk"
pkw inet "$INET_V4" "$PEER_V4" 7600 $((tag++)) "iifname eth0 oifname wg0" >>"$T/rt.pk"
pkw inet "$INET_V6" "$PEER_V6" 7600 $((tag++)) "iifname eth0 oifname wg0" >>"$T/rt.pk"
pkw host "$HOST_V4" "$INET_V4" 7601 $((tag++)) "oifname eth0" >>"$T/rt.pk"
pkw host "$HOST_V6" "$INET_V6" 7601 $((tag++)) "oifname eth0" >>"$T/rt.pk"
kernel_batch "rt mtu on the forward and output paths" rt_mtu.nft "$T/rt.pk"

pkicmp() { # SRC DST TAG: an ICMP echo request line of the batch
	printf 'inet\tsrc=%s dst=%s proto=icmp ttl=64 tag=%d icmp-type=8 icmp-code=0\ticmp type echo-request icmp code 0 iifname eth0 ip saddr %s ip daddr %s ip ttl 64 ct state new\n' \
		"$1" "$2" "$3" "$1" "$2"
}
: >"$T/hdr.pk"
pk inet "$INET_V4" "$HOST_V4" udp 7610 $((tag++)) >>"$T/hdr.pk"
pk6 inet "$INET_V6" "$HOST_V6" udp 7610 $((tag++)) >>"$T/hdr.pk"
pk inet "$INET_V4" "$HOST_V4" tcp 7611 $((tag++)) >>"$T/hdr.pk"
pk6 inet "$INET_V6" "$HOST_V6" tcp 7611 $((tag++)) >>"$T/hdr.pk"
pkicmp "$INET_V4" "$HOST_V4" $((tag++)) >>"$T/hdr.pk"
kernel_batch "header fields, meta and ct keys" headers.nft "$T/hdr.pk"

pkicmp6() { # SRC DST TAG: an ICMPv6 echo request line of the batch
	printf 'inet\tsrc=%s dst=%s proto=icmpv6 ttl=64 tag=%d icmp-type=128 icmp-code=0\ticmpv6 type echo-request icmpv6 code 0 iifname eth0 ip6 saddr %s ip6 daddr %s ip6 hoplimit 64 ct state new\n' \
		"$1" "$2" "$3" "$1" "$2"
}
: >"$T/stmts.pk"
pk inet "$INET_V4" "$HOST_V4" udp 7620 $((tag++)) >>"$T/stmts.pk"
pk6 inet "$INET_V6" "$HOST_V6" udp 7620 $((tag++)) >>"$T/stmts.pk"
pk inet "$INET_V4" "$HOST_V4" tcp 7621 $((tag++)) >>"$T/stmts.pk"
pk6 inet "$INET_V6" "$HOST_V6" tcp 7621 $((tag++)) >>"$T/stmts.pk"
pkicmp "$INET_V4" "$HOST_V4" $((tag++)) >>"$T/stmts.pk"
pkicmp6 "$INET_V6" "$HOST_V6" $((tag++)) >>"$T/stmts.pk"
# ip id, checksums, the flow label, tcp sequence and window, icmp id: the words
# cannot give them, xnft takes 0 and says so on the rule (15 decisions)
STATED_OK=15 kernel_batch "header fields the words cannot give, and statements" stmts.nft "$T/stmts.pk"

cat "$T/hdr.pk" "$T/stmts.pk" >"$T/fam.pk"
STATED_OK=30 kernel_batch "the same corpus in ip, ip6 and netdev tables" families_l3.nft "$T/fam.pk"

: >"$T/absent.pk"
pk inet "$INET_V4" "$HOST_V4" udp 7630 $((tag++)) >>"$T/absent.pk"
pk6 inet "$INET_V6" "$HOST_V6" udp 7630 $((tag++)) >>"$T/absent.pk"
pk inet "$INET_V4" "$HOST_V4" tcp 7631 $((tag++)) >>"$T/absent.pk"
pk6 inet "$INET_V6" "$HOST_V6" tcp 7631 $((tag++)) >>"$T/absent.pk"
# the link layer's source and a hash's seed: taken, said so (3 decisions; --live reads the
# device kind)
STATED_OK=4 kernel_batch "headers and state the packet does not have; values of the moment" absent.nft "$T/absent.pk"

# the same assumptions as absent.nft, per family (about 5 decisions; hashes vary)
STATED_OK=8 kernel_batch "absent.nft in ip, ip6 and netdev tables" absent_l3.nft "$T/absent.pk"

: >"$T/more.pk"
pk inet "$INET_V4" "$HOST_V4" udp 7640 $((tag++)) >>"$T/more.pk"
pk6 inet "$INET_V6" "$HOST_V6" udp 7640 $((tag++)) >>"$T/more.pk"
pkicmp "$INET_V4" "$HOST_V4" $((tag++)) >>"$T/more.pk"
pkicmp6 "$INET_V6" "$HOST_V6" $((tag++)) >>"$T/more.pk"
pkw host "$HOST_V4" "$INET_V4" 7641 $((tag++)) "oifname eth0" >>"$T/more.pk"
pkw host "$HOST_V6" "$INET_V6" 7641 $((tag++)) "oifname eth0" >>"$T/more.pk"
# the link layer source, meta cpu, checksums, the sender's uid: said so (10 decisions)
STATED_OK=12 kernel_batch "named objects, ct and set changes, other families" more.nft "$T/more.pk"

: >"$T/more3.pk"
pk inet "$INET_V4" "$HOST_V4" udp 7640 $((tag++)) >>"$T/more3.pk"
pk6 inet "$INET_V6" "$HOST_V6" udp 7640 $((tag++)) >>"$T/more3.pk"
pkicmp "$INET_V4" "$HOST_V4" $((tag++)) >>"$T/more3.pk"
pkicmp6 "$INET_V6" "$HOST_V6" $((tag++)) >>"$T/more3.pk"
pk inet "$INET_V4" "$HOST_V4" tcp 7641 $((tag++)) >>"$T/more3.pk"
pk6 inet "$INET_V6" "$HOST_V6" tcp 7641 $((tag++)) >>"$T/more3.pk"
pkw host "$HOST_V4" "$INET_V4" 7643 $((tag++)) "oifname eth0" >>"$T/more3.pk"
pkw host "$HOST_V6" "$INET_V6" 7643 $((tag++)) "oifname eth0" >>"$T/more3.pk"
# three decisions, said so (meta cpu twice, a checksum)
STATED_OK=3 kernel_batch "more.nft in ip and ip6 tables; every tcp option, missing" more_l3.nft "$T/more3.pk"

: >"$T/misc.pk"
pkspi "$INET_V4" "$HOST_V4" ah 7 $((tag++)) >>"$T/misc.pk"
pkspi "$INET_V6" "$HOST_V6" ah 7 $((tag++)) >>"$T/misc.pk"
pk inet "$INET_V4" "$HOST_V4" udp 7650 $((tag++)) >>"$T/misc.pk"
pk6 inet "$INET_V6" "$HOST_V6" udp 7650 $((tag++)) >>"$T/misc.pk"
# the AH sequence (xpkt numbers its packets; taken as 1, said so): 7 decisions
STATED_OK=9 kernel_batch "AH fields, device and VRF keys, vlan and arp on IP frames" misc_l3.nft "$T/misc.pk"

: >"$T/syn.pk"
pk inet "$INET_V4" "$HOST_V4" tcp 7660 $((tag++)) >>"$T/syn.pk"
pk6 inet "$INET_V6" "$HOST_V6" tcp 7660 $((tag++)) >>"$T/syn.pk"
pk inet "$INET_V4" "$HOST_V4" udp 7660 $((tag++)) >>"$T/syn.pk"
kernel_batch "synproxy: an untracked SYN answered and stolen; over IPv6 dropped" synproxy_k.nft "$T/syn.pk"

: >"$T/time.pk"
pk inet "$INET_V4" "$HOST_V4" udp 7710 $((tag++)) >>"$T/time.pk"
pk6 inet "$INET_V6" "$HOST_V6" udp 7710 $((tag++)) >>"$T/time.pk"
kernel_batch "meta day, hour and time: the packet arrives now" "$J/time.nft" "$T/time.pk"

trace_totals constructs 22
finish
