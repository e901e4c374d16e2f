#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Tables beside the IP families (issue 24): a change in a table the engine
# does not evaluate is never "no change"; arp tables are said to filter ARP
# only; netdev egress changes are real verdict changes. Each expected answer
# is stated by hand next to its check.
source "$(dirname "$0")/lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}
FX=$ROOT/tests/integration/fixtures_bridge

# run NAME ARGS...: output (stdout and stderr) in $out, exit status in $rc;
# a sanitizer report or a death by signal is a failure of its own
run() {
	local name=$1; shift
	out=$("$XNFT" "$@" 2>&1); rc=$?
	if [ "$rc" -gt 128 ] || grep -Eq 'Sanitizer|runtime error:' <<<"$out"; then
		not_ok "$name: xnft $1 ran clean (exit $rc)"
		printf '%s\n' "$out" | sed -n '1,20s/^/#   /p'
	fi
}

# ---- diff: the soundness bug --------------------------------------------------------

# An identical file: no change, exit 0
run "identical" diff "$FX/bridge_new.nft" "$FX/bridge_new.nft"
check_eq "identical: diff exits 0" 0 "$rc"
check_match "identical: no packet changes its verdict" 'no packet changes its verdict$' "$out"

# bridge: the issue's pair (a drop added in an empty bridge input chain) is a change
run "bridge" diff "$FX/bridge_old.nft" "$FX/bridge_new.nft"
check_eq "bridge: diff exits 1 (a change)" 1 "$rc"
check_fails "bridge: never 'no packet changes'" grep -q 'no packet changes' <<<"$out"
check_match "bridge: the rule is named with its file:line" 'bridge_new\.nft:12' "$out"

# arp: a rule added in an arp table is an ARP change, at its file:line, exit 1
run "arp" diff "$FX/arp_old.nft" "$FX/arp_new.nft"
check_eq "arp: diff exits 1 (a change)" 1 "$rc"
check_match "arp: the added rule is an ARP change at its line" \
	'^ARP change: arp table a, chain input: rule added at .*arp_new\.nft:13: arp operation request drop — arp tables filter ARP only' "$out"
check_fails "arp: never 'no packet changes'" grep -q 'no packet changes' <<<"$out"
run "arp json" diff --json "$FX/arp_old.nft" "$FX/arp_new.nft"
check "arp: --json lists the table change" python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
t = d["tables_not_evaluated"]
assert d["changed"] is True and len(t) == 1, d
assert t[0]["family"] == "arp" and t[0]["change"] == "rule added" and t[0]["line"] == 13, t' <<<"$out"
# the same change seen backwards: the rule is removed, at its line in the old file
run "arp back" diff "$FX/arp_new.nft" "$FX/arp_old.nft"
check_match "arp: removed rule named at its line in OLD" \
	'ARP change: arp table a, chain input: rule removed at .*arp_new\.nft:13' "$out"
# only the comment of an arp rule changed: nothing a packet sees
run "arp comment" diff "$FX/arp_old.nft" "$FX/arp_comment.nft"
check_eq "arp comment: diff exits 0" 0 "$rc"
check_match "arp comment: no change" 'no packet changes its verdict$' "$out"

# netdev egress: evaluated by the engine, a real verdict change
run "egress" diff "$FX/egress_old.nft" "$FX/egress_new.nft"
check_eq "egress: diff exits 1" 1 "$rc"
check_match "egress: output to lo with tcp sport 22 no longer accepted" \
	'^output: no longer accepted: to lo, tcp sport 22$' "$out"

# ---- exposure and verify say what they leave out -----------------------------------

run "arp exposure" exposure "$FX/arp_new.nft"
check_eq "arp exposure: exits 0" 0 "$rc"
check_match "arp exposure: says once that arp tables filter ARP only" \
	'^arp tables filter ARP only \(arp a\): no IP packet meets them' "$out"
check_eq "arp exposure: said once" 1 "$(grep -c 'filter ARP only' <<<"$out")"

finish
