#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The file and stdin sources through the command: a log file followed with
# --follow across rotation (rename + new file) and truncation; standard
# input; and hostile input (garbage, binary, cut lines, a 1 MB line, no
# final newline) that must never crash, only be counted and reported.
source "$(dirname "$0")/lib.sh"
require_root

T=$(tmpdir) || exit 1
LOG=$T/kern.log

# line PORT [SRC [DST]]: a kernel drop line with a syslog header.
line() {
	echo "Nov 23 10:00:00 host kernel: XNFT-DROP: IN=eth0 OUT= SRC=${2:-203.0.113.5} DST=${3:-198.51.100.1} LEN=40 TOS=0x00 PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=1000 DPT=$1 WINDOW=1024 RES=0x00 SYN URGP=0"
}

# wait_exit PID SECONDS: wait (bounded) for a background process to end.
wait_exit() {
	for _ in $(seq 1 $(($2 * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	wait "$1" 2>/dev/null
}

# wait_lines FILE N: until FILE has N lines (bounded, 5 s).
wait_lines() {
	for _ in $(seq 1 50); do
		[ "$(wc -l <"$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

ports() { sed -n 's/.* dport=\([0-9]*\).*/\1/p' "$1" | tr '\n' ' '; }

# --- Following a file ---------------------------------------------------
line 1 >"$LOG"
line 2 >>"$LOG"
OUT=$T/follow.logfmt
"$XNFT" events --source "file:$LOG" --follow --since all --format logfmt >"$OUT" 2>"$T/follow.err" &
PID=$!
track_pid "$PID"
check "--since all: what the file holds comes first" wait_lines "$OUT" 2
line 3 >>"$LOG"
check "a line appended is read" wait_lines "$OUT" 3
mv "$LOG" "$LOG.1"
line 4 >>"$LOG.1"           # the writer still had the old file open
line 5 >"$LOG"              # logrotate's new file
check "after rotation the old file's last line and the new file are read" wait_lines "$OUT" 5
: >"$LOG"                   # truncated in place (copytruncate), then a shorter line:
line 6 1.2.3.4 >>"$LOG"     # the file is now shorter than what was read, whenever the reader looks
check "after truncation the file is read from its start" wait_lines "$OUT" 6
rm -f "$LOG"
line 7 >"$LOG"
check "a deleted and re-created file is picked up" wait_lines "$OUT" 7
kill -TERM "$PID"
wait_exit "$PID" 5
check_eq "the ports, in order, each once" "1 2 3 4 5 6 7 " "$(ports "$OUT")"
check_eq "no complaint on stderr" "" "$(cat "$T/follow.err")"

# --follow without --since starts at the end.
line 8 >"$LOG"
OUT2=$T/follow2.logfmt
"$XNFT" events --source "file:$LOG" --follow --format logfmt >"$OUT2" 2>/dev/null &
PID=$!
track_pid "$PID"
for i in $(seq 1 50); do   # keep writing until the reader, started at the end, sees one
	line 9 >>"$LOG"
	[ -s "$OUT2" ] && break
	sleep 0.1
done
kill -TERM "$PID"
wait_exit "$PID" 5
check_eq "--follow without --since skips what was there" "" "$(grep 'dport=8 ' "$OUT2")"
check_match "... and reads what comes after" "dport=9" "$(cat "$OUT2")"

# A file that does not exist yet is waited for with --follow, refused without.
check_fails "a missing file without --follow is an error" "$XNFT" events --source "file:$T/none.log"
rc=$("$XNFT" events --source "file:$T/none.log" >/dev/null 2>&1; echo $?)
check_eq "... with exit status 2" 2 "$rc"

# --- Standard input -------------------------------------------------------
out=$( { line 10; line 11 2001:db8::7 2001:db8::1; } | "$XNFT" events --source - --format json)
check_eq "stdin: two events" "10 11 " "$(echo "$out" | jq -r .dport | tr '\n' ' ')"
check_eq "stdin: an IPv6 source" "2001:db8::7" "$(echo "$out" | jq -r 'select(.dport == 11) | .src')"
out=$(line 12 | "$XNFT" events --source stdin --format text)
check_match "stdin: text for people" "DROP +input eth0 +tcp +203\.0\.113\.5:1000 -> 198\.51\.100\.1:12 syn" "$out"
out=$( { line 13; line 14; } | "$XNFT" report --source - --json)
check_eq "report from stdin" "2 tcp/13" "$(echo "$out" | jq -r '"\(.events) \(.ports[0].proto)/\(.ports[0].port)"')"

# --- Hostile input --------------------------------------------------------
BAD=$T/hostile.log
{
	line 20
	echo "this is not a kernel line"
	head -c 1048576 /dev/zero | tr '\0' 'A'; echo          # a 1 MB line
	line 21
	head -c 300000 /dev/urandom                              # binary garbage
	echo
	l=$(line 22); echo "${l%%.113.5 *}"                      # cut inside the address
	l=$(line 23); echo "${l%% WINDOW=*}"                     # cut after the ports
	echo "Nov 23 10:00:00 host mallory: $(line 24 | cut -d' ' -f6-)"   # forged tag
	printf '%s' "$(line 25)"                                 # no final newline
} >"$BAD"
out=$("$XNFT" events --source "file:$BAD" --format json 2>"$T/bad.err")
rc=$?
check_eq "hostile file: read to the end with status 0" 0 "$rc"
check_eq "hostile file: the good lines (and the cut one with its ports) are events" "20 21 23 25 " \
	"$(echo "$out" | jq -r .dport | tr '\n' ' ')"
check_eq "hostile file: the line cut after the ports is marked incomplete" "true" \
	"$(echo "$out" | jq -r 'select(.dport == 23) | .incomplete')"
check_match "hostile file: a line that is no netfilter log line counted apart, the first shown" \
	'not a netfilter log line .*\(the first, record 2: "this is not a kernel line"\)' "$(cat "$T/bad.err")"
check_match "hostile file: lines that could not be parsed counted, the first shown" \
	'looked like a netfilter log line but could not be parsed \(the first, record 3: "AAAA' "$(cat "$T/bad.err")"
check_match "hostile file: the forged tag is reported as not from the kernel" \
	'1 packet log line did not come from the kernel' "$(cat "$T/bad.err")"
out=$("$XNFT" events --source - --format logfmt <"$BAD" 2>/dev/null)
check_eq "hostile stdin: the same events" "20 21 23 25 " "$(ports <(echo "$out"))"
"$XNFT" report --source "file:$BAD" --json >"$T/bad.json" 2>/dev/null
check_eq "hostile file: report counts 4 events" 4 "$(jq -r .events "$T/bad.json")"
# --- An ordinary kern.log: other kernel messages are not parse failures -----------------
{
	echo "Nov 23 09:59:58 host kernel: [   12.345678] e1000e: eth0 NIC Link is Up 1000 Mbps Full Duplex"
	echo "Nov 23 09:59:59 host kernel: [   12.400000] wireguard: WireGuard 1.0.0 loaded."
	line 30
	l=$(line 31); echo "${l%% SRC=*} SRC=203.0.113"        # cut inside the address
} >"$T/kern-mixed.log"
"$XNFT" report --source "file:$T/kern-mixed.log" --json >"$T/mixed.json" 2>"$T/mixed.err"
check_eq "kern.log: 1 event, 2 records that are no netfilter log line, 1 that does not parse" \
	"1 2 1" "$(jq -r '"\(.events) \(.not_netfilter) \(.unparsed)"' "$T/mixed.json")"
check_match "kern.log: report says which are not netfilter log lines" \
	'^xnft report: 2 records were not a netfilter log line .*record 1: "Nov 23 09:59:58 host kernel: \[   12.345678\] e1000e' \
	"$(cat "$T/mixed.err")"
check_match "kern.log: report says which one could not be parsed" \
	'^xnft report: 1 record looked like a netfilter log line but could not be parsed \(the first, record 4' \
	"$(cat "$T/mixed.err")"

head -c 2000000 /dev/urandom >"$T/random.bin"
"$XNFT" events --source "file:$T/random.bin" >/dev/null 2>&1
check_eq "2 MB of random bytes: status 0" 0 "$?"

# Usage errors.
rc=$("$XNFT" events --format yaml >/dev/null 2>&1; echo $?)
check_eq "an unknown format is a usage error (2)" 2 "$rc"
rc=$("$XNFT" events --since yesterday --source - </dev/null >/dev/null 2>&1; echo $?)
check_eq "a bad --since is a usage error (2)" 2 "$rc"
rc=$("$XNFT" report --top 0 --source - </dev/null >/dev/null 2>&1; echo $?)
check_eq "--top 0 is a usage error (2)" 2 "$rc"
check_match "events --help documents the sources" "journal-file:PATH" "$("$XNFT" events --help)"
finish
