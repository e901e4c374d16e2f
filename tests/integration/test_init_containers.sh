#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft init --containers: each manager's bridge may open connections out
# through WAN_IF in the forward chain; a port published to a guest stays
# dropped; the policy still passes check; an unknown name is refused.
. "$(dirname "$0")/lib.sh"
require_root

T=$(tmpdir) || { not_ok "temp dir"; finish; }
out=$("$XNFT" init "$T/all" --wan wan0 --containers docker --containers podman \
	--containers libvirt --containers lxd --containers incus 2>&1)
check_eq "init --containers (all five) exits 0" 0 "$?"
"$XNFT" init "$T/none" --wan wan0 >/dev/null 2>&1
check_eq "init without --containers exits 0" 0 "$?"
check "the policy with every bridge rule passes check" "$XNFT" check "$T/all"

verdict() {  # verdict POLICY PACKET...: the verdict word of a trace
	"$XNFT" trace "$@" 2>&1 | sed -n 's/^verdict: \([a-z]*\) .*/\1/p'
}
n=0
for br in docker0 podman0 virbr0 lxdbr0 incusbr0; do
	check_eq "$br: a guest's new connection to the internet is accepted" accept \
		"$(verdict "$T/all" iif "$br" oif wan0 ip saddr 10.0.3.2 ip daddr 1.1.1.1 tcp dport 443 ct state new)"
	n=$((n + 1))
done
check_eq "every manager's bridge was tried" 5 "$n"
check_eq "without --containers the same connection is dropped" drop \
	"$(verdict "$T/none" iif docker0 oif wan0 ip saddr 172.17.0.2 ip daddr 1.1.1.1 tcp dport 443 ct state new)"
check_eq "a port published to a container stays dropped from the WAN" drop \
	"$(verdict "$T/all" iif wan0 oif docker0 ip saddr 1.1.1.1 ip daddr 172.17.0.2 tcp dport 80 ct state new)"
# shellcheck disable=SC2016  # $WAN_IF is the nft define, literally
check_eq "the shipped commented Docker rule is the one enabled (not added twice)" 1 \
	"$(grep -cF 'iifname "docker0" oifname $WAN_IF ct state new' "$T/all/rules/80-forward.nft")"
check_eq "a manager not asked for stays commented" 1 \
	"$(grep -c '^[[:space:]]*# iifname "lxdbr0"' "$T/none/rules/80-forward.nft")"

out=$("$XNFT" init "$T/bad" --containers dockr 2>&1); rc=$?
check_eq "an unknown manager: exit 1" 1 "$rc"
check_match "... naming the ones xnft knows" 'docker, podman, libvirt, lxd, incus' "$out"
check "... and writing nothing" test ! -e "$T/bad/nftables.conf"
check_match "init --help lists --containers" '--containers NAME' "$("$XNFT" init --help)"
finish
