#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft init --profile tailscale|headscale|netbird: the control plane's
# interface, its 100.64.0.0/10 mesh (taken out of BOGON_V4) and its port;
# the policy loads (xnft check, in a private namespace) and its intents hold;
# an option after the profile changes what it set; an unknown profile is a
# usage error naming the profiles.
source "$(dirname "$0")/lib.sh"
require_root

T=$(tmpdir) || exit 1
run() {
	out=$("$XNFT" "$@" 2>"$T/err"); rc=$?
	err=$(cat "$T/err")
	if grep -Eq "Sanitizer|runtime error:" "$T/err"; then not_ok "no sanitizer report from xnft $*"; fi
}
define() { sed -n "s/^define $2 = \\([^ ]*\\).*/\\1/p" "$1/rules/00-tables.nft"; }

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
	run check "$D"
	check_eq "$prof: xnft check passes (loads, lint, intents)" "0" "$rc"
	run trace "$D" iifname "$ifc" ip saddr 100.100.1.2 tcp dport 22 ct state new
	check_match "$prof: SSH from a mesh address on $ifc is accepted" "^verdict: accept" "$out"
done
run init "$T/over" --profile tailscale --wg-port 41642 --wan eth0
check_eq "an option after --profile changes what it set" "41642" "$(define "$T/over" WG_PORT)"
run init "$T/bad" --profile zerotier
check_eq "an unknown profile: exit 2" "2" "$rc"
check_match "... naming the profiles" "profiles are tailscale, headscale and netbird" "$err"

finish
