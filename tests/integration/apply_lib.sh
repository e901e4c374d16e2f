# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the safe-apply tests (test_apply_*.sh). Source it after lib.sh,
# then call apply_setup. It builds, in namespaces this test owns:
#
#   probe (10.77.0.2) --veth-- host (10.77.0.1, where xnft applies)
#
# and two small policies, A ("old") and B ("new"), that tell themselves
# apart from the outside in one probe round without any timeout:
#   port 8081 open in A only, 8082 open in B only, 8083 open in neither,
#   every other TCP port answered with a reset.
# Listeners run on all three ports, so a host with NO xnft table answers
# on 8083: the prober tells "A", "B", "N" (none: open host) and "X" (mixed).
# The state directory is a temp dir ($XNFT_STATE_DIR), never /var/lib/xnft.

A_HOST=10.77.0.1
A_PROBE=10.77.0.2
HOST='' PROBE='' TEST_TMP='' POL_A='' POL_B=''
PROBE_PID=''

# write_policy DIR PORT [EXTRA_RULE...]: a policy opening PORT (+22 and extras).
write_policy() {
	local dir=$1 port=$2; shift 2
	mkdir -p "$dir/rules" || return 1
	cat >"$dir/nftables.conf" <<-EOF
	table inet xnft
	delete table inet xnft
	include "rules/00-main.nft"
	EOF
	{
		echo 'define SSH_PORT = 22'
		echo 'table inet xnft {'
		echo '	chain input {'
		echo '		type filter hook input priority filter; policy drop;'
		echo '		iif lo counter accept comment "loopback"'
		for r in "$@"; do echo "		$r"; done
		echo '		ct state established,related counter accept comment "established"'
		echo "		tcp dport $port counter accept comment \"marker port $port\""
		echo '		tcp dport $SSH_PORT counter accept comment "ssh"'
		echo '		meta l4proto tcp counter reject with tcp reset comment "closed: reset"'
		echo '	}'
		echo '}'
	} >"$dir/rules/00-main.nft"
}

_apply_ns() { ns_add "$1" >/dev/null && NS_NAME="xt$$-$1"; }

apply_setup() {
	if ! [ -x "$XPKT" ] || ! [ -x "$XNFT" ]; then
		not_ok "xnft and xpkt built ($XNFT, $XPKT)"
		finish
	fi
	_apply_ns host && HOST=$NS_NAME && _apply_ns probe && PROBE=$NS_NAME || {
		not_ok "create namespaces"; finish; }
	ip -n "$HOST" link add eth0 type veth peer name eth0 netns "$PROBE" &&
		ip -n "$HOST" addr add "$A_HOST/24" dev eth0 &&
		ip -n "$PROBE" addr add "$A_PROBE/24" dev eth0 &&
		ip -n "$HOST" link set eth0 up && ip -n "$PROBE" link set eth0 up || {
		not_ok "link host and probe"; finish; }
	TEST_TMP=$(mktemp -d /tmp/xnft-test.XXXXXX) || { not_ok "temp dir"; finish; }
	echo "dir $TEST_TMP" >>"$_REGISTRY"
	export XNFT_STATE_DIR=$TEST_TMP/state
	POL_A=$TEST_TMP/polA
	POL_B=$TEST_TMP/polB
	write_policy "$POL_A" 8081 && write_policy "$POL_B" 8082 || { not_ok "write policies"; finish; }
	local p
	for p in 8081 8082 8083; do
		ip netns exec "$HOST" "$XPKT" listen --port "$p" --count 100000 --timeout-ms 600000 \
			>"$TEST_TMP/listen.$p" 2>&1 &
		track_pid $!
	done
	for _ in $(seq 1 50); do
		[ "$(cat "$TEST_TMP"/listen.* 2>/dev/null | grep -c '^listening')" -eq 3 ] && break
		sleep 0.1
	done
}

# xn ARGS...: xnft inside the host namespace.
xn() { ip netns exec "$HOST" "$XNFT" "$@"; }

# state_now: one probe round from outside: A, B, N (no table: open) or X:... (mixed).
state_now() {
	local a b c
	a=$(ip netns exec "$PROBE" "$XPKT" connect --dst "$A_HOST" --port 8081 --timeout-ms 500 2>&1)
	b=$(ip netns exec "$PROBE" "$XPKT" connect --dst "$A_HOST" --port 8082 --timeout-ms 500 2>&1)
	c=$(ip netns exec "$PROBE" "$XPKT" connect --dst "$A_HOST" --port 8083 --timeout-ms 500 2>&1)
	if [ "$c" = open ]; then echo N
	elif [ "$a" = open ] && [ "$b" = refused ] && [ "$c" = refused ]; then echo A
	elif [ "$a" = refused ] && [ "$b" = open ] && [ "$c" = refused ]; then echo B
	elif [ "$c" = refused ] && [ "$a" = "$b" ] && [ "$a" != filtered ]; then
		# the round straddled a switch: 8081 probed before it, 8082 after
		echo T
	else echo "X:$a,$b,$c"; fi
}

# prober_start: probe rounds in the background (bounded: 2000 rounds) into probe.log.
prober_start() {
	rm -f "$TEST_TMP/probe.stop" "$TEST_TMP/probe.log"
	(
		for _ in $(seq 1 2000); do
			[ -e "$TEST_TMP/probe.stop" ] && break
			state_now >>"$TEST_TMP/probe.log"
		done
	) &
	PROBE_PID=$!
	track_pid "$PROBE_PID"
	for _ in $(seq 1 50); do
		[ -s "$TEST_TMP/probe.log" ] && return 0
		sleep 0.05
	done
}

# prober_stop: end the prober; prints the distinct states it saw, in order.
# A round that straddled a switch (T) is dropped when it lies between two
# different policies; anywhere else, or twice in a row, it stays as X.
prober_stop() {
	touch "$TEST_TMP/probe.stop"
	wait_pid "$PROBE_PID" 20
	uniq -c "$TEST_TMP/probe.log" | awk '{ n[NR] = $1; s[NR] = $2 }
		END { for (i = 1; i <= NR; i++) {
			if (s[i] == "T") {
				if (n[i] == 1 && i > 1 && i < NR && s[i-1] != s[i+1] && s[i-1] ~ /^[AB]$/ &&
				    s[i+1] ~ /^[AB]$/) continue
				s[i] = "X:straddle"
			}
			printf "%s%s", (out++ ? " " : ""), s[i] } }' | awk '{ o = ""; for (i = 1; i <= NF; i++) if ($i != p) { o = o (o == "" ? "" : " ") $i; p = $i } print o }'
}

# check_never_none "desc" WANTED_SEQUENCE_REGEX: while the prober ran, the
# host always had policy A or B (never none, never mixed), in that order.
check_never_none() {
	local seen
	seen=$(prober_stop)
	check_match "$1: always old or new, never none ($seen)" "^$2\$" "$seen"
}

# wait_pid PID SECONDS
wait_pid() {
	for _ in $(seq 1 $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	wait "$1" 2>/dev/null
}

# wait_state WANT SECONDS: wait (bounded) until a probe round shows WANT.
wait_state() {
	local s
	for _ in $(seq 1 $(($2 * 5))); do
		s=$(state_now)
		[ "$s" = "$1" ] && return 0
		sleep 0.2
	done
	return 1
}

# wait_journal REGEX SECONDS: until a journal line matches.
wait_journal() {
	for _ in $(seq 1 $(($2 * 10))); do
		grep -Eq -- "$1" "$XNFT_STATE_DIR/journal" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# wait_no_pending SECONDS: until no confirm window is open (the guard finished).
wait_no_pending() {
	for _ in $(seq 1 $(($1 * 10))); do
		[ -e "$XNFT_STATE_DIR/pending" ] || return 0
		sleep 0.1
	done
	return 1
}

# table_text: xnft's table in the host, without counters.
table_text() { ip netns exec "$HOST" nft -s list table inet xnft 2>/dev/null; }

# wait_pid_gone PID: until a process we did not start has ended (bounded, 10 s).
wait_pid_gone() {
	for _ in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}

# journal_reset: start the journal afresh so wait_journal sees only what follows.
journal_reset() { : >"$XNFT_STATE_DIR/journal"; }
