#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_families.sh: the arp and bridge families (issue 24). Part 1 (no
# kernel): `xnft trace` follows ARP packets and frames through a bridge,
# given in packet words, through arp and bridge tables, and refuses words
# such packets cannot have. Part 2: arp.nft is loaded in the host namespace
# of policy_lib.sh's topology, real ARP frames are sent from the inet
# namespace (tests/tools/arp_send.py, the tag in the source MAC), and the
# kernel's `nft monitor trace` is compared rule by rule with `xnft trace
# --live --json` (gen_ruleset.py compare-mac). Part 3: bridge.nft, with
# frames bridged between the peers on the host's bridge wg0, frames from a
# peer to the host and from the host to a peer (trace_lib.sh's batch).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}
FX=$ROOT/tests/integration/fixtures_constructs
GEN=$ROOT/tests/tools/gen_ruleset.py

verdict_of() { # FILE WORDS...: the verdict line of xnft trace
	local f=$1; shift
	"$XNFT" trace "$f" "$@" 2>&1 | grep '^verdict:'
}

# ---- part 1: the answers, without a kernel ---------------------------------------------

a="iifname eth0 arp"
out=$(verdict_of "$FX/arp.nft" $a operation request arp saddr ip 198.18.0.2 arp daddr ip 198.18.0.1)
check_match "arp: a request for this host is accepted by the rule that names it" \
	'accept at input, arp a in, by .*arp.nft:8' "$out"
out=$(verdict_of "$FX/arp.nft" $a operation request arp saddr ip 198.18.0.55 arp daddr ip 198.18.0.77)
check_match "arp: a request from a sender in the set's range is dropped" 'drop .*arp.nft:9' "$out"
out=$(verdict_of "$FX/arp.nft" $a operation reply arp saddr ip 198.18.0.9 arp daddr ip 198.18.0.77)
check_match "arp: != on the target address" 'drop .*arp.nft:10' "$out"
out=$(verdict_of "$FX/arp.nft" $a operation 3 arp saddr ip 198.18.0.2 arp daddr ip 198.18.0.1)
check_match "arp: an operation no rule names falls to the policy" 'accept at input, by the policy of arp a in' "$out"
out=$(verdict_of "$FX/arp.nft" oifname eth0 arp operation reply arp daddr ip 198.18.0.66)
check_match "arp: a reply this host sends meets the output chain" 'drop at output, arp a out, by .*arp.nft:14' "$out"
out=$("$XNFT" trace "$FX/arp.nft" $a operation request 2>&1)
check_match "arp: the defaults are said (a neighbour asks for this host)" \
	'arp saddr ip 198\.18\.0\.2|arp saddr ip 198\.51\.100\.2 \(a neighbour on the link\)' "$out"
check_fails "arp: no trace of an ARP table is reported as not modelled" \
	grep -q 'arp table a is not traced' <<<"$out"
out=$(verdict_of "$ROOT/tests/unit/fixtures/families.nft" iifname eth0 ip saddr 198.18.0.2 udp dport 22)
check_match "arp: an IPv4 packet does not meet the arp table" '^verdict:' "$out"
check_fails "arp: transport words are refused for an ARP packet" \
	"$XNFT" trace "$FX/arp.nft" $a operation request tcp dport 22
check_fails "arp: an ARP packet is not forwarded" \
	"$XNFT" trace "$FX/arp.nft" iifname eth0 oifname eth1 arp operation request
check_fails "arp: ip and arp words contradict" \
	"$XNFT" trace "$FX/arp.nft" ip saddr 192.0.2.1 arp operation request

b="ip saddr 10.10.0.2 ip daddr 10.10.0.3 udp dport"
out=$(verdict_of "$FX/bridge.nft" iif wgp1 ibrname wg0 oif wgp2 obrname wg0 $b 7602)
check_match "bridge: a bridged frame meets the bridge forward chain" \
	'drop at forward, bridge b fwd_, by .*bridge.nft:17' "$out"
out=$(verdict_of "$FX/bridge.nft" iif wgp1 ibrname wg0 oif wgp2 obrname wg0 $b 7604)
check_match "bridge: bridge postrouting sees the output port" 'drop at postrouting, bridge b post_, by .*bridge.nft:35' "$out"
out=$("$XNFT" trace "$FX/bridge.nft" iif wgp1 ibrname wg0 oif wgp2 obrname wg0 $b 7600 2>&1)
check_match "bridge: bridge postrouting has no input device" 'iifname "wgp1": iifname is \(none\)' "$out"
check_fails "bridge: a bridged frame meets no IP hook" grep -q 'inet t' <<<"$out"
check_fails "bridge: no bridge table is named as not traced" grep -q 'is not traced' <<<"$out"
out=$(verdict_of "$FX/bridge.nft" iif wgp1 ibrname wg0 ip saddr 10.10.0.2 ip daddr 10.10.0.1 udp dport 7605)
check_match "bridge: a frame for the host goes up with the bridge as iif" \
	'drop at input, inet t input, by .*bridge.nft:42' "$out"
out=$(verdict_of "$FX/bridge.nft" iif wgp1 ibrname wg0 ip saddr 10.10.0.2 ip daddr 10.10.0.1 udp dport 7603)
check_match "bridge: ... after bridge input" 'drop at input, bridge b in_, by .*bridge.nft:23' "$out"
out=$(verdict_of "$FX/bridge.nft" oif wgp1 obrname wg0 ip saddr 10.10.0.1 ip daddr 10.10.0.2 udp dport 7607)
check_match "bridge: the host's frame meets bridge output after the IP hooks" \
	'drop at output, bridge b out_, by .*bridge.nft:30' "$out"
out=$("$XNFT" trace "$FX/bridge.nft" iif wg0 ip saddr 10.10.0.2 ip daddr 10.10.0.1 udp dport 7600 2>&1)
check_match "bridge: a packet given without its port names the bridge table as not traced" \
	'bridge table b is not traced' "$out"
out=$(verdict_of "$FX/bridge.nft" iif wgp1 ibrname wg0 arp operation request arp saddr ip 10.10.0.9 arp daddr ip 10.10.0.1)
check_match "bridge: an ARP frame for the host meets bridge input" 'drop at input, bridge barp in_' "$out"
out=$(verdict_of "$FX/bridge.nft" iif wgp1 ibrname wg0 arp operation request arp saddr ip 10.10.0.2 arp daddr ip 10.10.0.7)
check_match "bridge: ... then the arp input hook on the bridge device" 'drop at input, arp a2 in_' "$out"
out=$(verdict_of "$FX/bridge.nft" iif wgp1 ibrname wg0 oif wgp2 obrname wg0 arp operation reply arp saddr ip 10.10.0.2 arp daddr ip 10.10.0.3)
check_match "bridge: a bridged ARP frame meets bridge forward" 'drop at forward, bridge barp fwd_' "$out"
check_fails "bridge: ibrname needs iif" "$XNFT" trace "$FX/bridge.nft" ibrname wg0
check_fails "bridge: a frame is bridged inside one bridge" \
	"$XNFT" trace "$FX/bridge.nft" iif wgp1 ibrname wg0 oif eth0
out=$("$XNFT" trace --json "$FX/arp.nft" $a operation request arp daddr ip 198.18.0.1 2>/dev/null)
check "arp: --json prints the trace" python3 -c \
	'import json,sys; d=json.loads(sys.argv[1]); assert d["verdict"] == "accept"' "$out"

# ---- part 2: the kernel, rule by rule ----------------------------------------------------

if ! command -v python3 >/dev/null; then
	not_ok "python3 installed (tools/debian-packages.txt)"
	finish
fi
policy_setup
source "$(dirname "$0")/trace_lib.sh"
trace_setup
source "$(dirname "$0")/families_lib.sh"
arp_trace_table "$T/xtrace_arp.nft"
if ! { host_nft flush ruleset && host_nft -f "$FX/arp.nft" && host_nft -f "$T/xtrace_arp.nft"; }; then
	not_ok "arp.nft loads in the kernel"
	finish
fi

tag=0
arp_packets inet "iifname eth0" - >"$T/arp.pk" <<'CASES'
1 198.18.0.2 198.18.0.1
1 198.18.0.55 198.18.0.1
1 198.18.0.55 198.18.0.77
1 198.18.0.9 198.18.0.77
2 198.18.0.2 198.18.0.1
2 198.18.0.3 198.18.0.1
2 198.18.0.9 198.18.0.77
2 198.18.0.50 198.18.0.1
3 198.18.0.2 198.18.0.1
4 198.18.0.60 198.18.0.77
CASES
arp_batch "arp" "$INET" eth0 "$T/arp.pk"

# ---- part 3: frames through the host's bridge, rule by rule --------------------------------

cat >>"$T/xtrace.nft" <<'NFT'
table bridge xtrace {
	chain pre {
		type filter hook prerouting priority -500; policy accept;
		meta nftrace set 1
	}
}
NFT
# peer sends to peer2 straight over the bridge, no flooding (families_lib.sh)
if bridge_direct; then
	ok "bridge: peer reaches peer2 over the bridge"
else
	not_ok "bridge: peer reaches peer2 over the bridge"
fi
pkb() { # ROLE SRC DST DPORT TAG WORDS: one packet line of the batch
	printf '%s\tsrc=%s dst=%s proto=udp ttl=64 tag=%d sport=40000 dport=%d\t%s ip saddr %s ip daddr %s ip ttl 64 udp sport 40000 udp dport %d ct state new\n' \
		"$1" "$2" "$3" "$5" "$4" "$6" "$2" "$3" "$4"
}
: >"$T/bridge.pk"
tag=300
for port in 7600 7601 7602 7603 7604; do
	pkb peer "$PEER_V4" "$PEER2_V4" "$port" $((tag++)) "iifname wgp1 ibrname wg0 oifname wgp2 obrname wg0" >>"$T/bridge.pk"
done
for port in 7600 7603 7604 7605; do
	pkb peer "$PEER_V4" "$MESH_HOST_V4" "$port" $((tag++)) "iifname wgp1 ibrname wg0" >>"$T/bridge.pk"
done
for port in 7606 7607 7608 7609; do
	pkb host "$MESH_HOST_V4" "$PEER_V4" "$port" $((tag++)) "oifname wgp1 obrname wg0" >>"$T/bridge.pk"
done
if load_fresh "$FX/bridge.nft"; then
	batch "bridge: bridged, to the host, from the host" "$T/bridge.pk"
else
	not_ok "bridge.nft loads in the kernel"
fi
diag "bridge: decisions compared $TOTAL_DECISIONS, agree $TOTAL_DEC_AGREE, differ with a stated assumption $TOTAL_DEC_ASSUMED, differ silently $TOTAL_DEC_SILENT"
check_eq "bridge: no rule-level decision differs silently from the kernel" 0 "$TOTAL_DEC_SILENT"
check_ge "bridge: packets compared with the kernel" 13 "$TOTAL_PACKETS"

# ARP frames over the bridge, unicast (no flooding): to the host (bridge
# prerouting and input, then the arp input hook on wg0) and bridged to peer2
mh=$(ip -n "$HOST" -j link show wg0 | jq -r '.[0].address')
tag=400
{
	arp_packets peer "iifname wgp1 ibrname wg0" "$mh" <<-'CASES'
		1 10.10.0.2 10.10.0.1
		1 10.10.0.9 10.10.0.1
		2 10.10.0.2 10.10.0.1
		1 10.10.0.2 10.10.0.7
	CASES
	arp_packets peer "iifname wgp1 ibrname wg0 oifname wgp2 obrname wg0" "$m2" <<-'CASES'
		1 10.10.0.2 10.10.0.3
		2 10.10.0.2 10.10.0.3
		2 10.10.0.5 10.10.0.3
	CASES
} >"$T/barp.pk"
arp_batch "bridge: ARP frames" "$PEER" mesh0 "$T/barp.pk"
check_ge "arp and bridge: ARP decisions compared with the kernel" 70 "$ARP_DECISIONS"
finish
