#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The confirm window of `xnft apply --confirm SECS`: no confirm -> the guard
# restores the snapshot; confirm in time -> kept and made the boot policy;
# SIGHUP and kill -9 of the calling shell, kill -9 of apply itself, SIGTERM
# of the guard, rollback during the window. A prober outside the host checks
# that the host always has the old or the new policy, never none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"
require_root
apply_setup

xn apply "$POL_A" >/dev/null 2>&1
check_eq "A applied and confirmed" A "$(state_now)"

# 1. no confirm: reverted after the deadline
prober_start
out=$(xn apply --confirm 3 "$POL_B" 2>&1); rc=$?
check_eq "apply --confirm 3 exits 0" 0 "$rc"
check_match "apply says how long is left" "within 3 s or it is reverted" "$out"
check_eq "B is loaded during the window" B "$(state_now)"
json=$(xn status --json)
check_eq "status --json: a confirmation is pending" true "$(echo "$json" | jq -r '.pending.guard_alive')"
check_match "status --json: seconds left" '^[0-3]$' "$(echo "$json" | jq -r '.pending.seconds_left')"
gsid=$(ps -o sid= -p "$(echo "$json" | jq -r .pending.guard_pid)" | tr -d ' ')
check_match "the guard runs in a session of its own, not the test's" "^[0-9]+$" "$gsid"
check "the guard's session is not the caller's" test "$gsid" != "$(ps -o sid= -p $$ | tr -d ' ')"
wait_no_pending 15
sleep 0.3
check_never_none "no confirm" "A B A"
check_eq "A again after the deadline" A "$(state_now)"
check_match "journal: reverted" $'\trevert\treverted\t' "$(cat "$XNFT_STATE_DIR/journal")"
check_match "the boot policy is still A" 'tcp dport 8081' "$(cat "$XNFT_STATE_DIR/confirmed.nft")"
check_match "status: the last run was reverted" 'reverted +xnft apply --confirm 3' "$(xn status)"

# 2. confirm in time: kept, boot policy updated, guard gone
prober_start
xn apply --confirm 30 "$POL_B" >/dev/null 2>&1
gpid=$(xn status --json | jq -r .pending.guard_pid)
out=$(xn confirm 2>&1); rc=$?
check_eq "confirm exits 0" 0 "$rc"
check_match "confirm says so" 'confirmed' "$out"
check "the guard has ended" wait_pid_gone "$gpid"
sleep 0.5
check_never_none "confirm in time" "(A )?B"
check_eq "B stays" B "$(state_now)"
check_match "the boot policy is B now" 'tcp dport 8082' "$(cat "$XNFT_STATE_DIR/confirmed.nft")"
check "no pending state is left" test ! -e "$XNFT_STATE_DIR/pending"
check_eq "status: no pending confirmation" null "$(xn status --json | jq -r .pending)"

# 3. SIGHUP of the calling shell: the guard does not die with it
journal_reset
prober_start
setsid bash -c 'ip netns exec "$1" "$2" apply --confirm 3 "$3" >/dev/null 2>&1; sleep 60' _ \
	"$HOST" "$XNFT" "$POL_A" &
sh_pid=$!
track_pid "$sh_pid"
wait_journal $'\tguard\tpending\t' 10
check_eq "A loaded from the shell" A "$(state_now)"
kill -HUP -- "-$sh_pid"
wait_pid "$sh_pid" 5
check "the shell died of SIGHUP" bash -c "! kill -0 $sh_pid 2>/dev/null"
wait_no_pending 15
sleep 0.3
check_never_none "SIGHUP of the shell" "B A B"
check_eq "the guard reverted to B after the shell's SIGHUP" B "$(state_now)"

# 4. kill -9 of the calling shell
journal_reset
prober_start
setsid bash -c 'ip netns exec "$1" "$2" apply --confirm 3 "$3" >/dev/null 2>&1; sleep 60' _ \
	"$HOST" "$XNFT" "$POL_A" &
sh_pid=$!
track_pid "$sh_pid"
wait_journal $'\tguard\tpending\t' 10
kill -KILL -- "-$sh_pid"
wait_pid "$sh_pid" 5
wait_no_pending 15
sleep 0.3
check_never_none "kill -9 of the shell" "B A B"
check_eq "reverted to B after kill -9 of the shell" B "$(state_now)"

# 5. kill -9 of xnft apply while the guard commits: the guard goes on and reverts
journal_reset
prober_start
XNFT_TEST_PAUSE_AT=guard-commit XNFT_TEST_PAUSE_SECS=1 \
	ip netns exec "$HOST" "$XNFT" apply --confirm 3 "$POL_A" >/dev/null 2>&1 &
ap=$!
track_pid "$ap"
wait_journal $'\tguard-commit\tpaused\t' 10
kill -KILL "$ap"
wait "$ap" 2>/dev/null
wait_journal $'\tguard\tpending\t' 10
check_eq "the guard committed A after apply was killed" A "$(state_now)"
wait_no_pending 15
sleep 0.3
check_never_none "kill -9 of apply at the guard's commit" "B A B"
check_eq "and reverted to B at the deadline" B "$(state_now)"

# 6. rollback during the window: reverted at once
prober_start
xn apply --confirm 60 "$POL_A" >/dev/null 2>&1
check_eq "A in the window" A "$(state_now)"
out=$(xn rollback 2>&1); rc=$?
check_eq "rollback in the window exits 0" 0 "$rc"
check_match "rollback says the guard reverted" 'reverted' "$out"
sleep 0.3
check_never_none "rollback during the window" "B A B"
check "no pending state after rollback" test ! -e "$XNFT_STATE_DIR/pending"

# 7. SIGTERM of the guard (shutdown, logind cleanup): revert now
journal_reset
prober_start
xn apply --confirm 60 "$POL_A" >/dev/null 2>&1
gpid=$(xn status --json | jq -r .pending.guard_pid)
kill -TERM "$gpid"
wait_no_pending 10
sleep 0.3
check_never_none "SIGTERM of the guard" "B A B"
check_match "journal: terminated guard reverted" 'SIGTERM.*snapshot was restored' "$(cat "$XNFT_STATE_DIR/journal")"

# 8. a second apply during the window is refused, naming the guard
xn apply --confirm 60 "$POL_A" >/dev/null 2>&1
out=$(xn apply "$POL_B" 2>&1); rc=$?
check_eq "apply during a window: exit 2" 2 "$rc"
check_match "it names the guard" 'apply guard of' "$out"
xn confirm >/dev/null 2>&1
check_eq "confirmed A" A "$(state_now)"

# 9. confirm after the guard is gone (killed): refused, the window reverted, no boot change
xn apply --confirm 60 "$POL_B" >/dev/null 2>&1
gpid=$(xn status --json | jq -r .pending.guard_pid)
kill -KILL "$gpid"
wait_pid_gone "$gpid"
out=$(xn confirm 2>&1); rc=$?
check_eq "confirm with a dead guard: exit 2" 2 "$rc"
check_match "it says the guard is gone" 'guard .* is gone' "$out"
check_match "it says the window was reverted" 'window was reverted' "$out"
check_eq "confirm with a dead guard reverted to the confirmed A" A "$(state_now)"
out=$(xn status "$POL_A"); rc=$?
check_match "status: the dead guard's apply ended reverted" 'reverted +xnft apply --confirm 60' "$out"
check_match "status: the confirmed policy is loaded" '^loaded: +the confirmed policy' "$out"
check_eq "status exits 0 (confirmed A loaded, as on disk)" 0 "$rc"
xn rollback >/dev/null 2>&1; rc=$?
check_eq "rollback afterwards exits 0" 0 "$rc"
check_eq "rollback restored the confirmed A" A "$(state_now)"
finish
