#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fault injection for safe apply (issue 10, items 3-7): damaged state files
# (confirmed.nft and the snapshot truncated at every 10%, right after
# `delete table inet xnft`, empty, header-only, garbage; with and without
# their notes), the guard hit by every catchable signal and by SIGKILL,
# apply killed at random points while a prober watches, status exit codes,
# an unwritable state directory in the window, a lock whose holder died.
# Never an open host where a table was, and every report truthful.
# The counts at the end go into docs/xnft.8 (RELIABILITY).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"
require_root
apply_setup

MOUNTS=()
unmount_all() {
	local m
	for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
}
trap 'unmount_all; _cleanup' EXIT

OPEN=0        # trials that left the host with no table (or a mixed one)
TRIALS=0
SD=$XNFT_STATE_DIR

# fallback values with a way in (break-glass from the probe), as a confirm records them
write_values() {
	printf 'mesh_if=\nwg_port=51820\nssh_port=22\nadmin4=%s/32\nadmin6=\nmesh4=\nmesh6=\n' \
		"$A_PROBE" >"$SD/fallback.values"
}

# forge_note FILE NOTE: a note that matches FILE's damaged bytes (a disk that lied):
# the file then reaches libnftables, in a child, and the table is checked after.
forge_note() {
	local fp
	fp=$(sed -n 's/^fingerprint=//p' "$2.good")
	printf 'fingerprint=%s\nfile=%s\n' "$fp" "$(sha256sum <"$1" | cut -d' ' -f1)" >"$2"
}

# lacks TEXT REGEX: TEXT has no line matching REGEX
lacks() { ! grep -Eq -- "$2" <<<"$1"; }

# is_fallback: the loaded table is the built-in fallback
is_fallback() { table_text | grep -q 'xnft FALLBACK policy'; }

# damage FILE HOW: write a damaged copy of $FILE.good into FILE
damage() {
	local f=$1 how=$2 size
	size=$(stat -c %s "$f.good")
	case $how in
	empty) : >"$f" ;;
	header) sed -n '1,/^delete table inet xnft$/p' "$f.good" | grep '^#' >"$f" ;;
	after-delete) sed -n '1,/^delete table inet xnft$/p' "$f.good" >"$f" ;;
	garbage) head -c 3000 /dev/urandom | base64 >"$f" ;;
	pct*) head -c $((size * ${how#pct} / 100)) "$f.good" >"$f" ;;
	# cut inside the comment of a rule that uses a define: libnftables 1.0.6
	# aborts on it (scope_release: Assertion sym->refcnt == 1)
	abort) awk '/dport \$SSH_PORT/ { i = index($0, "comment \"s"); printf "%s", substr($0, 1, i + 9); exit }
		{ print }' "$f.good" >"$f" ;;
	esac
}
HOWS="empty header after-delete garbage abort pct10 pct20 pct30 pct40 pct50 pct55 pct60 pct70 pct80 pct90 pct99"

# ---- A confirmed, with a way in for the fallback
xn apply "$POL_A" >/dev/null 2>&1
check_eq "A applied and confirmed" A "$(state_now)"
write_values
cp "$SD/confirmed.nft" "$SD/confirmed.nft.good"
cp "$SD/confirmed.hash" "$SD/confirmed.hash.good"

out=$(xn status "$POL_A"); rc=$?
check_eq "status: the confirmed A loaded, as on disk: exit 0" 0 "$rc"
check_match "status: loaded is the confirmed policy" '^loaded: +the confirmed policy' "$out"

# ---- 1. boot with a damaged confirmed.nft: the fallback, never nothing
boot_bad=0 boot_n=0
for note in with without forged; do
	for how in $HOWS; do
		damage "$SD/confirmed.nft" "$how"
		[ "$note" = without ] && rm -f "$SD/confirmed.hash"
		[ "$note" = forged ] && forge_note "$SD/confirmed.nft" "$SD/confirmed.hash"
		ip netns exec "$HOST" nft delete table inet xnft 2>/dev/null
		out=$(xn boot 2>&1); rc=$?
		boot_n=$((boot_n + 1)); TRIALS=$((TRIALS + 1))
		st=$(state_now)
		if [ "$st" = N ] || [ "$rc" -eq 0 ] || [ "$rc" -eq 134 ] || ! is_fallback ||
			! grep -q 'THE BUILT-IN FALLBACK POLICY IS ACTIVE' <<<"$out"; then
			boot_bad=$((boot_bad + 1))
			[ "$st" = N ] && OPEN=$((OPEN + 1))
			diag "boot, confirmed.nft $how ($note note): rc=$rc state=$st: $out"
		fi
		cp "$SD/confirmed.hash.good" "$SD/confirmed.hash"
	done
done
check_eq "boot with confirmed.nft damaged $boot_n ways: the fallback every time, exit 1, said loudly" 0 "$boot_bad"
check_eq "status after boot on the fallback: exit 1" 1 "$(xn status >/dev/null 2>&1; echo $?)"
check_eq "status --json: loaded_is fallback" fallback "$(xn status --json | jq -r .loaded_is)"

# the abort itself: the file reaches libnftables (forged note), which dies in a child
damage "$SD/confirmed.nft" abort
forge_note "$SD/confirmed.nft" "$SD/confirmed.hash"
ip netns exec "$HOST" nft delete table inet xnft 2>/dev/null
out=$(xn boot 2>&1); rc=$?
TRIALS=$((TRIALS + 1))
check_match "libnftables aborting on confirmed.nft is reported" 'libnftables died \(signal 6' "$out"
check_eq "and the fallback is loaded all the same: exit 1" 1 "$rc"
check "the fallback table is there" is_fallback
cp "$SD/confirmed.hash.good" "$SD/confirmed.hash"

# a good confirmed.nft still boots (the notes are right)
cp "$SD/confirmed.nft.good" "$SD/confirmed.nft"
ip netns exec "$HOST" nft delete table inet xnft
out=$(xn boot 2>&1); rc=$?
check_eq "boot with the good confirmed.nft: exit 0" 0 "$rc"
check_eq "boot with the good confirmed.nft: A" A "$(state_now)"
check_match "boot says exactly what loaded (no 'the policy policy')" \
	'loaded the last confirmed policy \(.*confirmed.nft, checked against confirmed.hash\): table inet xnft [0-9a-f]{12}' "$out"
out=$(XNFT_STATE_DIR=$TEST_TMP/never ip netns exec "$HOST" "$XNFT" boot "$POL_A" 2>&1)
check_match "boot POLICY names the on-disk policy" "loaded the on-disk policy $POL_A/nftables.conf" "$out"
check "boot POLICY never says 'the policy policy'" lacks "$out" 'policy policy'

# ---- 2. rollback with a damaged confirmed.nft
rb_bad=0 rb_n=0
for how in $HOWS; do
	damage "$SD/confirmed.nft" "$how"
	out=$(xn rollback 2>&1); rc=$?
	rb_n=$((rb_n + 1)); TRIALS=$((TRIALS + 1))
	if [ "$rc" -eq 0 ] || [ "$(state_now)" != A ] || ! grep -q 'NOT ROLLED BACK' <<<"$out"; then
		rb_bad=$((rb_bad + 1)); diag "rollback, confirmed.nft $how, A loaded: rc=$rc: $out"
	fi
	ip netns exec "$HOST" nft delete table inet xnft
	out=$(xn rollback 2>&1); rc=$?
	rb_n=$((rb_n + 1)); TRIALS=$((TRIALS + 1))
	st=$(state_now)
	if [ "$rc" -ne 1 ] || [ "$st" = N ] || ! is_fallback; then
		rb_bad=$((rb_bad + 1)); diag "rollback, confirmed.nft $how, no table: rc=$rc state=$st: $out"
		[ "$st" = N ] && OPEN=$((OPEN + 1))
	fi
	cp "$SD/confirmed.nft.good" "$SD/confirmed.nft"
	xn rollback >/dev/null 2>&1
done
check_eq "rollback with confirmed.nft damaged ($rb_n trials): refused keeping A, or the fallback when no table" 0 "$rb_bad"
check_eq "rollback with the good file: A" A "$(state_now)"

# ---- 3. a damaged snapshot while the guard waits: confirmed, else fallback; never nothing
snap_bad=0 snap_n=0
for note in with without forged; do
	for how in $HOWS; do
		xn apply --confirm 120 "$POL_B" >/dev/null 2>&1
		[ "$(state_now)" = B ] || diag "snapshot $how: B not loaded"
		cp "$SD/snapshot.nft" "$SD/snapshot.nft.good"
		cp "$SD/snapshot.hash" "$SD/snapshot.hash.good"
		damage "$SD/snapshot.nft" "$how"
		[ "$note" = without ] && rm -f "$SD/snapshot.hash"
		[ "$note" = forged ] && forge_note "$SD/snapshot.nft" "$SD/snapshot.hash"
		journal_reset
		out=$(xn rollback 2>&1); rc=$?
		snap_n=$((snap_n + 1)); TRIALS=$((TRIALS + 1))
		st=$(state_now)
		j=$(cat "$SD/journal")
		if [ "$st" = N ]; then
			OPEN=$((OPEN + 1)); snap_bad=$((snap_bad + 1)); diag "snapshot $how ($note): OPEN"
		elif [ "$st" = A ]; then
			# either the snapshot (still good enough and checked) or the confirmed A
			grep -Eq $'\trevert\treverted\t.*(snapshot was restored|the last confirmed policy is loaded instead)' <<<"$j" ||
				{ snap_bad=$((snap_bad + 1)); diag "snapshot $how ($note): A, but the journal says: $j"; }
		else
			snap_bad=$((snap_bad + 1)); diag "snapshot $how ($note): state $st rc=$rc: $out"
		fi
		rm -f "$SD/snapshot.nft.good" "$SD/snapshot.hash.good"
	done
done
check_eq "revert with the snapshot damaged $snap_n ways: A back every time, journaled truthfully" 0 "$snap_bad"
check_eq "no window left open" "" "$(ls "$SD/pending" 2>/dev/null)"

# snapshot and confirmed.nft both damaged: the fallback
xn apply --confirm 120 "$POL_B" >/dev/null 2>&1
cp "$SD/snapshot.nft" "$SD/snapshot.nft.good"
damage "$SD/snapshot.nft" header
rm -f "$SD/snapshot.nft.good"
damage "$SD/confirmed.nft" pct50
journal_reset
xn rollback >/dev/null 2>&1
TRIALS=$((TRIALS + 1))
check "snapshot and confirmed damaged: the fallback is loaded" is_fallback
check_match "the journal names the fallback" $'\trevert\treverted\t.*the built-in FALLBACK policy is loaded instead' "$(cat "$SD/journal")"
check_eq "status: exit 1 on the fallback" 1 "$(xn status >/dev/null 2>&1; echo $?)"
cp "$SD/confirmed.nft.good" "$SD/confirmed.nft"
xn rollback >/dev/null 2>&1
check_eq "rollback: A again" A "$(state_now)"

# ---- 4. the guard and the signals
sig_bad=0 sig_n=0
guard_pid() { xn status --json | jq -r '.pending.guard_pid // empty'; }
for sig in HUP INT QUIT ALRM VTALRM PROF XCPU XFSZ PWR IO STKFLT TSTP TTIN TTOU USR1 USR2 WINCH URG RTMIN RTMIN+3 RTMAX; do
	xn apply --confirm 2 "$POL_B" >/dev/null 2>&1
	g=$(guard_pid)
	journal_reset
	kill -s "$sig" "$g" 2>/dev/null
	sig_n=$((sig_n + 1)); TRIALS=$((TRIALS + 1))
	if ! wait_no_pending 20 || ! wait_journal $'\trevert\treverted\t.*no confirm before the deadline' 5 ||
		[ "$(state_now)" != A ]; then
		sig_bad=$((sig_bad + 1)); diag "SIG$sig: $(tail -3 "$SD/journal")"
	fi
	kill -CONT "$g" 2>/dev/null
done
check_eq "the guard hit by $sig_n catchable signals: each one reverted at its deadline" 0 "$sig_bad"

xn apply --confirm 60 "$POL_B" >/dev/null 2>&1
g=$(guard_pid)
journal_reset
kill -TERM "$g"
TRIALS=$((TRIALS + 1))
check "SIGTERM: the guard reverts at once" wait_journal $'\trevert\treverted\t.*terminated \\(SIGTERM\\)' 20
check_eq "SIGTERM: A back" A "$(state_now)"

# SIGKILL: nothing runs in the guard; the next command reverts
kill_n=0 kill_bad=0
for next in status confirm apply rollback boot; do
	xn apply --confirm 60 "$POL_B" >/dev/null 2>&1
	g=$(guard_pid)
	kill -KILL "$g"; wait_pid_gone "$g"
	kill_n=$((kill_n + 1)); TRIALS=$((TRIALS + 1))
	case $next in
	apply) xn apply "$POL_A" >/dev/null 2>&1 ;;
	*) xn "$next" >/dev/null 2>&1 ;;
	esac
	if [ "$(state_now)" != A ] || [ -e "$SD/pending" ]; then
		kill_bad=$((kill_bad + 1))
		diag "SIGKILL of guard $g then $next: $(state_now), pending: $(cat "$SD/pending" 2>&1), $(tail -4 "$SD/journal")"
	fi
done
check_eq "SIGKILL of the guard, then status/confirm/apply/rollback/boot ($kill_n): each reverted to A" 0 "$kill_bad"
xn apply --confirm 60 "$POL_B" >/dev/null 2>&1
g=$(guard_pid)
kill -KILL "$g"; wait_pid_gone "$g"
out=$(xn status 2>&1)
check_match "status says it reverted a dead guard's window" 'reverted: +the guard of a confirm window had died' "$out"
check_match "the journal says who reverted it" 'xnft status found it and reverted' "$(cat "$SD/journal")"

# ---- 5. status exit codes
xn apply "$POL_A" >/dev/null 2>&1
check_eq "status: confirmed A: exit 0" 0 "$(xn status "$POL_A" >/dev/null 2>&1; echo $?)"
cp "$SD/confirmed.nft" "$SD/confirmed.nft.good"
damage "$SD/confirmed.nft" pct50
out=$(xn status "$POL_A"); rc=$?
check_eq "status: confirmed.nft damaged (A still loaded): exit 1" 1 "$rc"
check_match "status: says boot would fall back" 'DAMAGED: .*the next boot would load the FALLBACK policy' "$out"
cp "$SD/confirmed.nft.good" "$SD/confirmed.nft"
xn apply --confirm 60 "$POL_B" >/dev/null 2>&1
check_eq "status: unconfirmed B pending: exit 1" 1 "$(xn status "$POL_B" >/dev/null 2>&1; echo $?)"
check_eq "status --json: loaded_is pending" pending "$(xn status --json "$POL_B" | jq -r .loaded_is)"
xn rollback >/dev/null 2>&1
ip netns exec "$HOST" nft delete table inet xnft
check_eq "status: no table: exit 1" 1 "$(xn status "$POL_A" >/dev/null 2>&1; echo $?)"
check_match "status: says there is no table" '^loaded: +NO xnft TABLE' "$(xn status "$POL_A")"
ip netns exec "$HOST" nft -I "$POL_B" -f "$POL_B/nftables.conf"
check_eq "status: a table loaded by hand (B, not confirmed): exit 1" 1 "$(xn status "$POL_B" >/dev/null 2>&1; echo $?)"
check_eq "status --json: loaded_is other" other "$(xn status --json "$POL_B" | jq -r .loaded_is)"
xn rollback >/dev/null 2>&1

# ---- 6. the state directory cannot be written during the window (full: the
# guard holds the lock file open for writing, so it cannot be remounted read-only)
RO=$TEST_TMP/fullstate
mkdir -p "$RO"
if mount -t tmpfs -o size=4m tmpfs "$RO"; then
	MOUNTS+=("$RO")
	XNFT_STATE_DIR=$RO ip netns exec "$HOST" "$XNFT" apply "$POL_A" >/dev/null 2>&1
	XNFT_STATE_DIR=$RO ip netns exec "$HOST" "$XNFT" apply --confirm 2 "$POL_B" >/dev/null 2>&1
	check_eq "full state directory: B pending" B "$(state_now)"
	head -c 8M /dev/zero >"$RO/fill" 2>/dev/null
	check_eq "the state directory is full" 0 "$(df --output=avail "$RO" | tail -1 | tr -d ' ')"
	for _ in $(seq 1 100); do [ "$(state_now)" = A ] && break; sleep 0.1; done
	check_eq "full state directory: the guard still reverted the kernel to A" A "$(state_now)"
	for _ in $(seq 1 50); do [ -e "$RO/pending" ] || break; sleep 0.1; done
	out=$(XNFT_STATE_DIR=$RO ip netns exec "$HOST" "$XNFT" status "$POL_A" 2>&1); rc=$?
	check_match "status tells the truth: the confirmed policy is loaded" '^loaded: +the confirmed policy' "$out"
	check "status does not say the unconfirmed policy is loaded" lacks "$out" 'UNCONFIRMED|pending: +apply'
	check_eq "status: exit 0 (the confirmed A is loaded, nothing pending)" 0 "$rc"
	rm -f "$RO/fill"
else
	not_ok "mount a tmpfs for the full-directory test"
fi

# ---- 7. kill -9 of apply at random points while the prober watches
prober_start
rand_n=${FAULT_KILLS:-40}
for i in $(seq 1 "$rand_n"); do
	pol=$POL_B; [ $((i % 2)) -eq 0 ] && pol=$POL_A
	args=(); [ $((i % 3)) -eq 0 ] && args=(--confirm 60)
	ip netns exec "$HOST" "$XNFT" apply "${args[@]}" "$pol" >/dev/null 2>&1 &
	p=$!
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	TRIALS=$((TRIALS + 1))
	# a window left by a killed apply: its guard goes on; end it the quick way
	g=$(guard_pid)
	[ -n "$g" ] && xn rollback >/dev/null 2>&1
done
seen=$(prober_stop)
rounds=$(wc -l <"$TEST_TMP/probe.log")
bad=$(grep -c -E '^(N|X)' "$TEST_TMP/probe.log")
OPEN=$((OPEN + bad))
check_eq "kill -9 of apply at $rand_n random points: no open or mixed round in $rounds probe rounds ($seen)" 0 "$bad"
out=$(xn apply "$POL_A" 2>&1); rc=$?
check_eq "after the kills the lock is free: apply exits 0" 0 "$rc"
check "no 'holds the lock' refusal" lacks "$out" 'holds the lock'

# ---- 8. the daemon reverts a dead guard's window without waiting for a command
DD=$TEST_TMP/daemon
mkdir -p "$DD" && : >"$DD/events.log"
printf '[daemon]\nsources = file:%s/events.log\nsocket = %s/d.sock\ndatabase = %s/bans.db\n' \
	"$DD" "$DD" "$DD" >"$DD/xnft.conf"
xn apply --confirm 60 "$POL_B" >/dev/null 2>&1
g=$(guard_pid)
journal_reset
ip netns exec "$HOST" "$XNFT" daemon -c "$DD/xnft.conf" >"$DD/log" 2>&1 &
dpid=$!
track_pid "$dpid"
kill -KILL "$g"; wait_pid_gone "$g"
TRIALS=$((TRIALS + 1))
check "the daemon reverted the dead guard's window" wait_journal 'xnft daemon found it and reverted' 15
check_eq "the daemon's revert: A back" A "$(state_now)"
kill -TERM "$dpid"; wait_pid "$dpid" 10
check_match "the daemon logged it" 'reverted a confirm window whose guard had died' "$(cat "$DD/log")"

# ---- 9. --confirm takes digits only
out=$(xn apply --confirm ' 5' "$POL_B" 2>&1); rc=$?
check_eq "--confirm ' 5': exit 2" 2 "$rc"
check_eq "--confirm '+5': exit 2" 2 "$(xn apply --confirm '+5' "$POL_B" >/dev/null 2>&1; echo $?)"
check_eq "the kernel was not changed" A "$(state_now)"

diag "RELIABILITY: $TRIALS fault trials (boot $boot_n, rollback $rb_n, snapshot $snap_n, signals $sig_n+1, SIGKILL $kill_n+1, daemon 1, apply kills $rand_n with $rounds probe rounds): $OPEN open or mixed"
check_eq "no trial left the host open" 0 "$OPEN"
finish
