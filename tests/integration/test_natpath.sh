#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Proofs on rulesets other projects write (issue 12 items 1 and 2):
# anonymous chains are read and followed (or, where they cannot be read,
# the answer widens and says so); the NAT path. Each expected answer is
# stated by hand next to its check.
source "$(dirname "$0")/lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}
FX=$ROOT/tests/integration/fixtures_nat

# ---- anonymous chains ---------------------------------------------------------------
out=$("$XNFT" exposure "$FX/anon_chains.nft" 2>&1); rc=$?
check_eq "anon: exposure exits 0" 0 "$rc"
check_match "anon: the accept inside 'jump { }' is exposed" 'IPv4 source in 10\.0\.0\.0/8, ct state != established,related: udp dport 53$' "$out"
check_match "anon: the accept inside 'goto { }' is exposed" 'IPv4 source in 192\.168\.0\.0/16, ct state != established,related: tcp dport 22$' "$out"
check_match "anon: an IPv6 anonymous chain's accept is exposed" 'IPv6 source in 2001:db8:1::/48.*tcp dport 443' "$out"
check_fails "anon: nothing is 'not modelled'" grep -q 'not modelled' <<<"$out"

out=$("$XNFT" trace "$FX/anon_chains.nft" iif eth0 ip saddr 10.1.2.3 udp dport 53 2>&1); rc=$?
check_eq "anon: trace exits 0" 0 "$rc"
check_match "anon: trace accepts inside the anonymous chain, at the jump's line" 'verdict: accept at input, inet anon input, by anon_chains.nft:7' "$out"
out=$("$XNFT" trace "$FX/anon_chains.nft" iif eth0 ip saddr 10.1.2.3 tcp dport 22 2>&1)
check_match "anon: goto { } whose rule does not match ends in the base chain's policy" 'verdict: drop at input, by the policy of inet anon input' "$out"

# The live ruleset is read only: its anonymous chains stay text, and the answer
# widens to "accepted if the statement accepts", never "nothing".
NS=$(ns_add anon)
ip netns exec "$NS" nft -f "$FX/anon_chains.nft"
out=$(ip netns exec "$NS" "$XNFT" exposure --live 2>&1); rc=$?
check_eq "anon live: exposure exits 0" 0 "$rc"
check_match "anon live: udp dport 53 shown, with the assumption" 'udp dport 53 .*jump \{.*accepts \(not modelled\)' "$out"
check_match "anon live: tcp dport 22 and 443 shown, with the assumption" 'tcp dport \{ 22, 443 \} .*goto \{.*accepts \(not modelled\).*jump \{.*accepts \(not modelled\)' "$out"

finish
