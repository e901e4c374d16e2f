#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_families.sh: the arp family (issue 24). Part 1 (no kernel): `xnft
# trace` follows ARP packets, given in packet words, through an arp table's
# chains, and refuses words an ARP packet cannot have. Part 2: the fixture
# is loaded in the host namespace of policy_lib.sh's topology, real ARP
# frames are sent from the inet namespace (tests/tools/arp_send.py, the tag
# in the source MAC), and the kernel's `nft monitor trace` is compared rule
# by rule with `xnft trace --live --json` (gen_ruleset.py compare-mac).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}
FX=$ROOT/tests/integration/fixtures_constructs
GEN=$ROOT/tests/tools/gen_ruleset.py
SEND=$ROOT/tests/tools/arp_send.py

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
out=$("$XNFT" trace --json "$FX/arp.nft" $a operation request arp daddr ip 198.18.0.1 2>/dev/null)
check "arp: --json prints the trace" python3 -c \
	'import json,sys; d=json.loads(sys.argv[1]); assert d["verdict"] == "accept"' "$out"

# ---- part 2: the kernel, rule by rule ----------------------------------------------------

if ! command -v python3 >/dev/null; then
	not_ok "python3 installed (tools/debian-packages.txt)"
	finish
fi
policy_setup
T=$(tmpdir)
host_nft() { ip netns exec "$HOST" nft "$@"; }
cat >"$T/xtrace.nft" <<'NFT'
table arp xtrace {
	chain in {
		type filter hook input priority -500; policy accept;
		meta nftrace set 1
	}
}
NFT
if ! { host_nft flush ruleset && host_nft -f "$FX/arp.nft" && host_nft -f "$T/xtrace.nft"; }; then
	not_ok "arp.nft loads in the kernel"
	finish
fi
host_nft -j list chains >"$T/chains.json"

# OP SENDER TARGET, one a line; the tag is the line's number
cat >"$T/cases" <<'CASES'
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
: >"$T/packets"
tag=0
while read -r op spa tpa; do
	tag=$((tag + 1))
	case $op in 1) w=request ;; 2) w=reply ;; *) w=$op ;; esac
	printf 'inet\ttag=%d op=%s src=%s dst=%s\tiifname eth0 arp operation %s arp saddr ip %s arp daddr ip %s\n' \
		"$tag" "$op" "$spa" "$tpa" "$w" "$spa" "$tpa" >>"$T/packets"
done <"$T/cases"

: >"$T/trace.log"
ip netns exec "$HOST" nft -a monitor trace >"$T/trace.log" 2>&1 &
MON=$!
track_pid "$MON"
# the monitor is listening once a probe frame (tag 65535) shows in its output
seen=0
for _ in $(seq 1 50); do
	ip netns exec "$INET" python3 "$SEND" eth0 1 198.18.0.2 198.18.0.1 65535
	if grep -q 'ether saddr 02:78:6e:66:ff:ff ' "$T/trace.log"; then seen=1; break; fi
	sleep 0.2
done
check_eq "the kernel traces ARP frames at the arp input hook" 1 "$seen"
sent=0
while IFS=$'\t' read -r _ x _; do
	eval "$(printf '%s\n' "$x" | tr ' ' '\n' | sed -n 's/^\(tag\|op\|src\|dst\)=/p_\1=/p')"
	ip netns exec "$INET" python3 "$SEND" eth0 "$p_op" "$p_src" "$p_dst" "$p_tag" && sent=$((sent + 1))
done <"$T/packets"
check_eq "every ARP frame was sent" "$(wc -l <"$T/packets")" "$sent"
# wait (bounded) until the last frame's trace is in
last=$(printf '02:78:6e:66:%02x:%02x' $((tag >> 8)) $((tag & 255)))
for _ in $(seq 1 50); do
	grep -q "ether saddr $last " "$T/trace.log" && break
	sleep 0.2
done
kill "$MON" 2>/dev/null
wait "$MON" 2>/dev/null

cut -f3 "$T/packets" >"$T/words"
ip netns exec "$HOST" "$XNFT" trace --live --json --packets "$T/words" >"$T/xnft.jsonl" 2>"$T/xnft.err"
rc=$?
check_eq "xnft traces every ARP packet (exit 0)" "0 $(wc -l <"$T/packets")" "$rc $(grep -c . "$T/xnft.jsonl")"
out=$(python3 "$GEN" compare-mac "$T/packets" "$T/trace.log" "$T/xnft.jsonl" "$T/chains.json" 2>&1)
printf '%s\n' "$out" | grep '^#' | head -40
agree=$(printf '%s\n' "$out" | sed -n 's/^agree \([0-9]*\) of \([0-9]*\)$/\1 \2/p')
check_eq "arp: every packet's matched rules and verdict agree with the kernel" "$tag $tag" "$agree"
read -r dn da das dsi <<<"$(printf '%s\n' "$out" | sed -n 's/^decisions \([0-9]*\) agree \([0-9]*\) assumed \([0-9]*\) silent \([0-9]*\)$/\1 \2 \3 \4/p')"
diag "arp: decisions compared ${dn:-0}, agree ${da:-0}, differ with a stated assumption ${das:-0}, differ silently ${dsi:-0}"
check_eq "arp: no rule-level decision differs silently from the kernel" 0 "${dsi:-missing}"
check_ge "arp: rule-level decisions compared" 40 "${dn:-0}"
finish
