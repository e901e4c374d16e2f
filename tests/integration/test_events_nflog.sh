#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# NFLOG events from a real kernel: the default policy rendered with
# `xnft init --log nflog:N` is loaded into a namespace of our own ("host"),
# a peer namespace ("inet") scans it with xpkt, and `xnft events --source
# nflog:N` inside the host namespace must see each drop with its category,
# source and port. The kernel log never shows these (it does not print drops
# from namespaces other than the first): NFLOG is how the lab sees events.
source "$(dirname "$0")/lib.sh"
require_root

GROUP=$((100 + $$ % 1000))
HOST_V4=198.18.0.1 INET_V4=198.18.0.2
HOST_V6=2001:2::1 INET_V6=2001:2::2

T=$(tmpdir) || exit 1
HOST=$(ns_add host) && INET=$(ns_add inet) || { not_ok "create namespaces"; finish; }
if ! [ -x "$XPKT" ]; then
	not_ok "xpkt test tool built at $XPKT"
	finish
fi

setup() {
	ip -n "$HOST" link add eth0 type veth peer name eth0 netns "$INET" &&
	ip -n "$HOST" link set eth0 up && ip -n "$INET" link set eth0 up &&
	ip -n "$HOST" addr add "$HOST_V4/24" dev eth0 &&
	ip -n "$INET" addr add "$INET_V4/24" dev eth0 &&
	ip -n "$HOST" addr add "$HOST_V6/64" dev eth0 nodad &&
	ip -n "$INET" addr add "$INET_V6/64" dev eth0 nodad &&
	# The benchmark ranges are bogons to the policy: exempt them, as the lab does.
	"$XNFT" init "$T/policy" --wan eth0 --mesh-if wg0 --mesh 10.10.0.0/24 \
		--bogon-exempt 198.18.0.0/15 --bogon-exempt 2001:2::/48 \
		--log "nflog:$GROUP" >/dev/null &&
	ip netns exec "$HOST" nft -I "$T/policy" -f "$T/policy/nftables.conf"
}
if ! setup; then
	not_ok "topology and the policy with --log nflog:$GROUP loaded"
	finish
fi
ok "policy rendered with --log nflog:$GROUP loads into the namespace"
# nft lists `log group N prefix P` as `log prefix P group N`.
RULES=$(ip netns exec "$HOST" nft list ruleset)
n_log=$(printf '%s\n' "$RULES" | grep -c ' log ')
check_eq "every log statement of the loaded policy goes to group $GROUP" "$n_log" \
	"$(printf '%s\n' "$RULES" | grep -c " log prefix \"XNFT-[A-Z0-9-]*: \" group $GROUP ")"
check_match "the loaded policy logs its catch-all to NFLOG" "log prefix \"XNFT-DROP: \" group $GROUP" "$RULES"

# bound GROUP: the group has a listener in the host namespace.
bound() {
	ip netns exec "$HOST" cat /proc/net/netfilter/nfnetlink_log 2>/dev/null |
		awk -v g="$1" '$1 == g { f = 1 } END { exit !f }'
}

# start_events OUT ARGS...: xnft events in the host namespace, in the background,
# waiting (bounded) until it has bound the group. Sets EV_PID.
EV_PID=
start_events() {
	local out=$1; shift
	ip netns exec "$HOST" "$XNFT" "$@" >"$out" 2>"$out.err" &
	EV_PID=$!
	track_pid "$EV_PID"
	for _ in $(seq 1 50); do
		bound "$GROUP" && return 0
		kill -0 "$EV_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "xnft did not bind NFLOG group $GROUP: $(cat "$out.err")"
	return 1
}

# stop_events: SIGTERM, wait (bounded); the exit status is in EV_RC.
EV_RC=
stop_events() {
	kill -TERM "$EV_PID" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$EV_PID" 2>/dev/null || break; sleep 0.1; done
	wait "$EV_PID"
	EV_RC=$?
}

# wait_lines FILE N: until FILE has N lines (bounded, 5 s).
wait_lines() {
	for _ in $(seq 1 50); do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

send() { ip netns exec "$INET" "$XPKT" send "$@" >/dev/null; }

PORTS="23 25 80 443 3306 5432 6379 8081"
OUT=$T/events.json
if start_events "$OUT" events --source "nflog:$GROUP" --format json; then
	ok "xnft events binds NFLOG group $GROUP in the host namespace"
else
	not_ok "xnft events binds NFLOG group $GROUP in the host namespace"
	finish
fi
check_fails "a second reader of the same group is refused" \
	ip netns exec "$HOST" "$XNFT" events --source "nflog:$GROUP" --count 1
err=$(ip netns exec "$HOST" "$XNFT" events --source "nflog:$GROUP" --count 1 2>&1 >/dev/null)
check_match "... saying another program holds the group" "another program" "$err"

# A SYN scan of eight closed ports, a NULL scan, an XMAS scan, IPv6, ping, a fragment.
for p in $PORTS; do
	send --dst "$HOST_V4" --proto tcp --sport 40000 --dport "$p" --flags syn
done
send --dst "$HOST_V4" --proto tcp --sport 40001 --dport 22 --flags none
send --dst "$HOST_V4" --proto tcp --sport 40002 --dport 22 --flags fin,psh,urg
send --dst "$HOST_V6" --proto tcp --sport 40003 --dport 8443 --flags syn
send --dst "$HOST_V4" --proto icmp
send --dst "$HOST_V4" --proto udp --sport 40004 --dport 9999 --frag
check "all 13 drops arrive as events" wait_lines "$OUT" 13
stop_events
check_eq "xnft events ends with status 0 on SIGTERM" 0 "$EV_RC"

n_valid=$(jq -c . "$OUT" 2>/dev/null | wc -l)
check_eq "every line is one JSON object" "$(wc -l <"$OUT")" "$n_valid"
scan=$(jq -r 'select(.category == "DROP" and .src == "'"$INET_V4"'" and .proto == "tcp" and .tcp_flags == "syn") | .dport' "$OUT" | sort -n | tr '\n' ' ')
check_eq "the SYN scan: one DROP event per port, from $INET_V4" \
	"$(echo "$PORTS" | tr ' ' '\n' | sort -n | tr '\n' ' ')" "$scan"
check_eq "the scan's events name the hook, interface and destination" "input eth0 $HOST_V4" \
	"$(jq -r 'select(.dport == 3306) | "\(.hook) \(.iface) \(.dst)"' "$OUT")"
check_eq "NULL scan: category TCPFL-NULL, flags none" "TCPFL-NULL none 22" \
	"$(jq -r 'select(.sport == 40001) | "\(.category) \(.tcp_flags) \(.dport)"' "$OUT")"
check_eq "XMAS scan: category TCPFL-XMAS" "TCPFL-XMAS fin,psh,urg" \
	"$(jq -r 'select(.sport == 40002) | "\(.category) \(.tcp_flags)"' "$OUT")"
check_eq "IPv6 SYN: DROP from $INET_V6 to 8443" "DROP ipv6 $INET_V6 8443" \
	"$(jq -r 'select(.sport == 40003) | "\(.category) \(.family) \(.src) \(.dport)"' "$OUT")"
check_eq "ping from the internet: ICMP4-DROP type 8" "ICMP4-DROP 8 0" \
	"$(jq -r 'select(.proto == "icmp") | "\(.category) \(.icmp_type) \(.icmp_code)"' "$OUT")"
check_eq "a fragment: FRAGMENT from prerouting, before reassembly" "FRAGMENT prerouting true" \
	"$(jq -r 'select(.category == "FRAGMENT") | "\(.category) \(.hook) \(.fragment)"' "$OUT" | sort -u)"
check_eq "the events carry the sender's MAC address" \
	"$(ip -n "$INET" -j link show eth0 | jq -r '.[0].address')" \
	"$(jq -r 'select(.dport == 23) | .mac_src' "$OUT")"
check_match "times are RFC 3339 UTC" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$' \
	"$(jq -r '.time' "$OUT" | head -1)"

# logfmt and text from the same source.
OUT2=$T/events.logfmt
if start_events "$OUT2" events --source "nflog:$GROUP" --format logfmt --count 2; then
	send --dst "$HOST_V4" --proto tcp --sport 40010 --dport 2222 --flags syn
	send --dst "$HOST_V4" --proto udp --sport 40011 --dport 1900
	for _ in $(seq 1 50); do kill -0 "$EV_PID" 2>/dev/null || break; sleep 0.1; done
	wait "$EV_PID"
	check_eq "--count 2 stops after two events, status 0" "0 2" "$? $(wc -l <"$OUT2")"
	check_match "logfmt: labels and fields as key=value" \
		"category=DROP prefix=\"XNFT-DROP: \" hook=input iface=eth0 in=eth0 out= family=ipv4 proto=tcp src=$INET_V4 dst=$HOST_V4 sport=40010 dport=2222 tcp_flags=syn" \
		"$(cat "$OUT2")"
else
	not_ok "xnft events --format logfmt binds the group"
fi

# xnft report over NFLOG: counts until SIGTERM, then the summary.
REP=$T/report.json
if start_events "$REP" report --source "nflog:$GROUP" --json; then
	for p in 22 22 22 80; do
		send --dst "$HOST_V4" --proto tcp --sport 40020 --dport "$p" --flags syn
	done
	send --dst "$HOST_V6" --proto tcp --sport 40021 --dport 22 --flags syn
	sleep 1   # let the kernel's NFLOG batch (10 ms) reach the reader before stopping it
	stop_events
	check_eq "xnft report over NFLOG ends with status 0 on SIGTERM" 0 "$EV_RC"
	check_eq "report: 5 events" 5 "$(jq -r .events "$REP")"
	check_eq "report: top source and its /24" "$INET_V4 4 198.18.0.0/24" \
		"$(jq -r '.sources[0] | "\(.address) \(.count) \(.network.network)"' "$REP")"
	check_eq "report: IPv6 source's network is its /64" "2001:2::/64" \
		"$(jq -r '.sources[1].network.network' "$REP")"
	check_eq "report: top destination port tcp/22 with 4" "tcp 22 4" \
		"$(jq -r '.ports[0] | "\(.proto) \(.port) \(.count)"' "$REP")"
	check_eq "report: category DROP" "DROP 5" \
		"$(jq -r '.categories[0] | "\(.name) \(.count)"' "$REP")"
else
	not_ok "xnft report binds the group"
fi
finish
