#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What safe apply tells the user (issue 13): status gives dates and how far
# away they are, never a raw epoch; confirm after an automatic revert says it
# came too late, when and why; a lockout refusal points at the break-glass
# allowlist with the caller's own address.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"
require_root
apply_setup

xn apply "$POL_A" >/dev/null 2>&1
check_eq "A applied and confirmed" A "$(state_now)"

# --- a pending confirmation: a date and "in N s", no epoch ------------------------------
out=$(xn apply --confirm 30 "$POL_B" 2>&1); rc=$?
check_eq "apply --confirm 30 exits 0" 0 "$rc"
st=$(xn status 2>&1)
check_match "status: the revert time as a date and how far away" \
	"reverted at [0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} [A-Z+0-9-]+ \\(in [0-9]+ s\\)" "$st"
check_match "status -v: the guard's wait until a date" \
	"waiting for 'xnft confirm' until [0-9]{4}-[0-9]{2}-[0-9]{2} " "$(xn status -v 2>&1)"
check_eq "status: no raw epoch as a time" 0 "$(printf '%s\n' "$st" | grep -cE '(until|at|since) [0-9]{9,}')"
xn rollback >/dev/null 2>&1
wait_no_pending 15
check_eq "A again after the rollback" A "$(state_now)"

# --- confirm after the guard reverted ------------------------------------------------------
xn apply --confirm 1 "$POL_B" >/dev/null 2>&1
wait_no_pending 15
out=$(xn confirm 2>&1); rc=$?
check_eq "confirm after the revert: exit 1" 1 "$rc"
check_match "confirm after the revert: too late, reverted at a date, how long ago, why" \
	"^xnft confirm: too late: apply [0-9-]+ of .*polB was reverted at [0-9]{4}-[0-9]{2}-[0-9]{2} .* \\(([0-9]+ (s|min) ago|just now)\\): no confirm before the deadline" "$out"
check_match "confirm after the revert: what to do" "hint: .*xnft apply .*polB --confirm" "$out"

# --- a lockout refusal suggests the break-glass allowlist with your address -----------------
NOSELF=$TEST_TMP/noself
write_policy "$NOSELF" 8081 'ip saddr 10.77.0.9 tcp dport 22 ct state new counter drop comment "not that admin"'
out=$(SSH_CONNECTION="10.77.0.9 50022 $A_HOST 22" ip netns exec "$HOST" "$XNFT" apply "$NOSELF" 2>&1); rc=$?
check_eq "lockout: exit 1" 1 "$rc"
check_match "lockout: hint names --admin with the caller's address" \
	"hint: .*xnft init DIR --admin 10\\.77\\.0\\.9/32" "$out"
out=$(env -u SSH_CONNECTION ip netns exec "$HOST" "$XNFT" apply "$POL_A" 2>&1)
check_eq "A still loaded" A "$(state_now)"
finish
