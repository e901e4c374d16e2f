#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every command with --json, on a good and on a bad input (issue 13): stdout
# is one JSON document (per line for trace --packets) that jq parses, with
# "version"; a failure is {"version", "ok": false, "error": {"message", ...},
# "diagnostics"} on stdout, whatever the command; times are RFC 3339 beside
# the epoch seconds; exposure and diff carry structured fields.
source "$(dirname "$0")/lib.sh"
require_root
T=$(tmpdir)
POLICY=$ROOT/policy
export XNFT_STATE_DIR=$T/state
mkdir -p "$XNFT_STATE_DIR"

# json_good NAME ARGS...: stdout parses, has version 1, and is no failure object
json_good() {
	local name=$1; shift
	local out
	out=$("$@" 2>/dev/null)
	if printf '%s\n' "$out" | jq -es 'length >= 1 and all(.[]; .version == 1 and (has("error") | not))' >/dev/null 2>&1; then
		ok "$name: JSON with version, no error"
	else
		not_ok "$name: JSON with version, no error"
		printf '%s\n' "$out" | head -5 | sed 's/^/#   /'
	fi
}

# json_bad NAME ARGS...: a non-zero exit and one failure object on stdout
json_bad() {
	local name=$1; shift
	local out rc
	out=$("$@" 2>/dev/null); rc=$?
	if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | jq -es 'length == 1 and .[0].version == 1 and .[0].ok == false and (.[0].error.message | length > 0) and (.[0].error.exit == '"$rc"') and (.[0].diagnostics | type == "array")' >/dev/null 2>&1; then
		ok "$name: exit $rc and the failure object"
	else
		not_ok "$name: exit $rc and the failure object"
		printf '%s\n' "$out" | head -5 | sed 's/^/#   /'
	fi
}

printf 'this is not nftables\n' >"$T/bad.nft"
cp -r "$POLICY" "$T/pol2"
sed -i 's|^\t\tiif lo counter accept|\t\ttcp dport 2222 counter accept comment "new"\n&|' "$T/pol2/rules/10-loopback.nft"
PKT='iif eth0 ip saddr 192.0.2.1 tcp dport 22 ct state new'

json_good "check" "$XNFT" check --json "$POLICY"
json_bad  "check, a broken policy" "$XNFT" check --json "$T/bad.nft"
json_good "lint" "$XNFT" lint --json "$POLICY"
json_good "lint --ids" "$XNFT" lint --ids --json
json_bad  "lint, a missing policy" "$XNFT" lint --json "$T/nothere"
json_good "trace" "$XNFT" trace --json "$POLICY" $PKT
json_bad  "trace, a broken policy" "$XNFT" trace --json "$T/bad.nft" $PKT
json_bad  "trace, a bad packet" "$XNFT" trace --json "$POLICY" iif eth0 tcp dport 99999
json_good "trace --packets" "$XNFT" trace --json "$POLICY" --packets - <<<"$PKT"
json_good "exposure" "$XNFT" exposure --json "$POLICY"
json_bad  "exposure, a broken policy" "$XNFT" exposure --json "$T/bad.nft"
json_good "verify" "$XNFT" verify --json "$POLICY"
json_bad  "verify, a broken policy" "$XNFT" verify --json "$T/bad.nft"
json_good "diff" "$XNFT" diff --json "$POLICY" "$T/pol2"
json_bad  "diff, a broken policy" "$XNFT" diff --json "$POLICY" "$T/bad.nft"
json_bad  "diff, one policy only" "$XNFT" diff --json "$POLICY"
printf '%s\n' "Nov 23 10:00:00 host kernel: XNFT-DROP: IN=eth0 OUT= SRC=203.0.113.5 DST=198.51.100.1 LEN=40 TOS=0x00 PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=1000 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0" >"$T/kern.log"
json_good "report" "$XNFT" report --json --source "file:$T/kern.log"
json_bad  "report, a missing file" "$XNFT" report --json --source "file:$T/nothere.log"

NS=$(ns_add json)
json_good "status" ip netns exec "$NS" "$XNFT" status --json "$POLICY"
json_bad  "status, two policies" ip netns exec "$NS" "$XNFT" status --json "$POLICY" "$POLICY"
json_bad  "bans list, no daemon" "$XNFT" bans list --json --socket "$T/nothere.sock"
json_bad  "daemon --status, no daemon" "$XNFT" daemon --status --json --socket "$T/nothere.sock"

# a daemon to ask: stdin source, its own socket and database, in the namespace
cat >"$T/xnft.conf" <<CONF
[daemon]
sources = stdin
socket = $T/d.sock
database = $T/bans.db
[ban.scan]
categories = DROP*
threshold = 3
window = 1m
bantime = 1h
CONF
ip netns exec "$NS" "$XNFT" daemon -c "$T/xnft.conf" </dev/null >"$T/daemon.log" 2>&1 &
DPID=$!
track_pid "$DPID"
for _ in $(seq 100); do [ -S "$T/d.sock" ] && break; sleep 0.1; done
check "the daemon's socket is there" test -S "$T/d.sock"
json_good "daemon --status" "$XNFT" daemon --status --json --socket "$T/d.sock"
"$XNFT" bans add 192.0.2.77 1h --socket "$T/d.sock" >/dev/null 2>&1
json_good "bans list" "$XNFT" bans list --json --socket "$T/d.sock"
LIST=$("$XNFT" bans list --json --socket "$T/d.sock" 2>/dev/null)
check_match "bans list: until as RFC 3339 beside the epoch" \
	'^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z [0-9]+$' \
	"$(printf '%s' "$LIST" | jq -r '.bans[0] | "\(.until_rfc3339) \(.until)"')"
json_bad "bans, an unknown subcommand" "$XNFT" bans frobnicate --json --socket "$T/d.sock"

# --- status: RFC 3339 times -----------------------------------------------------------------
printf 'id=1-1\ntime=1796457645\nsource=fallback\nreason=test\n' >"$XNFT_STATE_DIR/boot.last"
ST=$(ip netns exec "$NS" "$XNFT" status --json "$POLICY" 2>/dev/null)
check_eq "status: last_boot.time and its RFC 3339 form" "1796457645 2026-12-05T08:00:45Z" \
	"$(printf '%s' "$ST" | jq -r '.last_boot | "\(.time) \(.time_rfc3339)"')"

# --- exposure and diff: structured fields beside the prose ------------------------------------
EXP=$("$XNFT" exposure --json --new "$POLICY" 2>/dev/null)
check_eq "exposure: the SSH line from the mesh, structured" "wg0 ipv4 tcp 22 MESH_PEERS" \
	"$(printf '%s' "$EXP" | jq -r '[.input[] | select(.accepted == "IPv4 source in @MESH_PEERS: tcp dport 22")][0] |
		"\(.interfaces.in | join(",")) \(.family) \(.protocol) \(.ports.dport) \(.source.in_sets | join(","))"')"
check_eq "exposure: WireGuard from the WAN, not in @BOGON_V4" "udp 51820 BOGON_V4" \
	"$(printf '%s' "$EXP" | jq -r '[.input[] | select(.interfaces.in == ["eth0"] and .ports.dport == "51820" and .family == "ipv4")][0] |
		"\(.protocol) \(.ports.dport) \(.source.not_in_sets | join(","))"')"
DIFF=$("$XNFT" diff --json "$POLICY" "$T/pol2" 2>/dev/null)
check_eq "diff: the port opened, structured" "tcp 2222" \
	"$(printf '%s' "$DIFF" | jq -r '[.paths.input["now accepted"][] | select(.ports.dport == "2222")][0] | "\(.protocol) \(.ports.dport)"')"

finish
