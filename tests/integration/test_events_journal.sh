#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The journal source against a real journal file, written by
# systemd-journal-remote from entries in journal export format: kernel
# entries become events; the same text sent by a local user (logger, a
# service's stdout, sd_journal_send) never does, nor do other kernel
# messages. --since and report work on the journal's own timestamps.
source "$(dirname "$0")/lib.sh"
require_root

JR=/lib/systemd/systemd-journal-remote
if ! [ -x "$JR" ] || ! command -v jq >/dev/null; then
	not_ok "systemd-journal-remote and jq installed (tools/debian-packages.txt)"
	finish
fi
T=$(tmpdir) || exit 1
NOW=$(($(date +%s) * 1000000))
BOOT=0123456789abcdef0123456789abcdef

# entry USEC TRANSPORT MESSAGE: one entry in export format.
n=0
entry() {
	n=$((n + 1))
	printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=%s\n_BOOT_ID=%s\n' "$1" "$n" "$BOOT"
	printf '_TRANSPORT=%s\nPRIORITY=4\n' "$2"
	[ "$2" = kernel ] && printf 'SYSLOG_FACILITY=0\nSYSLOG_IDENTIFIER=kernel\n'
	[ "$2" != kernel ] && printf 'SYSLOG_IDENTIFIER=mallory\n_UID=1000\n'
	printf 'MESSAGE=%s\n\n' "$3"
}
V4='IN=eth0 OUT= MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=203.0.113.5 DST=198.51.100.1 LEN=40 TOS=0x00 PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=54321 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0'
V6='IN=eth0 OUT= SRC=2001:0db8:0000:0000:0000:0000:0000:0005 DST=2001:0db8:0000:0000:0000:0000:0000:0001 LEN=60 TC=0 HOPLIMIT=50 FLOWLBL=0 PROTO=TCP SPT=1 DPT=443 WINDOW=0 RES=0x00 URGP=0'
forged() { echo "XNFT-DROP: IN=eth0 OUT= SRC=$1 DST=198.51.100.1 LEN=40 TOS=0x00 PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=1 DPT=22 WINDOW=0 RES=0x00 SYN URGP=0"; }
{
	entry $((NOW - 600000000)) kernel "XNFT-DROP: $V4"
	entry $((NOW - 300000000)) kernel "XNFT-TCPFL-NULL: $V6"
	entry $((NOW - 240000000)) syslog "$(forged 10.66.66.66)"
	entry $((NOW - 180000000)) kernel "usb 1-1: new high-speed USB device number 2 using xhci_hcd"
	entry 1577836800000000 kernel "XNFT-SYNFLOOD: $V4"
	entry $((NOW - 120000000)) stdout "$(forged 10.77.77.77)"
	entry $((NOW - 60000000)) journal "$(forged 10.88.88.88)"
	entry $((NOW - 30000000)) kernel "XNFT-DROP: IN=eth0 OUT= SRC=203.0.11"
} >"$T/export.txt"
J=$T/kernel.journal
if ! "$JR" -o "$J" "$T/export.txt" 2>"$T/jr.err"; then
	not_ok "systemd-journal-remote writes the journal file"
	sed 's/^/# /' "$T/jr.err"
	finish
fi
check_eq "journalctl reads 8 entries back from the file" 8 \
	"$(journalctl --file "$J" -o cat 2>/dev/null | wc -l)"

OUT=$T/events.json
"$XNFT" events --source "journal-file:$J" --format json >"$OUT" 2>"$T/err"
check_eq "xnft events reads the file to its end, status 0" 0 "$?"
check_eq "the three kernel packet logs are events, in order" \
	"DROP 203.0.113.5 22|TCPFL-NULL 2001:db8::5 443|SYNFLOOD 203.0.113.5 22|" \
	"$(jq -r '"\(.category) \(.src) \(.dport)"' "$OUT" | tr '\n' '|')"
check_eq "forged lines (syslog, stdout, journal transports) are never events" "" \
	"$(grep -E '10\.(66|77|88)\.' "$OUT")"
check_eq "times are the journal's" "2020-01-01T00:00:00.000000Z" \
	"$(jq -r 'select(.category == "SYNFLOOD") | .time' "$OUT")"
check_eq "the NULL scan from IPv6 has flags none" "none ipv6" \
	"$(jq -r 'select(.category == "TCPFL-NULL") | "\(.tcp_flags) \(.family)"' "$OUT")"
check_match "the cut kernel line is reported unparsed on stderr, with the example" \
	'1 record looked like a netfilter log line but could not be parsed.*SRC=203\.0\.11"' "$(cat "$T/err")"
check_eq "other kernel messages are not reported" "" "$(grep -i usb "$T/err")"

"$XNFT" events --source "journal-file:$J" --format json --since 1h >"$OUT" 2>/dev/null
check_eq "--since 1h skips the entry from 2020" "DROP TCPFL-NULL " \
	"$(jq -r .category "$OUT" | tr '\n' ' ')"

REP=$T/report.json
"$XNFT" report --source "journal-file:$J" --json >"$REP" 2>/dev/null
check_eq "report: 3 events, 1 unparsed" "3 1" "$(jq -r '"\(.events) \(.unparsed)"' "$REP")"
check_eq "report: top source 203.0.113.5 with 2, in 203.0.113.0/24" "203.0.113.5 2 203.0.113.0/24" \
	"$(jq -r '.sources[0] | "\(.address) \(.count) \(.network.network)"' "$REP")"
check_eq "report: histogram spans 2020 to now in 364-day buckets" "364d" "$(jq -r .interval "$REP")"

text=$("$XNFT" report --source "journal-file:$J" --since 1h 2>/dev/null)
check_match "text report names the categories" "TCPFL-NULL +1 +50\.0%" "$text"
check_match "text report shows the top port" "tcp/22 +1" "$text"

check_fails "a file that is not a journal is refused" \
	"$XNFT" events --source "journal-file:$T/export.txt"
err=$("$XNFT" events --source "journal-file:$T/none.journal" 2>&1)
check_match "a missing journal file is named in the error" "none.journal" "$err"
finish
