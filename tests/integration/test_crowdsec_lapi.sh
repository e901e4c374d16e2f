#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon as a bouncer of Debian's real CrowdSec LAPI (`crowdsec -no-cs`
# with a config, database and port of this test's own, in the test's
# namespace; cscli drives it): decisions added with cscli appear in the
# kernel sets (IPv4, IPv6 /64), ranges in the interval sets (IPv4, IPv6),
# a whitelisted address refused, and a range holding one (a /0, the host's
# /24, the mesh's /8) or overlapping a banned range refused; a longer
# decision renews the kernel timeout (of a range too), a deleted one
# leaves; the LAPI stopped and restarted: nothing lost or duplicated.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
source "$(dirname "$0")/bans_lib.sh"
source "$(dirname "$0")/crowdsec_lib.sh"
require_root
bans_setup

CS=$BANS_DIR/crowdsec
LAPI_PID=
crowdsec_config "$CS" 127.0.0.1:8080 info false
cscli() { ip netns exec "$HOST" cscli -c "$CS/config.yaml" "$@" 2>>"$CS/cscli.log"; }

# lapi_start: crowdsec's LAPI alone, in the host namespace; wait (bounded) until it answers.
lapi_start() {
	ip netns exec "$HOST" crowdsec -c "$CS/config.yaml" -no-cs >>"$CS/lapi.log" 2>&1 &
	LAPI_PID=$!
	track_pid "$LAPI_PID"
	for _ in $(seq 100); do
		cscli decisions list >/dev/null && return 0
		sleep 0.1
	done
	return 1
}
lapi_stop() { kill "$LAPI_PID" && wait "$LAPI_PID" 2>/dev/null; LAPI_PID=; }
# wait_more_pulls N: wait (bounded, 10 s) until the daemon made N more pulls.
wait_more_pulls() {
	local want=$(($(jstat '.crowdsec.pulls') + $1)) i
	for i in $(seq 100); do [ "$(jstat '.crowdsec.pulls')" -ge "$want" ] && return 0; sleep 0.1; done
	return 1
}

cscli machines add xnft-test --auto -f "$CS/local_api_credentials.yaml" \
	--url http://127.0.0.1:8080 >/dev/null
check_eq "cscli registers the test's machine" "0" "$?"
KEY=$(cscli bouncers add "xnft-$$" -o raw)
check_match "cscli makes a bouncer key" "^[0-9a-f]{16,}$" "$KEY"
(umask 077 && printf '%s\n' "$KEY" >"$BANS_DIR/cs.key")
lapi_start || { not_ok "crowdsec's LAPI starts"; sed 's/^/#   /' "$CS/lapi.log" | tail; finish; }
ok "crowdsec's LAPI starts (crowdsec -no-cs)"

cscli decisions add -i 203.0.113.7 -d 2h >/dev/null
cscli decisions add -i 2001:db8:5::9 -d 1h >/dev/null
cscli decisions add -r 198.51.100.0/24 -d 1h >/dev/null
cscli decisions add -i "$ADMIN_V4" -d 1h >/dev/null
check_eq "cscli added 4 decisions" "4" "$(cscli decisions list -o json | jq length)"
cscli decisions add -r 2001:db8:77::/48 -d 1h >/dev/null
# ranges that hold a friend: everything, the host's and admin's /24, the mesh's /8
cscli decisions add -r 0.0.0.0/0 -d 1h >/dev/null
cscli decisions add -r 198.18.0.0/24 -d 1h >/dev/null
cscli decisions add -r 10.0.0.0/8 -d 1h >/dev/null
# inside the banned /24: an interval set cannot hold both
cscli decisions add -r 198.51.100.128/25 -d 1h >/dev/null
check_eq "cscli holds 6 Range decisions" "6" \
	"$(cscli decisions list -o json | jq '[.[].decisions[] | select(.scope == "Range")] | length')"

# nets_elems SET: "PREFIX TIMEOUT" for each range in an interval set.
nets_elems() {
	ip netns exec "$HOST" nft -j list set inet xnft "$1" 2>/dev/null | jq -r '
		.nftables[] | select(.set) | (.set.elem // [])[] | (.elem // {val: .}) |
		"\(.val.prefix.addr // .val)/\(.val.prefix.len // "-") \(.timeout // 0)"'
}
in_nets() { nets_elems "$1" | awk -v a="$2" '$1 == a { f = 1 } END { exit !f }'; }
wait_in_nets() {
	local i
	for i in $(seq 50); do in_nets "$1" "$2" && return 0; sleep 0.1; done
	return 1
}

chmod 600 "$CS/local_api_credentials.yaml"
bans_config "$BANS_DIR/xnft.conf" "[crowdsec]" "url = http://127.0.0.1:8080" \
	"api_key_file = $BANS_DIR/cs.key" "poll = 200ms" "timeout = 2s" \
	"machine_credentials = $CS/local_api_credentials.yaml"
daemon_start || { not_ok "daemon starts as a bouncer"; finish; }
ok "daemon starts as a bouncer"

check "cscli's IPv4 decision is in BANNED4" wait_in_set BANNED4 203.0.113.7
check "cscli's IPv6 decision's /64 is in BANNED6" wait_in_set BANNED6 2001:db8:5::
t=$(set_elems BANNED4 | awk '$1 == "203.0.113.7" { print $2 }')
check "the kernel timeout is the decision's (2h, less the seconds since)" test "${t:-0}" -ge 7000 -a "${t:-0}" -le 7200
check_eq "the admin is not in BANNED4" "no" "$(in_set BANNED4 "$ADMIN_V4" && echo yes || echo no)"
check_match "bans list shows cscli as the origin" "203\.0\.113\.7 +crowdsec:cscli:manual" "$(xbans list)"

# --- ranges
check "the IPv4 range is in BANNED_NETS4" wait_in_nets BANNED_NETS4 198.51.100.0/24
check "the IPv6 range is in BANNED_NETS6" wait_in_nets BANNED_NETS6 2001:db8:77::/48
t=$(nets_elems BANNED_NETS4 | awk '$1 == "198.51.100.0/24" { print $2 }')
check "the range's kernel timeout is the decision's (1h, less the seconds since)" \
	test "${t:-0}" -ge 3500 -a "${t:-0}" -le 3600
check_eq "no range is skipped" "0" "$(jstat '.crowdsec.skipped_scope')"
check_eq "status shows the range sets' sizes" "65536 65536" \
	"$(jstat '.kernel.size_nets4') $(jstat '.kernel.size_nets6')"
check_eq "refused: the admin, the /0, the host's /24, the mesh's /8 and the overlapping /25" \
	"5" "$(jstat '.crowdsec.refused')"
check_eq "BANNED_NETS4 holds the /24 alone" "198.51.100.0/24" \
	"$(nets_elems BANNED_NETS4 | awk '{ print $1 }' | xargs)"
for r in 0.0.0.0/0 198.18.0.0/24 10.0.0.0/8 198.51.100.128/25; do
	check_match "the log names the refused range $r" "crowdsec: decision .* for ${r//./\\.} refused" \
		"$(cat "$BANS_DIR"/daemon.*.log)"
done
check_match "the overlap is said" "198\.51\.100\.128/25 refused: overlaps the banned range 198\.51\.100\.0/24" \
	"$(cat "$BANS_DIR"/daemon.*.log)"
check_match "bans list shows the range with its origin" "198\.51\.100\.0/24 +crowdsec:cscli:manual" \
	"$(xbans list)"
cscli decisions add -r 2001:db8:77::/48 -d 50h >/dev/null
extn() { t=$(nets_elems BANNED_NETS6 | awk '$1 == "2001:db8:77::/48" { print $2 }'); [ "${t:-0}" -gt 170000 ]; }
for _ in $(seq 50); do extn && break; sleep 0.1; done
check "a longer Range decision renews the range's kernel timeout (50h)" extn
cscli decisions add -r 203.0.113.128/26 -d 1h >/dev/null
check "another IPv4 range goes in" wait_in_nets BANNED_NETS4 203.0.113.128/26
check_eq "bans del takes a range" "203.0.113.128/26 unbanned" "$(xbans del 203.0.113.128/26 2>&1)"
for _ in $(seq 50); do in_nets BANNED_NETS4 203.0.113.128/26 || break; sleep 0.1; done
check_eq "... and it leaves BANNED_NETS4" "no" "$(in_nets BANNED_NETS4 203.0.113.128/26 && echo yes || echo no)"
cscli decisions delete -r 203.0.113.128/26 >/dev/null
check_eq "... and the range is there once" "1" "$(nets_elems BANNED_NETS6 | grep -c '^2001:db8:77::/48 ')"
cscli decisions delete -r 198.51.100.0/24 >/dev/null
for _ in $(seq 50); do in_nets BANNED_NETS4 198.51.100.0/24 || break; sleep 0.1; done
check_eq "cscli decisions delete -r: the range leaves BANNED_NETS4" "" "$(nets_elems BANNED_NETS4)"

cscli decisions add -i 203.0.113.7 -d 50h >/dev/null
ext() { t=$(set_elems BANNED4 | awk '$1 == "203.0.113.7" { print $2 }'); [ "${t:-0}" -gt 170000 ]; }
for _ in $(seq 50); do ext && break; sleep 0.1; done
check "a longer decision renews the kernel timeout (50h)" ext
cscli decisions delete -i 2001:db8:5::9 >/dev/null
check "cscli decisions delete: the /64 leaves BANNED6" wait_not_in_set BANNED6 2001:db8:5::

# --- the watcher: the daemon's own ban pushed as an alert; none of the LAPI's pushed back
HOSTNAME_SHORT=$(hostname | cut -d. -f1)
xbans add 198.51.100.77 1h >/dev/null
pushed() { cscli decisions list -v 198.51.100.77 -o json | jq -r '[.[].decisions[] | select(.origin == "crowdsec")] | .[0].scenario // empty'; }
for _ in $(seq 100); do [ -n "$(pushed)" ] && break; sleep 0.1; done
check_eq "the daemon's own ban shows in cscli decisions list, scenario xnft/HOST/RULE" \
	"xnft/$HOSTNAME_SHORT/manual" "$(pushed)"
check_eq "status counts it pushed" "1" "$(jstat '.crowdsec.watcher.pushed')"
check_match "xnft daemon --status prints the watcher line" "crowdsec watcher: 1 own ban pushed, 0 waiting" \
	"$(ip netns exec "$HOST" "$XNFT" daemon --status --socket "$BANS_DIR/daemon.sock")"
check_eq "no alert of the daemon names a LAPI decision's address" "0" \
	"$(cscli alerts list -o json | jq '[.[] | select(.scenario | startswith("xnft/")) | select(.source.value != "198.51.100.77")] | length')"
wait_more_pulls 3
check_eq "its own ban coming back from the LAPI is not taken as a LAPI ban" "manual" \
	"$(xbans list --json | jq -r '.bans[] | select(.addr == "198.51.100.77") | .rule')"

cscli decisions add -i 198.51.100.77 -d 10h >/dev/null
ext77() { t=$(set_elems BANNED4 | awk '$1 == "198.51.100.77" { print $2 }'); [ "${t:-0}" -gt 30000 ]; }
for _ in $(seq 50); do ext77 && break; sleep 0.1; done
check "a LAPI decision extends the daemon's own ban (10h)" ext77
wait_more_pulls 3
check_eq "that extension is not pushed back" "1" "$(jstat '.crowdsec.watcher.pushed')"

# a short and a long decision for one address: the short one's expiry does not lift the ban
cscli decisions add -i 203.0.113.50 -d 2s >/dev/null
cscli decisions add -i 203.0.113.50 -d 1h >/dev/null
check "two decisions for one address: banned" wait_in_set BANNED4 203.0.113.50
for _ in $(seq 100); do
	[ "$(cscli decisions list -i 203.0.113.50 -o json | jq '[.[].decisions[]] | length')" = 1 ] && break
	sleep 0.1
done
check_eq "the 2s decision expired in the LAPI" "1" \
	"$(cscli decisions list -i 203.0.113.50 -o json | jq '[.[].decisions[]] | length')"
wait_more_pulls 3
check_eq "the expiry of the short one leaves the ban" "yes" \
	"$(in_set BANNED4 203.0.113.50 && echo yes || echo no)"
cscli decisions delete -i 203.0.113.50 >/dev/null
check "cscli decisions delete -i: lifted" wait_not_in_set BANNED4 203.0.113.50

lapi_stop
for _ in $(seq 100); do [ "$(jstat '.crowdsec.reachable')" = false ] && break; sleep 0.1; done
check_eq "LAPI stopped: status says not reachable" "false" "$(jstat '.crowdsec.reachable')"
check "LAPI stopped: the bans stay" in_set BANNED4 203.0.113.7
lapi_start || not_ok "crowdsec's LAPI restarts"
cscli decisions add -i 203.0.113.99 -d 1h >/dev/null
check "after the restart a new decision arrives" wait_in_set BANNED4 203.0.113.99 150
check_eq "status says reachable" "true" "$(jstat '.crowdsec.reachable')"
check_eq "nothing lost or duplicated: BANNED4 holds 198.51.100.77, 203.0.113.7 and .99" \
	"198.51.100.77 203.0.113.7 203.0.113.99" "$(set_elems BANNED4 | awk '{ print $1 }' | sort | xargs)"
check_eq "... and BANNED_NETS6 the IPv6 range, once" "2001:db8:77::/48" \
	"$(nets_elems BANNED_NETS6 | awk '{ print $1 }' | xargs)"
# the /25 refused while the /24 was banned comes with the full list after the reconnect
check "the /25, refused for the overlap, is in BANNED_NETS4 after the full pull" \
	wait_in_nets BANNED_NETS4 198.51.100.128/25
check_eq "the engine holds as many" "5" "$(jstat '.engine.active')"

# a restart finds the range in the kernel and keeps it
daemon_stop
daemon_start || not_ok "the daemon starts again"
check_eq "after a daemon restart the range is still one ban" "2001:db8:77::/48" \
	"$(xbans list --json | jq -r '.bans[] | select(.addr | contains("/48")) | .addr')"
check_eq "... and one element" "1" "$(nets_elems BANNED_NETS6 | grep -c '^2001:db8:77::/48 ')"
check_eq "... and the engine holds 5 bans again" "5" "$(jstat '.engine.active')"

daemon_stop
check_eq "the daemon stops cleanly" "0" "$?"
check "no sanitizer report in the daemon's logs" daemon_log_clean
lapi_stop
finish
