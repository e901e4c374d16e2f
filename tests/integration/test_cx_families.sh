#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_cx_families.sh: every expression and statement nft 1.0.6 accepts in
# arp and bridge tables, rule by rule against the kernel (issue 24).
# Part 1 (no kernel): xnft trace's answers on arp_all.nft and
# bridge_all.nft, written by hand. Part 2: arp_all.nft in the host namespace
# of policy_lib.sh's topology, ARP requests and replies from the internet
# namespace (broadcast and unicast to the host) and the host's own replies
# and requests; bridge_all.nft with IPv4/IPv6 frames bridged from peer to
# peer2, sent by peer to the host and by the host to peer, and ARP frames to
# the host and bridged; the kernel's `nft monitor trace` compared with
# `xnft trace --live --json` rule by rule (families_lib.sh, trace_lib.sh).
# VLAN-tagged frames (tests/tools/vlan_send.py) are bridged from peer to peer2.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}
FX=$ROOT/tests/integration/fixtures_constructs

trace_of() { # FILE WORDS...: xnft trace's whole answer
	local f=$1; shift
	"$XNFT" trace "$f" "$@" 2>&1
}

# ---- part 1: the answers, without a kernel ---------------------------------------------

a="iifname eth0 arp operation"
out=$(trace_of "$FX/arp_all.nft" $a request arp saddr ip 198.18.0.41 arp daddr ip 198.18.0.1)
check_match "arp: meta mark set and priority set are seen by the next rule" \
	'arp_all.nft:39 +\[match\] +meta mark 0x00000007 meta priority "1:2"' "$out"
check_match "arp: meta l4proto ends the rule (an ARP packet has no transport protocol)" \
	'meta l4proto != tcp: an ARP packet has no transport protocol' "$out"
check_match "arp: meta rtclassid ends the rule (an ARP packet has no route)" \
	'meta rtclassid != 5: an ARP packet has no route' "$out"
check_match "arp: an output device's name is empty on input (!= matches)" \
	'arp_all.nft:28 +\[match\] +oifname != "eth0"' "$out"
check_match "arp: meta oif has no value on input (the rule ends)" 'arp_all.nft:29 +\[ -- \]' "$out"
check_match "arp: a request's pkttype is said on the rule" \
	'arp_all.nft:23: meta pkttype taken as broadcast \(an ARP request is broadcast\)' "$out"
check_match "arp: the vmap continues a request to the policy" \
	'^verdict: accept at input, by the policy of arp ax in' "$out"
out=$(trace_of "$FX/arp_all.nft" $a reply arp saddr ip 198.18.0.2 arp daddr ip 198.18.0.1)
check_match "arp: a reply is taken as sent to this host, said so" \
	'arp_all.nft:24 +\[match\]' "$out"
out=$(trace_of "$FX/arp_all.nft" $a 3 | grep '^verdict:')
check_match "arp: the vmap drops operation 3" 'drop at input, arp ax in, by .*arp_all.nft:51' "$out"
out=$(trace_of "$FX/arp_all.nft" $a 4 | grep '^verdict:')
check_match "arp: ... and accepts operation 4" 'accept at input, arp ax in, by .*arp_all.nft:51' "$out"
out=$(trace_of "$FX/arp_all.nft" $a request arp saddr ip 198.18.0.44 arp daddr ip 198.18.0.7 | grep '^verdict:')
check_match "arp: a sender in the interval set, a target not this host: dropped" \
	'drop at input, arp ax in, by .*arp_all.nft:50' "$out"

br="iifname wgp1 ibrname wg0 oifname wgp2 obrname wg0 ip saddr 10.10.0.2 ip daddr 10.10.0.3 udp dport"
out=$(trace_of "$FX/bridge_all.nft" $br 7804 | grep '^verdict:')
check_match "bridge: the vmap drops 7804 in bridge prerouting" \
	'drop at prerouting, bridge bx pre, by .*bridge_all.nft:82' "$out"
out=$(trace_of "$FX/bridge_all.nft" $br 7808)
check_match "bridge: ip ttl, dscp and ecn set are seen by the next rule" \
	'bridge_all.nft:97 +\[match\] +udp dport 7808 ip ttl 9' "$out"
check_match "bridge: a bridged frame's pkttype is other, said so" \
	'bridge_all.nft:28: meta pkttype taken as other' "$out"
check_match "bridge: a bridged frame has no route (meta rtclassid ends the rule)" \
	'a frame in bridge hooks has no route yet' "$out"
check_match "bridge: an untagged frame matches no vlan rule (nft's implied ether type)" \
	'ether type 8021q \(implied by vlan id\): ether type is 2048' "$out"
out=$(trace_of "$FX/bridge_all.nft" $br 7850 vlan id 5)
check_match "bridge: a tagged frame matches vlan id" 'bridge_all.nft:38 +\[match\] +vlan id 5' "$out"
check_match "bridge: ... its pcp and dei are taken as 0, said so" \
	'bridge_all.nft:40: vlan pcp taken as 0 \(the packet words give the vlan id only\)' "$out"
check_match "bridge: ... ether type reads the tag, not the type inside it" \
	'ether type ip: ether type is 33024' "$out"
check_match "bridge: ... meta protocol the type inside it" 'bridge_all.nft:25 +\[match\] +meta protocol ip' "$out"
out=$(trace_of "$FX/bridge_all.nft" $br 7807 | grep '^verdict:')
check_match "bridge: bridge forward drops 7807" 'drop at forward, bridge bx fwd_, by .*bridge_all.nft:95' "$out"
out=$(trace_of "$FX/bridge_all.nft" iifname wgp1 ibrname wg0 ip saddr 10.10.0.2 ip daddr 10.10.0.1 udp dport 7822)
check_match "bridge: a frame for the host is dropped in bridge input" \
	'^verdict: drop at input, bridge bx in_, by .*bridge_all.nft:106' "$out"
check_match "bridge: ... its pkttype is host" 'bridge_all.nft:27 +\[match\] +meta pkttype host' "$out"
out=$(trace_of "$FX/bridge_all.nft" oifname wgp1 obrname wg0 ip saddr 10.10.0.1 ip daddr 10.10.0.2 udp dport 7832)
check_match "bridge: the host's frame has its route (rtclassid 0)" 'bridge_all.nft:116 +\[match\]' "$out"
check_match "bridge: ... and is dropped in bridge postrouting" \
	'^verdict: drop at postrouting, bridge bx post_, by .*bridge_all.nft:125' "$out"

# ---- part 2: the kernel, rule by rule ----------------------------------------------------

if ! command -v python3 >/dev/null || ! command -v jq >/dev/null; then
	not_ok "python3 and jq installed (tools/debian-packages.txt)"
	finish
fi
policy_setup
source "$(dirname "$0")/trace_lib.sh"
trace_setup
source "$(dirname "$0")/families_lib.sh"
GEN=$ROOT/tests/tools/gen_ruleset.py

arp_trace_table "$T/xtrace_arp.nft"
if ! { host_nft flush ruleset && host_nft -f "$FX/arp_all.nft" && host_nft -f "$T/xtrace_arp.nft"; }; then
	not_ok "arp_all.nft loads in the kernel"
	finish
fi
mh=$(ip -n "$HOST" -j link show eth0 | jq -r '.[0].address')
tag=0
{
	# broadcast requests (pkttype taken as broadcast, said); a sender in the set
	arp_packets inet "iifname eth0" - <<-'CASES'
		1 198.18.0.2 198.18.0.1
		1 198.18.0.41 198.18.0.1
		1 198.18.0.42 198.18.0.7
		1 198.18.0.44 198.18.0.7
		1 198.18.0.43 198.18.0.1
		1 198.18.0.2 198.18.0.99
	CASES
	# broadcast replies and the vmap's other keys (the word says broadcast)
	arp_packets inet "iifname eth0 meta pkttype broadcast" - <<-'CASES'
		2 198.18.0.2 198.18.0.1
		2 198.18.0.45 198.18.0.1
		3 198.18.0.2 198.18.0.1
		4 198.18.0.2 198.18.0.1
	CASES
	# unicast to this host (the word meta pkttype says so)
	arp_packets inet "iifname eth0 meta pkttype host" "$mh" <<-'CASES'
		1 198.18.0.2 198.18.0.1
		2 198.18.0.2 198.18.0.1
		2 198.18.0.41 198.18.0.1
	CASES
} >"$T/arp_all.pk"
STATED_OK=${ARP_STATED_OK:-15} arp_batch "arp_all" "$INET" eth0 "$T/arp_all.pk"

# The host's own ARP frames: a reply to a request from the internet
# namespace, a request for an unresolved neighbour (a datagram sent to it).
# The kernel's trace of a frame at arp output has no link-layer header, so
# no tag: each frame is made and waited for alone (bounded), and the trace
# id that shows next is given the line's tag before compare-mac reads it.
cat >"$T/xtrace_arp_out.nft" <<'NFT'
table arp xtrace {
	chain out {
		type filter hook output priority -500; policy accept;
		meta nftrace set 1
	}
}
NFT
ip netns exec "$HOST" sysctl -qw net.ipv4.neigh.eth0.mcast_solicit=1 \
	net.ipv4.neigh.eth0.app_solicit=0 net.ipv4.neigh.eth0.ucast_solicit=0

# arp_out_ids: the trace ids of frames at arp output, in order
arp_out_ids() {
	awk '/ arp xtrace out packet: / && !seen[$3]++ { print $3 }' "$T/trace.log"
}

# arp_out_batch NAME PACKETS: lines "host<TAB>tag=N make=reply|request to=IP<TAB>words"
arp_out_batch() {
	local name=$1 pk=$2 kv x tag make to n ok_n=0 seen=0 out dn da das dsi mi a rc
	# no other ARP between the host and the internet namespace meanwhile
	# (a stale neighbour entry is probed again): permanent entries both ways
	mi=$(ip -n "$INET" -j link show eth0 | jq -r '.[0].address')
	for a in $(ip -n "$INET" -4 -j addr show dev eth0 | jq -r '.[0].addr_info[].local'); do
		ip -n "$HOST" neigh replace "$a" lladdr "$mi" dev eth0 nud permanent
	done
	ip -n "$INET" neigh replace "$HOST_V4" lladdr "$mh" dev eth0 nud permanent
	host_nft -f "$T/xtrace_arp_out.nft" || { not_ok "$name: arp output tracing loads"; return; }
	host_nft -j list chains >"$T/chains.json"
	: >"$T/trace.log"
	ip netns exec "$HOST" nft -a monitor trace >"$T/trace.log" 2>&1 &
	MON_PID=$!
	track_pid "$MON_PID"
	: >"$T/tagmap"
	# the monitor listens once a probe shows (a request for no one: no reply)
	for _ in $(seq 1 50); do
		ip netns exec "$INET" python3 "$SEND" eth0 1 "$INET_V4" 198.18.0.250 65534
		if grep -q 'ether saddr 02:78:6e:66:ff:fe ' "$T/trace.log"; then seen=1; break; fi
		sleep 0.2
	done
	check_eq "$name: the kernel traces the frames" 1 "$seen"
	while IFS=$'\t' read -r _ kv _; do
		for x in $kv; do
			case $x in tag=*) tag=${x#tag=} ;; make=*) make=${x#make=} ;; to=*) to=${x#to=} ;; esac
		done
		n=$(arp_out_ids | wc -l)
		if [ "$make" = reply ]; then
			ip netns exec "$INET" python3 "$SEND" eth0 1 "$INET_V4" "$to" 60000
		else
			printf 'src=%s dst=%s proto=udp sport=9 dport=9 tag=1\n' "$HOST_V4" "$to" |
				ip netns exec "$HOST" "$XPKT" send-batch - >/dev/null 2>&1
		fi
		for _ in $(seq 1 50); do
			[ "$(arp_out_ids | wc -l)" -gt "$n" ] && break
			sleep 0.1
		done
		x=$(arp_out_ids | sed -n "$((n + 1))p")
		[ -n "$x" ] && ok_n=$((ok_n + 1)) && printf '%s %s\n' "$x" "$tag" >>"$T/tagmap"
	done <"$pk"
	monitor_stop
	# a frame made twice (a request sent again) would be one frame too many
	[ "$(arp_out_ids | wc -l)" -eq "$ok_n" ] || ok_n="$ok_n, and $(arp_out_ids | wc -l) frames in all"
	check_eq "$name: the kernel traced each frame alone" "$(wc -l <"$pk")" "$ok_n"
	# the tag of each trace id on its packet line, as arp_send.py's source MAC gives it
	awk 'NR == FNR { tag[$1] = $2; next }
	     / packet: / && ($3 in tag) { t = tag[$3]; $0 = $0 sprintf(" ether saddr 02:78:6e:66:%02x:%02x ", int(t / 256), t % 256) }
	     { print }' "$T/tagmap" "$T/trace.log" >"$T/trace.tagged"
	cut -f3 "$pk" >"$T/words"
	ip netns exec "$HOST" "$XNFT" trace --live --json --packets "$T/words" >"$T/xnft.jsonl" 2>"$T/xnft.err"
	rc=$?
	check_eq "$name: xnft traces every packet (exit 0)" "0 $(wc -l <"$pk")" "$rc $(grep -c . "$T/xnft.jsonl")"
	out=$(python3 "$GEN" compare-mac "$pk" "$T/trace.tagged" "$T/xnft.jsonl" "$T/chains.json" 2>&1)
	printf '%s\n' "$out" | grep '^#' | head -20
	read -r dn da das dsi <<<"$(decisions_of "$out")"
	check_eq "$name: every frame's matched rules and verdict agree with the kernel" \
		"agree $(wc -l <"$pk") of $(wc -l <"$pk")" "$(printf '%s\n' "$out" | grep '^agree ')"
	diag "$name: decisions compared ${dn:-0}, agree ${da:-0}, differ with a stated assumption ${das:-0}, differ silently ${dsi:-0}"
	arp_tally "${dn:-0}" "${da:-0}" "${das:-0}" "${dsi:-missing}"
}
o="oifname eth0 arp operation"
cat >"$T/arp_out.pk" <<PK
host	tag=700 make=reply to=$HOST_V4	$o reply arp saddr ip $HOST_V4 arp daddr ip $INET_V4
host	tag=701 make=request to=198.18.0.9	$o request arp saddr ip $HOST_V4 arp daddr ip 198.18.0.9
host	tag=702 make=request to=198.18.0.8	$o request arp saddr ip $HOST_V4 arp daddr ip 198.18.0.8
PK
arp_out_batch "arp_all: the host's replies and requests" "$T/arp_out.pk"

cat >>"$T/xtrace.nft" <<'NFT'
table bridge xtrace {
	chain pre {
		type filter hook prerouting priority -500; policy accept;
		meta nftrace set 1
	}
}
NFT
if bridge_direct && ip -n "$PEER" -6 route add "$PEER2_V6/128" dev mesh0 &&
	ip -n "$PEER" -6 neigh replace "$PEER2_V6" lladdr "$m2" dev mesh0 nud permanent; then
	ok "bridge: peer reaches peer2 over the bridge (IPv4 and IPv6)"
else
	not_ok "bridge: peer reaches peer2 over the bridge (IPv4 and IPv6)"
fi

# pkx ROLE XPKT-WORDS XNFT-WORDS: one packet line of the batch, tag $tag
pkx() {
	printf '%s\t%s tag=%d\t%s\n' "$1" "$2" "$tag" "$3"
	tag=$((tag + 1))
}
bridged="iifname wgp1 ibrname wg0 oifname wgp2 obrname wg0"
udp4() { # ROLE SRC DST DPORT PORTS: a UDP/IPv4 datagram
	pkx "$1" "src=$2 dst=$3 proto=udp ttl=64 sport=40000 dport=$4" \
		"$5 ip saddr $2 ip daddr $3 ip ttl 64 udp sport 40000 udp dport $4 ct state new"
}
tag=500
{
	for port in 7800 7801 7802 7803 7804 7805 7806 7807 7808 7809; do
		udp4 peer "$PEER_V4" "$PEER2_V4" "$port" "$bridged"
	done
	pkx peer "src=$PEER_V4 dst=$PEER2_V4 proto=tcp ttl=64 sport=40000 dport=7810 flags=syn" \
		"$bridged ip saddr $PEER_V4 ip daddr $PEER2_V4 ip ttl 64 tcp sport 40000 tcp dport 7810 tcp flags syn ct state new"
	pkx peer "src=$PEER_V4 dst=$PEER2_V4 proto=icmp ttl=64 icmp-type=8 icmp-code=0" \
		"$bridged ip saddr $PEER_V4 ip daddr $PEER2_V4 ip ttl 64 icmp type echo-request icmp code 0 ct state new"
	pkx peer "src=$PEER_V6 dst=$PEER2_V6 proto=udp ttl=64 sport=40000 dport=7800" \
		"$bridged ip6 saddr $PEER_V6 ip6 daddr $PEER2_V6 ip6 hoplimit 64 udp sport 40000 udp dport 7800 ct state new"
	pkx peer "src=$PEER_V6 dst=$PEER2_V6 proto=icmpv6 ttl=64 icmp-type=128 icmp-code=0" \
		"$bridged ip6 saddr $PEER_V6 ip6 daddr $PEER2_V6 ip6 hoplimit 64 icmpv6 type echo-request icmpv6 code 0 ct state new"
	for port in 7820 7822; do
		udp4 peer "$PEER_V4" "$MESH_HOST_V4" "$port" "iifname wgp1 ibrname wg0"
	done
	for port in 7830 7831 7832 7833; do
		udp4 host "$MESH_HOST_V4" "$PEER_V4" "$port" "oifname wgp1 obrname wg0"
	done
} >"$T/bridge_all.pk"
if load_fresh "$FX/bridge_all.nft"; then
	STATED_OK=${BRIDGE_STATED_OK:-70} batch "bridge_all: bridged, to the host, from the host" \
		"$T/bridge_all.pk" --local-addr "$MESH_HOST_V4"
else
	not_ok "bridge_all.nft loads in the kernel"
fi

# VLAN-tagged frames bridged from peer to peer2 (tests/tools/vlan_send.py; the
# IP id is the tag): the vlan rules meet a tag, meta protocol the type inside
vlan_batch() { # NAME PACKETS: lines "peer<TAB>vid=V dst=IP dport=N tag=T<TAB>words"
	local name=$1 pk=$2 kv x vid dst dport t
	fresh_conntrack
	host_nft -j list chains >"$T/chains.json"
	if ! monitor_start; then
		not_ok "$name: nft monitor trace shows packets"
		monitor_stop
		return
	fi
	while IFS=$'\t' read -r _ kv _; do
		for x in $kv; do
			case $x in vid=*) vid=${x#vid=} ;; dst=*) dst=${x#dst=} ;;
			dport=*) dport=${x#dport=} ;; tag=*) t=${x#tag=} ;; esac
		done
		ip netns exec "$PEER" python3 "$ROOT/tests/tools/vlan_send.py" mesh0 "$m2" "$vid" \
			"$PEER_V4" "$dst" "$dport" "$t" || diag "$name: vlan_send.py failed for tag $t"
	done <"$pk"
	probe || diag "$name: the closing probe never showed in the trace"
	monitor_stop
	xnft_trace "$pk" "$T/xnft.jsonl" --local-addr "$MESH_HOST_V4"
	report "$name" "$pk" "$T/xnft.jsonl"
}
tag=900
: >"$T/vlan.pk"
for vid in 5 7; do
	printf 'peer\tvid=%d dst=%s dport=7850 tag=%d\t%s vlan id %d ip saddr %s ip daddr %s ip ttl 64 udp sport 40000 udp dport 7850 ct state new\n' \
		"$vid" "$PEER2_V4" "$tag" "$bridged" "$vid" "$PEER_V4" "$PEER2_V4" >>"$T/vlan.pk"
	tag=$((tag + 1))
done
STATED_OK=${VLAN_STATED_OK:-8} vlan_batch "bridge_all: VLAN-tagged frames bridged" "$T/vlan.pk"

# ARP frames through bridge_all.nft's chains, unicast (no flooding): to the
# host (bridge prerouting and input) and bridged to peer2
mb=$(ip -n "$HOST" -j link show wg0 | jq -r '.[0].address')
tag=800
{
	arp_packets peer "iifname wgp1 ibrname wg0 meta pkttype host" "$mb" <<-'CASES'
		1 10.10.0.2 10.10.0.1
		2 10.10.0.2 10.10.0.1
	CASES
	arp_packets peer "$bridged meta pkttype other" "$m2" <<-'CASES'
		1 10.10.0.2 10.10.0.3
		2 10.10.0.2 10.10.0.3
	CASES
} >"$T/bridge_arp.pk"
STATED_OK=${BRIDGE_ARP_STATED_OK:-6} arp_batch "bridge_all: ARP frames to the host and bridged" \
	"$PEER" mesh0 "$T/bridge_arp.pk"
dn=$((ARP_DECISIONS + TOTAL_DECISIONS)) da=$((ARP_DEC_AGREE + TOTAL_DEC_AGREE))
das=$((ARP_DEC_ASSUMED + TOTAL_DEC_ASSUMED)) dsi=$((ARP_DEC_SILENT + TOTAL_DEC_SILENT))
diag "cx_families: $TOTAL_AGREE of $TOTAL_PACKETS IP frames through the bridge agree with the kernel in every decision"
diag "cx_families: decisions compared $dn, agree $da, differ with a stated assumption $das, differ silently $dsi"
check_eq "no rule-level decision differs silently from the kernel" 0 "$dsi"
check_ge "decisions compared with the kernel" 1700 "$dn"
finish
