#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_cx_linklayer.sh: link-layer reads and writes (ether, @ll) at the IP
# hooks (issue 24). nft_payload ends the rule when the packet has no MAC
# header: a packet the host sends has none at output and postrouting (it
# gets one at neighbour output); a received or forwarded one keeps the header
# eth_type_trans set. Part 1 (no kernel): xnft trace and exposure say so.
# Part 2: linklayer.nft in the host namespace of policy_lib.sh's topology,
# packets received, forwarded, sent and looped back through lo, the kernel's
# `nft monitor trace` compared rule by rule with `xnft trace --live --json`.
# Part 3: packets received on a tun device (no link layer, as wg), the
# kernel's rule counters against xnft trace's matches (tests/tools/tun_send.py).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}
FX=$ROOT/tests/integration/fixtures_constructs
F=$FX/linklayer.nft

# ---- part 1: the answers, without a kernel ---------------------------------------------

out=$("$XNFT" trace "$F" oifname eth0 ip saddr 198.18.0.1 ip daddr 198.18.0.2 udp dport 7702 2>&1)
check_match "output: @ll,0,8 set ends the rule (no link-layer header yet)" \
	'linklayer.nft:28 +\[ -- \]' "$out"
check_match "output: ... said why" \
	'@ll,0,8 set 2: a packet this host sends has no link-layer header before neighbour output' "$out"
check_match "output: @ll,0,8 != 1 ends the rule" 'linklayer.nft:29 +\[ -- \]' "$out"
check_match "postrouting of the host's packet: @ll,0,8 set ends the rule" \
	'linklayer.nft:38 +\[ -- \]' "$out"
check_match "postrouting: the rule without a link-layer part counts" 'linklayer.nft:40 +\[match\]' "$out"
out=$("$XNFT" trace "$F" iifname eth0 oifname wg0 ip saddr 198.18.0.2 ip daddr 10.10.0.2 udp dport 7701 2>&1)
check_match "postrouting of a forwarded packet: @ll,0,8 set goes on" 'linklayer.nft:38 +\[match\]' "$out"
check_match "forward: ether saddr set goes on" 'linklayer.nft:23 +\[match\]' "$out"
check_match "forward: a later rule reads what ether saddr set wrote" 'linklayer.nft:24 +\[match\]' "$out"
J=$(tmpdir)
printf 'table inet t {\n chain input {\n  type filter hook input priority 0; policy drop;\n  udp dport 7710 @ll,0,8 set 1 accept\n }\n}\n' >"$J/in.nft"
out=$("$XNFT" exposure "$J/in.nft" 2>&1)
check_match "exposure: a link-layer write on a received packet goes on" \
	'^    udp dport 7710$' "$out"
out=$("$XNFT" lint "$F" 2>&1)
check_match "lint: a link-layer write at output never matches" \
	'linklayer.nft:28: warning\[XL006\]' "$out"
check_fails "lint: ... but one on received packets may" grep -q 'linklayer.nft:16: warning' <<<"$out"

# ---- part 2: the kernel, rule by rule ----------------------------------------------------

if ! command -v python3 >/dev/null || ! command -v conntrack >/dev/null; then
	not_ok "python3 and conntrack installed (tools/debian-packages.txt)"
	finish
fi
policy_setup
source "$(dirname "$0")/trace_lib.sh"
trace_setup
source "$(dirname "$0")/cx_lib.sh"

tag=700
: >"$T/ll.pk"
pkw inet "$INET_V4" "$HOST_V4" 7700 $((tag++)) "iifname eth0" >>"$T/ll.pk"
pkw inet "$INET_V6" "$HOST_V6" 7700 $((tag++)) "iifname eth0" >>"$T/ll.pk"
pkw inet "$INET_V4" "$PEER_V4" 7701 $((tag++)) "iifname eth0 oifname wg0" >>"$T/ll.pk"
pkw inet "$INET_V6" "$PEER_V6" 7701 $((tag++)) "iifname eth0 oifname wg0" >>"$T/ll.pk"
pkw host "$HOST_V4" "$INET_V4" 7702 $((tag++)) "oifname eth0" >>"$T/ll.pk"
pkw host "$HOST_V6" "$INET_V6" 7702 $((tag++)) "oifname eth0" >>"$T/ll.pk"
# the host's own packet to itself: no header on the way out, lo's (zeros) on the way in
pkw host "$HOST_V4" "$HOST_V4" 7702 $((tag++)) "iifname lo" >>"$T/ll.pk"
pkw host "$HOST_V6" "$HOST_V6" 7702 $((tag++)) "iifname lo" >>"$T/ll.pk"
STATED_OK=10 kernel_batch "link-layer reads and writes at the IP hooks" linklayer.nft "$T/ll.pk"

# ---- a device without a link layer (tun, as wg: ARPHRD_NONE, an empty MAC header) --------
# nft_payload_eval ends a read of it; nft_payload_set_eval only checks that a header was set,
# so a write goes on. The kernel's counters against xnft trace's matches, rule by rule.
cat >"$J/tun.nft" <<'EOF2'
table inet x {
	chain c_in {
		type filter hook input priority 0; policy accept;
		udp dport 7720 @ll,0,8 != 0x1 counter
		udp dport 7720 @ll,0,8 0x45 counter
		udp dport 7720 @ll,0,8 set 0x2 counter
		udp dport 7720 counter
	}
}
EOF2
TUN_NS=$(ns_add tun)
if ip netns exec "$TUN_NS" nft -f "$J/tun.nft" &&
   ip netns exec "$TUN_NS" python3 "$ROOT/tests/tools/tun_send.py" tunx 10.77.0.1/24 10.77.0.2 \
	7720 3 2>"$J/tun.err"; then
	kern=$(ip netns exec "$TUN_NS" nft list chain inet x c_in | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	mine=$("$XNFT" trace "$J/tun.nft" iifname tunx ip saddr 10.77.0.2 ip daddr 10.77.0.1 \
		udp dport 7720 2>&1 | sed -n 's/^ *tun.nft:[0-9]* *\[\(match\| -- \)\].*/\1/p')
	diag "tun: kernel counters $(echo $kern), xnft $(echo "$mine" | tr '\n' ' ')"
	agree=0 n=0
	while read -r k && read -r m <&3; do
		n=$((n + 1))
		{ [ "$k" -gt 0 ] && [ "$m" = match ]; } || { [ "$k" -eq 0 ] && [ "$m" = "--" ]; } &&
			agree=$((agree + 1))
	done <<<"$kern" 3<<<"$mine"
	check_eq "tun: every rule's match is the kernel's (read ends, write goes on)" "4 4" "$n $agree"
	out=$(ip netns exec "$TUN_NS" "$XNFT" trace --live iifname tunx ip saddr 10.77.0.2 \
		ip daddr 10.77.0.1 udp dport 7720 2>&1)
	check_match "tun, --live: the device's type says the read ends, said why" \
		'@ll,0,8 != 1: tunx has no link-layer header \(a device without a link layer' "$out"
	check_fails "tun, --live: ... nothing assumed of its header" grep -q 'taken as not matching' <<<"$out"
else
	not_ok "tun: packets received on a tun device ($(head -2 "$J/tun.err"))"
fi

trace_totals cx_linklayer 8
finish
