#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft init --profile tailscale|headscale|netbird: the control plane's
# interface, its 100.64.0.0/10 mesh (taken out of BOGON_V4) and its port,
# which no rule opens (the daemon traverses NAT itself: xnft exposure shows
# nothing new accepted from the WAN); the policy loads (xnft check, in a
# private namespace) and its intents hold; an option after the profile
# changes what it set; an unknown profile is a usage error naming the profiles.
source "$(dirname "$0")/lib.sh"
require_root

T=$(tmpdir) || exit 1
run() {
	out=$("$XNFT" "$@" 2>"$T/err"); rc=$?
	err=$(cat "$T/err")
	if grep -Eq "Sanitizer|runtime error:" "$T/err"; then not_ok "no sanitizer report from xnft $*"; fi
}
define() { sed -n "s/^define $2 = \\([^ ]*\\).*/\\1/p" "$1/rules/00-tables.nft"; }
# wg_rules DIR: how many of the WireGuard port's rules are on, and how many behind "# off: "
wg_rules() {
	echo "$(grep -c $'^\t\tiifname $WAN_IF udp dport $WG_PORT' "$1/rules/50-vpn-endpoint.nft")" \
		"$(grep -c $'^\t\t# off: iifname $WAN_IF udp dport $WG_PORT' "$1/rules/50-vpn-endpoint.nft")"
}
# wan_new DIR: the new flows the WAN (eth0) may open, per xnft exposure
wan_new() {
	run exposure "$1" --from eth0
	[ "$rc" -eq 0 ] || { echo "exposure failed: $rc $err"; return; }
	printf '%s\n' "$out" | sed -n '/^  from eth0:/,/^[^ ]/p' | grep 'ct state new' | grep -o '[a-z]* dport [0-9]*' | sort -u
}

# The shipped policy (no profile): the WireGuard port open to the WAN, so the checks below can fail.
run init "$T/plain" --wan eth0
check_eq "no profile: the 4 WireGuard-port rules are on" "4 0" "$(wg_rules "$T/plain")"
check_eq "no profile: exposure from eth0 shows new flows to udp dport 51820 only" "udp dport 51820" "$(wan_new "$T/plain")"

for spec in tailscale:tailscale0:41641:fd7a:115c:a1e0::/48 headscale:tailscale0:41641:fd7a:115c:a1e0::/48 netbird:wt0:51820:; do
	IFS=: read -r prof ifc port v6 <<<"$spec"
	v6=${spec#"$prof:$ifc:$port:"}
	D=$T/$prof
	run init "$D" --profile "$prof" --wan eth0
	check_eq "$prof: init exit 0" "0" "$rc"
	check_eq "$prof: MESH_IF and WG_PORT" "\"$ifc\" $port" "$(define "$D" MESH_IF) $(define "$D" WG_PORT)"
	check_eq "$prof: MESH_PEERS is 100.64.0.0/10" "1" \
		"$(grep -c 'elements = { 100.64.0.0/10 }   # xnft-init: mesh4' "$D/rules/00-tables.nft")"
	if [ -n "$v6" ]; then
		check_eq "$prof: MESH_PEERS6 is $v6" "1" \
			"$(grep -cF "elements = { $v6 }   # xnft-init: mesh6" "$D/rules/00-tables.nft")"
	fi
	check_eq "$prof: 100.64.0.0/10 is out of BOGON_V4" "0" \
		"$(grep 'xnft-init: bogon4' "$D/rules/00-tables.nft" | grep -c '100.64.0.0/10')"
	check_eq "$prof: no WireGuard-port rule (all 4 behind '# off: ')" "0 4" "$(wg_rules "$D")"
	check_eq "$prof: the intent that the port accepts is off too" "1" \
		"$(grep -c '^# off: expect accept iifname $WAN_IF .*udp dport $WG_PORT' "$D/intents")"
	check_eq "$prof: exposure from eth0 shows no new flow at all (no UDP port)" "" "$(wan_new "$D")"
	run check "$D"
	check_eq "$prof: xnft check passes (loads, lint, intents)" "0" "$rc"
	run trace "$D" iifname "$ifc" ip saddr 100.100.1.2 tcp dport 22 ct state new
	check_match "$prof: SSH from a mesh address on $ifc is accepted" "^verdict: accept" "$out"
done
run init "$T/over" --profile tailscale --wg-port 41642 --wan eth0
check_eq "an option after --profile changes what it set" "41642" "$(define "$T/over" WG_PORT)"
check_eq "... --wg-port after --profile opens the port again" "4 0" "$(wg_rules "$T/over")"
check_eq "... and exposure shows it" "udp dport 41642" "$(wan_new "$T/over")"
# An existing tree: --force --profile switches the rules off, --force --wg-port back on;
# every other line stays as it was.
cp "$T/plain/rules/50-vpn-endpoint.nft" "$T/vpn.before"
run init "$T/plain" --force --profile netbird
check_eq "init --force --profile netbird on a tree: exit 0" "0" "$rc"
check_match "... prints the change" "WG_PORT +51820 -> 51820 \\(no rule opens it\\)" "$out"
check_eq "... the rules are off" "0 4" "$(wg_rules "$T/plain")"
run init "$T/plain" --force
check_eq "... init --force again changes nothing" "0 4" "$(wg_rules "$T/plain")"
check_match "... (no value changed)" "No value changed" "$out"
run init "$T/plain" --force --wg-port 51820
check_eq "... --force --wg-port: the rules are on again" "4 0" "$(wg_rules "$T/plain")"
check "... byte for byte as shipped" cmp -s "$T/vpn.before" "$T/plain/rules/50-vpn-endpoint.nft"
run init "$T/bad" --profile zerotier
check_eq "an unknown profile: exit 2" "2" "$rc"
check_match "... naming the profiles" "profiles are tailscale, headscale and netbird" "$err"

finish
