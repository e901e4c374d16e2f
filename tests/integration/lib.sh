# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers for the integration tests. Source it; every test prints TAP
# ("ok N - what" / "not ok N - what") and ends with finish.
#
# Rules every test keeps: it runs as root (a missing privilege is a failure,
# never a skip); it creates its own network namespaces, named with its PID,
# and removes them on exit; it stops only the processes it started, by PID;
# traffic stays inside those namespaces.
set -u

ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
XNFT=${XNFT:-$ROOT/build-asan/src/xnft}
XPKT=${XPKT:-$ROOT/build-asan/tests/tools/xpkt}
TAP_N=0
TAP_FAILED=0
# What to clean up at exit, kept in a file so that helpers called in a
# command substitution (NS=$(ns_add host)) still register what they made.
_REGISTRY=$(mktemp /tmp/xnft-test-registry.XXXXXX)

ok()     { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); TAP_FAILED=$((TAP_FAILED + 1)); echo "not ok $TAP_N - $*"; }
diag()   { echo "# $*"; }

# check "description" command args...: ok when the command succeeds.
check() {
	local desc=$1; shift
	if "$@" >/dev/null 2>&1; then ok "$desc"; else not_ok "$desc"; fi
}

# check_fails "description" command args...: ok when the command fails the
# way a program reports bad input -- a non-zero exit of its own. A crash, a
# death by signal (exit status above 128) or a sanitizer report is not ok:
# otherwise an ASan abort would pass as "refused".
check_fails() {
	local desc=$1; shift
	local err rc
	err=$(mktemp /tmp/xnft-test-stderr.XXXXXX) || { not_ok "$desc (no temp file)"; return; }
	"$@" >/dev/null 2>"$err"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		not_ok "$desc"; diag "it succeeded"
	elif [ "$rc" -gt 128 ]; then
		not_ok "$desc"; diag "it died of signal $((rc - 128)) instead of failing"
		sed -n '1,20s/^/#   /p' "$err"
	elif grep -Eq 'Sanitizer|runtime error:' "$err"; then
		not_ok "$desc"; diag "it failed with a sanitizer report:"
		grep -E -m 5 'Sanitizer|runtime error:' "$err" | sed 's/^/#   /'
	else
		ok "$desc"
	fi
	rm -f "$err"
}

# check_eq "description" expected actual
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; diag "expected: $2"; diag "actual:   $3"; fi
}

# check_match "description" regex text
check_match() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else not_ok "$1"; diag "no match for /$2/ in:"; printf '%s\n' "$3" | sed 's/^/#   /'; fi
}

require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		not_ok "integration tests need root (CI runs them as root)"
		finish
	fi
}

# ns_add SHORTNAME: creates namespace "xt<pid>-SHORTNAME", echoes the full name.
ns_add() {
	local name="xt$$-$1"
	ip netns add "$name" || return 1
	ip -n "$name" link set lo up
	echo "ns $name" >>"$_REGISTRY"
	echo "$name"
}

# pid_start PID: the process's start time (field 22 of /proc/PID/stat), empty
# when it is gone. A PID with the same start time is the very same process.
pid_start() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo "${20}"
}

# track_pid PID: stopped (TERM, then KILL) at exit, if it is still the process
# that had this PID when it was tracked (a reused PID is never signalled).
track_pid() { echo "pid $1 $(pid_start "$1")" >>"$_REGISTRY"; }

# _signal_tracked SIG PID START: signal PID only while it is that process.
_signal_tracked() {
	[ -n "$3" ] && [ "$(pid_start "$2")" = "$3" ] && kill "-$1" "$2" 2>/dev/null
}

# tmpdir: a directory removed at exit.
tmpdir() {
	local d
	d=$(mktemp -d /tmp/xnft-test.XXXXXX) || return 1
	echo "dir $d" >>"$_REGISTRY"
	echo "$d"
}

_registered() { sed -n "s/^$1 //p" "$_REGISTRY"; }

_cleanup() {
	local p start n d
	while read -r p start; do _signal_tracked TERM "$p" "$start"; done < <(_registered pid)
	while read -r p start; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do _signal_tracked 0 "$p" "$start" || break; sleep 0.1; done
		_signal_tracked KILL "$p" "$start"
		wait "$p" 2>/dev/null
	done < <(_registered pid)
	for n in $(_registered ns); do ip netns del "$n" 2>/dev/null; done
	for d in $(_registered dir); do rm -rf "$d"; done
	rm -f "$_REGISTRY"
}
trap _cleanup EXIT
trap 'exit 130' INT TERM

finish() {
	echo "1..$TAP_N"
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}
