#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# What a user sees when a command is given bad input (issue 13): every case
# here once printed something misleading. Each check names what it guards.
source "$(dirname "$0")/lib.sh"
require_root
T=$(tmpdir)

# run ARGS...: sets OUT (stdout+stderr) and RC
run() {
	OUT=$("$XNFT" "$@" 2>&1)
	RC=$?
}

# --- a config that does not parse is reported before any socket is tried -------------
printf '[daemon]\nsocket = %s/d.sock\nbogus = 1\n' "$T" >"$T/bad.conf"
for cmd in "daemon --reload" "daemon --status" "bans list"; do
	# shellcheck disable=SC2086
	run $cmd -c "$T/bad.conf"
	check_eq "$cmd -c bad.conf: exit 1" 1 "$RC"
	check_match "$cmd -c bad.conf: the parse error at file:line" "^$T/bad.conf:3: error: .*bogus" "$OUT"
	check_eq "$cmd -c bad.conf: no talk of the socket" 0 "$(printf '%s\n' "$OUT" | grep -c 'cannot reach')"
done
run bans list -c "$T/nothere.conf"
check_eq "bans list -c missing.conf: exit 2" 2 "$RC"
check_match "bans list -c missing.conf: names the file" "cannot read config $T/nothere.conf" "$OUT"

finish
