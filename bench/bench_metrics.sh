#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Scrape time and memory of `xnft daemon`'s /metrics against an exporter
# that runs `nft -j list ruleset` and converts it (bench/nft_json_exporter.py,
# what seed 002's exporter does), side by side in one run: the default
# policy, and the default policy with 10,000 more rules and a
# 100,000-element set. Also `xnft metrics` (the textfile collector's way).
# Usage: [CASES="default large"] bench/bench_metrics.sh [BUILD_DIR]
# (CASES=default: the default policy alone, a minute instead of many.)
# Needs root (network namespaces). Prints a Markdown table for RESULTS.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
XNFT=$BUILD/src/xnft
RUNS=${RUNS:-15}
CASES=${CASES:-default large}
WORK=$(mktemp -d /tmp/xnft-bench.XXXXXX)
NS="xnft-bench-$$"
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
source "$ROOT/bench/lib.sh"

in_ns() { ip netns exec "$NS" "$@"; }
# wait_http URL: until it answers 200 (bounded, 30 s)
wait_http() {
	for _ in $(seq 300); do
		[ "$(in_ns curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null)" = 200 ] && return 0
		sleep 0.1
	done
	echo "bench: $1 never answered" >&2
	return 1
}
# scrape_ms RUNS URL: median of curl's own time per request (not the process start)
scrape_ms() {
	# shellcheck disable=SC2016 # expanded by the inner shell
	in_ns bash -c 'for i in $(seq "$1"); do curl -sf -o /dev/null -w "%{time_total}\n" "$2" || exit 1; done' \
		_ "$1" "$2" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)] * 1000}'
}
# cpu_ns PID: how long every thread of PID has run on a CPU so far (ns, from schedstat)
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%d", s}'; }
# cpu_per_scrape_ms PID N URL: PID's CPU time per scrape over N scrapes; unlike the wall
# time it does not grow with the machine's load (its own ticks in that window are included)
cpu_per_scrape_ms() {
	local c0 c1
	c0=$(cpu_ns "$1")
	# shellcheck disable=SC2016 # expanded by the inner shell
	in_ns bash -c 'for i in $(seq "$1"); do curl -sf -o /dev/null "$2" || exit 1; done' _ "$2" "$3"
	c1=$(cpu_ns "$1")
	awk -v a="$c0" -v b="$c1" -v n="$2" 'BEGIN {printf "%.2f", (b - a) / n / 1e6}'
}
# the peak resident memory of a process so far, in MiB
hwm_mib() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }

run_case() {
	local name=$1 dir=$2 runs=$3
	ip netns del "$NS" 2>/dev/null || true
	ip netns add "$NS"
	in_ns ip link set lo up
	in_ns ip link add eth0 type dummy 2>/dev/null || in_ns ip link add eth0 type bridge
	in_ns ip link add wg0 type bridge
	in_ns nft -I "$dir" -f "$dir/nftables.conf"
	mkdir -p "$WORK/$name"
	: >"$WORK/$name/events.log"
	cat >"$WORK/$name/xnft.conf" <<CONF
[daemon]
sources = file:$WORK/$name/events.log
socket = $WORK/$name/daemon.sock
database = $WORK/$name/bans.db
policy = $dir
[metrics]
listen = 127.0.0.1:9586
CONF
	# started by ip netns exec itself (it execs): $! is the daemon's pid
	ip netns exec "$NS" "$XNFT" daemon -c "$WORK/$name/xnft.conf" >"$WORK/$name/daemon.log" 2>&1 &
	local dpid=$!
	PIDS+=("$dpid")
	ip netns exec "$NS" python3 "$ROOT/bench/nft_json_exporter.py" 9587 &
	local epid=$!
	PIDS+=("$epid")
	ip netns exec "$NS" python3 "$ROOT/bench/nft_json_exporter.py" 9588 --terse &
	local tpid=$!
	PIDS+=("$tpid")
	# the daemon's own start (reading the policy for its whitelist) before any scrape
	for _ in $(seq 300); do
		in_ns "$XNFT" daemon --status --socket "$WORK/$name/daemon.sock" >/dev/null 2>&1 && break
		sleep 0.1
	done
	local x0
	x0=$(hwm_mib "$dpid")
	wait_http http://127.0.0.1:9586/metrics
	# steady state: the daemon's first lint and intents run (a child, seconds of CPU on the
	# large ruleset, then every 5 minutes) is over before the scrapes are timed
	for _ in $(seq 1200); do
		in_ns curl -s http://127.0.0.1:9586/metrics | grep -q '^xnft_lint_findings' && break
		sleep 0.1
	done
	wait_http http://127.0.0.1:9587/metrics
	wait_http http://127.0.0.1:9588/metrics
	local x b t c rules
	rules=$(in_ns curl -s http://127.0.0.1:9586/metrics | grep -c '^xnft_rule_packets_total{' || true)
	x=$(scrape_ms "$runs" http://127.0.0.1:9586/metrics)
	b=$(scrape_ms "$runs" http://127.0.0.1:9587/metrics)
	t=$(scrape_ms "$runs" http://127.0.0.1:9588/metrics)
	c=$(median_ms "$runs" in_ns "$XNFT" metrics --policy "$dir")
	local cpu
	cpu=$(cpu_per_scrape_ms "$dpid" $((runs * 4)) http://127.0.0.1:9586/metrics)
	echo "| $name ($rules rules): one /metrics scrape, median of $runs (ms) | **$x** | $b | $(ratio "$b" "$x")× faster |"
	echo "| $name: the daemon's CPU time per scrape, all its threads, over $((runs * 4)) scrapes (ms) | $cpu | | |"
	echo "| $name: the same vs \`nft -t -j\` (no set elements, so no element counts) (ms) | $x | $t | $(ratio "$t" "$x")× faster |"
	echo "| $name: \`xnft metrics\` once, whole process (ms) | $c | | |"
	local xm bm nm
	xm=$(hwm_mib "$dpid")
	bm=$(hwm_mib "$epid")
	nm=$(peak_mib ip netns exec "$NS" nft -j list ruleset)
	echo "| $name: peak memory, daemon (of which before the first scrape: its start) vs exporter + its \`nft -j\` child (MiB) | $xm ($x0) | $bm + $nm | scrapes add $((xm - x0)) vs $((bm + nm)) |"
	for p in "$dpid" "$epid" "$tpid"; do kill "$p"; wait "$p" 2>/dev/null || true; done
	PIDS=()
}

"$XNFT" init "$WORK/default" --wan eth0 --mesh-if wg0 >/dev/null

echo "| what | xnft daemon | nft -j exporter | ratio |"
echo "|---|---|---|---|"
for c in $CASES; do
	case $c in
	default) run_case default "$WORK/default" "$RUNS" ;;
	large) make_large_policy "$WORK/large" 10000 && run_case large "$WORK/large" 5 ;;
	*) echo "bench: unknown case $c (default, large)" >&2; exit 2 ;;
	esac
done
