#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The daemon as a bouncer of Debian's crowdsec LAPI (issue 19) side by side
# with Debian's crowdsec-firewall-bouncer in nftables mode, both pulling
# the same LAPI every second, in a network namespace of the script's own
# with the default policy loaded.
# Usage: bench/bench_crowdsec.sh [BUILD_DIR]
#   1. N decisions (default 100,000) imported with cscli before either
#      starts; then each started alone, in turn: start -> all N in its set
#      (the set's element count, read from the kernel every 0.2 s for both);
#   2. both running: `cscli decisions add` returned -> the element in each
#      one's set, as `nft monitor` announces it (asking the kernel with
#      `nft get element` costs ~0.7 s with 100,000 elements in the set, which
#      was measured instead), K times, each add at a random point of the
#      poll (so the samples do not lock to the pulls), p50 / p99.
#   STALL_AT=k (with STALL_S, TIMEOUT): the LAPI is stopped (SIGSTOP) for
#      STALL_S seconds (default 12) before the k-th add, longer than xnft's
#      TIMEOUT (default 30s; give 10s, the default: a poll + it <= STALL_S): a pull times out,
#      as on a LAPI too busy to answer; the adds that follow show what the
#      failure costs.
# Needs root, crowdsec and crowdsec-firewall-bouncer.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
source "$ROOT/tests/integration/crowdsec_lib.sh"
BUILD=${1:-$ROOT/build}
XNFT=$BUILD/src/xnft
N=${N:-100000}
K=${K:-40}
CAP_S=${CAP_S:-1800}   # the startup wait, per bouncer
CFB=${CFB:-1}          # 0: xnft alone (to see its pulls without a second bouncer loading the LAPI)
STALL_AT=${STALL_AT:-0} STALL_S=${STALL_S:-12} TIMEOUT=${TIMEOUT:-30s}
WORK=$(mktemp -d /tmp/xnft-bench-crowdsec.XXXXXX)
NS="xnft-bcs-$$"
DPID='' LPID='' BPID='' MPID=''
cleanup() {
	set +e   # a stopped process's non-zero status must not end the cleanup early
	[ -n "$MPID" ] && kill "$MPID" 2>/dev/null && wait "$MPID" 2>/dev/null
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$BPID" ] && kill "$BPID" 2>/dev/null && wait "$BPID" 2>/dev/null
	[ -n "$LPID" ] && kill "$LPID" 2>/dev/null && wait "$LPID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
in_ns() { ip netns exec "$NS" "$@"; }
ip netns add "$NS"
in_ns ip link set lo up
"$XNFT" init "$WORK/policy" --wan eth0 --mesh-if wg0 >/dev/null
in_ns nft -I "$WORK/policy" -f "$WORK/policy/nftables.conf"

CS=$WORK/cs
crowdsec_config "$CS" 127.0.0.1:8080 warning true
cscli() { in_ns cscli -c "$CS/config.yaml" "$@" 2>>"$CS/cscli.log"; }
cscli machines add bench --auto -f "$CS/local_api_credentials.yaml" --url http://127.0.0.1:8080 >/dev/null
(umask 077 && cscli bouncers add "xnft-bench" -o raw >"$WORK/cs.key")
CFB_KEY=$(cscli bouncers add "cfb-bench" -o raw)
# ip netns exec directly (not in_ns): $! must be the process itself, to be stopped at the end
ip netns exec "$NS" crowdsec -c "$CS/config.yaml" -no-cs >"$CS/lapi.log" 2>&1 &
LPID=$!
for _ in $(seq 100); do cscli decisions list >/dev/null && break; sleep 0.1; done

now_ns() { date +%s%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }
{
	echo "value"
	awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "10.%d.%d.%d\n", int(i / 65536) % 256, int(i / 256) % 256, i % 256 }'
} >"$WORK/decisions.csv"
t0=$(now_ns)
cscli decisions import -i "$WORK/decisions.csv" -d 4h >/dev/null
t1=$(now_ns)
echo "# cscli decisions import of $N: $(ms "$t0" "$t1") ms" >&2

cat >"$WORK/xnft.conf" <<-EOF
	[daemon]
	sources = stdin
	socket = $WORK/d.sock
	database = $WORK/bans.db
	[crowdsec]
	url = http://127.0.0.1:8080
	api_key_file = $WORK/cs.key
	poll = 1s
	timeout = $TIMEOUT
EOF
status() { in_ns "$XNFT" daemon --status --json --socket "$WORK/d.sock" 2>/dev/null; }
# count FAMILY TABLE SET: elements in a set, as the kernel lists them.
count() {
	in_ns nft -j list set "$1" "$2" "$3" 2>/dev/null |
		jq '[.nftables[] | select(.set) | (.set.elem // [])[]] | length' || true   # not there yet
}
# until_all FAMILY TABLE SET: wait (at most CAP_S) until N elements are in the set; the
# set is listed every 0.2 s for 20 s, then every 2 s (listing 100,000 elements costs CPU
# the bouncer being measured needs)
until_all() {
	local start end c
	start=$(date +%s) end=$((start + CAP_S))
	while [ "$(date +%s)" -lt "$end" ]; do
		c=$(count "$@")
		[ "${c:-0}" -ge "$N" ] && return 0
		if [ "$(date +%s)" -lt $((start + 20)) ]; then sleep 0.2; else sleep 2; fi
	done
	return 1
}

t0=$(now_ns)
ip netns exec "$NS" "$XNFT" daemon -c "$WORK/xnft.conf" </dev/null >"$WORK/daemon.log" 2>&1 &
DPID=$!
if until_all inet xnft BANNED4; then xnft_ms=$(ms "$t0" "$(now_ns)"); else xnft_ms="> ${CAP_S}000"; fi
got=$(count inet xnft BANNED4)
st=$(status)
flush_ms=$(echo "$st" | jq '.kernel.flush_us / 1000')
batches=$(echo "$st" | jq '.kernel.batches')

cat >"$WORK/cfb.yaml" <<-EOF
	mode: nftables
	pid_dir: $WORK/
	update_frequency: 1s
	daemonize: false
	log_mode: stdout
	log_level: info
	api_url: http://127.0.0.1:8080/
	api_key: $CFB_KEY
	disable_ipv6: false
	deny_action: DROP
	deny_log: false
	supported_decisions_types: [ban]
	blacklists_ipv4: crowdsec-blacklists
	blacklists_ipv6: crowdsec6-blacklists
	nftables:
	  ipv4: {enabled: true, set-only: false, table: crowdsec, chain: crowdsec-chain}
	  ipv6: {enabled: true, set-only: false, table: crowdsec6, chain: crowdsec6-chain}
	prometheus: {enabled: false, listen_addr: 127.0.0.1, listen_port: 60601}
EOF
cfb_ms=- cfb_got=-
if [ "$CFB" = 1 ]; then
	t0=$(now_ns)
	ip netns exec "$NS" crowdsec-firewall-bouncer -c "$WORK/cfb.yaml" >"$WORK/cfb.log" 2>&1 &
	BPID=$!
	if until_all ip crowdsec crowdsec-blacklists; then cfb_ms=$(ms "$t0" "$(now_ns)"); else cfb_ms="> ${CAP_S}000"; fi
	cfb_got=$(count ip crowdsec crowdsec-blacklists)
fi
echo "# startup: xnft $xnft_ms ms ($got), crowdsec-firewall-bouncer $cfb_ms ms ($cfb_got)" >&2

# latency: each add at a random point of the 1 s poll; the element's arrival is the time the
# monitor saw it (stamped as read, bash's clock, no process per line); at most 10 s: a miss is
# counted and taken as 10 s
stamp() { while IFS= read -r l; do echo "${EPOCHREALTIME/./}000 $l"; done; }
# ip netns exec execs nft: $! is the monitor itself, stopped by its PID at the end
ip netns exec "$NS" nft monitor elements > >(stamp >"$WORK/monitor.log") &
MPID=$!
sleep 1   # subscribed
# seen PATTERN: the monitor's time (ns) of the first add matching it; empty when none yet
seen() { awk -v p="$1" 'index($0, p) && / add element / { print $1; exit }' "$WORK/monitor.log"; }
lat_x=() lat_c=() miss_x=0 miss_c=0
for i in $(seq "$K"); do
	ip=203.0.113.$i
	sleep "0.$(printf '%03d' $((RANDOM % 1000)))"
	if [ "$i" = "$STALL_AT" ]; then
		kill -STOP "$LPID"
		sleep "$STALL_S"
		kill -CONT "$LPID"
	fi
	cscli decisions add -i "$ip" -d 1h >/dev/null
	t0=$(now_ns) tx='' tc=''
	[ "$CFB" = 1 ] || tc=$t0
	end=$((t0 + 10000000000))
	while [ -z "$tx" ] || [ -z "$tc" ]; do
		[ -n "$tx" ] || tx=$(seen "inet xnft BANNED4 { $ip ")
		[ -n "$tc" ] || tc=$(seen "ip crowdsec crowdsec-blacklists { $ip ")
		[ "$(now_ns)" -gt "$end" ] && break
		sleep 0.005
	done
	[ -n "$tx" ] || miss_x=$((miss_x + 1))
	[ -n "$tc" ] || miss_c=$((miss_c + 1))
	lat_x+=("$(ms "$t0" "${tx:-$end}")")
	lat_c+=("$(ms "$t0" "${tc:-$end}")")
done
kill "$MPID" 2>/dev/null || true
wait "$MPID" 2>/dev/null || true
MPID=''
pulls=$(status | jq -r '.crowdsec | "\(.pulls) pulls (\(.failures) failed: \(.last_error)), the last delta pull \(.pull_ms_last) ms, the longest \(.pull_ms_max) ms, pulls every \(.period_ms) ms (answer time estimated at \(.answer_ms_estimate) ms); \(.full_pulls) complete pull(s) after a failure, the last \(.full_ms_last) ms, one running: \(.reconciling)"')
echo "# xnft's pulls meanwhile: $pulls" >&2
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "# the LAPI's errors: $(grep -ciE 'level=(error|fatal)' "$CS/lapi.log" || true)" >&2
grep -iE 'level=(error|fatal)' "$CS/lapi.log" | head -5 | sed 's/^/#   /' >&2 || true
pct() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
	printf "%s / %s", v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)] }'; }
echo "| what | xnft | crowdsec-firewall-bouncer 0.0.25 |"
echo "|---|---|---|"
echo "| $N decisions in the LAPI (cscli import) → bouncer started → all in its set | $xnft_ms ms ($got elements; $batches transaction(s), kernel writer $flush_ms ms) | $cfb_ms ms ($cfb_got elements) |"
echo "| \`cscli decisions add\` returned → element in the set, poll 1 s, $K adds at random points of the poll: p50 / p99 ms | $(pct "${lat_x[@]}") ($miss_x missed 10 s) | $(pct "${lat_c[@]}") ($miss_c missed 10 s) |"
echo "# all samples, xnft: ${lat_x[*]}" >&2
echo "# all samples, cs-firewall-bouncer: ${lat_c[*]}" >&2
