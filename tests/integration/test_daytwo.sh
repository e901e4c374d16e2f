#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Day-two edits (xnft allow, deny, remove, services, admin) on a fresh tree
# and on one with hand edits in several files: only the owned lines change
# (the changed lines are compared with fixtures_daytwo/*.lines), a second run
# changes nothing, the inverse restores every byte; every refusal and bad
# input exits non-zero with nothing written; the tree lock; a read-only tree.
source "$(dirname "$0")/lib.sh"
require_root

FIX=$(dirname "$0")/fixtures_daytwo
T=$(tmpdir) || exit 1
# xnft stages changed trees under TMPDIR: a private one, so the check that
# none is left behind sees this test's stages only, not another process's.
mkdir "$T/tmp" && export TMPDIR=$T/tmp

# x ARGS...: xnft with stdout+stderr in OUT and the exit status in RC; a
# sanitizer report or a death by signal is a failure of its own.
x() {
	OUT=$("$XNFT" "$@" 2>&1)
	RC=$?
	if [ "$RC" -gt 128 ] || printf '%s\n' "$OUT" | grep -Eq 'Sanitizer|runtime error:'; then
		not_ok "xnft $* ran clean (exit $RC)"
		printf '%s\n' "$OUT" | head -20 | sed 's/^/#   /'
	fi
}

tree_sum() { (cd "$1" && find . -type f | sort | xargs md5sum) | md5sum; }

# changed_lines OLD NEW: the lines diff reports as removed (<) or added (>).
changed_lines() { diff -r "$1" "$2" | grep -E '^[<>] '; }

hand_edit() {
	local d=$1
	sed -i 's/^table inet xnft {$/&\n\t# hand edit: a note of mine/' "$d/rules/00-tables.nft"
	sed -i 's/^\t\t# Templates: uncomment/\t\tudp dport 5353 counter accept comment "mine: mdns"\n&/' \
		"$d/rules/40-services.nft"
	printf '# hand edit at the end of 60-icmp\n' >>"$d/rules/60-icmp.nft"
}

"$XNFT" init "$T/fresh" >/dev/null 2>&1 || { not_ok "xnft init a fresh tree"; finish; }
cp -a "$T/fresh" "$T/hand" && hand_edit "$T/hand"
check_eq "the hand edits are in place (3 files)" 3 \
	"$(grep -l 'hand edit\|mine: mdns' "$T"/hand/rules/*.nft | wc -l)"

for tree in fresh hand; do
	D=$T/$tree
	cp -a "$D" "$T/$tree.orig"
	orig=$(tree_sum "$D")

	x allow https -p "$D"
	check_eq "$tree: allow https exits 0" 0 "$RC"
	check_match "$tree: allow prints the semantic diff" \
		"input: now accepted: from wg0, IPv4 source in @MESH_PEERS, ct state new: tcp dport 443" "$OUT"
	check_match "$tree: allow runs check, lint and the intents" "intents: ([0-9]+) of \\1 hold" "$OUT"
	check_match "$tree: allow prints the next command" "xnft apply $D --confirm 60" "$OUT"
	check_eq "$tree: allow https changed only the owned line (fixture)" \
		"$(cat "$FIX/allow-https.lines")" "$(changed_lines "$T/$tree.orig" "$D")"
	s1=$(tree_sum "$D")
	x allow https -p "$D"
	check_eq "$tree: allow https twice is refused (exit 1)" 1 "$RC"
	check_match "$tree: ... as a duplicate" "already open as 'https'" "$OUT"
	check_eq "$tree: ... and the second run changed nothing" "$s1" "$(tree_sum "$D")"

	x allow tcp/8000-8010 from 10.10.0.5 --name dash -p "$D"
	check_eq "$tree: allow a port range from one peer exits 0" 0 "$RC"
	check_match "$tree: its diff names the peer and the range" "IPv4 source in 10.10.0.5.*tcp dport 8000-8010" "$OUT"
	check_eq "$tree: the range rule is the one owned line added (fixture)" \
		"$(cat "$FIX/allow-range.lines")" "$(changed_lines "$T/$tree.orig" "$D" | tail -n 1)"

	x services -p "$D"
	check_eq "$tree: services exits 0" 0 "$RC"
	check_match "$tree: services lists https with file:line" "40-services.nft:[0-9]+: service: https \\(mesh-only\\)" "$OUT"
	check_match "$tree: services lists SSH" "service: SSH \\(mesh-only" "$OUT"
	if [ "$tree" = hand ]; then
		check_match "hand: services lists the hand-written rule too" "mine: mdns" "$OUT"
	fi

	x deny tcp/8000-8010 from 10.10.0.5 -p "$D"
	check_eq "$tree: deny the range exits 0" 0 "$RC"
	check_match "$tree: deny prints what is no longer accepted" "no longer accepted:.*tcp dport 8000-8010" "$OUT"
	x remove https -p "$D"
	check_eq "$tree: remove https exits 0" 0 "$RC"
	check_eq "$tree: allow then deny/remove restores every byte" "$orig" "$(tree_sum "$D")"
	x deny https -p "$D"
	check_eq "$tree: deny of a closed service exits 0" 0 "$RC"
	check_match "$tree: ... and says nothing changes" "nothing changes" "$OUT"
	x remove https -p "$D"
	check_eq "$tree: remove of a closed service exits 1" 1 "$RC"

	x admin add 8.8.8.8/32 -p "$D"
	check_eq "$tree: admin add exits 0" 0 "$RC"
	check_match "$tree: admin add prints the break-glass packets it opens" "now accepted:.*@ADMIN_ALLOWLIST.*tcp dport 22" "$OUT"
	check_eq "$tree: admin add changed only the owned line (fixture)" \
		"$(cat "$FIX/admin-add.lines")" "$(changed_lines "$T/$tree.orig" "$D")"
	x admin list -p "$D"
	check_eq "$tree: admin list prints the entry" "8.8.8.8/32" "$OUT"
	x admin del 8.8.8.8/32 -p "$D"
	check_eq "$tree: admin del exits 0" 0 "$RC"
	check_eq "$tree: admin add then del restores every byte" "$orig" "$(tree_sum "$D")"

	x set add MESH_PEERS6 fd30::/64 -p "$D"
	check_eq "$tree: set add MESH_PEERS6 exits 0" 0 "$RC"
	check_eq "$tree: set add changed only the owned line (fixture)" \
		"$(cat "$FIX/set-add-mesh6.lines")" "$(changed_lines "$T/$tree.orig" "$D")"
	x set list MESH_PEERS6 -p "$D"
	check_eq "$tree: set list prints the element" "fd30::/64" "$OUT"
	s1=$(tree_sum "$D")
	x set add MESH_PEERS6 fd30::/64 -p "$D"
	check_eq "$tree: set add twice is refused (exit 1)" 1 "$RC"
	check_eq "$tree: ... and changed nothing" "$s1" "$(tree_sum "$D")"
	x set del MESH_PEERS6 fd30::/64 -p "$D"
	check_eq "$tree: set del exits 0" 0 "$RC"
	check_eq "$tree: set add then del restores every byte" "$orig" "$(tree_sum "$D")"
done

# --- --dry-run writes nothing; --json is JSON -------------------------------
D=$T/fresh
orig=$(tree_sum "$D")
x allow postgres -p "$D" --dry-run
check_eq "dry-run exits 0" 0 "$RC"
check_match "dry-run prints the diff" "now accepted:.*tcp dport 5432" "$OUT"
check_match "dry-run says it wrote nothing" "nothing written" "$OUT"
check_eq "dry-run wrote nothing" "$orig" "$(tree_sum "$D")"
json=$("$XNFT" allow node-exporter -p "$D" --dry-run --json 2>/dev/null)
check "dry-run --json prints JSON objects" jq -e -s 'length >= 2 and .[0].changed == true' <<<"$json"
check "admin list --json is a JSON list" jq -e '.admin == []' <<<"$("$XNFT" admin list -p "$D" --json)"
check "set list --json names the elements" jq -e '.elements == ["10.10.0.0/24"]' \
	<<<"$("$XNFT" set list MESH_PEERS -p "$D" --json)"
check "services --known --json lists https as tcp/443" \
	jq -e '.known | map(select(.name == "https" and .proto == "tcp" and .port == 443)) | length == 1' \
	<<<"$("$XNFT" services --known --json)"
check "services --json lists the SSH rules with file and line" \
	jq -e '.open | map(select(.comment | startswith("service: SSH"))) | length == 2 and (.[0].line > 0)' \
	<<<"$("$XNFT" services -p "$D" --json)"
check_eq "no stage directory is left behind" "" "$(find "$TMPDIR" -maxdepth 1 -name 'xnft-stage.*' 2>/dev/null)"

# --- refusals: exit 1, a reason, nothing written --------------------------------
refused() {
	local desc=$1 want=$2; shift 2
	x "$@" -p "$D"
	check_eq "refused: $desc (exit 1)" 1 "$RC"
	check_match "refused: $desc: the reason" "$want" "$OUT"
	check_eq "refused: $desc: nothing written" "$orig" "$(tree_sum "$D")"
}
refused "a service open to the internet" "open a service to the whole internet" allow https from 0.0.0.0/0
refused "a service from outside the mesh" "outside the mesh" allow https from 198.51.100.7
refused "SSH from anywhere" "open SSH to the whole internet" allow ssh from 0.0.0.0/0
refused "SSH (already open to the mesh)" "SSH_PORT, already open" allow ssh
refused "the WireGuard port" "WG_PORT, owned by WireGuard" allow udp/51820
refused "a range over the WireGuard port" "WG_PORT, owned by WireGuard" allow udp/51000-52000
refused "admin in a documentation range" "documentation range 192.0.2.0/24" admin add 192.0.2.10/32
refused "admin in a private range" "private range 10.0.0.0/8" admin add 10.1.2.3/32
refused "admin wider than /8" "large part of the internet" admin add 8.0.0.0/6
refused "port 0" "0" allow tcp/0
refused "port 65536" "65536" allow tcp/65536
refused "a reversed range" "range 90-80 is reversed" allow tcp/90-80
refused "a protocol other than tcp/udp" "tcp or udp" allow sctp/80
refused "a bad CIDR" "from" allow https from 10.10.0.300
refused "host bits set" "host bits" allow https from 10.10.0.1/24
refused "an unknown service name" "did you mean 'https'" allow htps
refused "a bad --name" "--name" allow https --name 'a b'
refused "deleting an admin not listed" "not in ADMIN_ALLOWLIST" admin del 9.9.9.9/32
refused "an IPv6 prefix for an IPv4 set" "give it to MESH_PEERS6" set add MESH_PEERS fd30::/64
refused "a ban set" "belongs to the ban daemon" set add BANNED4 203.0.113.9
refused "a set xnft does not own" "not a set xnft keeps" set add BOGON_V4 198.18.0.0/15
refused "a mesh prefix overlapping one listed" "overlaps 10.10.0.0/24" set add MESH_PEERS 10.10.0.0/16
x admin add 10.1.2.3/32 -p "$D" --force
check_eq "admin in a private range with --force exits 0" 0 "$RC"
x admin del 10.1.2.3/32 -p "$D"

# --- a change the intents forbid: refused unless --force -----------------------------
cp -a "$T/fresh.orig" "$T/strict"
echo 'expect drop iifname $MESH_IF tcp dport 443 ct state new' >>"$T/strict/intents"
strict=$(tree_sum "$T/strict")
x allow https -p "$T/strict"
check_eq "an intent the change would violate: exit 1" 1 "$RC"
check_match "... the violated intent is shown" "tcp dport 443 ct state new: VIOLATED" "$OUT"
check_match "... and the refusal" "refused: the changed tree does not pass xnft check" "$OUT"
check_eq "... nothing written" "$strict" "$(tree_sum "$T/strict")"
x allow https -p "$T/strict" --force
check_eq "the same with --force: exit 0" 0 "$RC"
check_match "... written, and said so" "writing despite the check's findings" "$OUT"

# --- trees that cannot be edited -----------------------------------------------------
mkdir -p "$T/other" && echo 'table inet filter { }' >"$T/other/nftables.conf"
x allow https -p "$T/other"
check_eq "a tree that is not xnft's: exit 1" 1 "$RC"
check_match "... the reason" "not a policy tree written by xnft init" "$OUT"
check_eq "... nothing written" "table inet filter { }" "$(cat "$T/other/nftables.conf")"
check_eq "... nothing added" 1 "$(find "$T/other" -type f | wc -l)"
cp -a "$T/fresh.orig" "$T/damaged"
sed -i 's/^define WG_PORT = 51820 /define WG_PORT = abc /' "$T/damaged/rules/00-tables.nft"
damaged=$(tree_sum "$T/damaged")
x allow https -p "$T/damaged"
check_eq "a hand-damaged owned line: exit 1" 1 "$RC"
check_match "... named with file:line" "$T/damaged/rules/00-tables.nft:[0-9]+: error: the line marked '# xnft-init: wg-port'" "$OUT"
check_eq "... nothing written" "$damaged" "$(tree_sum "$T/damaged")"
x allow https -p "$T/missing"
check_eq "a missing tree: exit 2" 2 "$RC"
check_match "... names it" "$T/missing" "$OUT"
x allow https --dry-run   # never writes: /etc/xnft may be a real tree on this machine
check_match "no -p: the default tree /etc/xnft is named" "/etc/xnft" "$OUT"

cp -a "$T/fresh" "$T/ro"
ro_sum=$(tree_sum "$T/ro")
out=$(unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" &&
	"$2" allow https -p "$1"; echo "rc=$?"' sh "$T/ro" "$XNFT" 2>&1)
check_match "a read-only tree: exit 2" "rc=2$" "$out"
check_match "... the reason" "read-only" "$out"
check_eq "... nothing written" "$ro_sum" "$(tree_sum "$T/ro")"

# --- the lock: a second editor is refused while the first holds the tree -----------
# This shell holds the lock itself (no helper process to clean up).
exec {lock_fd}<"$D"
check "the test takes the tree's lock" flock -n "$lock_fd"
x allow https -p "$D"
check_eq "a tree being edited: exit 2" 2 "$RC"
check_match "... the reason" "being changed by another xnft command" "$OUT"
check_eq "... nothing written" "$orig" "$(tree_sum "$D")"
exec {lock_fd}<&-
x allow https -p "$D" --dry-run
check_eq "once the lock is released the edit goes through" 0 "$RC"
check_eq "no temp file is left in the tree" "" "$(find "$D" -name '.*' -type f)"

# --- init --from-wireguard, interface warnings --------------------------------------
x init "$T/wg" --from-wireguard=wg7 --wg-conf "$FIX/wg0.conf" --wan lo
check_eq "init --from-wireguard exits 0" 0 "$RC"
check_match "it names the config and the peers it read" "wg0.conf \(3 peers\): WG_PORT 51999, MESH_IF wg7" "$OUT"
check_match "it says why the full-tunnel peer's 0.0.0.0/0 is left out" "0.0.0.0/0 left out: too wide" "$OUT"
tables=$(cat "$T/wg/rules/00-tables.nft")
check_match "WG_PORT from ListenPort" 'define WG_PORT = 51999 ' "$tables"
check_match "MESH_IF from the interface name" 'define MESH_IF = "wg7" ' "$tables"
check_match "MESH_PEERS: the Address network and a peer's own network (its /32 inside left out)" \
	"elements = \{ 10.20.0.0/24, 10.30.0.0/24 \}" "$tables"
check_match "MESH_PEERS6 from the IPv6 Address" "elements = \{ fd20::/64 \}" "$tables"
check_match "init warns about MESH_IF wg7, which this host lacks" "no interface 'wg7' \(--mesh-if\)" "$OUT"
check_eq "init does not warn about --wan lo, which exists" 0 "$(printf '%s\n' "$OUT" | grep -c "no interface 'lo'")"
x init "$T/wg2" --from-wireguard=wg7 --wg-conf "$FIX/wg0.conf" --wg-port 51000 --no-iface-check
check_match "an option given wins over the config" 'define WG_PORT = 51000 ' "$(cat "$T/wg2/rules/00-tables.nft")"
check_eq "--no-iface-check: no warning" 0 "$(printf '%s\n' "$OUT" | grep -c warning)"
printf '[Interface]\nListenPort = 99999\n' >"$T/bad-wg.conf"
x init "$T/wg3" --from-wireguard --wg-conf "$T/bad-wg.conf"
check_eq "a bad ListenPort: exit 1" 1 "$RC"
check_match "... with file:line" "bad-wg.conf:2: .*ListenPort" "$OUT"
check "... nothing written" test ! -e "$T/wg3"
{ printf '[Interface]\nAddress = 10.20.0.1/24\n[Peer]\nAllowedIPs = '
  for i in $(seq 1 40); do printf '10.40.%d.0/24, ' "$i"; done; printf '10.41.0.0/24\n'; } >"$T/long-wg.conf"
x init "$T/wg5" --from-wireguard --wg-conf "$T/long-wg.conf"
check_eq "a line too long for the INI reader: exit 1" 1 "$RC"
check_match "... with its own line number" "long-wg.conf:4: .*longer than" "$OUT"
x init "$T/wg4" --from-wireguard=nosuchwg
check_eq "a missing /etc/wireguard/IF.conf: exit 2" 2 "$RC"
check_match "... names the file" "/etc/wireguard/nosuchwg.conf" "$OUT"

x exposure "$T/fresh" --from eht0
check_match "exposure --from an interface the policy never names warns" "no rule of the policy names interface 'eht0'" "$OUT"
x exposure "$T/fresh" --from wg0
check_eq "exposure --from wg0 (named by the policy): no warning" 0 "$(printf '%s\n' "$OUT" | grep -c warning)"
x trace "$T/fresh" iif ens9 ip saddr 8.8.8.8 tcp dport 22 ct state new
check_match "trace iif an interface the policy never names warns" "no rule of the policy names interface 'ens9'" "$OUT"

# A tree given by a relative path: the staged copy still finds its files.
cp -a "$T/fresh" "$T/relative"
OUT=$(cd "$T" && "$XNFT" allow https -p relative --dry-run 2>&1)
check_eq "allow -p RELATIVE-DIR --dry-run exits 0" 0 "$?"
check_match "... and proves the changed tree" "intents: [0-9]+ of [0-9]+ hold" "$OUT"

finish
