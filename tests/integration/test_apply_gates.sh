#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The gates before the kernel: lint errors refuse unless --force; intents
# must hold unless --force-intents; the lockout guard refuses a policy that
# would cut the test's own established SSH-port connection (found in
# conntrack) or the caller's SSH_CONNECTION, naming the connection and the
# rule that drops it. The kernel keeps the old policy throughout.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"
require_root
apply_setup

xn apply "$POL_A" >/dev/null 2>&1
check_eq "A applied" A "$(state_now)"

# ---- lint gate
LINT=$TEST_TMP/lint
write_policy "$LINT" 8082 'tcp dport 9999 counter log prefix "XNFT-TEST: " drop comment "unlimited log"'
prober_start
out=$(xn apply "$LINT" 2>&1); rc=$?
check_eq "lint error: exit 1" 1 "$rc"
check_match "lint error: the finding with id and file:line" 'lint/rules/00-main.nft:6: error\[XL022\]' "$out"
check_match "lint error: refused at lint" 'refused at step lint' "$out"
check_match "lint error: the hint names --force" 'give --force' "$out"
sleep 0.2
check_never_none "lint error refused" "A"
out=$(xn apply --force "$LINT" 2>&1); rc=$?
check_eq "lint error with --force: applied" 0 "$rc"
check_match "lint error with --force: says it was forced" '\[lint\] 1 error.*going on because of --force' "$out"
check_eq "lint error with --force: the new policy is loaded" B "$(state_now)"
xn rollback >/dev/null 2>&1
xn apply "$POL_A" >/dev/null 2>&1

# ---- intents gate
INT=$TEST_TMP/intents
write_policy "$INT" 8082
echo 'expect drop iif != lo tcp dport 8082 ct state new' >"$INT/intents"
prober_start
out=$(xn apply "$INT" 2>&1); rc=$?
check_eq "violated intent: exit 1" 1 "$rc"
check_match "violated intent: names the intent with file:line" 'intents:1' "$out"
check_match "violated intent: refused at intents" 'refused at step intents' "$out"
sleep 0.2
check_never_none "violated intent refused" "A"
out=$(xn apply --force-intents "$INT" 2>&1); rc=$?
check_eq "violated intent with --force-intents: applied" 0 "$rc"
check_eq "violated intent with --force-intents: B loaded" B "$(state_now)"
echo 'expect drop iif != lo tcp dport 8081 ct state new' >"$INT/intents"
out=$(xn apply "$INT" 2>&1); rc=$?
check_eq "intent that holds: applied" 0 "$rc"
check_match "intent that holds: progress says so" '\[intents\] 1 of 1 intent hold' "$out"
xn apply "$POL_A" >/dev/null 2>&1
check_eq "back to A" A "$(state_now)"

# ---- lockout guard: an established connection to port 22, held open
cat >"$TEST_TMP/hold_server.py" <<'EOF'
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 22)); s.listen(4); print("listening", flush=True)
conns = []
end = time.time() + 300
s.settimeout(1)
while time.time() < end:
    try:
        c, _ = s.accept(); conns.append(c)
    except OSError:
        pass
EOF
cat >"$TEST_TMP/hold_client.py" <<'EOF'
import socket, sys, time
c = socket.create_connection((sys.argv[1], 22), timeout=5)
print("connected %d" % c.getsockname()[1], flush=True)
time.sleep(300)
EOF
ip netns exec "$HOST" python3 "$TEST_TMP/hold_server.py" >"$TEST_TMP/srv.out" 2>&1 &
track_pid $!
for _ in $(seq 1 50); do grep -q listening "$TEST_TMP/srv.out" && break; sleep 0.1; done
ip netns exec "$PROBE" python3 "$TEST_TMP/hold_client.py" "$A_HOST" >"$TEST_TMP/cli.out" 2>&1 &
track_pid $!
for _ in $(seq 1 50); do grep -q connected "$TEST_TMP/cli.out" && break; sleep 0.1; done
cport=$(sed -n 's/^connected //p' "$TEST_TMP/cli.out")
check_match "a held TCP connection to the host's port 22" '^[0-9]+$' "$cport"

out=$(xn apply "$POL_B" 2>&1); rc=$?
check_eq "policy that keeps SSH: applied" 0 "$rc"
check_match "the lockout step found the connection (its socket and conntrack)" \
	"\\[lockout\\] 1 SSH connection\\(s\\) to this host stay open" "$out"
check_match "it lists the connection and its interface" \
	"$A_PROBE:$cport -> $A_HOST:22 \\(from socket, conntrack, arriving on eth0\\)" "$out"

CUT=$TEST_TMP/cut
write_policy "$CUT" 8081 'tcp dport 22 counter drop comment "no ssh at all"'
prober_start
out=$(xn apply "$CUT" 2>&1); rc=$?
check_eq "policy that cuts the connection: exit 1" 1 "$rc"
check_match "refused at lockout" 'refused at step lockout' "$out"
check_match "names the connection" "$A_PROBE:$cport -> $A_HOST:22 \\(from socket, conntrack" "$out"
check_match "names the dropping rule with file:line, as established traffic" \
	'as established traffic: DROPPED by rules/00-main.nft:6: tcp dport 22 counter drop' "$out"
check_match "and as a new connection" 'as a new connection: DROPPED by .*00-main.nft:6' "$out"
sleep 0.2
check_never_none "lockout refused" "B"
check "the held connection is still open (the kernel was not changed)" \
	bash -c "ip netns exec $HOST ss -Htn state established '( sport = :22 )' | grep -q ."

# SSH_CONNECTION: a client only this variable knows about
NOSELF=$TEST_TMP/noself
write_policy "$NOSELF" 8081 'ip saddr 10.77.0.9 tcp dport 22 ct state new counter drop comment "not that admin"'
out=$(SSH_CONNECTION="10.77.0.9 50022 $A_HOST 22" ip netns exec "$HOST" "$XNFT" apply "$NOSELF" 2>&1); rc=$?
check_eq "SSH_CONNECTION cut as new: exit 1" 1 "$rc"
check_match "names the SSH_CONNECTION client" "10.77.0.9:50022 -> $A_HOST:22 \\(from SSH_CONNECTION" "$out"
check_match "new connections from it would be dropped" 'as a new connection: DROPPED by rules/00-main.nft:6: ip saddr 10.77.0.9' "$out"
out=$(SSH_CONNECTION="garbage" ip netns exec "$HOST" "$XNFT" apply "$POL_A" 2>&1); rc=$?
check_eq "a malformed SSH_CONNECTION is ignored" 0 "$rc"
check_eq "A loaded" A "$(state_now)"
finish
