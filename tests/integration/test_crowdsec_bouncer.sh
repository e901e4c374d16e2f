#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon as a bouncer of a CrowdSec Local API (a fake one,
# fake_lapi.py, serving the documented stream): Ip ban decisions land in
# BANNED4/BANNED6 with the LAPI's duration as timeout and the origin in
# `bans list`, a Range in BANNED_NETS4; other types are counted and skipped; the
# whitelist wins; an extension renews the kernel timeout; a deletion lifts
# the LAPI's ban but never the daemon's own; a wrong key, garbage, a huge
# answer, a hung LAPI and a LAPI stopped and restarted: clear status,
# nothing lost, nothing duplicated, no sanitizer report.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
source "$(dirname "$0")/bans_lib.sh"
require_root
bans_setup

KEY=k3y-$$-test
source "$(dirname "$0")/lapi_lib.sh"
# dec ID TYPE SCOPE VALUE DURATION ORIGIN SCENARIO: one decision object.
dec() {
	jq -nc --argjson id "$1" --arg t "$2" --arg s "$3" --arg v "$4" --arg d "$5" --arg o "$6" \
		--arg sc "$7" '{id: $id, type: $t, scope: $s, value: $v, duration: $d, origin: $o,
		scenario: $sc}'
}
pulls() { jstat '.crowdsec.pulls'; }
timeout_of() { set_elems "$1" | awk -v a="$2" '$1 == a { print $2 }'; }

D_V4=$(dec 1 ban Ip 203.0.113.7 3h59m58.5s cscli manual)
D_V6=$(dec 2 ban Ip 2001:db8:5::9 1h crowdsec crowdsecurity/ssh-bf)
D_RANGE=$(dec 3 ban Range 198.51.100.0/24 1h lists firehol)
D_CAPTCHA=$(dec 4 captcha Ip 203.0.113.8 1h crowdsec crowdsecurity/http-probing)
D_ADMIN=$(dec 5 ban Ip "$ADMIN_V4" 1h cscli manual)
D_BAD=$(dec 6 ban Ip 203.0.113.300 1h cscli manual)
decisions "$D_V4" "$D_V6" "$D_RANGE" "$D_CAPTCHA" "$D_ADMIN" "$D_BAD"
mode ok
lapi_start 0 || { not_ok "fake LAPI starts"; finish; }
PORT=$(cat "$LAPI/port")
printf '%s\n' "$KEY" >"$BANS_DIR/cs.key"

# a key file others can read is refused at start, with the file named
chmod 644 "$BANS_DIR/cs.key"
bans_config "$BANS_DIR/xnft.conf" "[crowdsec]" "url = http://127.0.0.1:$PORT/" \
	"api_key_file = $BANS_DIR/cs.key" "poll = 200ms" "timeout = 1s" "max_response_mb = 1"
out=$(ip netns exec "$HOST" "$XNFT" daemon -c "$BANS_DIR/xnft.conf" 2>&1)
rc=$?
check_eq "a key file readable by others: exit 2" "2" "$rc"
check_match "the message names the key file and says chmod 600" "cs.key.*chmod 600|chmod 600.*cs.key" \
	"$(echo "$out" | tr '\n' ' ')"
chmod 600 "$BANS_DIR/cs.key"

daemon_start || { not_ok "daemon starts as a bouncer"; finish; }
ok "daemon starts as a bouncer"

# --- 1. startup: Ip decisions in, the rest counted
check "the IPv4 decision is in BANNED4" wait_in_set BANNED4 203.0.113.7
check "the IPv6 decision's /64 is in BANNED6" wait_in_set BANNED6 2001:db8:5::
t=$(timeout_of BANNED4 203.0.113.7)
diag "kernel timeout of 203.0.113.7: ${t}s (decision 3h59m58.5s = 14398s)"
check "its kernel timeout is the decision's duration" test "${t:-0}" -ge 14390 -a "${t:-0}" -le 14399
check "the admin's address was refused (whitelist wins)" test "$(jstat '.crowdsec.refused')" -ge 1
check_eq "the admin is not in BANNED4" "no" "$(in_set BANNED4 "$ADMIN_V4" && echo yes || echo no)"
check_eq "the captcha decision is skipped, counted" "1" "$(jstat '.crowdsec.skipped_type')"
range4() {
	ip netns exec "$HOST" nft -j list set inet xnft BANNED_NETS4 | jq -r '.nftables[] | select(.set) |
		(.set.elem // [])[] | "\(.elem.val.prefix.addr)/\(.elem.val.prefix.len)"'
}
check_eq "the Range decision is in BANNED_NETS4" "198.51.100.0/24" "$(range4)"
check_eq "no scope is skipped" "0" "$(jstat '.crowdsec.skipped_scope')"
check_eq "the malformed address is counted" "1" "$(jstat '.crowdsec.malformed')"
check "the log sums the batch up in one line" grep -q "crowdsec: 3 ban(s) applied or extended, 0 lifted, 1 refused (full list)" "$DAEMON_LOG"
check_eq "and names no LAPI ban one by one" "0" "$(grep -c "banned 203.0.113.7" "$DAEMON_LOG")"
check_eq "captcha's address not banned" "no" "$(in_set BANNED4 203.0.113.8 && echo yes || echo no)"
list=$(xbans list)
check_match "bans list shows the origin cscli" "203\.0\.113\.7 +crowdsec:cscli:manual" "$list"
check_match "bans list shows the scenario" "2001:db8:5::/64 +crowdsec:crowdsec:crowdsecurity/ssh-bf" "$list"
check_eq "... and each decision's origin, as the metrics label it" "cscli crowdsec" \
	"$(xbans list --json | jq -r '[.bans[] | select(.addr == "203.0.113.7" or .addr == "2001:db8:5::/64") | .origin] | sort | reverse | join(" ")')"
check "status says the LAPI is reachable" test "$(jstat '.crowdsec.reachable')" = true
check_match "xnft daemon --status prints the crowdsec line" "crowdsec: http://127.0.0.1:$PORT reachable" \
	"$(ip netns exec "$HOST" "$XNFT" daemon --status --socket "$BANS_DIR/daemon.sock")"
grep -q "key=BAD" "$LAPI/requests.log"
check_eq "every request carried the API key" "1" "$?"

# --- 2. the daemon's own ban is not lifted by a LAPI deletion of the same address
xbans add 198.51.100.77 2h >/dev/null
decisions "$D_V4" "$D_V6" "$(dec 7 ban Ip 198.51.100.77 1h cscli manual)"
check "a LAPI decision for an address the daemon banned arrives" wait_more_pulls 2
decisions "$D_V4" "$D_V6"
wait_more_pulls 2
check_eq "its deletion leaves the daemon's own ban" "yes" \
	"$(in_set BANNED4 198.51.100.77 && echo yes || echo no)"
check_eq "the deleted Range leaves BANNED_NETS4" "" "$(range4)"

# --- 3. extension renews the kernel timeout; deletion lifts
decisions "$(dec 1 ban Ip 203.0.113.7 100h cscli manual)" "$D_V6"
ext() { t=$(timeout_of BANNED4 203.0.113.7); [ "${t:-0}" -gt 300000 ]; }
for _ in $(seq 50); do ext && break; sleep 0.1; done
check "an extended decision renews the kernel timeout (100h)" ext
decisions "$D_V6"
check "a deleted decision leaves BANNED4" wait_not_in_set BANNED4 203.0.113.7
check "the other decision stays" in_set BANNED6 2001:db8:5::

# two decisions for one address: the ban goes with the last of them only
decisions "$D_V6" "$(dec 10 ban Ip 203.0.113.50 1h cscli manual)" "$(dec 11 ban Ip 203.0.113.50 2h crowdsec x/y)"
check "two decisions for one address: banned" wait_in_set BANNED4 203.0.113.50
decisions "$D_V6" "$(dec 11 ban Ip 203.0.113.50 2h crowdsec x/y)"
wait_more_pulls 2
check_eq "the first deleted: still banned" "yes" "$(in_set BANNED4 203.0.113.50 && echo yes || echo no)"
decisions "$D_V6"
check "the second deleted: lifted" wait_not_in_set BANNED4 203.0.113.50

# --- 4. failures: clear status, bans kept
fail_case() {   # MODE REGEX DESCRIPTION
	mode "$1"
	local i
	for i in $(seq 100); do
		[ "$(jstat '.crowdsec.reachable')" = false ] && break
		sleep 0.1
	done
	check_eq "$3: status says not reachable" "false" "$(jstat '.crowdsec.reachable')"
	check_match "$3: the status says why" "$2" "$(jstat '.crowdsec.last_error')"
	check "$3: the bans stay" in_set BANNED6 2001:db8:5::
	check "$3: a manual ban goes in meanwhile" xbans add 198.51.100.78 1h
	mode ok
	# retries back off (poll * 2^n): up to 30 s
	for i in $(seq 300); do
		[ "$(jstat '.crowdsec.reachable')" = true ] && break
		sleep 0.1
	done
	check_eq "$3: reachable again after" "true" "$(jstat '.crowdsec.reachable')"
}
fail_case forbidden "refused the API key \(HTTP 403\)" "a wrong key"
fail_case garbage "not JSON" "garbage"
fail_case huge "larger than 1 MiB" "a 2 MiB answer"
fail_case slow "[Tt]imeout|timed out" "a LAPI that hangs"
fail_case cut "127.0.0.1:$PORT" "a connection closed without answer"

# --- 5. LAPI stopped, changes made meanwhile, restarted: reconciled
lapi_stop
for _ in $(seq 100); do [ "$(jstat '.crowdsec.reachable')" = false ] && break; sleep 0.1; done
check_eq "LAPI stopped: not reachable" "false" "$(jstat '.crowdsec.reachable')"
decisions "$(dec 8 ban Ip 203.0.113.99 2h cscli manual)" "$(dec 9 ban Ip 203.0.113.100 2h cscli manual)"
lapi_start "$PORT" || not_ok "fake LAPI restarts on its port"
check "a decision added while it was down arrives" wait_in_set BANNED4 203.0.113.99 150
check "and another" wait_in_set BANNED4 203.0.113.100
check "one deleted while it was down is lifted (full reconciliation)" wait_not_in_set BANNED6 2001:db8:5::
check_eq "the daemon's own bans stay" "yes yes" \
	"$(in_set BANNED4 198.51.100.77 && echo yes) $(in_set BANNED4 198.51.100.78 && echo yes)"
wait_more_pulls 3
check_eq "nothing duplicated: BANNED4 holds exactly four" "4" "$(set_elems BANNED4 | wc -l)"
check_eq "the engine holds as many bans as the sets" "4" "$(jstat '.engine.active')"
grep -q "startup=true" <(tail -n +2 "$LAPI/requests.log")
check_eq "after failures the bouncer asked for everything again" "0" "$?"

# --- 6. reload: a new bouncer, a full pull, the bans unchanged; a bad key file keeps the old one
n0=$(grep -c "startup=true" "$LAPI/requests.log")
kill -HUP "$DAEMON_PID"
check "SIGHUP: the daemon reloads" wait_stat '.reloads' 1
for _ in $(seq 100); do [ "$(grep -c "startup=true" "$LAPI/requests.log")" -gt "$n0" ] && break; sleep 0.1; done
check "the new bouncer asked for everything" test "$(grep -c "startup=true" "$LAPI/requests.log")" -gt "$n0"
wait_more_pulls 2
check_eq "the bans are unchanged after the reload" "4" "$(set_elems BANNED4 | wc -l)"
chmod 644 "$BANS_DIR/cs.key"
kill -HUP "$DAEMON_PID"
check "SIGHUP with a key file others can read: reloaded" wait_stat '.reloads' 2
check "the log says the key file is refused and the old bouncer goes on" \
	grep -q "reload: crowdsec:.*cs.key.*previous settings" "$DAEMON_LOG"
check "the old bouncer still pulls" wait_more_pulls 2
chmod 600 "$BANS_DIR/cs.key"

# --- 7. a policy from before ranges (no BANNED_NETS4/6): a range is refused, the rest goes in
sed -i '/set BANNED_NETS[46] {/,/}/d' "$POLICY_DIR/rules/00-tables.nft"
sed -i '/@BANNED_NETS[46]/d' "$POLICY_DIR/rules/15-antiscan.nft"
check "the policy without the range sets loads" policy_load
check "the daemon puts its bans back into it" wait_in_set BANNED4 203.0.113.99
r0=$(jstat '.crowdsec.refused')
decisions "$(dec 8 ban Ip 203.0.113.99 2h cscli manual)" "$(dec 9 ban Ip 203.0.113.100 2h cscli manual)" \
	"$(dec 12 ban Range 192.0.2.128/25 1h lists firehol)" "$(dec 13 ban Ip 203.0.113.101 1h cscli manual)"
check "an address decided with the range goes in" wait_in_set BANNED4 203.0.113.101
check_eq "the range is refused, counted" "$((r0 + 1))" "$(jstat '.crowdsec.refused')"
check "the log says the policy has no set for ranges" \
	grep -q "192.0.2.128/25 refused: the loaded policy has no set BANNED_NETS4" "$DAEMON_LOG"
check_eq "status shows no range set" "0 0" "$(jstat '.kernel.size_nets4') $(jstat '.kernel.size_nets6')"
check_eq "no kernel error" "0" "$(jstat '.kernel.errors')"

# --- 8. a TLS error: https to a LAPI that speaks plain HTTP
bans_config "$BANS_DIR/xnft.conf" "[crowdsec]" "url = https://127.0.0.1:$PORT" \
	"api_key_file = $BANS_DIR/cs.key" "poll = 200ms" "timeout = 1s"
kill -HUP "$DAEMON_PID"
check "reloaded with an https URL" wait_stat '.reloads' 3
# the new bouncer is "not reachable" until its first pull: wait for that pull's error
for _ in $(seq 100); do [ -n "$(jstat '.crowdsec.last_error')" ] && break; sleep 0.1; done
check_eq "a TLS error: not reachable" "false" "$(jstat '.crowdsec.reachable')"
check_match "a TLS error: the status says it is TLS" "SSL|TLS|ssl|tls" "$(jstat '.crowdsec.last_error')"
check "a TLS error: the bans stay" in_set BANNED4 203.0.113.99

daemon_stop
check_eq "the daemon stops cleanly" "0" "$?"
check "no sanitizer report in the daemon's logs" daemon_log_clean
lapi_stop
finish
