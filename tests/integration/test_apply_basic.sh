#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Safe apply, the plain paths: apply (confirmed at once), status and drift,
# dry run, rollback, an invalid policy refused with file:line, two applies
# at once, help texts. A prober outside the host checks that the host has
# the old or the new policy at every moment, never none.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"
require_root
apply_setup

check_eq "no xnft table before the first apply: the host is open" N "$(state_now)"

out=$(xn apply "$POL_A" 2>&1); rc=$?
check_eq "apply A exits 0" 0 "$rc"
check_eq "policy A is loaded" A "$(state_now)"
check_match "progress names every step" '\[check\].*\[lint\].*\[intents\].*\[lockout\].*\[snapshot\].*\[commit\].*\[confirm\]' "$(echo "$out" | tr '\n' ' ')"
check "the boot policy is written" test -s "$XNFT_STATE_DIR/confirmed.nft"
check_eq "the state directory is 0700" 700 "$(stat -c %a "$XNFT_STATE_DIR")"
check "the snapshot of 'no table' is a restore file" grep -q '^delete table inet xnft' "$XNFT_STATE_DIR/snapshot.nft"

out=$(xn status "$POL_A"); rc=$?
check_eq "status exits 0 when nothing drifts" 0 "$rc"
check_match "status: the policy matches the loaded table" 'matches the loaded table' "$out"
check_match "status: last run confirmed" 'confirmed +xnft apply' "$out"

# dry run: says what changes, changes nothing
prober_start
out=$(xn apply --dry-run "$POL_B" 2>&1); rc=$?
check_eq "dry run exits 0" 0 "$rc"
check_match "dry run names the removed rule" '^- chain input: tcp dport 8081' "$out"
check_match "dry run names the added rule with file:line" '^\+ chain input: tcp dport 8082 .*polB/rules/00-main.nft:7' "$out"
check_never_none "dry run" "A"
check "dry run leaves no snapshot behind" test ! -e "$XNFT_STATE_DIR/snapshot.new.nft"
# options may follow POLICY, as the README writes `xnft apply /etc/xnft --confirm 60`
out=$(xn apply "$POL_B" --dry-run 2>&1); rc=$?
check_eq "options after POLICY: apply POLICY --dry-run exits 0" 0 "$rc"
check_match "options after POLICY: it is a dry run" 'dry run: the kernel was not changed' "$out"

# apply B while probing
prober_start
out=$(xn apply "$POL_B" 2>&1); rc=$?
sleep 0.3
check_eq "apply B exits 0" 0 "$rc"
check_never_none "apply A -> B" "(A )?B"
check_match "the snapshot holds A" 'tcp dport 8081' "$(cat "$XNFT_STATE_DIR/snapshot.nft")"
# A was loaded and confirmed by the last apply: the snapshot is a copy of confirmed.nft
check_match "snapshot: the confirmed A, unchanged, is copied" \
	'\[snapshot\] xnft.s table is the confirmed policy, unchanged: .*snapshot.nft is a copy of confirmed.nft' "$out"
check_match "the copy says where it comes from" '^# snapshot: xnft.s table before apply .*: the confirmed policy, unchanged' \
	"$(head -n 1 "$XNFT_STATE_DIR/snapshot.nft")"
check_match "confirmed.hash notes B's fingerprint and the file's hash" \
	'^fingerprint=[0-9a-f]{64} file=[0-9a-f]{64}$' "$(tr '\n' ' ' <"$XNFT_STATE_DIR/confirmed.hash" | sed 's/ $//')"
check_eq "confirmed.hash's file hash is confirmed.nft's" \
	"$(sha256sum <"$XNFT_STATE_DIR/confirmed.nft" | cut -d' ' -f1)" \
	"$(sed -n 's/^file=//p' "$XNFT_STATE_DIR/confirmed.hash")"
# confirmed.nft changed by hand: the note no longer fits, the snapshot takes the long way
cp "$XNFT_STATE_DIR/confirmed.nft" "$TEST_TMP/confirmed.keep"
echo '# edited by hand' >>"$XNFT_STATE_DIR/confirmed.nft"
out=$(xn apply --dry-run "$POL_B" 2>&1)
check_match "edited confirmed.nft: the table is listed and reloaded instead" \
	'\[snapshot\] xnft.s table saved to .* and reloads in a private namespace' "$out"
cp "$TEST_TMP/confirmed.keep" "$XNFT_STATE_DIR/confirmed.nft"
out=$(xn apply --dry-run "$POL_B" 2>&1)
check_match "confirmed.nft as written: copied again" 'is a copy of confirmed.nft' "$out"
check_match "the boot policy holds B" 'tcp dport 8082' "$(cat "$XNFT_STATE_DIR/confirmed.nft")"

# invalid policy: refused with file:line, nothing changes
BAD=$TEST_TMP/bad
write_policy "$BAD" 8081 'tcp dport 8084 acept comment "typo"'
prober_start
out=$(xn apply "$BAD" 2>&1); rc=$?
check_eq "invalid policy: exit 1" 1 "$rc"
check_match "invalid policy: file:line:col of the error" 'bad/rules/00-main.nft:6:[0-9]+: error' "$out"
check_match "invalid policy: refused at check, kernel unchanged" 'refused at step check; the kernel was not changed' "$out"
check_never_none "invalid policy" "B"
check_match "journal: refused at check" $'\tcheck\trefused\t' "$(cat "$XNFT_STATE_DIR/journal")"

# a policy that builds another table is refused: rollback could not restore it
OTHER=$TEST_TMP/other
write_policy "$OTHER" 8081
printf 'table ip mine {\n\tchain c {\n\t\ttype filter hook input priority 10;\n\t}\n}\n' >>"$OTHER/rules/00-main.nft"
out=$(xn apply "$OTHER" 2>&1); rc=$?
check_eq "policy with a second table: exit 1" 1 "$rc"
check_match "policy with a second table: says why" 'creates 2 tables' "$out"

# drift: someone changes the table by hand; status sees it, rollback repairs it
ip netns exec "$HOST" nft -I "$POL_A" -f "$POL_A/nftables.conf"
check_eq "hand-loaded A" A "$(state_now)"
out=$(xn apply --dry-run "$POL_B" 2>&1)
check_match "drift: the snapshot takes the long way" 'and reloads in a private namespace' "$out"
out=$(xn status "$POL_B"); rc=$?
check_eq "status exits 1 on drift" 1 "$rc"
check_match "status shows drift" 'DRIFT' "$out"
check_match "status: changed since the last apply" 'CHANGED since' "$out"
json=$(xn status --json "$POL_B")
check_eq "status --json: drift true" true "$(echo "$json" | jq -r .drift)"
check_eq "status --json: policy loads" true "$(echo "$json" | jq -r .policy_loads)"
prober_start
out=$(xn rollback 2>&1); rc=$?
sleep 0.3
check_eq "rollback exits 0" 0 "$rc"
check_never_none "rollback to the confirmed B" "(A )?B"
check_eq "status: no drift after rollback" false "$(xn status --json "$POL_B" | jq -r .drift)"

# two applies at once: the second names the holder
XNFT_TEST_PAUSE_AT=check XNFT_TEST_PAUSE_SECS=20 ip netns exec "$HOST" "$XNFT" apply "$POL_A" \
	>"$TEST_TMP/first.out" 2>&1 &
first=$!
track_pid "$first"
wait_journal $'\tcheck\tpaused\t' 10
out=$(xn apply "$POL_A" 2>&1); rc=$?
check_eq "second apply: exit 2" 2 "$rc"
check_match "second apply names the holder's PID and command" "PID $first \(xnft apply $POL_A\) since" "$out"
out=$(xn status)
check_match "status shows who holds the lock" "lock: +held by pid $first" "$out"
kill -9 "$first"; wait "$first" 2>/dev/null
check_eq "after the holder died the policy is still B" B "$(state_now)"
out=$(xn status)
check_match "status: the killed apply shows as interrupted" 'interrupted +xnft apply' "$out"
xn apply "$POL_A" >/dev/null 2>&1; rc=$?
check_eq "the lock of a killed apply is free again" 0 "$rc"
check_eq "A after the next apply" A "$(state_now)"

for c in apply confirm rollback status boot; do
	check "xnft $c --help" xn "$c" --help
done
out=$(xn apply --confirm 0 "$POL_A" 2>&1); rc=$?
check_eq "--confirm 0 is a usage error" 2 "$rc"
# --confirm reads the one duration grammar, in whole seconds
out=$(xn apply --confirm 500ms "$POL_A" 2>&1); rc=$?
check_eq "--confirm 500ms (not whole seconds): exit 2" 2 "$rc"
check_match "... says what it takes" "--confirm takes seconds" "$out"
out=$(xn apply --confirm 2m --dry-run "$POL_A" 2>&1); rc=$?
check_eq "--confirm 2m --dry-run: exit 2" 2 "$rc"
check_match "... 2m is read as a duration (the refusal is --dry-run's)" "nothing to confirm" "$out"
out=$(xn confirm 2>&1); rc=$?
check_eq "confirm with nothing pending: exit 1" 1 "$rc"
finish
