#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The state directory: apply refuses BEFORE touching the kernel when it
# cannot keep its snapshot there: a read-only mount, a full file system,
# one too small for the snapshot, a path that is not a directory.
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

xn apply "$POL_A" >/dev/null 2>&1
check_eq "A applied with a good state directory" A "$(state_now)"
GOOD=$XNFT_STATE_DIR

# refused DIR "desc" REGEX: apply of B with the state in DIR is refused, A stays.
refused() {
	local dir=$1 what=$2 re=$3 out rc
	prober_start
	out=$(XNFT_STATE_DIR=$dir ip netns exec "$HOST" "$XNFT" apply "$POL_B" 2>&1); rc=$?
	check_eq "$what: exit 2" 2 "$rc"
	check_match "$what: says why" "$re" "$out"
	sleep 0.2
	check_never_none "$what" "A"
	check_eq "$what: the kernel still has A" A "$(state_now)"
}

ro=$TEST_TMP/ro
mkdir -p "$ro"
mount -t tmpfs -o ro,size=1m tmpfs "$ro" && MOUNTS+=("$ro")
refused "$ro" "read-only state directory" 'not writable: Read-only file system'

full=$TEST_TMP/full
mkdir -p "$full"
mount -t tmpfs -o size=64k tmpfs "$full" && MOUNTS+=("$full")
mkdir -p "$full/state"
dd if=/dev/zero of="$full/state/filler" bs=4k count=64 2>/dev/null
refused "$full/state" "full state directory" 'not writable: No space left on device'

small=$TEST_TMP/small
mkdir -p "$small"
mount -t tmpfs -o size=64k tmpfs "$small" && MOUNTS+=("$small")
refused "$small" "state directory too small for the snapshot" 'bytes free, safe apply needs'

touch "$TEST_TMP/afile"
refused "$TEST_TMP/afile" "state path is a file" 'cannot create state directory|not a directory'

# a relative state directory works (the guard changes to /)
cd "$TEST_TMP" || exit 1
out=$(XNFT_STATE_DIR=relstate ip netns exec "$HOST" "$XNFT" apply --confirm 2 "$POL_B" 2>&1); rc=$?
check_eq "relative state directory: apply --confirm exits 0" 0 "$rc"
for _ in $(seq 1 100); do [ -e "$TEST_TMP/relstate/pending" ] || break; sleep 0.1; done
check_eq "relative state directory: the guard reverted to A" A "$(state_now)"
check_match "relative state directory: journal in it" $'\trevert\treverted\t' "$(cat "$TEST_TMP/relstate/journal")"
cd / || exit 1

# the journal is append-only and every line parses
XNFT_STATE_DIR=$GOOD
check "journal lines have six tab-separated fields" awk -F'\t' 'NF != 6 { exit 1 }' "$GOOD/journal"
check_eq "state files are private (0600)" 600 "$(stat -c %a "$GOOD/confirmed.nft")"
finish
