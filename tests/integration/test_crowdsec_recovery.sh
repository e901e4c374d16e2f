#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# After a failed pull of the CrowdSec LAPI (a fake one, fake_lapi.py) a new
# decision must not wait for the complete pull that follows: that pull runs
# beside the deltas. A pull whose answer was lost after the LAPI moved its
# idea of our last pull (as LAPI 1.4.6 does before it writes) costs the
# changes it carried: the complete pull, held by the fake LAPI while a new
# decision arrives by delta, brings them back without dropping the new one;
# nothing duplicated. An HTTP 500 (the LAPI kept its place) is followed by
# deltas only. A complete pull longer than `timeout` is given `full_timeout`.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
source "$(dirname "$0")/bans_lib.sh"
require_root
bans_setup

KEY=k3y-$$-recovery
source "$(dirname "$0")/lapi_lib.sh"
# ban ID ADDR: one ban decision of an hour.
ban() { jq -nc --argjson id "$1" --arg v "$2" '{id: $id, type: "ban", scope: "Ip", value: $v,
	duration: "1h", origin: "cscli", scenario: "manual"}'; }
yesno() { in_set BANNED4 "$1" && echo yes || echo no; }
fulls() { grep -c "startup=true" "$LAPI/requests.log"; }

A=$(ban 1 203.0.113.1)
B=$(ban 2 203.0.113.2)
L=$(ban 3 203.0.113.3)
X=$(ban 4 203.0.113.4)
Y=$(ban 5 203.0.113.5)
decisions "$A" "$B"
mode ok
lapi_start || { not_ok "fake LAPI starts"; finish; }
printf '%s\n' "$KEY" >"$BANS_DIR/cs.key"
chmod 600 "$BANS_DIR/cs.key"
bans_config "$BANS_DIR/xnft.conf" "[crowdsec]" "url = http://127.0.0.1:$(cat "$LAPI/port")" \
	"api_key_file = $BANS_DIR/cs.key" "poll = 200ms" "timeout = 1s"
daemon_start || { not_ok "daemon starts as a bouncer"; finish; }
check "startup: the first decision is in BANNED4" wait_in_set BANNED4 203.0.113.1
check "startup: the second too" wait_in_set BANNED4 203.0.113.2
check_eq "one complete pull so far (the start)" "1" "$(fulls)"

# --- 1. a pull whose answer is lost after the LAPI took it as given: B deleted, L added
touch "$LAPI/hold_full"
f0=$(jstat '.crowdsec.failures')
mode lose
check "a lost pull counts as a failure" wait_stat '.crowdsec.failures' $((f0 + 1))
decisions "$A" "$L"
lost_change() { grep -q "^lost new=3 deleted=2$" "$LAPI/requests.log"; }
for _ in $(seq 100); do lost_change && break; sleep 0.1; done
check "a pull that took the change (L new, B deleted) is lost too" lost_change
mode ok
decisions "$A" "$L" "$X"
check "a decision added after the failure reaches BANNED4 by delta" wait_in_set BANNED4 203.0.113.4 100
check_eq "... while the complete pull is still held by the LAPI" "0" \
	"$(grep -c "full answered" "$LAPI/requests.log")"
check_eq "the status says a reconciliation is running" "true" "$(jstat '.crowdsec.reconciling')"
check_eq "the complete pull was asked for" "2" "$(fulls)"
check_eq "what the lost answer carried is not there yet (L missing)" "no" "$(yesno 203.0.113.3)"
check_eq "... (B still banned)" "yes" "$(yesno 203.0.113.2)"
# the held pull outlasts `timeout = 1s` (8 pulls every 200 ms) and is not cut at it
check "deltas go on while the complete pull runs" wait_more_pulls 8
rm -f "$LAPI/hold_full"
check "the complete pull ends" wait_stat '.crowdsec.full_pulls' 1
check "it took longer than timeout and succeeded (full_timeout)" \
	test "$(jstat '.crowdsec.full_ms_last')" -gt 1000
check "the lost new decision arrives with it" wait_in_set BANNED4 203.0.113.3
check "the lost deletion is applied (reconciliation)" wait_not_in_set BANNED4 203.0.113.2
check_eq "the decision that came by delta meanwhile stays" "yes" "$(yesno 203.0.113.4)"
check_eq "reconciliation over" "false" "$(jstat '.crowdsec.reconciling')"
wait_more_pulls 3
check_eq "nothing duplicated: BANNED4 holds A, L and X" \
	"203.0.113.1 203.0.113.3 203.0.113.4" "$(set_elems BANNED4 | awk '{ print $1 }' | sort | xargs)"
check_eq "the engine holds as many bans" "3" "$(jstat '.engine.active')"
check_eq "no complete pull after that one" "2" "$(fulls)"

# --- 2. an HTTP 500: the LAPI kept its place, deltas suffice
f0=$(jstat '.crowdsec.failures')
mode error
check "an HTTP 500 counts as a failure" wait_stat '.crowdsec.failures' $((f0 + 1))
check_match "the status says why" "HTTP 500" "$(jstat '.crowdsec.last_error')"
decisions "$A" "$L" "$X" "$Y"
mode ok
check "a decision added meanwhile arrives" wait_in_set BANNED4 203.0.113.5 100
wait_more_pulls 3
check_eq "no complete pull after an HTTP 500" "2" "$(fulls)"
check_eq "none running" "false" "$(jstat '.crowdsec.reconciling')"
check_eq "BANNED4 holds exactly four" "4" "$(set_elems BANNED4 | wc -l)"

# --- 3. a complete pull that fails is tried again, the deltas going on
touch "$LAPI/hold_full"
f0=$(jstat '.crowdsec.failures')
mode lose
check "another lost pull" wait_stat '.crowdsec.failures' $((f0 + 1))
mode ok
for _ in $(seq 100); do [ "$(fulls)" -ge 3 ] && break; sleep 0.1; done
check_eq "a complete pull was asked for" "3" "$(fulls)"
decisions "$A" "$L" "$X"
check "a deletion arrives by delta meanwhile" wait_not_in_set BANNED4 203.0.113.5
touch "$LAPI/cut_full"
rm -f "$LAPI/hold_full"
check "the complete pull is cut: reported as such" wait_json \
	'.crowdsec.last_error | startswith("complete pull: ")'
rm -f "$LAPI/cut_full"
check "it is tried again and succeeds" wait_json \
	'.crowdsec.full_pulls == 2 and .crowdsec.reconciling == false'
check_eq "only one more complete pull was needed" "4" "$(fulls)"
wait_more_pulls 2
check_eq "the bans are unchanged: A, L, X" \
	"203.0.113.1 203.0.113.3 203.0.113.4" "$(set_elems BANNED4 | awk '{ print $1 }' | sort | xargs)"

daemon_stop
check_eq "the daemon stops cleanly" "0" "$?"
check "no sanitizer report in the daemon's logs" daemon_log_clean
lapi_stop
[ "$TAP_FAILED" = 0 ] || { rm -rf /tmp/p99dbg; cp -a "$BANS_DIR" /tmp/p99dbg; }
finish
