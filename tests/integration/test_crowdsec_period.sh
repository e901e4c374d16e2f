#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# [crowdsec] poll bounds how old the kernel's view of the LAPI gets, answer
# time included: with a fake LAPI that takes 300 ms to answer each pull the
# daemon starts its change pulls poll - 300 ms apart (as its status says),
# with one that takes 800 ms it pulls no more often than every poll / 2, and
# once the LAPI is quick again the period grows back to about a poll; the
# watcher's pushes, each waking the worker, bring no pull early. The fake
# LAPI counts the requests; no timing is asserted beyond counts.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
source "$(dirname "$0")/bans_lib.sh"
require_root
bans_setup

KEY=k3y-$$-period
source "$(dirname "$0")/lapi_lib.sh"
POLL_MS=1000
echo '[]' >"$LAPI/decisions.json"
echo 300 >"$LAPI/delay_ms"
lapi_start || { not_ok "fake LAPI starts"; finish; }
printf '%s\n' "$KEY" >"$BANS_DIR/cs.key"
printf 'login: period-test\npassword: pw-%s\n' "$$" >"$BANS_DIR/machine.yaml"
chmod 600 "$BANS_DIR/cs.key" "$BANS_DIR/machine.yaml"
bans_config "$BANS_DIR/xnft.conf" "[crowdsec]" "url = http://127.0.0.1:$(cat "$LAPI/port")" \
	"api_key_file = $BANS_DIR/cs.key" "machine_credentials = $BANS_DIR/machine.yaml" \
	"poll = 1s" "timeout = 3s" \
	"[ban.scan]" "categories = TCPFL-*" "threshold = 3" "window = 60s" "bantime = 1h"
daemon_start || { not_ok "daemon starts as a bouncer"; finish; }
ok "daemon starts as a bouncer"

changes() { grep -c "startup=false" "$LAPI/requests.log"; }
# wait_changes N: wait (bounded, 30 s) until the fake LAPI saw N more change pulls than now.
wait_changes() {
	local want=$(($(changes) + $1))
	for _ in $(seq 300); do [ "$(changes)" -ge "$want" ] && return 0; sleep 0.1; done
	return 1
}
# rate_ok WHAT FROM: the change pulls the fake LAPI saw after its first FROM came no
# more often than one every poll / 2: N pulls over a span of S ms, N - 1 <= S / (poll / 2).
rate_ok() {
	local n s
	read -r n s < <(grep "startup=false" "$LAPI/requests.log" | tail -n +"$(($2 + 1))" |
		sed 's/.* t=//' | awk 'NR == 1 { f = $1 } { l = $1 } END { print NR, l - f }')
	diag "$1: $n change pulls over $s ms (period reported: $(jstat '.crowdsec.period_ms') ms)"
	check "$1: counted enough change pulls ($n)" test "$n" -ge 6
	check "$1: no more often than one per poll / 2" test $(((n - 1) * POLL_MS / 2)) -le "$s"
}

# --- 1. each answer takes 300 ms: the period shrinks by that much
check "the first change pulls came" wait_changes 3
# both from one status: a pull between two reads could change them
read -r est per < <(jstat '"\(.crowdsec.answer_ms_estimate) \(.crowdsec.period_ms)"')
diag "300 ms answers: answer time estimated at $est ms, period $per ms"
check "the answer time is estimated at 300 to 500 ms" test "$est" -ge 300 -a "$est" -le 500
check_eq "the period is poll minus the estimate" "$((POLL_MS - est))" "$per"
check_match "xnft daemon --status prints the period" "crowdsec pulls: one every [5-7][0-9][0-9] ms" \
	"$(ip netns exec "$HOST" "$XNFT" daemon --status --socket "$BANS_DIR/daemon.sock")"
from=$(changes)
check "6 more change pulls came" wait_changes 6
rate_ok "300 ms answers" "$from"

# --- 2. each answer takes 800 ms: the estimate is clamped to poll / 2
echo 800 >"$LAPI/delay_ms"
check "800 ms answers: the estimate is clamped to poll / 2" \
	wait_json ".crowdsec.answer_ms_estimate == $((POLL_MS / 2)) and .crowdsec.period_ms == $((POLL_MS / 2))"
from=$(changes)
check "6 more change pulls came" wait_changes 6
rate_ok "800 ms answers" "$from"

# --- 3. quick answers again: after 8 of them the period is about a poll again
echo 0 >"$LAPI/delay_ms"
check "quick answers: the period grows back to over 0.8 poll" \
	wait_json ".crowdsec.period_ms > $((POLL_MS * 8 / 10))"

# --- 4. the watcher's pushes wake the worker: each is pushed at once, but no pull comes early
from=$(changes)
for i in $(seq 12); do
	feed "$(logline 198.18.1.$i)" "$(logline 198.18.1.$i)" "$(logline 198.18.1.$i)"
	wait_json ".crowdsec.watcher.pushed >= $i" || break
done
check_eq "12 own bans pushed one by one" "12" "$(jstat '.crowdsec.watcher.pushed')"
check "6 more change pulls came" wait_changes 6
rate_ok "12 pushes" "$from"
check_eq "no pull failed" "0" "$(jstat '.crowdsec.failures')"

daemon_stop
check_eq "the daemon stops cleanly" "0" "$?"
check "no sanitizer report in the daemon's logs" daemon_log_clean
lapi_stop
finish
