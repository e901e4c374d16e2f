#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A lint finding caused by another table names that table and chain: with
# Docker's FORWARD chain (policy drop) first on the forward hook, the hub-mode
# accept of table inet xnft never matches, and lint says who dropped them,
# from a file and from the kernel (--live in a namespace).
. "$(dirname "$0")/lib.sh"
require_root

FX=$ROOT/tests/lint/XL006-bad3.nft
want='dropped before they reach it, by the policy drop of table ip filter, chain FORWARD'

out=$("$XNFT" lint "$FX" 2>&1); rc=$?
check_eq "lint: a warning alone exits 0" 0 "$rc"
check_match "lint names the other table's chain" "^$FX:11: warning\[XL006\]: .*$want" "$out"
check_match "lint's fix points at that table" "fix: let them through in that table" "$out"

NS=$(ns_add lintt) || { not_ok "create namespace"; finish; }
ip netns exec "$NS" nft -f "$FX" || not_ok "load the ruleset in the namespace"
out=$(ip netns exec "$NS" "$XNFT" lint --live 2>&1)
check_match "lint --live names the other table's chain" "warning\[XL006\]: .*$want" "$out"

# without Docker's table the same rule is fine
ip netns exec "$NS" nft delete table ip filter
out=$(ip netns exec "$NS" "$XNFT" lint --live 2>&1)
check_eq "without the other table: no XL006" 0 "$(printf '%s\n' "$out" | grep -c 'XL006')"
finish
