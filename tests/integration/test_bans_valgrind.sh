#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The ban daemon under valgrind (a build without sanitizers, made here): a
# short run fed by a file source with bans, garbage, control requests, a
# reload and a policy re-apply must end with no memory error and no
# definite leak (valgrind --error-exitcode).
source "$(dirname "$0")/lib.sh"
require_root

if ! command -v valgrind >/dev/null; then
	not_ok "valgrind installed (tools/debian-packages.txt)"
	finish
fi
T=$(tmpdir)
PLAIN=${XNFT_PLAIN:-}
if [ -z "$PLAIN" ]; then
	# A debug build without ASan: valgrind and the sanitizers do not mix.
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

NS=$(ns_add vg)
"$PLAIN" init "$T/policy" --wan eth0 --mesh-if wg0 --mesh 10.10.0.0/24 >/dev/null
check "default policy loads in the namespace" ip netns exec "$NS" nft -I "$T/policy" -f "$T/policy/nftables.conf"
: >"$T/events.log"
# a fake CrowdSec LAPI for the bouncer's thread (test_crowdsec_bouncer.sh has the details)
mkdir -p "$T/lapi" && printf 'vg-key\n' >"$T/cs.key" && chmod 600 "$T/cs.key"
printf '[{"id":1,"type":"ban","scope":"Ip","value":"203.0.113.77","duration":"1h","origin":"cscli","scenario":"m"},{"id":2,"type":"ban","scope":"Ip","value":"2001:db8:77::1","duration":"1h","origin":"cscli","scenario":"m"}]' >"$T/lapi/decisions.json"
ip netns exec "$NS" python3 "$(dirname "$0")/fake_lapi.py" "$T/lapi" 0 vg-key >/dev/null 2>&1 &
track_pid $!
for _ in $(seq 50); do [ -s "$T/lapi/port" ] && break; sleep 0.1; done
cat >"$T/xnft.conf" <<EOF
[daemon]
sources = file:$T/events.log
socket = $T/d.sock
database = $T/bans.db
max_offenders = 64
[whitelist]
addresses = 192.0.2.0/24
[crowdsec]
url = http://127.0.0.1:$(cat "$T/lapi/port")
api_key_file = $T/cs.key
poll = 200ms
[ban.scan]
categories = TCPFL-*, DROP
threshold = 2
window = 30s
bantime = 1h
EOF
line() { echo "Nov 23 18:00:00 host kernel: XNFT-DROP: IN=eth0 OUT= SRC=$1 DST=10.0.0.1 LEN=40 TOS=0x00 PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=4000 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0"; }

ip netns exec "$NS" valgrind -q --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite --suppressions="$(dirname "$0")/valgrind.supp" --log-file="$T/valgrind.log" \
	"$PLAIN" daemon -c "$T/xnft.conf" >"$T/daemon.log" 2>&1 &
VG=$!
track_pid "$VG"
up=no
for _ in $(seq 300); do
	if ip netns exec "$NS" "$PLAIN" daemon --status --socket "$T/d.sock" >/dev/null 2>&1; then up=yes; break; fi
	kill -0 "$VG" 2>/dev/null || break
	sleep 0.1
done
check_eq "daemon comes up under valgrind" yes "$up"

for i in $(seq 100); do line "198.51.100.$((i % 50))"; done >>"$T/events.log"
for i in $(seq 100); do line "2001:db8:$i::1"; done >>"$T/events.log"
for i in $(seq 20); do line 192.0.2.9; line 127.0.0.1; done >>"$T/events.log"
head -c 50000 /dev/urandom >>"$T/events.log"; echo >>"$T/events.log"
full=$(line 198.51.100.200)
for n in 5 25 45 65 85 105 125; do echo "${full:0:$n}" >>"$T/events.log"; done
head -c 300000 /dev/zero | tr '\0' 'Q' >>"$T/events.log"; echo >>"$T/events.log"
banned=0
for _ in $(seq 100); do
	banned=$(ip netns exec "$NS" nft -j list set inet xnft BANNED4 | jq '[.nftables[] | select(.set) | (.set.elem // [])[]] | length')
	[ "$banned" -ge 50 ] && break
	sleep 0.1
done
check "50 IPv4 scanners banned under valgrind" test "$banned" -ge 50
lapi_in() { ip netns exec "$NS" nft get element inet xnft BANNED4 "{ 203.0.113.77 }" >/dev/null 2>&1; }
for _ in $(seq 100); do lapi_in && break; sleep 0.1; done
check "a LAPI decision banned under valgrind" lapi_in
echo garbage >"$T/lapi/mode"
# the failure is counted; the complete pull that follows runs once a pull succeeds again
cs_failures() { ip netns exec "$NS" "$PLAIN" daemon --status --json --socket "$T/d.sock" | jq '.crowdsec.failures'; }
for _ in $(seq 100); do [ "$(cs_failures)" -ge 1 ] && break; sleep 0.1; done
echo ok >"$T/lapi/mode"
printf '[]' >"$T/lapi/decisions.json"
for _ in $(seq 100); do lapi_in || break; sleep 0.1; done
check "a garbage answer, then the decision deleted: lifted under valgrind" test "$(lapi_in && echo y || echo n)" = n
check "bans list" ip netns exec "$NS" "$PLAIN" bans --socket "$T/d.sock" list
check "bans add" ip netns exec "$NS" "$PLAIN" bans --socket "$T/d.sock" add 203.0.113.9 5m
check "bans del" ip netns exec "$NS" "$PLAIN" bans --socket "$T/d.sock" del 203.0.113.9
check_fails "bans add refused (whitelisted)" ip netns exec "$NS" "$PLAIN" bans --socket "$T/d.sock" add 192.0.2.1
check "daemon --reload" ip netns exec "$NS" "$PLAIN" daemon --reload --socket "$T/d.sock"
echo "[nonsense" >>"$T/xnft.conf"
check_fails "daemon --reload of a bad config is refused" ip netns exec "$NS" "$PLAIN" daemon --reload --socket "$T/d.sock"
ip netns exec "$NS" nft -I "$T/policy" -f "$T/policy/nftables.conf"
back=0
for _ in $(seq 100); do
	back=$(ip netns exec "$NS" nft -j list set inet xnft BANNED4 | jq '[.nftables[] | select(.set) | (.set.elem // [])[]] | length')
	[ "$back" -ge 50 ] && break
	sleep 0.1
done
check "bans put back after a policy re-apply" test "$back" -ge 50
check "status answers" ip netns exec "$NS" "$PLAIN" daemon --status --socket "$T/d.sock"

kill -TERM "$VG"
for _ in $(seq 300); do kill -0 "$VG" 2>/dev/null || break; sleep 0.1; done
wait "$VG"
rc=$?
check_eq "valgrind: no memory error, no definite leak (exit status)" 0 "$rc"
if [ "$rc" -ne 0 ]; then head -60 "$T/valgrind.log" | sed 's/^/#   /'; tail -5 "$T/daemon.log" | sed 's/^/#   /'; fi
finish
