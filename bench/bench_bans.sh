#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Bans benchmark, one run each, in a network namespace of its own with the
# default policy loaded. Usage: bench/bench_bans.sh [BUILD_DIR]
#   1. 10,000 bans: xnft daemon (events in, elements out) against one
#      batched `nft -f` of the same elements and against one `nft add
#      element` process per ban (what fail2ban's nftables action does);
#   2. ban latency, event written -> element seen by `nft monitor`, p50/p99,
#      at 1,000 and 100,000 events/s;
#   3. memory with 1,000,000 distinct offenders tracked.
# Needs root. Prints a Markdown table for bench/RESULTS.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
XNFT=$BUILD/src/xnft
N=${BANS:-10000}
WORK=$(mktemp -d /tmp/xnft-bench-bans.XXXXXX)
NS="xnft-bbans-$$"
DPID=
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	exec 3>&- 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$NS"
in_ns() { ip netns exec "$NS" "$@"; }
"$XNFT" init "$WORK/policy" --wan eth0 --mesh-if wg0 >/dev/null
reload_policy() { in_ns nft -I "$WORK/policy" -f "$WORK/policy/nftables.conf"; }
reload_policy
now_ns() { date +%s%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
count4() { in_ns nft -j list set inet xnft BANNED4 | python3 -c '
import json, sys
print(sum(len(o["set"].get("elem", [])) for o in json.load(sys.stdin)["nftables"] if "set" in o))'; }

addr() { awk -v n="$1" 'BEGIN { for (i = 0; i < n; i++) printf "11.%d.%d.%d\n", int(i / 65536), int(i / 256) % 256, i % 256 }'; }
addr "$N" >"$WORK/addrs"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
RUNS=${RUNS:-5}

# --- 1a. one batched nft -f (median of RUNS, fresh sets each time)
awk 'BEGIN { printf "add element inet xnft BANNED4 { " } { printf "%s%s timeout 1h", (NR > 1 ? ", " : ""), $1 } END { print " }" }' \
	"$WORK/addrs" >"$WORK/batch.nft"
for _ in $(seq "$RUNS"); do
	reload_policy
	t0=$(now_ns); in_ns nft -f "$WORK/batch.nft"; t1=$(now_ns)
	ms "$t0" "$t1"; echo
	[ "$(count4)" -eq "$N" ] || { echo "bench: nft -f did not add $N elements" >&2; exit 1; }
done >"$WORK/nft_batch"
nft_batch=$(median <"$WORK/nft_batch")

# --- 1b. one nft process per ban (fail2ban's way), run inside the namespace
reload_policy
t0=$(now_ns)
in_ns bash -c 'while read -r a; do nft add element inet xnft BANNED4 "{ $a timeout 1h }" || exit 1; done' <"$WORK/addrs"
t1=$(now_ns)
nft_each=$(ms "$t0" "$t1")
[ "$(count4)" -eq "$N" ] || { echo "bench: nft per ban did not add $N elements" >&2; exit 1; }

# --- 1c. xnft daemon: N scanner events in, N elements out (median of RUNS)
cat >"$WORK/xnft.conf" <<EOF
[daemon]
socket = $WORK/d.sock
database = $WORK/bans.db
max_offenders = 2000000
batch = 2ms
[ban.scan]
categories = TCPFL-*
threshold = 1
window = 1m
bantime = 1h
[ban.track]
categories = DROP
threshold = 1000
window = 1h
bantime = 1h
EOF
logline() { awk -v p="$1" '{ printf "Nov 23 18:00:00 host kernel: %s: IN=eth0 OUT= SRC=%s DST=198.18.0.1 LEN=40 TOS=0x00 PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=40000 DPT=80 WINDOW=1024 RES=0x00 URGP=0\n", p, $1 }'; }
logline XNFT-TCPFL-NULL <"$WORK/addrs" >"$WORK/scan.log"
mkfifo "$WORK/in"
status() { in_ns "$XNFT" daemon --status --json --socket "$WORK/d.sock"; }
jnum() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }
# daemon_up: start the daemon reading the fifo; DPID is the daemon itself
# (ip netns exec execs it in place).
daemon_up() {
	rm -f "$WORK"/bans.db*
	ip netns exec "$NS" "$XNFT" daemon -c "$WORK/xnft.conf" -s stdin <"$WORK/in" 2>"$WORK/daemon.log" &
	DPID=$!
	exec 3>"$WORK/in"
	for _ in $(seq 100); do status >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "bench: daemon did not start" >&2
	cat "$WORK/daemon.log" >&2
	exit 1
}
daemon_down() {
	exec 3>&-
	kill "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null || true
	DPID=
}
: >"$WORK/xnft_runs"
for _ in $(seq "$RUNS"); do
	reload_policy
	daemon_up
	t0=$(now_ns)
	cat "$WORK/scan.log" >&3
	# poll cheaply (no python per round): the "elements" count of the status
	for _ in $(seq 6000); do
		e=$(status | sed -n 's/.*"elements":\([0-9]*\).*/\1/p')
		[ "${e:-0}" -ge "$N" ] && break
		sleep 0.002
	done
	t1=$(now_ns)
	st=$(status)
	echo "$(ms "$t0" "$t1") $(echo "$st" | jnum "['kernel']['flush_us'] / 1000") $(echo "$st" | jnum "['kernel']['batches']") $(echo "$st" | jnum "['kernel']['largest_batch']")" >>"$WORK/xnft_runs"
	[ "$(count4)" -eq "$N" ] || { echo "bench: xnft did not ban $N sources" >&2; exit 1; }
	daemon_down
done
xnft_e2e=$(cut -d' ' -f1 "$WORK/xnft_runs" | median)
xnft_writer=$(cut -d' ' -f2 "$WORK/xnft_runs" | median)
batches=$(cut -d' ' -f3 "$WORK/xnft_runs" | median)
largest=$(cut -d' ' -f4 "$WORK/xnft_runs" | median)

# --- 3. memory: 1,000,000 distinct offenders (rule [ban.track], no ban)
reload_policy
daemon_up
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$DPID/status"; }
rss0=$(rss)
M=${OFFENDERS:-1000000}
t0=$(now_ns)
awk -v n="$M" 'BEGIN { for (i = 0; i < n; i++) printf "Nov 23 18:00:00 host kernel: XNFT-DROP: IN=eth0 OUT= SRC=%d.%d.%d.%d DST=198.18.0.1 LEN=40 TOS=0x00 PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=40000 DPT=22 WINDOW=1024 RES=0x00 SYN URGP=0\n", 20 + int(i / 16777216), int(i / 65536) % 256, int(i / 256) % 256, i % 256 }' >&3
for _ in $(seq 1200); do
	[ "$(status | jnum "['engine']['offenders']")" -ge "$M" ] && break
	sleep 0.1
done
t1=$(now_ns)
st=$(status)
rss1=$(rss)
offenders=$(echo "$st" | jnum "['engine']['offenders']")
engine_mem=$(echo "$st" | jnum "['engine']['memory_bytes'] // 1048576")
ingest_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
daemon_down

# --- 2. latency at 1,000 and 100,000 events/s
reload_policy
rm -f "$WORK"/bans.db*
lat1=$(in_ns python3 "$ROOT/bench/bans_latency.py" "$XNFT" "$WORK/xnft.conf" 1000 10 500)
reload_policy
rm -f "$WORK"/bans.db*
lat2=$(in_ns python3 "$ROOT/bench/bans_latency.py" "$XNFT" "$WORK/xnft.conf" 100000 5 1000)
lj() { echo "$1" | jnum "['$2']"; }

echo "| what | xnft | baseline | ratio |"
echo "|---|---|---|---|"
echo "| $N bans, median of $RUNS: xnft's kernel writer (sum of its transactions, $batches batch(es), largest $largest) vs one batched \`nft -f\` (ms) | $xnft_writer | $nft_batch | $(ratio "$xnft_writer" "$nft_batch")× |"
echo "| $N bans, median of $RUNS: xnft end to end (log lines in, elements in the set) vs one batched \`nft -f\` (ms) | $xnft_e2e | $nft_batch | $(ratio "$xnft_e2e" "$nft_batch")× |"
echo "| $N bans: xnft end to end vs one \`nft add element\` per ban, fail2ban's way (ms) | $xnft_e2e | $nft_each | $(ratio "$nft_each" "$xnft_e2e")× faster |"
echo "| ban latency at $(lj "$lat1" rate) events/s (achieved $(lj "$lat1" achieved_rate)), $(lj "$lat1" banned)/$(lj "$lat1" scanners) scanners: p50 / p99 (ms) | $(lj "$lat1" p50_ms) / $(lj "$lat1" p99_ms) | | |"
echo "| ban latency at $(lj "$lat2" rate) events/s (achieved $(lj "$lat2" achieved_rate)), $(lj "$lat2" banned)/$(lj "$lat2" scanners) scanners: p50 / p99 (ms) | $(lj "$lat2" p50_ms) / $(lj "$lat2" p99_ms) | | |"
echo "| $offenders distinct offenders tracked: daemon RSS growth / engine tables (MiB), ingest $ingest_s s | $(( (rss1 - rss0) / 1024 )) / $engine_mem | | |"
echo "| daemon RSS with $offenders offenders tracked (MiB) | $((rss1 / 1024)) | | |"
