#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The unit tests read JSON listings saved in tests/unit/fixtures (regen.sh
# makes them). A fixture that no longer matches its source -- the shipped
# policy changed, or an example was edited -- would let the loader tests pass
# on a ruleset nobody ships. Each is listed again from its source, here, in a
# namespace of its own, and must be the same but for nft's metainfo line.
source "$(dirname "$0")/lib.sh"
require_root

FIX=$ROOT/tests/unit/fixtures
T=$(tmpdir)

# listing SOURCE INCLUDE_DIR OUT: the ruleset SOURCE loads to, as regen.sh lists it.
listing() {
	local ns
	ns=$(ns_add fix) || return 1
	for i in eth0 eth1 eth2 eth3 bond0 bond1; do ip -n "$ns" link add "$i" type bridge || return 1; done
	ip netns exec "$ns" nft -I "$2" -f "$1" &&
		ip netns exec "$ns" nft -j -nnn -y list ruleset >"$3"
	local rc=$?
	ip netns del "$ns"
	return $rc
}

# same_listing NAME FRESH SAVED: equal once the metainfo object is left out.
same_listing() {
	if ! jq -S 'del(.nftables[] | select(has("metainfo")))' "$2" >"$T/fresh" 2>"$T/err" ||
	   ! jq -S 'del(.nftables[] | select(has("metainfo")))' "$3" >"$T/saved" 2>>"$T/err"; then
		not_ok "$1: both listings parse"; sed 's/^/#   /' "$T/err"; return
	fi
	if cmp -s "$T/fresh" "$T/saved"; then
		ok "$1 matches its source"
	else
		not_ok "$1 matches its source (run tests/unit/fixtures/regen.sh as root)"
		diff "$T/saved" "$T/fresh" | head -20 | sed 's/^/#   /'
	fi
}

n=0
for src in "$FIX"/*.nft; do
	name=$(basename "$src" .nft)
	if (cd "$FIX" && listing "$src" "$FIX" "$T/$name.json"); then
		same_listing "fixtures/$name.json" "$T/$name.json" "$FIX/$name.json"
	else
		not_ok "fixtures/$name.nft loads"
	fi
	n=$((n + 1))
done
# Listings of the integration tests' rulesets (regen.sh): nat_X from fixtures_nat/X.nft,
# cx_X from fixtures_constructs/X.nft.
for saved in "$FIX"/nat_*.json "$FIX"/cx_*.json; do
	[ -e "$saved" ] || continue
	name=$(basename "$saved" .json)
	case $name in
	nat_*) src=$ROOT/tests/integration/fixtures_nat/${name#nat_}.nft ;;
	*) src=$ROOT/tests/integration/fixtures_constructs/${name#cx_}.nft ;;
	esac
	if (cd "$FIX" && listing "$src" "$FIX" "$T/$name.json"); then
		same_listing "fixtures/$name.json" "$T/$name.json" "$saved"
	else
		not_ok "$src loads"
	fi
	n=$((n + 1))
done
if (cd "$FIX/srcloc" && listing "$FIX/srcloc/nftables.conf" "$FIX/srcloc" "$T/srcloc.json"); then
	same_listing "fixtures/srcloc.json" "$T/srcloc.json" "$FIX/srcloc.json"
else
	not_ok "fixtures/srcloc/nftables.conf loads"
fi
if (cd "$ROOT/policy" && listing "$ROOT/policy/nftables.conf" "$ROOT/policy" "$T/policy.json"); then
	same_listing "fixtures/policy.json (the shipped policy/)" "$T/policy.json" "$FIX/policy.json"
else
	not_ok "policy/nftables.conf loads"
fi
# Every saved listing has a source that was listed here (X.nft, nat_X, cx_X, srcloc, policy).
check_eq "every fixtures/*.json was compared with its source" \
	"$(find "$FIX" -maxdepth 1 -name '*.json' | wc -l)" $((n + 2))
finish
