#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft scan against the default policy, with real nmap in the lab topology:
#   - from the internet (IPv4 and IPv6; the proof as exposure JSON and as
#     the policy itself with --expect) and from a mesh peer, with the
#     services listening: no drift, exit 0;
#   - a rule added by hand with `nft add rule` that opens 80/tcp: critical
#     drift naming 80/tcp, exit 1; with --history, new the first time only;
#   - iptables-legacy: an INPUT ACCEPT changes nothing (nft's drop decides:
#     no drift), a nat REDIRECT of 5353/udp to the WireGuard port is
#     critical drift; an nft DNAT of 5354/udp to it as well (and one of
#     6000/tcp to 22 is still dropped at input: not drift);
#   - a hand-added rule letting TCP without SYN into 81: drift seen by the
#     NULL, XMAS and FIN scans, not by the SYN scan;
#   - the mesh service (8080) down: predicted open but silent, exit 1;
#   - nmap missing from PATH, nmap failing, a proof that is not
#     exposure JSON: a clear error, exit 2.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
policy_setup

PROOF=$TEST_TMP/proof.json
PORTS=22,80,$WEB_PORT,51820
if ! "$XNFT" exposure "$POLICY_DIR" --new --json >"$PROOF"; then
	not_ok "xnft exposure --json writes the proof"
	finish
fi

# scan_from NS ARGS...: xnft scan run inside NS; output in OUT, exit status in RC.
OUT= RC=
scan_from() {
	local ns=$1; shift
	OUT=$(ip netns exec "$ns" "$XNFT" scan --expect-json "$PROOF" "$@" 2>&1)
	RC=$?
}

no_sanitizer() {
	if grep -Eq 'Sanitizer|runtime error:' <<<"$OUT"; then
		not_ok "$1: no sanitizer report"; grep -E -m 5 'Sanitizer|runtime error:' <<<"$OUT" | sed 's/^/#   /'
	else
		ok "$1: no sanitizer report"
	fi
}

tcp_listeners=()
for port in 22 80 "$WEB_PORT"; do
	start_listener "$HOST" "$TEST_TMP/tcp$port.log" --port "$port" --count 1000 --timeout-ms 170000 ||
		not_ok "TCP listener on host port $port"
	tcp_listeners+=("$LISTENER_PID")
done
web_listener=${tcp_listeners[2]}
start_listener "$HOST" "$TEST_TMP/udp51820.log" --port 51820 --udp --count 1000 --timeout-ms 170000 ||
	not_ok "UDP listener on host port 51820"
udp_listener=$LISTENER_PID

# ---- the default policy: the scan agrees with the proof ----
for dst in "$HOST_V4" "$HOST_V6"; do
	scan_from "$INET" "$dst" --ports "$PORTS"
	check_eq "scan of $dst from the internet: no drift (exit 0)" 0 "$RC"
	check_match "scan of $dst from the internet: 0 drift reported" ' 0 drift$' "$OUT"
	no_sanitizer "scan of $dst from the internet"
done
OUT=$(ip netns exec "$INET" "$XNFT" scan --expect "$POLICY_DIR" "$HOST_V4" --ports "$PORTS" 2>&1); RC=$?
check_eq "scan with --expect POLICY (the proof computed here): no drift (exit 0)" 0 "$RC"
no_sanitizer "scan with --expect POLICY"
scan_from "$PEER" "$MESH_HOST_V4" --class mesh --ports "$PORTS" --json
check_eq "scan from the mesh peer: no drift (exit 0)" 0 "$RC"
check_eq "scan from the mesh peer, --json: 22 and $WEB_PORT open, drift empty" "2 0" \
	"$(jq -r '"\(.open) \(.drift | length)"' <<<"$OUT" 2>&1)"

# ---- a rule added by hand: 80/tcp opened outside the policy files ----
in_ns "$HOST" nft insert rule inet xnft input tcp dport 80 accept ||
	not_ok "nft insert rule opening 80/tcp"
HISTORY=$TEST_TMP/scan.db
scan_from "$INET" "$HOST_V4" --ports "$PORTS" --json --history "$HISTORY"
check_eq "scan after nft add rule: drift (exit 1)" 1 "$RC"
check_eq "... one critical drift: 80/tcp open, new (no earlier run)" "critical tcp 80 open true" \
	"$(jq -r '.drift[] | "\(.severity) \(.protocol) \(.port) \(.observed) \(.new)"' <<<"$OUT" 2>&1)"
check_eq "... the history file is private (0600)" 600 "$(stat -c %a "$HISTORY")"
scan_from "$INET" "$HOST_V4" --ports "$PORTS" --json --history "$HISTORY"
check_eq "the same scan again: the drift is no longer new" "critical tcp 80 open false" \
	"$(jq -r '.drift[] | "\(.severity) \(.protocol) \(.port) \(.observed) \(.new)"' <<<"$OUT" 2>&1)"
check_eq "... and the history holds both runs" 2 "$(sqlite3 "$HISTORY" 'SELECT count(*) FROM scans' 2>&1)"
policy_load || not_ok "reload the policy after the hand-added rule"

# ---- the stealth scans: a hand-added rule letting in TCP without SYN on 81 ----
in_ns "$HOST" nft insert rule inet xnft input tcp dport 81 tcp flags \& syn == 0 accept ||
	not_ok "nft insert rule: 81/tcp without SYN"
scan_from "$INET" "$HOST_V4" --ports 81 --json
check_eq "scan with 81/tcp open to non-SYN packets: drift (exit 1)" 1 "$RC"
check_eq "... found by the NULL, XMAS and FIN scans only (the SYN scan sees it filtered)" \
	'["null 81 closed","xmas 81 closed","fin 81 closed"]' \
	"$(jq -c '[.drift[] | "\(.scan) \(.port) \(.observed)"]' <<<"$OUT" 2>&1)"
policy_load || not_ok "reload the policy after the hand-added rule"

# ---- iptables-legacy: an ACCEPT cannot overrule nft's drop; a REDIRECT can ----
in_ns "$HOST" iptables-legacy -I INPUT -p tcp --dport 80 -j ACCEPT ||
	not_ok "iptables-legacy ACCEPT for 80/tcp"
scan_from "$INET" "$HOST_V4" --ports "$PORTS"
check_eq "iptables-legacy ACCEPT 80/tcp: no drift, the nft drop still decides (exit 0)" 0 "$RC"
in_ns "$HOST" iptables-legacy -D INPUT -p tcp --dport 80 -j ACCEPT
# the WireGuard port with nothing behind it answers "closed": the probe reached the host
kill "$udp_listener" 2>/dev/null
wait_exit "$udp_listener" 3
in_ns "$HOST" iptables-legacy -t nat -A PREROUTING -p udp --dport 5353 -j REDIRECT --to-ports 51820 ||
	not_ok "iptables-legacy REDIRECT 5353/udp to 51820"
scan_from "$INET" "$HOST_V4" --ports 5353,51820 --json
check_eq "iptables-legacy REDIRECT 5353/udp: drift (exit 1)" 1 "$RC"
check_match "... 5353/udp reached the host: critical" '^critical udp 5353 closed$' \
	"$(jq -r '.drift[] | "\(.severity) \(.protocol) \(.port) \(.observed)"' <<<"$OUT" 2>&1)"
in_ns "$HOST" iptables-legacy -t nat -F PREROUTING

# ---- a DNAT by hand (nft): 6000/tcp to 22, 5354/udp to the WireGuard port ----
in_ns "$HOST" nft -f - <<NFT || not_ok "nft DNAT table"
table ip scandnat {
	chain pre {
		type nat hook prerouting priority dstnat;
		tcp dport 6000 dnat to $HOST_V4:22
		udp dport 5354 dnat to $HOST_V4:51820
	}
}
NFT
scan_from "$INET" "$HOST_V4" --ports 22,5354,6000 --json
check_eq "nft DNAT: drift (exit 1)" 1 "$RC"
check_eq "... 5354/udp (DNAT to 51820) reached the host: the one critical drift; 6000/tcp to 22 is still dropped" \
	"critical udp 5354 closed" \
	"$(jq -r '.drift[] | select(.severity == "critical") | "\(.severity) \(.protocol) \(.port) \(.observed)"' <<<"$OUT" 2>&1)"
in_ns "$HOST" nft delete table ip scandnat

# ---- a service down: predicted open but silent ----
kill "$web_listener" 2>/dev/null
wait_exit "$web_listener" 3
scan_from "$PEER" "$MESH_HOST_V4" --class mesh --ports "$PORTS"
check_eq "scan from the mesh with $WEB_PORT down: drift (exit 1)" 1 "$RC"
check_match "... a warning: $WEB_PORT/tcp closed, service not answering" \
	"warning +$WEB_PORT/tcp closed to syn: the proof opens it" "$OUT"

# ---- errors: nmap missing or failing, a bad proof ----
OUT=$(PATH=/nonexistent "$XNFT" scan --expect-json "$PROOF" "$HOST_V4" 2>&1); RC=$?
check_eq "nmap not on PATH: exit 2" 2 "$RC"
check_match "... and the message says nmap cannot run" "cannot run 'nmap'" "$OUT"
OUT=$("$XNFT" scan --nmap /bin/false --expect-json "$PROOF" "$HOST_V4" 2>&1); RC=$?
check_eq "nmap failing: exit 2" 2 "$RC"
check_match "... and the message says nmap failed" "nmap failed" "$OUT"
check_fails "a proof that is not exposure JSON is refused" \
	"$XNFT" scan --expect-json /etc/hostname "$HOST_V4"
check_fails "no proof: usage error" "$XNFT" scan "$HOST_V4"
check_fails "both --expect and --expect-json: usage error" \
	"$XNFT" scan --expect "$POLICY_DIR" --expect-json "$PROOF" "$HOST_V4"
OUT=$("$XNFT" scan --no-such-option "$HOST_V4" 2>&1); RC=$?
check_eq "an unknown option: exit 2" 2 "$RC"
check_match "... named, with the command's prefix" "^xnft scan: unknown option '--no-such-option'" "$OUT"

finish
