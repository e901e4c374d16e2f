#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon's /metrics under valgrind (a build without sanitizers, made
# here unless XNFT_PLAIN names one): scrapes one by one and at once, 404,
# 405, the apply state read in a child, then a clean stop with no memory
# error and no definite leak (valgrind --error-exitcode).
source "$(dirname "$0")/lib.sh"
require_root

if ! command -v valgrind >/dev/null || ! command -v curl >/dev/null; then
	not_ok "valgrind and curl installed (tools/debian-packages.txt)"
	finish
fi
T=$(tmpdir)
PLAIN=${XNFT_PLAIN:-}
if [ -z "$PLAIN" ]; then
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

NS=$(ns_add vgm)
"$PLAIN" init "$T/policy" --wan eth0 --mesh-if wg0 --mesh 10.10.0.0/24 >/dev/null
check "default policy loads in the namespace" ip netns exec "$NS" nft -I "$T/policy" -f "$T/policy/nftables.conf"
: >"$T/events.log"
cat >"$T/xnft.conf" <<EOF
[daemon]
sources = file:$T/events.log
socket = $T/d.sock
database = $T/bans.db
policy = $T/policy
[metrics]
listen = 127.0.0.1:9586
EOF
XNFT_STATE_DIR=$T/state ip netns exec "$NS" valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --suppressions="$(dirname "$0")/valgrind.supp" --log-file="$T/valgrind.log" \
	"$PLAIN" daemon -c "$T/xnft.conf" >"$T/daemon.log" 2>&1 &
VG=$!
track_pid "$VG"
code=
for _ in $(seq 300); do
	code=$(ip netns exec "$NS" curl -s -m 20 -o "$T/m.txt" -w '%{http_code}' http://127.0.0.1:9586/metrics)
	# the apply state comes from a thread of its own: wait for its first reading too
	[ "$code" = 200 ] && grep -q '^xnft_policy_drift ' "$T/m.txt" && break
	kill -0 "$VG" 2>/dev/null || break
	sleep 0.2
done
check_eq "/metrics answers under valgrind" 200 "$code"
check "the exposition holds the rules and the apply state" grep -q '^xnft_policy_drift ' "$T/m.txt"
good=0
pids=()
for i in $(seq 8); do
	ip netns exec "$NS" curl -s -m 60 -o /dev/null -w '%{http_code}\n' http://127.0.0.1:9586/metrics >"$T/c$i" &
	pids+=($!)
done
wait "${pids[@]}"
for i in $(seq 8); do [ "$(cat "$T/c$i")" = 200 ] && good=$((good + 1)); done
check_eq "8 concurrent scrapes under valgrind" 8 "$good"
check_eq "404 under valgrind" 404 "$(ip netns exec "$NS" curl -s -m 20 -o /dev/null -w '%{http_code}' http://127.0.0.1:9586/x)"
check_eq "405 under valgrind" 405 "$(ip netns exec "$NS" curl -s -m 20 -o /dev/null -w '%{http_code}' -X PUT http://127.0.0.1:9586/metrics)"

kill -TERM "$VG"
for _ in $(seq 300); do kill -0 "$VG" 2>/dev/null || break; sleep 0.1; done
wait "$VG"
rc=$?
check_eq "valgrind: no memory error, no definite leak (exit status)" 0 "$rc"
if [ "$rc" -ne 0 ]; then head -60 "$T/valgrind.log" | sed 's/^/#   /'; tail -5 "$T/daemon.log" | sed 's/^/#   /'; fi
finish
