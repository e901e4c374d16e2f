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
T=$(tmpdir)

# ---- anonymous chains ---------------------------------------------------------------
out=$("$XNFT" exposure "$FX/anon_chains.nft" 2>&1); rc=$?
check_eq "anon: exposure exits 0" 0 "$rc"
check_match "anon: the accept inside 'jump { }' is exposed" 'IPv4 source in 10\.0\.0\.0/8, ct state != established,related: udp dport 53$' "$out"
check_match "anon: the accept inside 'goto { }' is exposed" 'IPv4 source in 192\.168\.0\.0/16, ct state != established,related: tcp dport 22$' "$out"
check_match "anon: an IPv6 anonymous chain's accept is exposed" 'IPv6 source in 2001:db8:1::/48.*tcp dport 443' "$out"
check_fails "anon: nothing is 'not modelled'" grep -q 'not modelled' <<<"$out"
check_fails "anon: libnftables' json warning is not passed on" grep -q 'no json callback' <<<"$out"

out=$("$XNFT" trace "$FX/anon_chains.nft" iif eth0 ip saddr 10.1.2.3 udp dport 53 2>&1); rc=$?
check_eq "anon: trace exits 0" 0 "$rc"
check_match "anon: trace accepts inside the anonymous chain, at the jump's line" 'verdict: accept at input, inet anon input, by anon_chains.nft:7' "$out"
out=$("$XNFT" trace "$FX/anon_chains.nft" iif eth0 ip saddr 10.1.2.3 tcp dport 22 2>&1)
check_match "anon: goto { } whose rule does not match ends in the base chain's policy" 'verdict: drop at input, by the policy of inet anon input' "$out"

# The live ruleset is read only: its anonymous chains are read from a copy
# loaded in a private namespace, and named as the kernel names them
# (__chain%d, with its rule handles). The answer is the file's.
NS=$(ns_add anon)
ip netns exec "$NS" nft -f "$FX/anon_chains.nft"
before=$(ip netns exec "$NS" nft -a list ruleset)
out=$(ip netns exec "$NS" "$XNFT" exposure --live 2>&1); rc=$?
check_eq "anon live: exposure exits 0" 0 "$rc"
check_match "anon live: the accept inside 'jump { }' is exposed" 'IPv4 source in 10\.0\.0\.0/8, ct state != established,related: udp dport 53$' "$out"
check_match "anon live: the accept inside 'goto { }' is exposed" 'IPv4 source in 192\.168\.0\.0/16, ct state != established,related: tcp dport 22$' "$out"
check_match "anon live: an IPv6 anonymous chain's accept is exposed" 'IPv6 source in 2001:db8:1::/48.*tcp dport 443' "$out"
check_fails "anon live: nothing is 'not modelled'" grep -q 'not modelled' <<<"$out"
check_fails "anon live: libnftables' json warning is not passed on" grep -q 'no json callback' <<<"$out"
out=$(ip netns exec "$NS" "$XNFT" trace --live iif eth0 ip saddr 10.1.2.3 udp dport 53 2>&1)
check_match "anon live: trace accepts inside the bound chain, named as the kernel names it" \
	'verdict: accept at input, inet anon input, by inet anon __chain[0-9]+ #[0-9]+' "$out"
check_eq "anon live: the host's ruleset is not written" "$before" "$(ip netns exec "$NS" nft -a list ruleset)"

# A verdict map filled at run time may hold any verdict for any key: what it
# may accept is shown, with the assumption, not left out.
out=$("$XNFT" exposure --new "$FX/dynamic_vmap.nft" 2>&1)
check_match "dynamic vmap: IPv4 may be accepted by what the map holds at run time" 'IPv4: everything — some only if ip saddr vmap @dynv at .*dynamic_vmap\.nft:10 accepts \(not modelled\)' "$out"

# ---- the NAT path ---------------------------------------------------------------------

# the issue's case: WAN 2222 redirected to 22, accepted because it was DNAT'd
out=$("$XNFT" trace "$FX/redirect_ssh.nft" iifname wan tcp dport 2222 2>&1); rc=$?
check_eq "redirect: trace exits 0" 0 "$rc"
check_match "redirect: routed to this host after the redirect" 'routed: +after the dnat to this host:22: input path' "$out"
check_match "redirect: accepted by 'ct status dnat accept'" 'verdict: accept at input, inet filter input, by redirect_ssh.nft:13' "$out"
out=$("$XNFT" trace "$FX/redirect_ssh.nft" iifname wan tcp dport 22 2>&1)
check_match "redirect: port 22 itself from the WAN is dropped" 'verdict: drop at input, by the policy of inet filter input' "$out"
json=$("$XNFT" trace "$FX/redirect_ssh.nft" --json iifname wan tcp dport 2222 2>/dev/null)
check "redirect: trace --json says where the dnat sent it" python3 -c \
	'import json,sys; d=json.load(sys.stdin); assert d["verdict"]=="accept" and d["nat_to"]=="this host:22" and d["routed"]=="input"' <<<"$json"
out=$("$XNFT" exposure --new "$FX/redirect_ssh.nft" 2>&1)
check_match "redirect: exposure shows 2222 open from the WAN" '^  from wan:$' "$out"
check_match "redirect: ... as tcp dport 2222, nothing else" '^    tcp dport 2222$' "$out"

# OpenWrt fw4's port forwards: with the WAN address known, DNAT'd ports are
# forwarded (listed with their target), not accepted for this host
FW4_LOCAL=(--local-addr 10.11.12.194 --local-addr 2001:db8:54:321::2 --local-addr 192.168.26.1)
out=$("$XNFT" exposure --new "${FW4_LOCAL[@]}" "$FX/fw4_redirect.nft" 2>&1); rc=$?
check_eq "fw4: exposure exits 0" 0 "$rc"
fwd=$(printf '%s\n' "$out" | sed -n '/forwarded by dnat/,$p')
check_match "fw4: WAN tcp 22 forwarded to 192.168.26.100:22" '^    IPv4: tcp dport 22 → 192\.168\.26\.100:22$' "$fwd"
check_match "fw4: WAN tcp 23 forwarded to 192.168.26.100:23" '^    IPv4: tcp dport 23 → 192\.168\.26\.100:23$' "$fwd"
check_match "fw4: WAN IPv6 tcp 25 forwarded to [2001:db8:1000:1::1234]:25" '^    IPv6: tcp dport 25 → \[2001:db8:1000:1::1234\]:25$' "$fwd"
host=$(printf '%s\n' "$out" | sed -n '/for this host/,/routed through/p' | sed -n '/from pppoe-wan:/,/from /p')
check_match "fw4: the redirect to the router itself (26) stays with the host" 'IPv4: tcp dport 26' "$host"
check_fails "fw4: the forwarded ports are not 'accepted for this host'" grep -Eq 'dport[^—]*\b(22|23|25)\b' <<<"$host"
json=$("$XNFT" exposure --new --json "${FW4_LOCAL[@]}" "$FX/fw4_redirect.nft" 2>/dev/null)
check "fw4: exposure --json lists the port forwards" python3 -c \
	'import json,sys; d=json.load(sys.stdin); l=[x["accepted"] for x in d["port_forwards"]]; assert any("192.168.26.100:22" in a for a in l)' <<<"$json"
out=$("$XNFT" exposure --new "$FX/fw4_redirect.nft" 2>&1)
check_match "fw4: without --local-addr, both outcomes with the assumption" 'tcp dport 22 → 192\.168\.26\.100:22 — unless the dnat target 192\.168\.26\.100:22 is this host' "$out"
out=$("$XNFT" trace "$FX/fw4_redirect.nft" "${FW4_LOCAL[@]}" iifname pppoe-wan tcp dport 22 2>&1)
check_match "fw4: trace forwards the port forward" 'routed: +after the dnat to 192\.168\.26\.100:22: forward path' "$out"
check_match "fw4: accepted by the forward chain's 'ct status dnat accept'" 'forward_wan|Accept port forwards' "$out"

printf 'expect drop iifname "pppoe-wan" tcp dport 22 ct state new\n' >"$T/fw4.intents"
out=$("$XNFT" verify "${FW4_LOCAL[@]}" --intents "$T/fw4.intents" "$FX/fw4_redirect.nft" 2>&1); rc=$?
check_eq "fw4: verify finds SSH from the WAN reachable through the port forward (exit 1)" 1 "$rc"
check_match "fw4: ... and its counterexample's trace shows the forward" 'routed: +after the dnat to 192\.168\.26\.100:22: forward path' "$out"

# diff through NAT: the same router, one more port forward (SSH from the WAN)
out=$("$XNFT" diff --local-addr 203.0.113.1 "$FX/debian_router.nft" "$FX/debian_router_ssh.nft" 2>&1); rc=$?
check_eq "diff: a new port forward exits 1" 1 "$rc"
# stated by hand: new TCP connections from eth0 to port 2222 are now let in (and forwarded)
check_match "diff: tcp dport 2222 from the WAN now accepted (input)" '^input: now accepted: from eth0, IPv4, ct state new: tcp dport 2222, ip ttl != \{ 0, 1 \}$' "$out"
check_match "diff: the same from the forward path" '^forward: now accepted: from eth0 to any interface, IPv4, ct state new: tcp dport 2222$' "$out"
check_fails "diff: nothing about other ports" grep -Eq 'dport (22|443)\b' <<<"$out"
out=$("$XNFT" diff --local-addr 203.0.113.1 "$FX/debian_router_ssh.nft" "$FX/debian_router_ssh.nft" 2>&1); rc=$?
check_eq "diff: an identical file exits 0" 0 "$rc"
check_match "diff: an identical file changes nothing" 'no packet changes its verdict' "$out"

# Docker's published port: forwarded to the container, past the host's input chain
out=$("$XNFT" exposure --new --local-addr 203.0.113.1 "$FX/docker_published.nft" 2>&1)
check_match "docker: the published port is a port forward to the container" 'tcp dport 8080 → 172\.17\.0\.2:80' "$out"

# martians: to 127.0.0.0/8 or ::1 from an interface other than lo, the kernel drops
printf 'table inet open {\n\tchain input {\n\t\ttype filter hook input priority filter; policy accept;\n\t}\n}\n' >"$T/open.nft"
out=$("$XNFT" trace "$T/open.nft" iif eth0 ip daddr 127.0.0.1 tcp dport 22 2>&1)
check_match "martian: IPv4 to 127.0.0.1 from eth0 dropped by the kernel" 'verdict: drop by the kernel: a packet to a loopback address' "$out"
out=$("$XNFT" trace "$T/open.nft" iif eth0 ip6 daddr ::1 tcp dport 22 2>&1)
check_match "martian: IPv6 to ::1 from eth0 dropped by the kernel" 'verdict: drop by the kernel: a packet to a loopback address' "$out"
out=$("$XNFT" trace "$T/open.nft" iif lo ip daddr 127.0.0.1 tcp dport 22 2>&1)
check_match "martian: the same from lo is accepted" 'verdict: accept at input' "$out"

finish
