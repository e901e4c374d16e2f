#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft monitor under valgrind (a build without sanitizers, made here, or
# XNFT_PLAIN): a run that notifies (webhooks and email), a second one that
# gets 304s, and one against hostile sources (huge, truncated, redirect to
# http, wrong JSON, never-ending) must end with no memory error and no
# definite leak (valgrind --error-exitcode).
source "$(dirname "$0")/lib.sh"
require_root
if ! command -v valgrind >/dev/null; then
	not_ok "valgrind installed (tools/debian-packages.txt)"
	finish
fi
source "$(dirname "$0")/monitor_lib.sh"

PLAIN=${XNFT_PLAIN:-}
if [ -z "$PLAIN" ]; then
	# a debug build without ASan: valgrind and the sanitizers do not mix
	if meson setup "$T/build" "$ROOT" --buildtype=debug >"$T/build.log" 2>&1 &&
	   ninja -C "$T/build" src/xnft >>"$T/build.log" 2>&1; then
		PLAIN=$T/build/src/xnft
		ok "plain (non-sanitized) build of xnft for valgrind"
	else
		not_ok "plain (non-sanitized) build of xnft for valgrind"
		tail -20 "$T/build.log" | sed 's/^/#   /'
		finish
	fi
fi

# vg NAME CONF ARGS...: xnft monitor under valgrind; its exit status in RC, valgrind's log in $T/NAME.vg.
RC=
vg() {
	local name=$1 conf=$2; shift 2
	timeout 300 ip netns exec "$NS" valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --log-file="$T/$name.vg" \
		"$PLAIN" monitor --config "$T/$conf.conf" "$@" >"$T/$name.out" 2>&1
	RC=$?
}
clean_run() {
	if [ "$RC" -ne 99 ] && [ ! -s "$T/$1.vg" ]; then
		ok "$1: no memory error, no definite leak"
	else
		not_ok "$1: no memory error, no definite leak (exit $RC)"
		head -40 "$T/$1.vg" | sed 's/^/#   /'
	fi
}

conf good
chmod 600 "$T/good.conf"
vg first good
check_eq "first run under valgrind: new HIGH findings, exit 1" 1 "$RC"
clean_run first
check_eq "... notified: 4 messages to Slack, 4 emails" "4 4" \
	"$(grep -c '"hook": "slack"' "$LOG") $(grep -c '"smtp": true' "$LOG")"
vg second good
check_eq "second run: 304s, nothing new, exit 0" 0 "$RC"
clean_run second
conf hostile kernel=/huge nftables=/truncated nvd=/wrong.json list=/redirect-http git=/slow
vg hostile hostile
check_eq "hostile sources: exit 2" 2 "$RC"
clean_run hostile
check_eq "every source's failure named (6 queries)" 6 "$(grep -c '^xnft monitor: source ' "$T/hostile.out")"
finish
