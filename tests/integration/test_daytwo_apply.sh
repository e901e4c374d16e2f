#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# xnft allow/deny/admin --apply in a namespace host (policy_lib.sh topology):
# after `allow` a real connection from the mesh peer to the new port opens
# and one from the internet side does not; `deny` closes it again; `admin
# add` lets the internet-side admin reach SSH, `admin del` shuts it out.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
policy_setup
export XNFT_STATE_DIR=$TEST_TMP/state
PORT=9443
ADMIN2_V4=198.18.0.3   # the internet's second source: not in ADMIN_ALLOWLIST

# xh ARGS...: xnft inside the host namespace, output in OUT, status in RC.
xh() {
	OUT=$(ip netns exec "$HOST" "$XNFT" "$@" 2>&1)
	RC=$?
	if [ "$RC" -gt 128 ] || printf '%s\n' "$OUT" | grep -Eq 'Sanitizer|runtime error:'; then
		not_ok "xnft $* ran clean (exit $RC)"
		printf '%s\n' "$OUT" | head -20 | sed 's/^/#   /'
	fi
}

for port in 22 "$PORT"; do
	start_listener "$HOST" "$TEST_TMP/tcp$port.log" --port "$port" --count 1000 --timeout-ms 170000 ||
		not_ok "TCP listener on host port $port"
done

check_eq "before: the peer cannot reach tcp/$PORT" filtered \
	"$(xconnect "$PEER" --dst "$MESH_HOST_V4" --port "$PORT")"

xh allow "tcp/$PORT" --name dash -p "$POLICY_DIR" --apply
check_eq "allow tcp/$PORT --apply exits 0" 0 "$RC"
check_match "allow --apply prints the diff" "now accepted:.*tcp dport $PORT" "$OUT"
[ "$RC" -eq 0 ] || printf '%s\n' "$OUT" | sed 's/^/#   /'
check_eq "after allow: the peer connects to tcp/$PORT over IPv4" open \
	"$(xconnect "$PEER" --dst "$MESH_HOST_V4" --port "$PORT")"
check_eq "after allow: ... and over IPv6" open \
	"$(xconnect "$PEER" --dst "$MESH_HOST_V6" --port "$PORT")"
check_eq "after allow: the internet side still cannot" filtered \
	"$(xconnect "$INET" --dst "$HOST_V4" --port "$PORT")"
check_eq "the listener saw the peer twice" 2 \
	"$(grep -c "^accepted tcp from \($PEER_V4\|$PEER_V6\) " "$TEST_TMP/tcp$PORT.log")"

xh deny "tcp/$PORT" -p "$POLICY_DIR" --apply
check_eq "deny tcp/$PORT --apply exits 0" 0 "$RC"
check_eq "after deny: the peer cannot reach tcp/$PORT" filtered \
	"$(xconnect "$PEER" --dst "$MESH_HOST_V4" --port "$PORT")"

check_eq "before admin add: $ADMIN2_V4 cannot reach SSH" filtered \
	"$(xconnect "$INET" --src "$ADMIN2_V4" --dst "$HOST_V4" --port 22)"
xh admin add "$ADMIN2_V4/32" -p "$POLICY_DIR" --apply
check_eq "admin add --apply exits 0" 0 "$RC"
[ "$RC" -eq 0 ] || printf '%s\n' "$OUT" | sed 's/^/#   /'
check_eq "after admin add: $ADMIN2_V4 reaches SSH from the internet side" open \
	"$(xconnect "$INET" --src "$ADMIN2_V4" --dst "$HOST_V4" --port 22)"
xh admin del "$ADMIN2_V4/32" -p "$POLICY_DIR" --apply
check_eq "admin del --apply exits 0" 0 "$RC"
check_eq "after admin del: $ADMIN2_V4 cannot reach SSH" filtered \
	"$(xconnect "$INET" --src "$ADMIN2_V4" --dst "$HOST_V4" --port 22)"

finish
