#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft stats and xnft metrics on a table in a test namespace, with real
# packets on its loopback: counters with file:line, the Prometheus text
# (promtool check metrics), and --unused finding exactly the rules the
# traffic did not hit, also after a re-apply reset every counter.
source "$(dirname "$0")/lib.sh"
require_root
FIX=$ROOT/tests/integration/fixtures_telemetry
WORK=$(tmpdir)
NS=$(ns_add tel)
export XNFT_STATE_DIR=$WORK/state
in_ns() { ip netns exec "$NS" "$@"; }
udp_to() { in_ns bash -c "echo x > /dev/udp/127.0.0.1/$1"; }
# a SYN to PORT (the connection itself may never come: the catch-all drops the answer)
tcp_to() { in_ns timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; true; }
clean() { grep -E 'Sanitizer|runtime error:' "$1" >/dev/null && return 1; return 0; }

check "the test table loads" in_ns nft -I "$FIX" -f "$FIX/nftables.conf"
udp_to 123; udp_to 53; udp_to 53

in_ns "$XNFT" metrics --policy "$FIX/nftables.conf" >"$WORK/m.txt" 2>"$WORK/m.err"
check_eq "xnft metrics: exit 0" 0 $?
check "xnft metrics: no sanitizer report" clean "$WORK/m.err"
check "promtool check metrics accepts the exposition" promtool check metrics <"$WORK/m.txt"
m=$(grep -v '^#' "$WORK/m.txt")
check_match "per-rule packets with file:line and comment" \
	"^xnft_rule_packets_total\{family=\"inet\",table=\"t\",chain=\"input\",handle=\"[0-9]+\",location=\"$FIX/t-rules.nft:14\",comment=\"dns\"\} 2$" "$m"
check_match "a rule without a comment has an empty comment label" \
	"^xnft_rule_packets_total\{.*location=\"$FIX/t-rules.nft:16\",comment=\"\"\} 0$" "$m"
check_match "chain rule count" '^xnft_chain_rules\{family="inet",table="t",chain="input"\} 7$' "$m"
check_match "set elements (an interval counts once)" '^xnft_set_elements\{family="inet",table="t",set="seen"\} 3$' "$m"
check_match "set size limit" '^xnft_set_elements_limit\{family="inet",table="t",set="seen"\} 100$' "$m"
check_match "named counter" '^xnft_object_packets_total\{family="inet",table="t",object="probes"\} 2$' "$m"
check_match "conntrack limit" '^xnft_conntrack_entries_limit [0-9]+$' "$m"
check_match "conntrack drop statistic" '^xnft_conntrack_drop_total [0-9]+$' "$m"
check_match "lint findings on the loaded ruleset" '^xnft_lint_findings\{severity="warning"\} [0-9]+$' "$m"
check_eq "a policy without an intents file: no intents series" 0 "$(grep -c '^xnft_intents_' "$WORK/m.txt")"
check_match "no confirmed policy in this state dir: no drift reported" '^xnft_policy_drift 0$' "$m"
in_ns "$XNFT" metrics --no-rules >"$WORK/n.txt" 2>&1
check_eq "--no-rules: no per-rule series" 0 "$(grep -c '^xnft_rule_' "$WORK/n.txt")"
in_ns "$XNFT" metrics -o "$WORK/xnft.prom" >/dev/null 2>&1
check "-o writes the file for the textfile collector" promtool check metrics <"$WORK/xnft.prom"

# first sample: ntp and dns hit; ssh, discard, udp 7 and the catch-all not (lo is accepted first)
in_ns "$XNFT" stats "$FIX/nftables.conf" --unused --json >"$WORK/u1.json" 2>"$WORK/u1.err"
check_eq "stats --unused --json: exit 0" 0 $?
check "stats: no sanitizer report" clean "$WORK/u1.err"
check_eq "never hit after the first traffic: ssh, discard, udp 7, catch-all" "13 15 16 18" \
	"$(jq -r '[.rules[].line] | map(tostring) | join(" ")' "$WORK/u1.json")"
check_eq "the file of each rule is the included one" "$FIX/t-rules.nft" \
	"$(jq -r '.rules[0].file' "$WORK/u1.json")"

# re-apply: every counter restarts at zero; then only ssh gets a packet
check "the table is re-applied (counters reset)" in_ns nft -I "$FIX" -f "$FIX/nftables.conf"
tcp_to 22
in_ns "$XNFT" stats "$FIX/nftables.conf" --unused >"$WORK/u2.txt" 2>&1
check_eq "stats --unused: exit 0 after the re-apply" 0 $?
check_eq "after the re-apply, ntp and dns still count as used; ssh now too" \
	"$FIX/t-rules.nft:15 $FIX/t-rules.nft:16 $FIX/t-rules.nft:18" \
	"$(grep "^$FIX" "$WORK/u2.txt" | awk '{print $1}' | tr '\n' ' ' | sed 's/ $//')"
check_match "the count line" "^3 rules never matched since " "$(cat "$WORK/u2.txt")"

out=$(in_ns "$XNFT" stats "$FIX/nftables.conf" 2>&1)
check_match "per-chain totals" '^input +7 ' "$out"
check_match "the catch-all's share of drops" "$FIX/t-rules.nft:18 +0 pkts +0.0%  catch-all" "$out"

# bad input
check_fails "stats: --since without --unused" "$XNFT" stats --since 1h
check_fails "stats: a bad --top" "$XNFT" stats --top many
check_fails "stats: --live with a policy" "$XNFT" stats --live "$FIX/nftables.conf"
out=$(in_ns "$XNFT" stats --live 2>&1)
check_match "--live: rules named by table, chain and handle" '^  inet t input #[0-9]+ ' "$out"
in_ns nft add table ip other
in_ns nft add chain ip other c
in_ns nft add rule ip other c tcp dport 1 counter drop
out=$(in_ns "$XNFT" stats "$FIX/nftables.conf" --unused 2>&1)
check_match "a table the policy does not know: its rule named by table, chain and handle" \
	"^ip other c #[0-9]+ " "$out"
check_match "a rule without a counter is counted as such" \
	"; 1 without a counter \(add .counter. to count them\)$" "$out"
finish
