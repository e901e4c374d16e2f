#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# kill -9 of `xnft apply` at each step of the protocol (the test-only hook
# XNFT_TEST_PAUSE_AT stops it there). Before the commit the kernel keeps
# the old policy; after it the new one; never none. The lock is free again
# afterwards and status tells the run was interrupted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"
require_root
apply_setup

xn apply "$POL_A" >/dev/null 2>&1
check_eq "A applied and confirmed" A "$(state_now)"

# kill_at STEP [apply args...]: start apply of B paused at STEP, kill -9 it there.
kill_at() {
	local step=$1 pid; shift
	journal_reset
	XNFT_TEST_PAUSE_AT=$step XNFT_TEST_PAUSE_SECS=${PAUSE_SECS:-30} \
		ip netns exec "$HOST" "$XNFT" apply "$@" "$POL_B" >/dev/null 2>&1 &
	pid=$!
	track_pid "$pid"
	if ! wait_journal $'\t'"$step"$'\tpaused\t' 15; then
		diag "apply never paused at $step"
	fi
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
}

for step in lock check lint intents lockout snapshot commit; do
	prober_start
	kill_at "$step"
	sleep 0.3
	check_never_none "kill -9 at $step" "A"
	check_eq "kill -9 at $step: the old policy stays" A "$(state_now)"
	check_eq "kill -9 at $step: the lock is free" null "$(xn status --json | jq -r .lock)"
	check_match "kill -9 at $step: status says interrupted" 'interrupted +xnft apply' "$(xn status)"
	check_match "kill -9 at $step: the boot policy is unchanged" 'tcp dport 8081' \
		"$(cat "$XNFT_STATE_DIR/confirmed.nft")"
done

# after the transaction, before the boot policy is written
prober_start
kill_at committed
sleep 0.3
check_never_none "kill -9 after the commit" "A B"
check_eq "kill -9 after the commit: the new policy is loaded" B "$(state_now)"
check_match "kill -9 after the commit: the boot policy is still the confirmed A" 'tcp dport 8081' \
	"$(cat "$XNFT_STATE_DIR/confirmed.nft")"
check_eq "status: the loaded table differs from the last confirmed apply" true \
	"$(xn status --json "$POL_A" | jq -r .changed_since_apply)"
xn rollback >/dev/null 2>&1
check_eq "rollback returns to the confirmed A" A "$(state_now)"

# with --confirm: killed before the guard is started, and while it commits
prober_start
kill_at commit --confirm 3
sleep 0.3
check_never_none "kill -9 before the guard started" "A"
check "no guard was left pending" test ! -e "$XNFT_STATE_DIR/pending"

prober_start
PAUSE_SECS=2 kill_at guard-commit --confirm 3
wait_journal $'\tguard\tpending\t' 10
wait_no_pending 15
sleep 0.3
check_never_none "kill -9 of apply while the guard commits" "A B A"
check_eq "the guard reverted to A" A "$(state_now)"

# the next apply after all this works
xn apply "$POL_B" >/dev/null 2>&1; rc=$?
check_eq "a normal apply after the kills exits 0" 0 "$rc"
check_eq "B loaded" B "$(state_now)"
finish
