#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft containers add|del|list on a written tree: the bridge rules of the
# forward chain, as init --containers writes them, through the day-two flow
# (diff, check, write; --dry-run writes nothing); del puts the shipped file
# back byte for byte; hand edits stay; an unknown name writes nothing.
. "$(dirname "$0")/lib.sh"
require_root

T=$(tmpdir) || { not_ok "temp dir"; finish; }
P=$T/p
"$XNFT" init "$P" --wan wan0 --no-iface-check >/dev/null 2>&1
check_eq "init exits 0" 0 "$?"
"$XNFT" init "$T/shipped" --wan wan0 --no-iface-check >/dev/null 2>&1
# A hand edit in the forward file, which every change must keep.
sed -i 's|^\(\t\tct state established,related counter accept.*\)$|\1\n\t\t# hand edit: keep me|' \
	"$P/rules/80-forward.nft"
check_eq "the hand edit is in place" 1 "$(grep -c '# hand edit: keep me' "$P/rules/80-forward.nft")"
cp "$P/rules/80-forward.nft" "$T/forward.edited"

# xc ARGS...: xnft containers, output in OUT, status in RC (sanitizer reports fail).
xc() {
	OUT=$("$XNFT" containers "$@" 2>&1)
	RC=$?
	if [ "$RC" -gt 128 ] || printf '%s\n' "$OUT" | grep -Eq 'Sanitizer|runtime error:'; then
		not_ok "xnft containers $* ran clean (exit $RC)"
		printf '%s\n' "$OUT" | head -20 | sed 's/^/#   /'
	fi
}
verdict() {  # verdict POLICY PACKET...: the verdict word of a trace
	"$XNFT" trace "$@" 2>&1 | sed -n 's/^verdict: \([a-z]*\) .*/\1/p'
}
guest_out() { verdict "$P" iif "$1" oif wan0 ip saddr 10.0.3.2 ip daddr 1.1.1.1 tcp dport 443 ct state new; }

xc list -p "$P"
check_eq "list on a fresh tree exits 0" 0 "$RC"
check_match "... and says none is enabled" "no manager" "$OUT"

xc add docker libvirt -p "$P" --dry-run
check_eq "add --dry-run exits 0" 0 "$RC"
check_match "... prints the diff" "now accepted: from docker0, virbr0 to wan0" "$OUT"
check "... and writes nothing" cmp -s "$P/rules/80-forward.nft" "$T/forward.edited"

xc add docker libvirt -p "$P"
check_eq "add docker libvirt exits 0" 0 "$RC"
check_match "... the check passes (intents hold)" "intents: [0-9]+ of [0-9]+ hold" "$OUT"
n=0
for br in docker0 virbr0; do
	check_eq "after add: a guest behind $br connects out" accept "$(guest_out "$br")"
	n=$((n + 1))
done
check_eq "both bridges were tried" 2 "$n"
check_eq "after add: podman0 is still dropped" drop "$(guest_out podman0)"
check_eq "a port published to a container stays dropped from the WAN" drop \
	"$(verdict "$P" iif wan0 oif docker0 ip saddr 1.1.1.1 ip daddr 172.17.0.2 tcp dport 80 ct state new)"
# shellcheck disable=SC2016  # $WAN_IF is the nft define, literally
check_eq "the shipped Docker example is the one enabled (not added twice)" 1 \
	"$(grep -cF 'iifname "docker0" oifname $WAN_IF ct state new' "$P/rules/80-forward.nft")"
check_match "libvirt's rule says who wrote it" "xnft containers add libvirt" \
	"$(cat "$P/rules/80-forward.nft")"
check_eq "the hand edit is kept" 1 "$(grep -c '# hand edit: keep me' "$P/rules/80-forward.nft")"

xc list -p "$P"
check_eq "list shows the two managers" "docker (bridge docker0)
libvirt (bridge virbr0)" "$OUT"
xc list -p "$P" --json
check_eq "list --json names them" "docker virbr0" \
	"$(printf '%s' "$OUT" | jq -r '[.containers[0].name, .containers[1].bridge] | join(" ")')"

cp "$P/rules/80-forward.nft" "$T/forward.added"
xc add docker -p "$P"
check_eq "adding it again exits 0" 0 "$RC"
check_match "... and changes nothing" "nothing changes" "$OUT"
check "... byte for byte" cmp -s "$P/rules/80-forward.nft" "$T/forward.added"

xc del docker libvirt -p "$P"
check_eq "del docker libvirt exits 0" 0 "$RC"
check_match "... prints the diff" "no longer accepted: from docker0, virbr0" "$OUT"
check_eq "after del: docker0 is dropped again" drop "$(guest_out docker0)"
check "after del: the file is the edited one again, byte for byte" \
	cmp -s "$P/rules/80-forward.nft" "$T/forward.edited"
sed -i '/# hand edit: keep me/d' "$P/rules/80-forward.nft"
check "... and without the hand edit, the shipped file" \
	cmp -s "$P/rules/80-forward.nft" "$T/shipped/rules/80-forward.nft"

cp "$P/rules/80-forward.nft" "$T/forward.before"
xc add dockr -p "$P"
check_eq "an unknown manager: exit 1" 1 "$RC"
check_match "... naming the ones xnft knows" "docker, podman, libvirt, lxd, incus" "$OUT"
check "... and writing nothing" cmp -s "$P/rules/80-forward.nft" "$T/forward.before"
xc add -p "$P"
check_eq "add without a name is a usage error" 2 "$RC"
xc add docker --rate 5/minute -p "$P"
check_eq "--rate with containers is a usage error" 2 "$RC"
xc list -p "$T/missing"
check_eq "a missing tree: exit 2" 2 "$RC"
check_match "containers --help names the managers" "docker, podman, libvirt, lxd or incus" \
	"$("$XNFT" containers --help)"
finish
