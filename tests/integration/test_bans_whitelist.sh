#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The ban daemon never bans a whitelisted address, by any path: another tool
# committing to an unrelated set in a tight loop while the whitelist is read
# again does not shrink it (the admin's forged lines ban nothing); an address
# added live to ADMIN_ALLOWLIST loses its ban at once and cannot be banned
# again; a ban whitelisted while the daemon was down is not adopted at start
# and leaves the kernel set; the host's own addresses, the unspecified and
# broadcast addresses and multicast are refused. Also the messages: a bad
# duration, a user the socket turns away, a second daemon.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
source "$(dirname "$0")/bans_lib.sh"
require_root
bans_setup

bans_config "$BANS_DIR/xnft.conf" \
	"[ban.scan]" "categories = TCPFL-*" "threshold = 3" "window = 60s" "bantime = 1h"
daemon_start || { not_ok "daemon starts"; finish; }
ok "daemon starts"
pol=$(jstat '.whitelist.policy')
check_eq "the policy's four whitelist entries are read" "4" "$pol"

# admin_lines N: N forged NULL-scan lines naming the admin, v4 and v6.
admin_lines() {
	local i
	for i in $(seq "$1"); do feed "$(logline "$ADMIN_V4")" "$(logline "$ADMIN_V6")"; done
}

# --- 1. a concurrent nft writer while the whitelist is read again
in_ns "$HOST" nft add table inet other
in_ns "$HOST" nft add set inet other junk '{ type ipv4_addr; }'
# another tool committing 800 times, as fast as nft goes, in the host namespace
ip netns exec "$HOST" bash -c '
	for i in $(seq 400); do
		nft add element inet other junk "{ 10.1.$((i / 250)).$((i % 250)) }" || exit 1
		nft delete element inet other junk "{ 10.1.$((i / 250)).$((i % 250)) }" || exit 1
	done' >"$BANS_DIR/writer.log" 2>&1 </dev/null &
WRITER=$!
track_pid "$WRITER"
reloads=0 shrunk=0
ev0=$(jstat '.engine.events')
while kill -0 "$WRITER" 2>/dev/null && [ "$reloads" -lt 40 ]; do
	kill -HUP "$DAEMON_PID"
	admin_lines 2
	reloads=$((reloads + 1))
	wait_stat '.reloads' "$reloads" || break
	[ "$(jstat '.whitelist.policy')" = "$pol" ] || shrunk=$((shrunk + 1))
done
wait "$WRITER"
check_eq "the writer loop ran to its end (400 adds and deletes)" "0" "$?"
diag "$reloads reloads during the writer loop; whitelist read errors: $(jstat '.whitelist.read_errors')"
check_ge "at least 5 reloads happened while the writer ran" 5 "$reloads"
check_eq "the whitelist never shrank" "0" "$shrunk"
check "the daemon read every admin line" wait_stat '.engine.events' $((ev0 + reloads * 4))
check_eq "the admin was never banned" "0" "$(jstat '.engine.active')"
check_eq "BANNED4 is empty" "" "$(set_elems BANNED4)"

# --- 2. an address added live to ADMIN_ALLOWLIST while it is banned
NEWADM=198.18.0.50
xbans add "$NEWADM" 1h >/dev/null
check "a manual ban puts $NEWADM in BANNED4" wait_in_set BANNED4 "$NEWADM"
in_ns "$HOST" nft add element inet xnft ADMIN_ALLOWLIST "{ $NEWADM }"
if wait_not_in_set BANNED4 "$NEWADM"; then ok "once in ADMIN_ALLOWLIST its ban leaves BANNED4"
else not_ok "once in ADMIN_ALLOWLIST its ban leaves BANNED4"; sed 's/^/#   /' "$DAEMON_LOG" | tail -20; fi
check_eq "and the daemon's list" "" "$(xbans list --json | jq -r '.bans[].addr' | grep -x "$NEWADM")"
check_eq "the daemon counted one ban lifted by the whitelist" "1" "$(jstat '.whitelist.lifted')"
wl0=$(jstat '.engine.whitelisted')
feed "$(logline "$NEWADM")" "$(logline "$NEWADM")" "$(logline "$NEWADM")"
check "three forged lines for it are whitelisted" wait_stat '.engine.whitelisted' $((wl0 + 3))
check_eq "and ban nothing" "no" "$(in_set BANNED4 "$NEWADM" && echo yes || echo no)"
check_fails "bans add refuses it now" xbans add "$NEWADM"

# --- 2. adoption at start: filtered, and the store's rule name kept
feed "$(logline 198.18.0.60)" "$(logline 198.18.0.60)" "$(logline 198.18.0.60)"
check "a scanner is banned by rule scan" wait_in_set BANNED4 198.18.0.60
xbans add 198.18.0.61 1h >/dev/null
check "a second ban is in BANNED4" wait_in_set BANNED4 198.18.0.61
check "daemon stops" daemon_stop
in_ns "$HOST" nft add element inet xnft ADMIN_ALLOWLIST "{ 198.18.0.61 }"
daemon_start || not_ok "daemon restarts"
check_eq "after restart the scanner's ban keeps its rule (scan, not adopted)" "scan" \
	"$(xbans list --json | jq -r '.bans[] | select(.addr == "198.18.0.60") | .rule')"
check_match "the start took it from the history, none was adopted as unknown" \
	"reconciled: 1 ban\\(s\\) kept from the history, 0 found only in the kernel set, 1 whitelisted ban\\(s\\) taken out" \
	"$(cat "$DAEMON_LOG")"
check "the ban whitelisted while the daemon was down leaves BANNED4" \
	wait_not_in_set BANNED4 198.18.0.61
check_eq "and is not in the daemon's list" "" \
	"$(xbans list --json | jq -r '.bans[].addr' | grep -x 198.18.0.61)"

# --- 2. the restore after a re-apply: a ban the new policy whitelists is not put back
xbans add 198.18.0.62 1h >/dev/null
check "198.18.0.62 is banned" wait_in_set BANNED4 198.18.0.62
P2=$TEST_TMP/policy2
"$XNFT" init "$P2" --wan eth0 --mesh-if wg0 --mesh 10.10.0.0/24 --mesh fd10::/64 \
	--admin "$ADMIN_V4/32" --admin 198.18.0.62/32 --admin "$ADMIN_V6/128" \
	--bogon-exempt 198.18.0.0/15 --bogon-exempt 2001:2::/48 --service "tcp/$WEB_PORT:web" \
	>/dev/null || not_ok "a second policy with 198.18.0.62 in ADMIN_ALLOWLIST"
ip netns exec "$HOST" nft -I "$P2" -f "$P2/nftables.conf"
check "the re-applied policy gets the other bans back" wait_in_set BANNED4 198.18.0.60
check_eq "but not the one it whitelists" "no" "$(in_set BANNED4 198.18.0.62 && echo yes || echo no)"
check_eq "which the daemon no longer lists" "" \
	"$(xbans list --json | jq -r '.bans[].addr' | grep -x 198.18.0.62)"
policy_load

# --- 3. the host's own addresses and addresses no packet comes from
check_ge "the host's addresses are on the whitelist" 4 "$(jstat '.whitelist.host')"
wl0=$(jstat '.engine.whitelisted')
feed "$(logline "$HOST_V4")" "$(logline "$HOST_V4")" "$(logline "$HOST_V4")" \
	"$(logline "$MESH_HOST_V6")" "$(logline "$MESH_HOST_V6")" "$(logline "$MESH_HOST_V6")"
check "forged lines naming the host's own addresses are whitelisted" \
	wait_stat '.engine.whitelisted' $((wl0 + 6))
check_eq "the host's address is not banned" "no" "$(in_set BANNED4 "$HOST_V4" && echo yes || echo no)"
out=$(xbans add "$HOST_V4" 2>&1); rc=$?
check_eq "bans add $HOST_V4 (the host's own) exits 1" "1" "$rc"
check_match "and says it is whitelisted" "whitelisted" "$out"
for a in 0.0.0.0 255.255.255.255 :: 224.0.0.1 239.1.2.3 ff02::1; do
	out=$(xbans add "$a" 2>&1); rc=$?
	check_eq "bans add $a exits 1" "1" "$rc"
	check_match "bans add $a says why" "unspecified|broadcast|multicast" "$out"
done
check_eq "none of them is banned" "" "$(set_elems BANNED4 | grep -E '^(0\.0\.0\.0|255\.|22[4-9]\.|23[0-9]\.)')"

# --- 10. messages
out=$(xbans add 203.0.113.9 "1h 2h" 2>&1); rc=$?
check_eq "bans add ADDR '1h 2h' exits 1" "1" "$rc"
check_match "it names the duration, not the address" "'1h 2h' is not a duration" "$out"
chmod 666 "$BANS_DIR/daemon.sock"
chmod 755 "$TEST_TMP" "$BANS_DIR"
out=$(ip netns exec "$HOST" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$XNFT" bans --socket "$BANS_DIR/daemon.sock" list 2>&1); rc=$?
check_match "a user the socket turns away gets exit 1 or 2, not SIGPIPE (141)" "^[12]\$" "$rc"
check_match "with a clear error" "may not use the daemon's control socket|only root and the daemon's own user" "$out"
chmod 600 "$BANS_DIR/daemon.sock"
second=$BANS_DIR/second.log
ip netns exec "$HOST" "$XNFT" daemon -c "$BANS_DIR/xnft.conf" >"$second" 2>&1 &
spid=$!
track_pid "$spid"
wait "$spid"; rc=$?
check_eq "a second daemon exits 2" "2" "$rc"
check_match "saying another daemon is listening" "another xnft daemon is listening" "$(cat "$second")"
check_eq "before it read or wrote the kernel set (no reconcile)" "" "$(grep reconciled "$second")"
check "the first daemon still answers" dstatus

# --- 3. an address the host gains while it is banned
xbans add 198.18.0.90 1h >/dev/null
check "198.18.0.90 is banned" wait_in_set BANNED4 198.18.0.90
ip -n "$HOST" addr add 198.18.0.90/32 dev eth0
check "once the host holds 198.18.0.90, its ban is lifted" wait_not_in_set BANNED4 198.18.0.90
check "daemon stops" daemon_stop

# --- 1. a policy read that fails keeps the last good whitelist, and is retried
bans_config "$BANS_DIR/xnft.conf" "policy = $POLICY_DIR" \
	"[ban.scan]" "categories = TCPFL-*" "threshold = 3" "window = 60s" "bantime = 1h"
daemon_start || { not_ok "daemon starts reading the policy directory"; finish; }
check_eq "the policy directory gives the four whitelist entries" "4" "$(jstat '.whitelist.policy')"
mv "$POLICY_DIR" "$POLICY_DIR.away"
kill -HUP "$DAEMON_PID"
check "a reload while the policy cannot be read counts a read error" \
	wait_stat '.whitelist.read_errors' 1
check_eq "the whitelist keeps the four entries read before" "4" "$(jstat '.whitelist.policy')"
check_match "the note says it keeps them" "policy not read .*keeping the 4 entries" \
	"$(jstat '.whitelist.note')"
ev0=$(jstat '.engine.events')
admin_lines 3
check "the admin's lines are read" wait_stat '.engine.events' $((ev0 + 6))
check_eq "and ban nothing" "0 no" \
	"$(jstat '.engine.bans') $(in_set BANNED4 "$ADMIN_V4" && echo yes || echo no)"
check "the read is retried with backoff (a second error)" wait_stat '.whitelist.read_errors' 2
mv "$POLICY_DIR.away" "$POLICY_DIR"
errs=$(jstat '.whitelist.read_errors')
check_match "once the policy is back, a retry reads it" "^4 entries from" \
	"$(for _ in $(seq 50); do n=$(jstat '.whitelist.note'); case $n in 4\ entries*) break;; esac; sleep 0.1; done; echo "$n")"
check "daemon stops" daemon_stop
check "no sanitizer report in the daemon logs" daemon_log_clean
finish
