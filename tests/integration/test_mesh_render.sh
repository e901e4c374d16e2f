#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft mesh render HOST: from the lab's inventory (hub; peer1 may reach the
# hub's SSH and PostgreSQL, peer2 only SSH) the policy tree gains the mesh
# part, loads (xnft check, in a private namespace), its intents hold, the
# exposure from wg0 is per peer, a trace ends at peer2's drop; grants the
# services chain serves (SSH, a --service of the tree) return to it, so its
# per-source limits apply and lint finds no rule there shadowed; the wg-quick
# configs are what wg-quick accepts (0600, the host's own key and the PSKs,
# no other host's key), with the right peers and routes; rendering twice
# changes nothing.
source "$(dirname "$0")/lib.sh"
require_root

T=$(tmpdir) || exit 1
INV=$T/mesh.conf
K=$T/keys
P=$T/policy

cat >"$INV" <<'INV'
[mesh]
network = 10.10.0.0/24
network6 = fd10::/64
[host hub]
address = 10.10.0.1
address6 = fd10::1
role = hub
endpoint = 10.99.0.1:51820
services = tcp/22:ssh, tcp/5432:postgres
[host peer1]
address = 10.10.0.2
address6 = fd10::2
keepalive = 25
reach = hub:ssh, hub:postgres
[host peer2]
address = 10.10.0.3
reach = hub:ssh
INV
run() {
	out=$("$XNFT" "$@" 2>"$T/err"); rc=$?
	err=$(cat "$T/err")
	if grep -Eq "Sanitizer|runtime error:" "$T/err"; then not_ok "no sanitizer report from xnft $*"; fi
}

run mesh render hub --inventory "$INV" --keys-dir "$K" --out "$P"
check_eq "render without the host's key: exit 2" "2" "$rc"
check_match "... names the key file and what to run" "cannot read key file $K/hub.key.*hint: make the keys with 'xnft mesh keys HOST'" "$(echo $err)"
"$XNFT" mesh keys hub --inventory "$INV" --keys-dir "$K" >/dev/null
run mesh render hub --inventory "$INV" --keys-dir "$K" --out "$P"
check_eq "render with a peer that has no public key: exit 1" "1" "$rc"
check_match "... names the host and what to run" "host peer1 has no public_key.*mesh keys peer1" "$(echo $err)"
for h in peer1 peer2; do "$XNFT" mesh keys $h --inventory "$INV" --keys-dir "$K" >/dev/null; done
run init "$P" --mesh 10.10.0.0/24 --mesh fd10::/64
check_eq "xnft init the policy tree" "0" "$rc"
run mesh render hub --inventory "$INV" --keys-dir "$K" --out "$P"
check_eq "mesh render hub: exit 0" "0" "$rc"
check_match "... says it added the include" "nftables.conf: now includes rules/18-mesh-peers.nft" "$out"
check_eq "the entry file includes the mesh part once, before 20-mesh" \
	'include "rules/18-mesh-peers.nft"|include "rules/20-mesh.nft"' \
	"$(grep -A1 -F 18-mesh-peers "$P/nftables.conf" | paste -sd'|')"
check_eq "MESH_PEERS holds the peers" "elements = { 10.10.0.2, 10.10.0.3 }" \
	"$(grep -o 'elements = { 10[^}]*}' "$P/rules/00-tables.nft")"
check_eq "MESH_PEERS6 holds the IPv6 peer" "elements = { fd10::2 }" \
	"$(grep -o 'elements = { fd10[^}]*}' "$P/rules/00-tables.nft")"
check_eq "one intent per peer" "2" "$(grep -c '# peer peer[12]$' "$P/intents")"
run check "$P"
check_eq "xnft check loads the rendered policy and its intents hold" "0" "$rc"
check_match "... every intent, the peers' too" "intents: ([0-9]+) of \\1 hold" "$out"

run lint "$P"
check_eq "lint of the rendered policy: exit 0" "0" "$rc"
check_eq "... no XL006: the services chain's SSH rules are reached" "0" "$(printf '%s\n' "$out" | grep -c XL006)"
check_eq "the SSH grants hand on to the services chain" "2" \
	"$(grep -c 'tcp dport 22 counter return comment "peer peer[12]: ssh (on to the services chain)"' "$P/rules/18-mesh-peers.nft")"
check_eq "a grant the services chain does not serve is accepted in the peer's chain" "1" \
	"$(grep -c 'tcp dport 5432 counter accept comment "peer peer1: postgres"' "$P/rules/18-mesh-peers.nft")"
run trace "$P" iifname wg0 ip saddr 10.10.0.3 tcp dport 22 ct state new
check_match "trace: peer2's SSH is accepted by the rate-limited service rule" \
	"verdict: accept .*40-services.nft:[0-9]+ \\(service: SSH \\(mesh-only, per-source" "$out"
# A tree whose services chain opens PostgreSQL: peer1's grant hands on to that rule too.
run init "$T/pg" --mesh 10.10.0.0/24 --service tcp/5432:postgres
run mesh render hub --inventory "$INV" --keys-dir "$K" --out "$T/pg"
check_eq "render into a tree serving tcp/5432: exit 0" "0" "$rc"
check_eq "... peer1's postgres grant returns" "1" \
	"$(grep -c 'tcp dport 5432 counter return comment "peer peer1: postgres (on to the services chain)"' "$T/pg/rules/18-mesh-peers.nft")"
run lint "$T/pg"
check_eq "... lint finds nothing shadowed" "0 0" "$rc $(printf '%s\n' "$out" | grep -c XL006)"
run trace "$T/pg" iifname wg0 ip saddr 10.10.0.3 tcp dport 5432 ct state new
check_match "... peer2 (not granted postgres) is still dropped by its own chain" \
	"verdict: drop .*peer peer2: no other service of hub" "$out"

run exposure "$P" --from wg0
check_match "exposure: peer1 reaches SSH and PostgreSQL" \
	"IPv4 source in 10.10.0.2, ct state new: tcp dport \\{ 22, 5432 \\}" "$out"
check_match "exposure: the other peers reach SSH only" \
	"not in 10.10.0.2, ct state new: tcp dport 22( |$)" "$out"
run trace "$P" iifname wg0 ip saddr 10.10.0.3 tcp dport 5432 ct state new
check_match "trace: peer2 to PostgreSQL is dropped by its own chain" \
	"verdict: drop .*18-mesh-peers.nft:[0-9]+ \\(peer peer2: no other service of hub\\)" "$out"
run trace "$P" iifname wg0 ip saddr 10.10.0.2 tcp dport 5432 ct state new
check_match "trace: peer1 to PostgreSQL is accepted" "verdict: accept .*peer peer1: postgres" "$out"

# Changing the grant: peer2 loses SSH, the intents follow and still hold.
sed -i 's/^reach = hub:ssh$/# no access/' "$INV"
run mesh render hub --inventory "$INV" --keys-dir "$K" --out "$P"
check_eq "render again after the change" "0" "$rc"
check_eq "peer2's intent is now a drop" "1" "$(grep -c '^expect drop .*10.10.0.3.*# peer peer2$' "$P/intents")"
check_eq "the intents block is there once" "1" "$(grep -c '^# xnft mesh: begin' "$P/intents")"
# The shipped intent "every mesh peer reaches SSH" no longer holds, and the proof says so.
run verify "$P"
check_eq "verify: one intent violated" "1" "$rc"
check_match "... the shipped 'every peer reaches SSH', with peer2 as the counterexample" \
	'^[^ ]*intents:[0-9]+: expect accept iifname \$MESH_IF ip saddr @MESH_PEERS tcp dport \$SSH_PORT ct state new: VIOLATED' "$out"
check_match "... counterexample from peer2" "not accepted on the input path: .*ip saddr 10.10.0.3 .*tcp dport 22" "$out"
sed -i '/^expect accept iifname \$MESH_IF ip saddr @MESH_PEERS tcp dport \$SSH_PORT ct state new/d' "$P/intents"
run check "$P"
check_eq "without that intent, the policy checks again" "0" "$rc"
run trace "$P" iifname wg0 ip saddr 10.10.0.3 tcp dport 22 ct state new
check_match "trace: peer2 to SSH is now dropped" "verdict: drop .*peer peer2: no other service" "$out"

# wg-quick configs.
check_eq "the hub's config is 0600" "600" "$(stat -c %a "$P/wg0.conf")"
check_eq "wg-quick strip accepts the hub's config" "0" "$(wg-quick strip "$P/wg0.conf" >"$T/hub.strip" 2>/dev/null; echo $?)"
check_eq "the hub has a [Peer] per spoke, each with /32 and /128" \
	"AllowedIPs = 10.10.0.2/32, fd10::2/128|AllowedIPs = 10.10.0.3/32" \
	"$(grep AllowedIPs "$T/hub.strip" | paste -sd'|')"
check_eq "the config holds the hub's own private key, as wg-quick wants it" "PrivateKey = $(cat "$K/hub.key")" \
	"$(grep '^PrivateKey' "$P/wg0.conf")"
check_eq "... and no other host's private key" "" \
	"$(grep -F -f <(cat "$K/peer1.key" "$K/peer2.key") "$P/wg0.conf")"
check_eq "... and the PSK of each pair" "PresharedKey = $(cat "$K/psk/hub+peer1.psk")|PresharedKey = $(cat "$K/psk/hub+peer2.psk")" \
	"$(grep '^PresharedKey' "$P/wg0.conf" | paste -sd'|')"
check_eq "render printed no key" "" "$(printf '%s\n' "$out" | grep -F -f <(cat "$K"/*.key "$K"/psk/*.psk))"
run mesh render peer2 --inventory "$INV" --keys-dir "$K" --out "$T/p2"
check_eq "render peer2 (no policy tree there: only the two files)" "rules wg0.conf 18-mesh-peers.nft" \
	"$(ls "$T/p2" | paste -sd" ") $(ls "$T/p2/rules")"
check_eq "peer2 routes the hub and the other spoke through the hub" \
	"AllowedIPs = 10.10.0.1/32, fd10::1/128, 10.10.0.2/32, fd10::2/128" \
	"$(grep AllowedIPs "$T/p2/wg0.conf")"
check_eq "peer2 has the hub's endpoint" "Endpoint = 10.99.0.1:51820" "$(grep Endpoint "$T/p2/wg0.conf")"
sum=$(cat "$P/nftables.conf" "$P/rules/00-tables.nft" "$P/intents" "$P/wg0.conf" | sha256sum)
run mesh render hub --inventory "$INV" --keys-dir "$K" --out "$P"
check_eq "rendering twice changes nothing" "$sum" \
	"$(cat "$P/nftables.conf" "$P/rules/00-tables.nft" "$P/intents" "$P/wg0.conf" | sha256sum)"

finish
