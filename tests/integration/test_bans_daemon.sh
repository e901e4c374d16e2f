#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The ban daemon against a real kernel: a NULL scan from the internet reaches
# the daemon through NFLOG and ends with the scanner in BANNED4; its next
# packets are dropped by the ban rule; the ban expires on time; the second
# offence doubles it; the ban survives a daemon restart and a policy re-apply
# (sets recreated empty); IPv6 is banned per /64.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
source "$(dirname "$0")/bans_lib.sh"
require_root
bans_setup
nflog_table || not_ok "NFLOG logging table in the host"

bans_config "$BANS_DIR/xnft.conf" \
	"[escalation]" "factor = 2" "max = 1h" \
	"[ban.scan]" "categories = TCPFL-*" "threshold = 3" "window = 30s" "bantime = 3s"
check "daemon --check accepts the config" "$XNFT" daemon --check -c "$BANS_DIR/xnft.conf"
daemon_start || { not_ok "daemon starts in the host namespace"; finish; }
ok "daemon starts and answers on its control socket"
check_eq "control socket is mode 0600" "600" "$(stat -c %a "$BANS_DIR/daemon.sock")"
check_eq "whitelist holds loopback, MESH_PEERS*, ADMIN_ALLOWLIST*, the host's addresses" "6" \
	"$(jstat '.whitelist.entries - .whitelist.host')"

# --- a NULL scan from the internet, seen through NFLOG
xpkt "$INET" send --dst "$HOST_V4" --proto tcp --flags none --dport 1000 --count 5 >/dev/null
if wait_in_set BANNED4 "$INET_V4"; then ok "NULL scan over NFLOG: $INET_V4 lands in BANNED4"
else not_ok "NULL scan over NFLOG: $INET_V4 lands in BANNED4"; diag "$(dstatus)"; fi
check_match "the element carries the ban's timeout (3s)" "^$INET_V4 3\$" "$(set_elems BANNED4)"
check_match "xnft bans list shows it, rule scan, first offence, origin xnft (the daemon's own rule)" \
	"^$INET_V4 +scan +1 .* xnft\$" "$(xbans list)"

before=$(rule_json)
xpkt "$INET" send --dst "$HOST_V4" --proto tcp --flags syn --dport 22 --count 4 >/dev/null
after=$(rule_json)
check_eq "the banned source's next 4 packets are dropped by the ban rule" "4" \
	"$(snap_rise "$before" "$after" "ban: source banned")"
check_eq "a second internet source is not banned" "no" \
	"$(in_set BANNED4 "$INET2_V4" && echo yes || echo no)"

# --- expiry, then escalation
check "the ban expires on time (3 s; waited at most 8 s)" wait_not_in_set BANNED4 "$INET_V4" 80
xpkt "$INET" send --dst "$HOST_V4" --proto tcp --flags none --dport 1001 --count 5 >/dev/null
check "second offence: banned again" wait_in_set BANNED4 "$INET_V4"
check_match "second offence: the ban doubles to 6 s" "^$INET_V4 6\$" "$(set_elems BANNED4)"
check_eq "second offence: bans list says offence 2" "2" \
	"$(xbans list --json | jq -r --arg a "$INET_V4" '.bans[] | select(.addr == $a) | .offence')"

# --- restart: the ban is adopted from the kernel set, history kept
check "daemon stops on SIGTERM with status 0" daemon_stop
check "the ban stays in the kernel while the daemon is down" in_set BANNED4 "$INET_V4"
daemon_start || not_ok "daemon restarts"
check_eq "after restart the daemon lists the ban it found, offence 2" "2" \
	"$(xbans list --json | jq -r --arg a "$INET_V4" '.bans[] | select(.addr == $a) | .offence')"
check "after restart the element is still in BANNED4" in_set BANNED4 "$INET_V4"

# --- re-apply the policy: the table comes back with empty sets
xbans add 203.0.113.77 1h >/dev/null
policy_load
t0=$(date +%s%N)
if wait_in_set BANNED4 203.0.113.77 50; then
	t1=$(date +%s%N)
	ok "policy re-applied: the bans are put back"
	diag "put back $(( (t1 - t0) / 1000000 )) ms after nft -f returned"
else
	not_ok "policy re-applied: the bans are put back"
fi
check "policy re-applied: the scanner's ban is back too" in_set BANNED4 "$INET_V4"
check_eq "the daemon counted one restore" "1" "$(jstat '.kernel.restores')"
check_match "its log says it did it in one batch" "put [0-9]+ ban\\(s\\) back in the kernel in one batch" \
	"$(cat "$BANS_DIR"/daemon.*.log)"

# --- IPv6: banned per /64; a /64 holding a whitelisted address never
feed "$(logline 2001:db8:77:1::5)" "$(logline 2001:db8:77:1::6)" "$(logline 2001:db8:77:1:ffff::7)"
check "three IPv6 addresses of one /64 ban the /64" wait_in_set BANNED6 2001:db8:77:1::
ip -n "$INET" addr add 2001:2:0:1::5/128 dev eth0 nodad
feed "$(logline 2001:2:0:1::5)" "$(logline 2001:2:0:1::5)" "$(logline 2001:2:0:1::5)"
check "a scanner at 2001:2:0:1::5 gets 2001:2:0:1::/64 banned" wait_in_set BANNED6 2001:2:0:1::
before=$(rule_json)
xpkt "$INET" send --src 2001:2:0:1::5 --dst "$HOST_V6" --proto tcp --flags syn --dport 22 --count 3 >/dev/null
after=$(rule_json)
check_eq "its packets are dropped by the /64 ban rule" "3" \
	"$(snap_rise "$before" "$after" "ban: /64 banned")"
feed "$(logline "$INET2_V6")" "$(logline "$INET2_V6")" "$(logline "$INET2_V6")"
wait_stat '.engine.whitelist_overlap' 1
check_eq "2001:2::/64 holds ADMIN_ALLOWLIST6's $ADMIN_V6: never banned" "no" \
	"$(in_set BANNED6 2001:2:: && echo yes || echo no)"

# --- by hand
check "bans add puts an address in with its timeout" xbans add 192.0.2.200 2m
# The daemon gives the kernel the ban's time left to the millisecond and the
# set lists whole seconds, so a 2-minute ban that took a millisecond to land
# reads 119.
check_match "... 2 minutes" "^192.0.2.200 (119|120)\$" "$(set_elems BANNED4)"
check "bans add again renews the kernel timeout" xbans add 192.0.2.200 10m
check_match "... now 10 minutes" "^192.0.2.200 (599|600)\$" "$(set_elems BANNED4)"
check "bans del lifts it" xbans del 192.0.2.200
check "... and it is gone from the kernel" wait_not_in_set BANNED4 192.0.2.200 10
check_fails "bans add of a mesh peer is refused" xbans add "$PEER_V4"
check_fails "bans add of the break-glass admin is refused" xbans add "$ADMIN_V4"
check_fails "bans add of loopback is refused" xbans add 127.0.0.1
check_fails "bans add of nonsense is refused" xbans add not-an-address
out=$(xbans add 10.0.0.0/8 2>&1)
check_match "a refusal says why" "IPv4 bans are single addresses" "$out"

check "daemon is still running" kill -0 "$DAEMON_PID"
check "daemon stops cleanly" daemon_stop
check "no sanitizer report in the daemon's logs" daemon_log_clean
finish
