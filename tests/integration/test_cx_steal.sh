#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_cx_steal.sh: issue 24's statements that send, steal or take over a
# packet (dup, fwd, tproxy, synproxy, ct helper/timeout/expectation objects,
# masquerade over IPv6, reject in netdev), sockets, osf and ct labels. Part 1
# (no kernel): xnft's trace states the answer written next to each check.
# Part 2: the fixtures are loaded in the host namespace of policy_lib.sh's
# topology, packets sent for real, and the kernel's `nft monitor trace`
# compared rule by rule with `xnft trace --live --json` (trace_lib.sh), as
# test_constructs.sh does.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}
FX=$ROOT/tests/integration/fixtures_constructs
J=$(tmpdir)

# ---- part 1: the answers, without a kernel ---------------------------------------------

w4="iifname eth0 ip saddr 198.18.0.2 ip daddr 198.18.0.1"
w6="iifname eth0 ip6 saddr 2001:2::2 ip6 daddr 2001:2::1"
out=$("$XNFT" trace "$FX/steal.nft" $w4 udp dport 7955 2>&1)
check_match "dup to: the original goes on through both dup rules" 'steal.nft:46 +\[match\]' "$out"

# a named synproxy object is a synproxy (nft_synproxy's object runs the same eval)
out=$("$XNFT" trace "$FX/steal.nft" $w4 tcp dport 7960 tcp flags syn 2>&1)
check_match "synproxy name: an untracked SYN is answered and stolen" 'accept .*by steal.nft:51' "$out"
out=$("$XNFT" trace "$FX/steal.nft" $w6 tcp dport 7960 tcp flags syn 2>&1)
check_match "synproxy name over IPv6: the SYN is dropped (IPv4 checksum check)" 'drop at input, .*steal.nft:76' "$out"
out=$("$XNFT" trace "$FX/steal.nft" $w4 udp dport 7960 2>&1)
check_match "synproxy name: a UDP packet ends the rule" 'steal.nft:53 +\[ -- \]' "$out"
check_match "synproxy name: ... said why" 'not a TCP packet: synproxy ends the rule' "$out"

# ct expectation set: no conntrack entry, or a later packet, ends the rule
out=$("$XNFT" trace "$FX/steal.nft" $w4 udp dport 7953 2>&1)
check_match "ct expectation set: an untracked packet ends the rule" 'steal.nft:43 +\[ -- \]' "$out"
check_match "ct expectation set: ... for want of an entry" 'no conntrack entry \(ct state untracked\) to expect from' "$out"
out=$("$XNFT" trace "$FX/steal.nft" $w4 udp dport 7952 2>&1)
check_match "ct expectation set: a new connection goes on" 'steal.nft:42 +\[match\]' "$out"
out=$("$XNFT" trace "$FX/steal.nft" $w4 udp dport 7952 ct state established 2>&1)
check_match "ct expectation set: a later packet ends the rule, said so" \
	'steal.nft:42: ct expectation set "exp4": the connection taken as having no ct helper' "$out"
out=$("$XNFT" trace "$FX/steal.nft" $w4 tcp dport 7950 2>&1)
check_match "ct helper set: the rule goes on" 'steal.nft:40 +\[match\]' "$out"

# tproxy: the other family ends the rule; the socket is taken as found, said so
out=$("$XNFT" trace "$FX/steal.nft" $w6 tcp dport 7954 2>&1)
check_match "tproxy ip: an IPv6 packet ends the rule" \
	"tproxy ip to :7954: an IPv6 packet: 'tproxy ip' ends the rule" "$out"
check_match "tproxy ip6: printed as nft writes it, and taken as finding a socket, said so" \
	'steal.nft:98: tproxy ip6 to \[::1\]:7954: a transparent socket taken as found' "$out"
# osf: an IPv4 TCP SYN reads "unknown" with no fingerprints loaded; anything else ends the rule
out=$("$XNFT" trace "$FX/sockets.nft" $w4 tcp dport 7980 tcp flags syn 2>&1)
check_match "osf: != on an IPv4 SYN holds (\"unknown\")" 'sockets.nft:16 +\[match\]' "$out"
check_match "osf: ... said on the rule" 'sockets.nft:16: osf taken as "unknown": no OS fingerprints loaded' "$out"
check_match "osf: printed with its ttl mode, as nft writes it" 'tcp dport 7980 osf ttl skip name != "Linux" counter' "$out"
check_match "socket: the socket lookup is stated on the rule" \
	'sockets.nft:11: socket wildcard 1: taken as not matching \(no socket is known' "$out"
out=$("$XNFT" trace "$FX/sockets.nft" $w4 tcp dport 7980 tcp flags ack 2>&1)
check_match "osf: a TCP packet without SYN ends the rule" 'osf reads only a SYN' "$out"
check_match "osf: ... != does not hold" 'sockets.nft:16 +\[ -- \]' "$out"
out=$("$XNFT" trace "$FX/sockets.nft" $w6 tcp dport 7980 tcp flags syn 2>&1)
check_match "osf: an IPv6 SYN ends the rule" 'osf reads only an IPv4 TCP packet' "$out"
printf 'table inet t {\n chain input {\n  type filter hook input priority 0; policy drop;\n  tcp dport 22 osf name "Linux" accept\n  osf name != "Linux" udp dport 53 accept\n }\n}\n' >"$J/osf.nft"
out=$("$XNFT" exposure "$J/osf.nft" 2>&1)
check_match "osf: exposure keeps an IPv4 SYN on the fingerprint, said so" \
	'IPv4: tcp flags syn tcp dport 22 — if osf name "Linux" \(depends on the OS fingerprints loaded\)' "$out"
check_fails "osf: exposure never accepts by osf what osf ends (UDP, IPv6)" grep -q 'udp dport 53\|IPv6' <<<"$out"

# ct label N is bit N of the labels this trace set; ct label set N ORs it in
out=$("$XNFT" trace "$FX/labels.nft" $w4 udp dport 7990 2>&1)
check_match "ct label: a new connection has none" 'labels.nft:8 +\[ -- \]' "$out"
check_match "ct label set: a later rule sees the label" 'labels.nft:10 +\[match\]' "$out"
check_match "ct label: ... and not another" 'labels.nft:11 +\[ -- \]' "$out"
check_match "ct label !=: false when label 5 is the only one set (the whole mask compared)" \
	'ct label != 5: the connection.s labels have label 5$' "$out"
check_fails "ct label set: nothing assumed for labels by number" grep -q 'ct label taken as' <<<"$out"
out=$("$XNFT" trace "$FX/labels.nft" $w4 udp dport 7991 2>&1)
check_match "ct label: an untracked packet ends the rule" \
	'ct label 5: no conntrack entry \(ct state untracked\)' "$out"

cat >"$J/ex.nft" <<'EOF2'
table inet t {
	ct expectation e {
		protocol tcp
		dport 7999
		timeout 1m
		size 4
		l3proto ip
	}
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		meta l4proto tcp tproxy ip6 to :7971 meta mark set 7
	}
	chain input {
		type filter hook input priority 0; policy drop;
		udp dport 7970 ct expectation set "e" accept
		meta mark 7 accept
	}
}
EOF2
out=$("$XNFT" exposure "$J/ex.nft" 2>&1)
check_match "tproxy: exposure takes both outcomes of the socket lookup, said so" \
	'IPv6, ct state != invalid,untracked: tcp — some only if tproxy ip6 to :7971 \(whether a transparent socket takes it\)' "$out"
check_fails "tproxy ip6: exposure never marks IPv4 by it" grep -q 'IPv4.*tproxy' <<<"$out"
check_match "ct expectation set: exposure takes both outcomes for later packets, said so" \
	'udp dport 7970 — some only if ct expectation set "e" \(whether the connection has a ct helper\)' "$out"
check_fails "ct expectation set: untracked packets are not accepted by it" \
	grep -q 'ct state invalid,untracked: .*7970' <<<"$out"

# ---- part 2: the kernel, rule by rule ----------------------------------------------------

source "$(dirname "$0")/trace_lib.sh"
trace_start

source "$(dirname "$0")/cx_lib.sh"

tag=300
: >"$T/steal.pk"
for port in 7950 7954 7960 7961 7962; do
	pk inet "$INET_V4" "$HOST_V4" tcp "$port" $((tag++)) >>"$T/steal.pk"
	pk6 inet "$INET_V6" "$HOST_V6" tcp "$port" $((tag++)) >>"$T/steal.pk"
done
for port in 7951 7952 7953 7955 7957 7958 7959 7960 7962; do
	pk inet "$INET_V4" "$HOST_V4" udp "$port" $((tag++)) >>"$T/steal.pk"
	pk6 inet "$INET_V6" "$HOST_V6" udp "$port" $((tag++)) >>"$T/steal.pk"
done
pkw host "$HOST_V6" "$INET_V6" 7956 $((tag++)) "oifname eth0" >>"$T/steal.pk"
# tproxy without a transparent socket ends the rule where xnft takes the socket as found,
# said so on the rule (4 decisions)
STATED_OK=4 kernel_batch "dup, fwd, tproxy, synproxy, ct objects, masquerade, reject" steal.nft "$T/steal.pk"

# ---- sockets: nft_socket and nft_tproxy look one up; tsock.py makes it exist ------------

SOCK_PID='' SOCK_START=''
sock_start() { # PORT [transparent]: listening sockets in the host namespace
	ip netns exec "$HOST" python3 "$ROOT/tests/tools/tsock.py" "$1" 300 ${2:+"$2"} \
		>"$J/tsock.out" 2>&1 &
	SOCK_PID=$!
	SOCK_START=$(pid_start "$SOCK_PID")
	track_pid "$SOCK_PID"
	for _ in $(seq 1 50); do
		grep -q '^ready$' "$J/tsock.out" && return 0
		kill -0 "$SOCK_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "tsock.py: $(head -3 "$J/tsock.out")"
	return 1
}
sock_stop() { # the listener started above, if it is still that process
	[ -n "$SOCK_PID" ] && [ "$(pid_start "$SOCK_PID")" = "$SOCK_START" ] && kill "$SOCK_PID"
	wait "$SOCK_PID" 2>/dev/null
	SOCK_PID=
}

: >"$T/sock.pk"
for src in "$INET_V4" "$INET_V6"; do
	dst=$HOST_V4
	[[ $src == *:* ]] && dst=$HOST_V6
	pkf inet "$src" "$dst" 7980 $((tag++)) syn >>"$T/sock.pk"
	pkf inet "$src" "$dst" 7980 $((tag++)) ack >>"$T/sock.pk"
done
pk inet "$INET_V4" "$HOST_V4" udp 7981 $((tag++)) >>"$T/sock.pk"
pk6 inet "$INET_V6" "$HOST_V6" udp 7981 $((tag++)) >>"$T/sock.pk"
kernel_batch "socket and osf: no socket, no fingerprints" sockets.nft "$T/sock.pk"
if sock_start 7980; then
	# the socket is found: xnft cannot know it, and says so on each socket rule
	STATED_OK=10 kernel_batch "socket and osf: a wildcard listener on the port" sockets.nft "$T/sock.pk"
else
	not_ok "a listening socket for the socket batch (tsock.py)"
fi
sock_stop

: >"$T/tproxy.pk"
pk inet "$INET_V4" "$HOST_V4" tcp 7954 $((tag++)) >>"$T/tproxy.pk"
pk6 inet "$INET_V6" "$HOST_V6" tcp 7954 $((tag++)) >>"$T/tproxy.pk"
if sock_start 7954 transparent; then
	kernel_batch "tproxy: a transparent socket takes the packet, the rule goes on" steal.nft \
		"$T/tproxy.pk"
else
	not_ok "a transparent listening socket for the tproxy batch (tsock.py)"
fi
sock_stop

# ---- ct label: by number, and by name from /etc/connlabel.conf --------------------------

: >"$T/label.pk"
for port in 7990 7991; do
	pk inet "$INET_V4" "$HOST_V4" udp "$port" $((tag++)) >>"$T/label.pk"
	pk6 inet "$INET_V6" "$HOST_V6" udp "$port" $((tag++)) >>"$T/label.pk"
done
kernel_batch "ct label and ct label set, by number" labels.nft "$T/label.pk"

# libnftables 1.0.6 reads label names from /etc/connlabel.conf (CONNLABEL_CONF);
# written only when absent, and removed at exit only then
CONNLABEL=/etc/connlabel.conf CONNLABEL_MINE=''
connlabel_remove() { [ -n "$CONNLABEL_MINE" ] && rm -f "$CONNLABEL"; CONNLABEL_MINE=''; }
trap 'connlabel_remove; _cleanup' EXIT
if [ ! -e "$CONNLABEL" ]; then
	printf '1 wg-peer\n2 scanner\n' >"$CONNLABEL" && CONNLABEL_MINE=1
fi
if grep -q '^1 wg-peer$' "$CONNLABEL" && grep -q '^2 scanner$' "$CONNLABEL"; then
	: >"$T/labeln.pk"
	pk inet "$INET_V4" "$HOST_V4" udp 7992 $((tag++)) >>"$T/labeln.pk"
	pk6 inet "$INET_V6" "$HOST_V6" udp 7992 $((tag++)) >>"$T/labeln.pk"
	# a name is not resolved to its bit: a label set by name is unseen by later rules,
	# said so on the rule (2 decisions)
	STATED_OK=2 kernel_batch "ct label by name" labels_named.nft "$T/labeln.pk"
else
	diag "$CONNLABEL has other labels than the test's: the named batch is skipped"
fi
connlabel_remove

# ---- meta day, hour and time: time_now.nft, written for the moment the test runs ----------

h=$((10#$(date +%H)))
lo=$((h > 0 ? h - 1 : 0)) hi=$((h < 23 ? h + 1 : 23))
if ((h < 12)); then away='"20:00"-"21:00"'; else away='"02:00"-"03:00"'; fi
sed -e "s/@TODAY@/$(date -u +%A)/g" -e "s/@LO@/$(printf %02d $lo)/" -e "s/@HI@/$(printf %02d $hi)/" \
	-e "s/@AWAY@/$away/" "$FX/time_now.nft" >"$J/time_now.nft"
: >"$T/time.pk"
pk inet "$INET_V4" "$HOST_V4" udp 7995 $((tag++)) >>"$T/time.pk"
pk6 inet "$INET_V6" "$HOST_V6" udp 7995 $((tag++)) >>"$T/time.pk"
# the hour may turn between the two readings only at 23:59 and 00:00 (the ranges hold then)
kernel_batch "meta day, hour and time: the packet arrives now" "$J/time_now.nft" "$T/time.pk"

trace_totals cx_steal 29
finish
