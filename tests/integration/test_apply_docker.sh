#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Other tables survive every safe-apply operation untouched: Docker-like
# iptables-nft tables (with `xt` compat expressions: comment, conntrack,
# masquerade), and native libvirt- and Tailscale-like tables. Checked after
# apply, a reverted confirm window, confirm, rollback, boot and the boot
# fallback.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"
require_root
apply_setup

if ! command -v iptables-nft >/dev/null; then
	not_ok "iptables-nft installed (Debian package iptables, tools/debian-packages.txt)"
	finish
fi
ipt() { ip netns exec "$HOST" iptables-nft "$@"; }
ipt -A INPUT -m comment --comment "docker-like input" -j ACCEPT &&
	ipt -N DOCKER &&
	ipt -A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT &&
	ipt -A FORWARD -o docker0 -j DOCKER &&
	ipt -A DOCKER -d 172.17.0.2/32 ! -i docker0 -p tcp -m tcp --dport 80 -j ACCEPT &&
	ipt -t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE ||
	{ not_ok "build Docker-like iptables-nft tables"; finish; }
ip netns exec "$HOST" nft -f - <<'EOF' || { not_ok "build libvirt/tailscale-like tables"; finish; }
table ip libvirt_network {
	chain guest_output {
		type filter hook forward priority filter; policy accept;
		ip saddr 192.168.122.0/24 iifname "virbr0" counter accept
	}
}
table inet ts-like {
	set peers { type ipv4_addr; flags interval; elements = { 100.64.0.0/10 } }
	chain ts-input {
		type filter hook input priority -1; policy accept;
		iifname "tailscale0" ip saddr @peers counter accept
	}
}
EOF

# others: everything but xnft's table, counters left out
others() {
	{
		ip netns exec "$HOST" iptables-nft-save | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'
		ip netns exec "$HOST" nft -s list table ip libvirt_network
		ip netns exec "$HOST" nft -s list table inet ts-like
		ip netns exec "$HOST" nft -s list tables | grep -v 'inet xnft'
	} 2>&1
}
BEFORE=$(others)
check_match "the xt comment rule is there" 'docker-like input' "$BEFORE"

untouched() { check_eq "$1: other tables untouched" "$BEFORE" "$(others)"; }

xn apply "$POL_A" >/dev/null 2>&1; rc=$?
check_eq "apply A next to Docker's tables" 0 "$rc"
check_eq "A loaded" A "$(state_now)"
untouched "apply"
check "the snapshot holds only xnft's table" bash -c "! grep -Eq '^table (ip filter|ip nat|ip libvirt|inet ts-like)' '$XNFT_STATE_DIR/snapshot.nft'"
check "the boot policy holds only xnft's table" bash -c "! grep -Eq '^table (ip filter|ip nat|ip libvirt|inet ts-like)' '$XNFT_STATE_DIR/confirmed.nft'"

xn apply --confirm 2 "$POL_B" >/dev/null 2>&1
check_eq "B in the window" B "$(state_now)"
untouched "apply --confirm"
wait_no_pending 15
check_eq "reverted to A" A "$(state_now)"
untouched "guard revert"

xn apply --confirm 30 "$POL_B" >/dev/null 2>&1
xn confirm >/dev/null 2>&1
check_eq "B confirmed" B "$(state_now)"
untouched "confirm"

ip netns exec "$HOST" nft -I "$POL_A" -f "$POL_A/nftables.conf"
xn rollback >/dev/null 2>&1; rc=$?
check_eq "rollback exits 0" 0 "$rc"
check_eq "rolled back to B" B "$(state_now)"
untouched "rollback"

ip netns exec "$HOST" nft delete table inet xnft
xn boot >/dev/null 2>&1
check_eq "boot loads B" B "$(state_now)"
untouched "boot"

echo garbage >>"$XNFT_STATE_DIR/confirmed.nft"
# the fallback loads only with a known way in (these test policies have none): an admin address
printf 'admin4=%s/32\n' "$A_PROBE" >"$XNFT_STATE_DIR/fallback.values"
xn boot >/dev/null 2>&1; rc=$?
check_eq "boot with a broken confirmed policy: fallback (exit 1)" 1 "$rc"
untouched "boot fallback"
check_match "the xt comment rule still works in iptables-nft" 'docker-like input' \
	"$(ip netns exec "$HOST" iptables-nft -S INPUT)"
finish
