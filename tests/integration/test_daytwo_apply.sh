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

# admin add --for: a temporary entry in the kernel only, expired by the kernel.
files_before=$(cd "$POLICY_DIR" && find . -type f | sort | xargs md5sum | md5sum)
xh admin add "$ADMIN2_V4/32" --for 3s -p "$POLICY_DIR"
check_eq "admin add --for without --apply exits 0" 0 "$RC"
check_match "... and prints the command that adds it" "admin add $ADMIN2_V4/32 --for 3s -p .* --apply" "$OUT"
check_eq "... and leaves $ADMIN2_V4 out" filtered \
	"$(xconnect "$INET" --src "$ADMIN2_V4" --dst "$HOST_V4" --port 22)"
xh admin add "$ADMIN2_V4/32" --for 3s -p "$POLICY_DIR" --apply
check_eq "admin add --for 3s --apply exits 0" 0 "$RC"
[ "$RC" -eq 0 ] || printf '%s\n' "$OUT" | sed 's/^/#   /'
check_match "... and prints the diff" "now accepted:" "$OUT"
check_eq "after admin add --for: $ADMIN2_V4 reaches SSH" open \
	"$(xconnect "$INET" --src "$ADMIN2_V4" --dst "$HOST_V4" --port 22)"
xh admin list -p "$POLICY_DIR"
check_match "admin list shows the entry with its time left" "^$ADMIN2_V4/32  temporary: [0-3]s left of 3s" "$OUT"
check_eq "admin add --for wrote nothing to the files" "$files_before" \
	"$(cd "$POLICY_DIR" && find . -type f | sort | xargs md5sum | md5sum)"
xh status
check_eq "status: a temporary entry is not drift from the confirmed policy (exit 0)" 0 "$RC"
[ "$RC" -eq 0 ] || printf '%s\n' "$OUT" | sed 's/^/#   /'
# ... while a permanent element added by hand is drift, timeout flag or not.
ip netns exec "$HOST" nft add element inet xnft ADMIN_ALLOWLIST '{ 198.18.0.77 }'
xh status
check_eq "status: a hand-added permanent ADMIN_ALLOWLIST element is drift (exit 1)" 1 "$RC"
ip netns exec "$HOST" nft delete element inet xnft ADMIN_ALLOWLIST '{ 198.18.0.77 }'
xh status
check_eq "status: without it, no drift again" 0 "$RC"
# The kernel removes the element: wait for it to leave the set (bounded), then connect.
gone=no
for _ in $(seq 1 100); do
	if ! ip netns exec "$HOST" nft list set inet xnft ADMIN_ALLOWLIST | grep -q "$ADMIN2_V4"; then
		gone=yes
		break
	fi
	sleep 0.1
done
check_eq "the kernel expired the entry within 10 s" yes "$gone"
check_eq "after it expired: $ADMIN2_V4 cannot reach SSH" filtered \
	"$(xconnect "$INET" --src "$ADMIN2_V4" --dst "$HOST_V4" --port 22)"
xh admin add 192.168.7.0/24 --for 1h -p "$POLICY_DIR" --apply
check_eq "admin add --for refuses a private range like admin add" 1 "$RC"
xh admin add "$ADMIN2_V4/32" --for 0s -p "$POLICY_DIR" --apply
check_eq "admin add --for 0s is refused" 1 "$RC"
xh admin add "$ADMIN2_V4/32" --for 31d -p "$POLICY_DIR" --apply
check_eq "admin add --for 31d is refused" 1 "$RC"
check_match "... naming the longest" "at most 30 days" "$OUT"
xh admin del "$ADMIN2_V4/32" --for 3s -p "$POLICY_DIR"
check_eq "admin del --for is a usage error" 2 "$RC"
xh set add ADMIN_ALLOWLIST "$ADMIN2_V4/32" --for 1h -p "$POLICY_DIR" --apply
check_eq "set add ADMIN_ALLOWLIST --for 1h --apply exits 0" 0 "$RC"
[ "$RC" -eq 0 ] || printf '%s\n' "$OUT" | sed 's/^/#   /'
check_eq "after set add --for: $ADMIN2_V4 reaches SSH" open \
	"$(xconnect "$INET" --src "$ADMIN2_V4" --dst "$HOST_V4" --port 22)"
check_match "the kernel holds it with a timeout" "$ADMIN2_V4 timeout 1h" \
	"$(ip netns exec "$HOST" nft list set inet xnft ADMIN_ALLOWLIST)"
xh admin add "$ADMIN2_V4/32" --for 2h -p "$POLICY_DIR" --apply
check_eq "adding a temporary entry again exits 0" 0 "$RC"
check_match "... and its time starts again (timeout 2h)" "$ADMIN2_V4 timeout 2h" \
	"$(ip netns exec "$HOST" nft list set inet xnft ADMIN_ALLOWLIST)"
xh services -p "$POLICY_DIR"
check_match "services lists the temporary entry with its time left" \
	"^  $ADMIN2_V4/32  [0-9]+s left" "$OUT"
xh services -p "$POLICY_DIR" --json
check_eq "services --json: temporary_admin" "$ADMIN2_V4/32" \
	"$(printf '%s' "$OUT" | jq -r '.temporary_admin[0].cidr')"
xh set add MESH_PEERS 10.99.0.0/24 --for 1h -p "$POLICY_DIR" --apply
check_eq "set add MESH_PEERS --for is a usage error (no timeouts there)" 2 "$RC"

# allow --rate: a per-source limit on new connections (2 per hour: no refill
# while the test runs, so the third connection is over the rate).
RPORT=9444
start_listener "$HOST" "$TEST_TMP/tcp$RPORT.log" --port "$RPORT" --count 1000 --timeout-ms 120000 ||
	not_ok "TCP listener on host port $RPORT"
xh allow "tcp/$RPORT" --rate 2/hour -p "$POLICY_DIR" --apply
check_eq "allow tcp/$RPORT --rate 2/hour --apply exits 0" 0 "$RC"
[ "$RC" -eq 0 ] || printf '%s\n' "$OUT" | sed 's/^/#   /'
check_match "... and the diff names the per-source limit" "while under 2/hour per ip saddr" "$OUT"
check_match "... and the check passes (lint and intents)" "intents: [0-9]+ of [0-9]+ hold" "$OUT"
check_eq "rate: the peer's first connection opens" open \
	"$(xconnect "$PEER" --dst "$MESH_HOST_V4" --port "$RPORT")"
check_eq "rate: the second opens (within the burst)" open \
	"$(xconnect "$PEER" --dst "$MESH_HOST_V4" --port "$RPORT")"
check_eq "rate: the third is over the rate and dropped" filtered \
	"$(xconnect "$PEER" --dst "$MESH_HOST_V4" --port "$RPORT")"
check_eq "rate: another peer has its own budget" open \
	"$(xconnect "$PEER2" --dst "$MESH_HOST_V4" --port "$RPORT")"
check_eq "rate: the peer over IPv6 has its own budget" open \
	"$(xconnect "$PEER" --dst "$MESH_HOST_V6" --port "$RPORT")"
check_match "rate: the over-rate drop counted the peer's third SYN" "^[1-9][0-9]*$" \
	"$(rule_counter "tcp-$RPORT over the per-source rate")"
xh deny "tcp/$RPORT" -p "$POLICY_DIR" --apply
check_eq "deny of the rated service exits 0" 0 "$RC"
check_eq "after deny: no rule of the rated service is left" 0 \
	"$(grep -c "tcp dport $RPORT" "$POLICY_DIR/rules/40-services.nft")"

# A tree from before --for: ADMIN_ALLOWLIST without the timeout flag.
sed -i '/set ADMIN_ALLOWLIST {/,/}/s/flags interval, timeout/flags interval/' \
	"$POLICY_DIR/rules/00-tables.nft"
xh apply "$POLICY_DIR"
check_eq "the tree without the timeout flag applies" 0 "$RC"
xh admin add "$ADMIN2_V4/32" --for 1h -p "$POLICY_DIR" --apply
check_eq "admin add --for on a set without the timeout flag: exit 2" 2 "$RC"
check_match "... saying what to add" "no timeout flag.*" "$OUT"
check_eq "... and nothing added" filtered \
	"$(xconnect "$INET" --src "$ADMIN2_V4" --dst "$HOST_V4" --port 22)"

finish
