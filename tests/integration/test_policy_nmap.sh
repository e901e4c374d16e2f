#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The hardening guide's nmap checks against the default policy, run from the
# internet namespace with real nmap:
#   - a SYN scan of 1-1024 and 8080 finds no open TCP port, although SSH,
#     HTTP and the web service listen (a control scan from the mesh finds
#     them); it runs under the per-source SYN budget (--max-rate 25 < 30/s)
#     so every probe is judged by the allow rules, none lost to the flood
#     limiter, which the SYN-flood counter confirms;
#   - a UDP scan shows only 51820 reaching the host: with nothing listening
#     it is "closed" (the host itself answered) while 53 and 123 stay
#     open|filtered (dropped); with listeners, only 51820's got the probe;
#   - NULL, XMAS and FIN scans (-sN -sX -sF) see every port open|filtered.
# Each scan: IPv4 and IPv6, --host-timeout 60s.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
policy_setup

NMAP_BOUND=(--host-timeout 60s -Pn -n -oG -)
TCP_PORTS=1-1024,$WEB_PORT
NPORTS=1025

# nmap_in NS ARGS...: grepable nmap output (the "Host: ... Ports:" line).
nmap_in() {
	local ns=$1; shift
	ip netns exec "$ns" nmap "${NMAP_BOUND[@]}" "$@" 2>&1 | grep -E 'Ports:|Status: Down|timeout'
}

for port in 22 80 "$WEB_PORT"; do
	start_listener "$HOST" "$TEST_TMP/tcp$port.log" --port "$port" --count 1000 --timeout-ms 170000 ||
		not_ok "TCP listener on host port $port"
done

# ---- control: from the mesh, nmap does see the open ports ----
out=$(nmap_in "$PEER" -sS --max-retries 1 -p "22,80,$WEB_PORT" "$MESH_HOST_V4")
check_match "control: nmap from the mesh peer sees 22/tcp open" '22/open/tcp' "$out"
check_match "control: ... and $WEB_PORT/tcp open (the added service)" "$WEB_PORT/open/tcp" "$out"
check_match "control: ... and 80/tcp filtered (listening, but no service rule)" '80/filtered/tcp' "$out"

# ---- SYN scan from the internet: no open TCP port ----
for fam in 4 6; do
	if [ "$fam" = 4 ]; then dst=$HOST_V4; opt=(); else dst=$HOST_V6; opt=(-6); fi
	s0=$(rule_json)
	out=$(nmap_in "$INET" "${opt[@]}" -sS --max-rate 25 --max-retries 0 -p "$TCP_PORTS" "$dst")
	s1=$(rule_json)
	check_match "nmap -sS over IPv$fam from the internet: all $NPORTS TCP ports filtered" \
		"Ignored State: filtered \\($NPORTS\\)" "$out"
	check_eq "nmap -sS over IPv$fam: no port reported open" "" "$(grep -o '[0-9]*/open/tcp' <<<"$out")"
	check_eq "nmap -sS over IPv$fam: no probe was lost to the SYN-flood limiter" 0 \
		"$(snap_rise "$s0" "$s1" "antiscan: drop SYN flood excess")"
	check_ge "nmap -sS over IPv$fam: every probe was dropped by the catch-all" "$NPORTS" \
		"$(snap_rise "$s0" "$s1" "catch-all: drop what no rule allowed")"
done
check_eq "no internet source reached a TCP listener during the scans" 0 \
	"$(cat "$TEST_TMP"/tcp*.log | grep -c "^accepted tcp from \(198\.18\|2001:2:\)")"

# ---- UDP scan: only 51820 reaches the host ----
for fam in 4 6; do
	if [ "$fam" = 4 ]; then dst=$HOST_V4; opt=(); else dst=$HOST_V6; opt=(-6); fi
	out=$(nmap_in "$INET" "${opt[@]}" -sU --max-retries 1 -p 53,123,51820 "$dst")
	check_match "nmap -sU over IPv$fam, nothing listening: 51820/udp closed (the policy let it in)" \
		'51820/closed/udp' "$out"
	check_match "nmap -sU over IPv$fam: 53/udp open|filtered (dropped)" '53/open\|filtered/udp' "$out"
	check_match "nmap -sU over IPv$fam: 123/udp open|filtered (dropped)" '123/open\|filtered/udp' "$out"

	udp_listeners=()
	for port in 53 123 51820; do
		start_listener "$HOST" "$TEST_TMP/udp$fam-$port.log" --port "$port" --udp --count 10 --timeout-ms 60000 ||
			not_ok "UDP listener on host port $port"
		udp_listeners+=("$LISTENER_PID")
	done
	out=$(nmap_in "$INET" "${opt[@]}" -sU --max-retries 1 -p 53,123,51820 "$dst")
	kill "${udp_listeners[@]}" 2>/dev/null
	for pid in "${udp_listeners[@]}"; do
		wait_exit "$pid" 3
	done
	check_match "nmap -sU over IPv$fam, WireGuard listening: 51820/udp open|filtered" \
		'51820/open\|filtered/udp' "$out"
	check_eq "nmap -sU over IPv$fam: no UDP port reported open" "" "$(grep -o '[0-9]*/open/udp' <<<"$out")"
	check_ge "nmap -sU over IPv$fam: the 51820 listener received nmap's probe" 1 \
		"$(grep -c '^received udp' "$TEST_TMP/udp$fam-51820.log")"
	check_eq "nmap -sU over IPv$fam: the 53 and 123 listeners received nothing" 0 \
		"$(cat "$TEST_TMP/udp$fam-53.log" "$TEST_TMP/udp$fam-123.log" | grep -c '^received udp')"
done

# ---- stealth scans: every port open|filtered ----
for scan in -sN:NULL -sX:XMAS -sF:"FIN scan"; do
	flag=${scan%%:*}
	rule="antiscan: drop TCP ${scan#*:}"
	for fam in 4 6; do
		if [ "$fam" = 4 ]; then dst=$HOST_V4; opt=(); else dst=$HOST_V6; opt=(-6); fi
		s0=$(rule_json)
		out=$(nmap_in "$INET" "${opt[@]}" "$flag" --max-retries 1 --min-rate 1000 -p "$TCP_PORTS" "$dst")
		s1=$(rule_json)
		check_match "nmap $flag over IPv$fam: all $NPORTS ports open|filtered" \
			"Ignored State: open\\|filtered \\($NPORTS\\)" "$out"
		check_ge "nmap $flag over IPv$fam: every probe dropped by '$rule'" "$NPORTS" \
			"$(snap_rise "$s0" "$s1" "$rule")"
	done
done

finish
