# SPDX-License-Identifier: GPL-2.0-or-later
# The fake CrowdSec LAPI (fake_lapi.py) for the bouncer tests: sourced after
# bans_lib.sh and bans_setup. The LAPI's state lives in $LAPI (decisions.json,
# mode, requests.log, ...); KEY is the bouncer key it accepts.

LAPI=$BANS_DIR/lapi
mkdir -p "$LAPI"
LAPI_PID=

# lapi_start [PORT]: the fake LAPI in the host namespace (port 0: any free
# one, written to $LAPI/port); waits (bounded, 5 s) until it listens.
lapi_start() {
	rm -f "$LAPI/port"
	ip netns exec "$HOST" python3 "$(dirname "$0")/fake_lapi.py" "$LAPI" "${1:-0}" "$KEY" \
		>"$LAPI/server.log" 2>&1 &
	LAPI_PID=$!
	track_pid "$LAPI_PID"
	for _ in $(seq 50); do [ -s "$LAPI/port" ] && return 0; sleep 0.1; done
	return 1
}
lapi_stop() { kill "$LAPI_PID" && wait "$LAPI_PID" 2>/dev/null; LAPI_PID=; }

# decisions JSON...: the LAPI's active decisions now.
decisions() { printf '%s\n' "$@" | jq -s . >"$LAPI/decisions.tmp" && mv "$LAPI/decisions.tmp" "$LAPI/decisions.json"; }
# mode MODE: how the fake LAPI answers the next pulls (ok, garbage, lose, error, ...).
mode() { echo "$1" >"$LAPI/mode"; }

# wait_more_pulls N: wait (bounded, 10 s) until the daemon made N more pulls than now.
wait_more_pulls() {
	local want=$(($(jstat '.crowdsec.pulls') + $1))
	for _ in $(seq 100); do [ "$(jstat '.crowdsec.pulls')" -ge "$want" ] && return 0; sleep 0.1; done
	return 1
}
# wait_json FILTER: wait (bounded, 30 s) until the jq FILTER on the daemon's status is true.
wait_json() {
	for _ in $(seq 300); do [ "$(jstat "$1" 2>/dev/null)" = true ] && return 0; sleep 0.1; done
	return 1
}
