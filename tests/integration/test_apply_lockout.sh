#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The lockout gate against a real sshd and real ssh sessions (issue 10,
# lockout paths 1 and 2), IPv4 and IPv6, with xnft run as `sudo` runs it:
# no SSH_CONNECTION in the environment.
#   (1)  an output chain that drops sshd's replies (tcp sport $SSH_PORT);
#   (2a) the first firewall on the host: no table, conntrack flushed;
#   (2b) a conntrack entry picked up from the server's side (orig sport 22);
#   (2c) sshd on port 2222 while the new policy moves SSH_PORT to 22.
# Each cutting apply must be refused, naming the session, the direction and
# the rule, and the session must still carry a command afterwards (a new
# channel over the same TCP connection, through the ssh control socket); an
# apply that keeps the session passes. sshd and the clients are started and
# stopped by PID.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/apply_lib.sh"
require_root
apply_setup

V6_HOST=fd77::1
V6_PROBE=fd77::2
ip -n "$HOST" addr add "$V6_HOST/64" dev eth0 nodad &&
	ip -n "$PROBE" addr add "$V6_PROBE/64" dev eth0 nodad || { not_ok "IPv6 addresses"; finish; }

SSHD_DIR=$TEST_TMP/ssh
mkdir -p "$SSHD_DIR" &&
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/hostkey" &&
	ssh-keygen -q -t ed25519 -N '' -f "$SSHD_DIR/clientkey" &&
	cp "$SSHD_DIR/clientkey.pub" "$SSHD_DIR/authorized_keys" &&
	: >"$SSHD_DIR/ssh_config" || { not_ok "ssh keys"; finish; }
# sshd's privilege separation directory (the ssh unit's RuntimeDirectory); shared, kept
mkdir -p /run/sshd
cat >"$SSHD_DIR/sshd_config" <<EOF
HostKey $SSHD_DIR/hostkey
AuthorizedKeysFile $SSHD_DIR/authorized_keys
PidFile none
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
# sshd speaks first every second: conntrack then picks an idle session up from the server's side
ClientAliveInterval 1
ClientAliveCountMax 30
EOF

SSHD_PID=''
# sshd_start PORT: sshd in the host namespace, listening on PORT (bounded wait).
sshd_start() {
	ip netns exec "$HOST" /usr/sbin/sshd -D -e -f "$SSHD_DIR/sshd_config" -o "Port=$1" \
		>>"$SSHD_DIR/sshd.log" 2>&1 &
	SSHD_PID=$!
	track_pid "$SSHD_PID"
	for _ in $(seq 1 100); do
		[ "$(ip netns exec "$HOST" ss -Hltn "( sport = :$1 )" | wc -l)" -ge 2 ] && return 0
		sleep 0.1
	done
	return 1
}

# sshd_stop: the listener by PID, then (bounded) until no session of it is left.
sshd_stop() {
	kill -TERM "$SSHD_PID" 2>/dev/null
	wait_pid "$SSHD_PID" 10
	for _ in $(seq 1 100); do
		ip netns exec "$HOST" ss -Htnp state established | grep -q sshd || return 0
		sleep 0.1
	done
	return 1
}

# session_open NAME ADDR PORT: an idle ssh session from the probe (control
# socket $SSHD_DIR/NAME.ctl), its PID in SESSION_PID; waits until it is up.
SESSION_PID=''
session_open() {
	local ctl=$SSHD_DIR/$1.ctl
	ip netns exec "$PROBE" ssh -F "$SSHD_DIR/ssh_config" -i "$SSHD_DIR/clientkey" -o IdentitiesOnly=yes \
		-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile="$SSHD_DIR/known_hosts" \
		-o LogLevel=ERROR -o ServerAliveInterval=0 -M -S "$ctl" -N -p "$3" "root@$2" \
		>"$SSHD_DIR/$1.log" 2>&1 &
	SESSION_PID=$!
	track_pid "$SESSION_PID"
	for _ in $(seq 1 100); do
		ssh -F "$SSHD_DIR/ssh_config" -S "$ctl" -O check x >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# session_says NAME: a command through the session's TCP connection (a new
# channel over the control socket), bounded: "alive" when the session works.
# The answer goes to a file: the master holds the channel's output open for
# as long as the cut connection lasts, so a pipe would never end.
session_says() {
	local f=$SSHD_DIR/$1.says
	: >"$f"
	timeout 10 ssh -n -F "$SSHD_DIR/ssh_config" -S "$SSHD_DIR/$1.ctl" -o BatchMode=yes x \
		echo alive >"$f" 2>&1
	cat "$f"
}

# session_close NAME PID
session_close() {
	ssh -F "$SSHD_DIR/ssh_config" -S "$SSHD_DIR/$1.ctl" -O exit x >/dev/null 2>&1
	wait_pid "$2" 10
}

# client_port ADDR PORT: the probe's local port of its session to ADDR:PORT.
client_port() {
	ip netns exec "$PROBE" ss -Htn state established "( dport = :$2 )" |
		awk -v a="$1" 'index($3, a) { n = split($3, f, ":"); print f[n]; exit }'
}

# lk_policy DIR SSH_PORT INPUT_RULE OUTPUT_RULE: a deny-all policy that lets
# SSH in on SSH_PORT; the extra rules go before the established accept.
lk_policy() {
	mkdir -p "$1/rules" || return 1
	printf 'table inet xnft\ndelete table inet xnft\ninclude "rules/00-main.nft"\n' >"$1/nftables.conf"
	cat >"$1/rules/00-main.nft" <<-EOF
	define SSH_PORT = $2
	table inet xnft {
		chain input {
			type filter hook input priority filter; policy drop;
			iif lo counter accept comment "loopback"
			icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } ip6 hoplimit 255 counter accept comment "ndp"
			$3
			ct state established,related counter accept comment "established"
			tcp dport \$SSH_PORT counter accept comment "ssh"
		}
		chain output {
			type filter hook output priority filter; policy accept;
			$4
		}
	}
	EOF
}

# xa POLICY: xnft apply in the host namespace, as sudo runs it (no SSH_CONNECTION).
xa() { env -u SSH_CONNECTION ip netns exec "$HOST" "$XNFT" apply "$@"; }

both_alive() {
	check_eq "$1: the IPv4 session still carries a command" alive "$(session_says v4)"
	check_eq "$1: the IPv6 session still carries a command" alive "$(session_says v6)"
}

sshd_start 22 || { not_ok "sshd listens on 22"; cat "$SSHD_DIR/sshd.log" | sed 's/^/# /'; finish; }
ok "sshd listens on 22 (IPv4 and IPv6)"
session_open v4 "$A_HOST" 22 && V4_PID=$SESSION_PID || { not_ok "IPv4 session"; finish; }
session_open v6 "$V6_HOST" 22 && V6_PID=$SESSION_PID || { not_ok "IPv6 session"; sed "s/^/# /" "$SSHD_DIR/v6.log" "$SSHD_DIR/sshd.log"; finish; }
P4=$(client_port "$A_PROBE" 22)
P6=$(client_port "$V6_PROBE" 22)
check_match "an IPv4 and an IPv6 ssh session are up" '^[0-9]+ [0-9]+$' "$P4 $P6"
both_alive "before any firewall"

# ---- (2a) the first firewall: no table, conntrack empty, no SSH_CONNECTION
ip netns exec "$HOST" conntrack -F >/dev/null 2>&1
check_eq "no conntrack entry for the sessions" 0 \
	"$(ip netns exec "$HOST" conntrack -L -p tcp 2>/dev/null | grep -c 'port=22 ')"
CUT2A=$TEST_TMP/cut2a
lk_policy "$CUT2A" 22 'ip saddr 10.77.0.99 tcp dport $SSH_PORT counter accept comment "admin"
		ip6 saddr fd77::99 tcp dport $SSH_PORT counter accept comment "admin6"
		tcp dport $SSH_PORT counter drop comment "ssh only from the admins"' ''
out=$(xa "$CUT2A" 2>&1); rc=$?
check_eq "(2a) first firewall cutting SSH: exit 1" 1 "$rc"
check_match "(2a) refused at lockout" 'refused at step lockout' "$out"
check_match "(2a) names the IPv4 session, found from its socket" \
	"$A_PROBE:$P4 -> $A_HOST:22 \\(from socket, arriving on eth0\\)" "$out"
check_match "(2a) names the IPv6 session, found from its socket" \
	"\\[$V6_PROBE\\]:$P6 -> \\[$V6_HOST\\]:22 \\(from socket, arriving on eth0\\)" "$out"
check_match "(2a) names the rule and the direction" \
	'as established traffic: DROPPED by rules/00-main.nft:[0-9]+: tcp dport \$SSH_PORT counter drop' "$out"
check_match "(2a) the hint suggests --admin with the session's address" \
	'xnft init --admin 10\.77\.0\.2/32' "$out"
check_eq "(2a) no table was loaded" "" "$(table_text)"
both_alive "(2a) after the refusal"

KEEP=$TEST_TMP/keep
lk_policy "$KEEP" 22 '' ''
out=$(xa "$KEEP" 2>&1); rc=$?
check_eq "(2a) first firewall keeping SSH: applied" 0 "$rc"
check_match "(2a) the gate found both sessions" \
	'\[lockout\] 2 SSH connection\(s\) to this host stay open' "$out"
check_match "(2a) and says which port sshd serves" 'sshd serves port 22' "$out"
both_alive "(2a) after the first firewall"

# ---- (2b) conntrack picked the idle sessions up from the server's side
# (sshd speaks first every second; entries the client started are flushed until then)
server_first() {
	ip netns exec "$HOST" conntrack -L -p tcp --orig-port-src 22 2>/dev/null |
		grep -c 'ESTABLISHED'
}
client_first() {
	ip netns exec "$HOST" conntrack -L -p tcp --orig-port-dst 22 2>/dev/null | grep -c 'ESTABLISHED'
}
for _ in $(seq 1 100); do
	[ "$(server_first)" -ge 2 ] && break
	[ "$(client_first)" -gt 0 ] && ip netns exec "$HOST" conntrack -F >/dev/null 2>&1
	sleep 0.1
done
n=$(server_first)
check_eq "(2b) both sessions are in conntrack with original source port 22" 2 "$n"
[ "$n" = 2 ] || ip netns exec "$HOST" conntrack -L 2>&1 | sed 's/^/# /'
out=$(xa "$KEEP" 2>&1); rc=$?
check_eq "(2b) keeping apply: applied" 0 "$rc"
check_match "(2b) the server-first entry is matched (IPv4)" \
	"$A_PROBE:$P4 -> $A_HOST:22 \\(from socket, conntrack," "$out"
check_match "(2b) the server-first entry is matched (IPv6)" \
	"\\[$V6_PROBE\\]:$P6 -> \\[$V6_HOST\\]:22 \\(from socket, conntrack," "$out"
ip netns exec "$HOST" conntrack -F >/dev/null 2>&1
out=$(xa "$CUT2A" 2>&1); rc=$?
check_eq "(2b) after a flush, the cutting apply is refused" 1 "$rc"
check_match "(2b) it names the IPv4 session" "$A_PROBE:$P4 -> $A_HOST:22 \\(from socket" "$out"
check_match "(2b) it names the IPv6 session" "\\[$V6_PROBE\\]:$P6 -> \\[$V6_HOST\\]:22 \\(from socket" "$out"
both_alive "(2b) after the refusal"

# ---- (1) the output chain drops sshd's replies
CUT1=$TEST_TMP/cut1
lk_policy "$CUT1" 22 '' 'tcp sport $SSH_PORT counter drop comment "no replies from ssh"'
out=$(xa "$CUT1" 2>&1); rc=$?
check_eq "(1) output dropping tcp sport \$SSH_PORT: exit 1" 1 "$rc"
printf '%s\n' "$out" | sed 's/^/# /'
check_match "(1) refused at lockout" 'refused at step lockout' "$out"
check_match "(1) 2 of 2 sessions would be cut" '2 of 2 SSH connection\(s\) would be cut' "$out"
check_match "(1) names the IPv4 session" "$A_PROBE:$P4 -> $A_HOST:22" "$out"
check_match "(1) names the IPv6 session" "\\[$V6_PROBE\\]:$P6 -> \\[$V6_HOST\\]:22" "$out"
check_match "(1) names the reply direction and the output rule" \
	'its replies \(output, postrouting\) as established traffic: DROPPED by rules/00-main.nft:[0-9]+: tcp sport \$SSH_PORT counter drop' "$out"
check_match "(1) the hint names the replies" "drops this host's SSH replies" "$out"
both_alive "(1) after the refusal"
out=$(xa "$KEEP" 2>&1); rc=$?
check_eq "(1) a policy that keeps the replies: applied" 0 "$rc"
both_alive "(1) after the keeping apply"
# control: the same rule loaded behind the gate's back does cut the session
check "(1) control: the cutting policy loaded by nft -f, behind the gate's back" \
	ip netns exec "$HOST" nft -I "$CUT1" -f "$CUT1/nftables.conf"
check_fails "(1) control: with the rule loaded by nft -f the IPv4 session is cut" \
	test "$(session_says v4)" = alive
check "(1) control: the keeping policy back" ip netns exec "$HOST" nft -I "$KEEP" -f "$KEEP/nftables.conf"
check_eq "(1) control: and works again once the replies pass" alive "$(session_says v4)"

# ---- (2c) sshd on 2222; the new policy moves SSH_PORT from 2222 to 22
session_close v4 "$V4_PID"
session_close v6 "$V6_PID"
check "sshd on 22 stopped, its sessions gone" sshd_stop
sshd_start 2222 || { not_ok "sshd listens on 2222"; finish; }
ok "sshd listens on 2222"
OLD=$TEST_TMP/ssh2222
lk_policy "$OLD" 2222 '' ''
out=$(xa "$OLD" 2>&1); rc=$?
check_eq "(2c) SSH_PORT 2222 with sshd on 2222, no session yet: applied" 0 "$rc"
check_match "(2c) sshd's port found from its listening socket" 'sshd serves port 2222' "$out"
session_open v4 "$A_HOST" 2222 && V4_PID=$SESSION_PID || { not_ok "IPv4 session on 2222"; finish; }
session_open v6 "$V6_HOST" 2222 && V6_PID=$SESSION_PID || { not_ok "IPv6 session on 2222"; finish; }
P4=$(client_port "$A_PROBE" 2222)
P6=$(client_port "$V6_PROBE" 2222)
out=$(xa "$OLD" 2>&1); rc=$?
check_eq "(2c) again with the sessions on 2222: applied" 0 "$rc"
check_match "(2c) the gate found both sessions on 2222" \
	'\[lockout\] 2 SSH connection\(s\) to this host stay open' "$out"
out=$(SSH_CONNECTION="$A_PROBE $P4 $A_HOST 2222" ip netns exec "$HOST" "$XNFT" apply "$OLD" 2>&1); rc=$?
check_eq "(2c) via plain SSH (SSH_CONNECTION set): applied" 0 "$rc"
check_match "(2c) the caller's session is found three ways" \
	"$A_PROBE:$P4 -> $A_HOST:2222 \\(from SSH_CONNECTION, socket, conntrack, arriving on eth0\\)" "$out"
MOVED=$TEST_TMP/ssh22
lk_policy "$MOVED" 22 '' ''
out=$(xa "$MOVED" 2>&1); rc=$?
check_eq "(2c) SSH_PORT moved to 22 while sshd serves 2222: exit 1" 1 "$rc"
printf '%s\n' "$out" | sed 's/^/# /'
check_match "(2c) refused at lockout" 'refused at step lockout' "$out"
check_match "(2c) says sshd serves 2222, not 22" \
	"the new policy's SSH_PORT is 22, but sshd serves port 2222 \\(the confirmed policy's SSH_PORT is 2222\\)" "$out"
check_match "(2c) names the IPv4 session cut as a new connection" \
	"$A_PROBE:$P4 -> $A_HOST:2222 \\(from socket, conntrack" "$out"
check_match "(2c) names the IPv6 session" "\\[$V6_PROBE\\]:$P6 -> \\[$V6_HOST\\]:2222" "$out"
check_match "(2c) new connections on 2222 dropped" 'as a new connection: DROPPED by' "$out"
check_match "(2c) the hint says how to move sshd first" 'Port 22. next to the old one' "$out"
both_alive "(2c) after the refusal"
check_match "(2c) the running table still has SSH_PORT 2222" 'dport 2222' "$(table_text)"

session_close v4 "$V4_PID"
session_close v6 "$V6_PID"
for _ in $(seq 1 100); do
	ip netns exec "$HOST" ss -Htnp state established | grep -q sshd || break
	sleep 0.1
done
out=$(xa "$MOVED" 2>&1); rc=$?
check_eq "(2c) no session open: moving SSH_PORT away from sshd's port is still refused" 1 "$rc"
check_match "(2c) because sshd listens on 2222" \
	"lockout: the new policy moves SSH to a port sshd does not listen on" "$out"
check "sshd on 2222 stopped" sshd_stop
finish
