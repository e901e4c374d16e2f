#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_trace_compare.sh: the kernel differential's comparison itself
# (tests/tools/gen_ruleset.py compare, trace_lib.sh's report) on a written
# `nft monitor trace` log, no namespaces needed. The kernel can trace one
# sent packet twice (a copy sent again, e.g. a retransmitted FIN), under the
# same trace id (its buffer reused) or a new one: the second trace must be
# compared with the first and counted apart, never read as the rules having
# matched twice, never dropped when it differs. A packet that gets a new
# trace id on its way (after a dnat) is still one traversal.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/trace_lib.sh"

T=$(tmpdir) || { not_ok "temp dir"; finish; }
if ! command -v python3 >/dev/null; then
	not_ok "python3 installed (tools/debian-packages.txt)"
	finish
fi

# two packets: a host-sent FIN/ACK (output, then postrouting) and a UDP
# packet in from eth0 that the input policy drops
printf '%s\t%s\t%s\n' \
	host "src=198.18.0.1 dst=198.18.0.2 proto=tcp ttl=64 tag=1 sport=40001 dport=80 flags=fin,ack" \
	"oifname eth0 ip saddr 198.18.0.1 ip daddr 198.18.0.2 ip ttl 64 tcp sport 40001 tcp dport 80 tcp flags fin,ack ct state invalid" \
	inet "src=198.18.0.2 dst=198.18.0.1 proto=udp ttl=64 tag=2 sport=5000 dport=53" \
	"iifname eth0 ip saddr 198.18.0.2 ip daddr 198.18.0.1 ip ttl 64 udp sport 5000 udp dport 53 ct state new" \
	>"$T/pk"
cat >"$T/chains.json" <<'EOF'
{"nftables": [
 {"chain": {"family": "inet", "table": "filter", "name": "output", "hook": "output"}},
 {"chain": {"family": "inet", "table": "filter", "name": "post", "hook": "postrouting"}},
 {"chain": {"family": "inet", "table": "filter", "name": "input", "hook": "input"}}]}
EOF
# xnft's account: rule 5 in output and rule 9 in postrouting match the FIN;
# rule 7 in input does not match the UDP packet, the policy drops it
step() { printf '{"kind": "rule", "family": "inet", "table": "filter", "chain": "%s", "handle": %d, "matched": %s}' "$@"; }
cat >"$T/xnft.jsonl" <<EOF
{"hooks": [{"hook": "output", "chains": [{"table": "filter", "steps": [$(step output 5 true)]}]}, {"hook": "postrouting", "chains": [{"table": "filter", "steps": [$(step post 9 true)]}]}], "verdict": "accept"}
{"hooks": [{"hook": "input", "chains": [{"table": "filter", "steps": [$(step input 7 false)]}]}], "verdict": "drop"}
EOF

# trace lines: fin_out ID [RULE], fin_post ID, udp_in ID
fin_out() {
	echo "trace id $1 inet filter output packet: oif \"eth0\" ip saddr 198.18.0.1 ip daddr 198.18.0.2 ip ttl 64 ip id 1 ip protocol tcp tcp sport 40001 tcp dport 80 tcp flags fin | ack"
	[ -n "${2:-}" ] && echo "trace id $1 inet filter output rule tcp flags fin counter # handle $2 (verdict continue)"
	echo "trace id $1 inet filter output policy accept "
}
fin_post() {
	echo "trace id $1 inet filter post packet: oif \"eth0\" ip saddr 198.18.0.1 ip daddr 198.18.0.2 ip ttl 64 ip id 1 ip protocol tcp tcp sport 40001 tcp dport 80 tcp flags fin | ack"
	echo "trace id $1 inet filter post rule oifname \"eth0\" accept # handle 9 (verdict accept)"
}
udp_in() {
	echo "trace id $1 inet filter input packet: iif \"eth0\" ip saddr 198.18.0.2 ip daddr 198.18.0.1 ip ttl 64 ip id 2 ip protocol udp udp sport 5000 udp dport 53"
	echo "trace id $1 inet filter input policy drop "
}

# compare_case NAME EXPECT_AGREE EXPECT_AGAIN EXPECT_DIFFER: trace.log as written
compare_case() {
	local out
	out=$(python3 "$GEN" compare "$T/pk" "$T/trace.log" "$T/xnft.jsonl" "$T/chains.json" 2>&1)
	check_eq "$1: packets agree, traced again, differ" "agree $2 of 2; traced again $3 differ $4" \
		"$(printf '%s\n' "$out" | grep '^agree '); $(printf '%s\n' "$out" | grep '^traced again ')"
	LAST_OUT=$out
}

{ fin_out aa01 5; fin_post aa01; udp_in bb02; } >"$T/trace.log"
compare_case "each packet traced once" 2 0 0

# the FIN traced again under the same trace id: the old reading listed rule 5
# twice and called the packet a disagreement
{ fin_out aa01 5; fin_post aa01; udp_in bb02; fin_out aa01 5; fin_post aa01; } >"$T/trace.log"
compare_case "a FIN traced again, same trace id" 2 1 0
check_match "the trace again is printed with what it says" \
	'^# packet 1 from host: traced again by the kernel \(trace 2\), the same: filter/output#5 filter/post#9 -> accept$' \
	"$LAST_OUT"

# again, under a new trace id, interleaved with the first and the UDP packet
{ fin_out aa01 5; fin_out cc03 5; udp_in bb02; fin_post cc03; fin_post aa01; } >"$T/trace.log"
compare_case "a FIN traced again, new trace id, interleaved" 2 1 0

# a new trace id on the way (the kernel gives one after a dnat): one traversal
{ fin_out aa01 5; fin_post dd04; udp_in bb02; } >"$T/trace.log"
compare_case "a new trace id at the next hook is the same traversal" 2 0 0

# the same base chain met again further on (as a bridge's postrouting, once per
# port a frame is flooded to) is not a new traversal; with no rule listed
# there, the packet agrees as before
{ fin_out aa01 5; fin_post aa01; echo "trace id ab07 inet filter post packet: oif \"eth1\" ip saddr 198.18.0.1 ip daddr 198.18.0.2 ip ttl 64 ip id 1 ip protocol tcp tcp sport 40001 tcp dport 80"
  echo "trace id ab07 inet filter post policy accept "; udp_in bb02; } >"$T/trace.log"
compare_case "a later base chain met again stays one traversal" 2 0 0

# the second trace differs (rule 5 did not match it): the packet does not agree
{ fin_out aa01 5; fin_post aa01; udp_in bb02; fin_out ee05; fin_post ee05; } >"$T/trace.log"
compare_case "a trace again that differs" 1 1 1
check_match "the differing trace is printed beside the first" \
	'#   kernel, trace 2: filter/post#9 -> accept' "$LAST_OUT"
cp "$T/trace.log" "$T/differing.log"

# the host's own ICMP error from the FIN's source whose IPv4 id happens to be
# the FIN's tag is not the FIN (nor a trace of it again)
icmp_err() {
	echo "trace id $1 inet filter output packet: oif \"eth0\" ip saddr 198.18.0.1 ip daddr 198.18.0.7 ip ttl 64 ip id 1 ip protocol icmp ip length 76 icmp type destination-unreachable icmp code port-unreachable @th,64,96 0x4500002c0001"
	echo "trace id $1 inet filter output rule meta l4proto icmp counter # handle 6 (verdict continue)"
	echo "trace id $1 inet filter output policy accept "
}
{ fin_out aa01 5; fin_post aa01; icmp_err ff06; udp_in bb02; } >"$T/trace.log"
compare_case "another protocol's packet with the tag as its id is not the tagged packet" 2 0 0

# nft's remark that it lost events: said, and the event before it still read
{ fin_out aa01 5 | sed '2a # ERROR: We lost some netlink events!'; fin_post aa01; udp_in bb02; } >"$T/trace.log"
compare_case "a lost-events remark does not end the event before it" 2 0 0
check_match "lost events are said" '^# nft monitor trace lost kernel events 1 time' "$LAST_OUT"

# trace_lib.sh's report: one TAP line, failing on a differing trace again
# (its ok/not_ok run in a subshell here; only their text is checked)
XNFT_RC=0
: >"$T/xnft.err"
cp "$T/differing.log" "$T/trace.log"
out=$(report "differing" "$T/pk" "$T/xnft.jsonl")
check_match "report fails a batch whose trace again differs" \
	'^not ok [0-9]+ - differing: 1/2 packets agree; 1 later trace\(s\) of a packet' "$out"
out=$(STATED_OK=5 report "differing, stated" "$T/pk" "$T/xnft.jsonl")
check_match "report fails it under STATED_OK too" '^not ok [0-9]+ - differing, stated' "$out"
{ fin_out aa01 5; fin_post aa01; udp_in bb02; fin_out aa01 5; fin_post aa01; } >"$T/trace.log"
out=$(report "same" "$T/pk" "$T/xnft.jsonl")
check_match "report passes a batch whose trace again is the same, and says so" \
	'^ok [0-9]+ - same: 2/2 packets agree \(the kernel traced 1 again, each trace the same as the first\)$' \
	"$out"
{ fin_out aa01 5; fin_post aa01; } >"$T/trace.log"
out=$(report "lost" "$T/pk" "$T/xnft.jsonl")
check_match "report still fails a packet with no kernel trace" '^not ok [0-9]+ - lost: 1/2' "$out"
finish
