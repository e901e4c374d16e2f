#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The /dev/kmsg source against the real kernel log: the default policy (with
# its usual `log prefix` statements) in a namespace of our own, a SYN from a
# peer namespace, and `xnft events --source kmsg` must find the kernel's
# line, both in the buffer and while following. A line a user writes to
# /dev/kmsg (user facility) is never an event.
#
# The kernel prints drops from namespaces other than the first only when
# net.netfilter.nf_log_all_netns is 1; the test sets it for its duration and
# puts the old value back.
source "$(dirname "$0")/lib.sh"
require_root

OLD=$(sysctl -n net.netfilter.nf_log_all_netns 2>/dev/null)
if [ -z "$OLD" ] || ! [ -r /dev/kmsg ]; then
	not_ok "net.netfilter.nf_log_all_netns and /dev/kmsg available"
	finish
fi
trap 'sysctl -q -w net.netfilter.nf_log_all_netns="$OLD"; _cleanup' EXIT
sysctl -q -w net.netfilter.nf_log_all_netns=1

HOST_V4=198.18.0.1 INET_V4=198.18.0.2
# Ports of our own, so lines of other tests running meanwhile never match.
DPORT=$((20000 + $$ % 20000))
SPORT=$((30000 + $$ % 20000))
T=$(tmpdir) || exit 1
HOST=$(ns_add host) && INET=$(ns_add inet) || { not_ok "create namespaces"; finish; }
setup() {
	ip -n "$HOST" link add eth0 type veth peer name eth0 netns "$INET" &&
	ip -n "$HOST" link set eth0 up && ip -n "$INET" link set eth0 up &&
	ip -n "$HOST" addr add "$HOST_V4/24" dev eth0 &&
	ip -n "$INET" addr add "$INET_V4/24" dev eth0 &&
	"$XNFT" init "$T/policy" --wan eth0 --mesh-if wg0 --mesh 10.10.0.0/24 \
		--bogon-exempt 198.18.0.0/15 --bogon-exempt 2001:2::/48 >/dev/null &&
	ip netns exec "$HOST" nft -I "$T/policy" -f "$T/policy/nftables.conf"
}
if ! setup; then
	not_ok "topology and the default policy (kernel log) loaded"
	finish
fi
syn() { ip netns exec "$INET" "$XPKT" send --dst "$HOST_V4" --proto tcp --sport "$1" --dport "$DPORT" --flags syn >/dev/null; }

# In the buffer: read what /dev/kmsg holds and stop.
syn "$SPORT"
OUT=$T/buffer.json
found=
for _ in $(seq 1 30); do
	"$XNFT" events --source kmsg --since 10m --format json >"$OUT" 2>"$T/err"
	# -s and any(): jq 1.6's -e judges only the last line, and other drops may follow ours
	jq -es "any(.[]; .sport == $SPORT and .dport == $DPORT)" "$OUT" >/dev/null 2>&1 && { found=1; break; }
	sleep 0.1
done
check_eq "the kernel's drop line is read from /dev/kmsg" 1 "${found:-0}"
check_eq "... as a DROP from the scanner, input hook, eth0" "DROP $INET_V4 input eth0 syn" \
	"$(jq -r "select(.sport == $SPORT) | \"\(.category) \(.src) \(.hook) \(.iface) \(.tcp_flags)\"" "$OUT" | head -1)"
check_match "... with the kernel's time, RFC 3339" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' \
	"$(jq -r "select(.sport == $SPORT) | .time" "$OUT" | head -1)"
check_eq "kmsg without --follow ends by itself, status 0" 0 \
	"$("$XNFT" events --source kmsg --since 1s >/dev/null 2>&1; echo $?)"

# Following: starts at the end, sees what comes after.
OUT2=$T/follow.json
"$XNFT" events --source kmsg --follow --format json >"$OUT2" 2>/dev/null &
PID=$!
track_pid "$PID"
got=
for _ in $(seq 1 50); do   # resend until the reader (started at the end) has it
	syn $((SPORT + 1))
	jq -es "any(.[]; .sport == $((SPORT + 1)))" "$OUT2" >/dev/null 2>&1 && { got=1; break; }
	sleep 0.1
done
check_eq "--follow sees new kernel lines" 1 "${got:-0}"
check_eq "--follow starts at the end: the earlier line is not repeated" "" \
	"$(jq -r "select(.sport == $SPORT) | .sport" "$OUT2")"

# Forged: a user's write to /dev/kmsg gets the user facility.
FORGED="XNFT-DROP: IN=eth0 OUT= SRC=10.99.$((RANDOM % 250)).$((RANDOM % 250)) DST=$HOST_V4 LEN=40 TOS=0x00 PREC=0x00 TTL=64 ID=1 PROTO=TCP SPT=$SPORT DPT=$((DPORT + 1)) WINDOW=0 RES=0x00 SYN URGP=0"
printf '<4>%s\n' "$FORGED" >/dev/kmsg
got=
for _ in $(seq 1 30); do
	grep -q "DPT=$((DPORT + 1))" <(dmesg) && { got=1; break; }
	sleep 0.1
done
check_eq "the forged line is in the kernel buffer" 1 "${got:-0}"
"$XNFT" events --source kmsg --since 10m --format json >"$OUT" 2>"$T/err"
check_eq "... but it is never an event" "" "$(jq -r "select(.dport == $((DPORT + 1))) | .src" "$OUT")"
check_match "... and it is reported as not from the kernel" "did not come from the kernel" "$(cat "$T/err")"
kill -TERM "$PID"
for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
wait "$PID"
check_eq "--follow ends with status 0 on SIGTERM" 0 "$?"
check_eq "the follower never saw the forged line either" "" \
	"$(jq -r "select(.dport == $((DPORT + 1))) | .src" "$OUT2")"
finish
