#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The ban daemon at scale (issue 11), in network namespaces of the script's
# own with the default policy loaded. Usage: bench/bench_banscale.sh [BUILD_DIR]
#   1. 1,000,000 distinct offenders, each banned (threshold 1): time until
#      every element is in the kernel, daemon CPU, RSS, kernel memory;
#   2. a real scanner's ban latency (NFLOG) during a burst of 100,000 forged
#      lines, and the control socket's answer time meanwhile;
#   3. restore time at 100,000 bans (the policy re-applied);
#   4. fail2ban and xnft on the same log of 10,000 sources (threshold 1):
#      log written -> every source in the kernel set.
# PARTS="1 2 3 4" (default) chooses; 2 and 3 run together. Needs root.
# Prints a Markdown table for bench/RESULTS.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
XNFT=$BUILD/src/xnft
PARTS=${PARTS:-1 2 3 4}
OFFENDERS=${OFFENDERS:-1000000}
BURST=${BURST:-100000}
F2B_N=${F2B_N:-10000}
WORK=$(mktemp -d /tmp/xnft-bench-banscale.XXXXXX)
NS="xnft-bscale-$$"
INET="xnft-bscale-inet-$$"
DPID='' FPID=''
cleanup() {
	[ -n "$DPID" ] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null && wait "$FPID" 2>/dev/null
	exec 3>&- 2>/dev/null || true
	ip netns del "$NS" 2>/dev/null
	ip netns del "$INET" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
in_ns() { ip netns exec "$NS" "$@"; }
ip netns add "$NS"
ip netns add "$INET"
ip -n "$NS" link add eth0 type veth peer name eth0 netns "$INET"
ip -n "$NS" addr add 198.18.0.1/24 dev eth0
ip -n "$INET" addr add 198.18.0.2/24 dev eth0
for i in $(seq 10 29); do ip -n "$INET" addr add "198.18.0.$i/24" dev eth0; done
ip -n "$NS" link set eth0 up; ip -n "$INET" link set eth0 up
ip -n "$NS" link set lo up; ip -n "$INET" link set lo up
"$XNFT" init "$WORK/policy" --wan eth0 --mesh-if wg0 --bogon-exempt 198.18.0.0/15 >/dev/null
reload_policy() { in_ns nft -I "$WORK/policy" -f "$WORK/policy/nftables.conf"; }
reload_policy
# TCP to port 1000 from eth0 logged to NFLOG group 7, before the policy's input chain.
in_ns nft -f - <<-'EOF'
	table inet xtlog {
		chain input {
			type filter hook input priority -10; policy accept;
			iifname "eth0" tcp dport 1000 log prefix "XNFT-TCPFL-NULL: " group 7
		}
	}
EOF

now_ns() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
status() { in_ns "$XNFT" daemon --status --json --socket "$WORK/d.sock"; }
jnum() { python3 -c "import json,sys; d=json.load(sys.stdin); print(d$1)"; }
count4() { in_ns nft list set inet "$1" "$2" | grep -oE '\b[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+\b' | wc -l; }
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# cpu_s PID: user+sys seconds of PID and its waited-for children (fail2ban's nft processes).
cpu_s() { awk '{ printf "%.2f", ($14 + $15 + $16 + $17) / 100 }' "/proc/$1/stat"; }
kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
# lines N OCTET [PREFIX [DATE]]: N kernel log lines, one per source OCTET.x.y.z.
lines() {
	awk -v n="$1" -v p="$2" -v pre="${3:-XNFT-TCPFL-NULL}" -v d="${4:-Nov 23 18:00:00}" 'BEGIN {
		for (i = 0; i < n; i++) printf "%s host kernel: %s: IN=eth0 OUT= SRC=%d.%d.%d.%d DST=198.18.0.1 LEN=40 TOS=0x00 PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=40000 DPT=1000 WINDOW=1024 RES=0x00 URGP=0\n", d, pre, p + int(i / 16777216), int(i / 65536) % 256, int(i / 256) % 256, i % 256 }'
}
config() {
	cat >"$WORK/xnft.conf" <<-EOF
		[daemon]
		sources = $1
		socket = $WORK/d.sock
		database = $WORK/bans.db
		max_offenders = 2000000
		batch = 2ms
		[ban.scan]
		categories = TCPFL-*
		threshold = 1
		window = 1h
		bantime = 1h
	EOF
}
daemon_up() {
	rm -f "$WORK"/bans.db*
	ip netns exec "$NS" "$XNFT" daemon -c "$WORK/xnft.conf" 2>"$WORK/daemon.log" &
	DPID=$!
	for _ in $(seq 100); do status >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "bench: daemon did not start" >&2
	cat "$WORK/daemon.log" >&2
	exit 1
}
daemon_down() {
	exec 3>&- 2>/dev/null || true
	kill "$DPID" 2>/dev/null
	wait "$DPID" 2>/dev/null || true
	DPID=
}
# wait_elements N SECONDS: wait until the daemon has written N elements.
wait_elements() {
	local e
	for _ in $(seq $(($2 * 10))); do
		e=$(status | sed -n 's/.*"elements":\([0-9]*\).*/\1/p')
		[ "${e:-0}" -ge "$1" ] && return 0
		sleep 0.1
	done
	echo "bench: only ${e:-0} of $1 elements written" >&2
	return 1
}
ROWS=()
row() { ROWS+=("| $1 | $2 | ${3:-} | ${4:-} |"); }

# --- 1. a million distinct offenders, each banned
if [[ " $PARTS " == *" 1 "* ]]; then
	reload_policy
	config stdin
	mkfifo "$WORK/in"
	ip netns exec "$NS" "$XNFT" daemon -c "$WORK/xnft.conf" -s stdin <"$WORK/in" 2>"$WORK/daemon.log" &
	DPID=$!
	exec 3>"$WORK/in"
	for _ in $(seq 100); do status >/dev/null 2>&1 && break; sleep 0.1; done
	sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true
	avail0=$(meminfo MemAvailable) slab0=$(meminfo Slab) vm0=$(meminfo VmallocUsed) rss0=$(kib "$DPID" VmRSS)
	cpu0=$(cpu_s "$DPID")
	t0=$(now_ns)
	lines "$OFFENDERS" 20 >&3
	wait_elements "$OFFENDERS" 900
	t1=$(now_ns)
	cpu1=$(cpu_s "$DPID") rss1=$(kib "$DPID" VmRSS) hwm=$(kib "$DPID" VmHWM)
	avail1=$(meminfo MemAvailable) slab1=$(meminfo Slab) vm1=$(meminfo VmallocUsed)
	st=$(status)
	t2=$(now_ns); status >/dev/null; t3=$(now_ns)
	in_set=$(count4 xnft BANNED4)
	row "$OFFENDERS distinct offenders, each banned (threshold 1): log lines in → every element in BANNED4" \
		"$(secs "$t0" "$t1") s; $in_set elements in the set; $(echo "$st" | jnum "['kernel']['batches']") transactions, kernel writer $(echo "$st" | jnum "['kernel']['flush_us'] // 1000") ms, errors $(echo "$st" | jnum "['kernel']['errors']")"
	row "... daemon CPU (user+sys) / RSS after (growth) / peak RSS" \
		"$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.1f", b - a }') s / $((rss1 / 1024)) MiB (+$(((rss1 - rss0) / 1024))) / $((hwm / 1024)) MiB"
	row "... kernel memory: Slab growth / VmallocUsed growth / MemAvailable drop minus the daemon's RSS growth (page cache of its log and database included)" \
		"$(((slab1 - slab0) / 1024)) MiB / $(((vm1 - vm0) / 1024)) MiB / $(((avail0 - avail1 - (rss1 - rss0)) / 1024)) MiB"
	row "... status request with $OFFENDERS bans active" "$(awk -v a="$t2" -v b="$t3" 'BEGIN { printf "%.0f", (b - a) / 1e6 }') ms (one \`xnft daemon --status\` process)"
	t0=$(now_ns); kill "$DPID"; wait "$DPID" 2>/dev/null || true; t1=$(now_ns); DPID=
	exec 3>&-
	row "... SIGTERM to exit with $OFFENDERS bans active" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.0f", (b - a) / 1e6 }') ms"
	rm -f "$WORK/in"
fi

# --- 2 and 3. a real scanner during a burst; restore at that many bans
if [[ " $PARTS " == *" 2 "* || " $PARTS " == *" 3 "* ]]; then
	reload_policy
	: >"$WORK/events.log"
	config "nflog:7, file:$WORK/events.log"
	daemon_up
	lines "$BURST" 30 >"$WORK/burst.log"
	r=$(in_ns python3 "$ROOT/bench/bans_burst.py" "$WORK/d.sock" "$WORK/events.log" \
		"$WORK/burst.log" "$BURST" "$INET" 198.18.0.1 "${SCANNERS:-10}" "${GAP_MS:-100}" \
		"$WORK/policy")
	echo "$r" >"$WORK/burst.json"
	b() { echo "$r" | jnum "['$1']"; }
	row "a real scanner (NFLOG) during a burst of $BURST forged lines: ban latency, $(echo "$r" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["scanner_latency_ms"]))') scanners sent every ${GAP_MS:-100} ms from the burst's start: p50 / max" \
		"$(b scanner_p50_ms) / $(b scanner_max_ms) ms (burst events read when each was banned: $(b burst_events_read_when_banned | tr -d '[] '))"
	row "... control socket \`status\` during the burst ($(b status_asked) asked): p50 / max" \
		"$(b status_rtt_p50_ms) / $(b status_rtt_max_ms) ms"
	row "... burst appended → all $BURST forged sources in the kernel" "$(b burst_to_all_banned_s) s"
	row "restore at $(b active_bans) bans: \`nft -f\` of the policy returned → the daemon reports them back (one transaction)" \
		"$(b restore_after_nft_s) s (nft -f included: $(b restore_incl_nft_s) s; kernel writer $(b restore_writer_ms) ms; kernel errors $(b kernel_errors))"
	back=$(count4 xnft BANNED4)
	row "... elements in BANNED4 afterwards" "$back"
	# bans list of that many: streamed, so the daemon does not keep the reply's memory
	rss0=$(kib "$DPID" VmRSS)
	t0=$(now_ns)
	in_ns "$XNFT" bans --socket "$WORK/d.sock" list --json >"$WORK/list.json"
	t1=$(now_ns)
	rss1=$(kib "$DPID" VmRSS) hwm=$(kib "$DPID" VmHWM)
	row "\`xnft bans list --json\` of $(jnum "['bans'].__len__()" <"$WORK/list.json") bans: time / reply / daemon RSS before → after (peak)" \
		"$(secs "$t0" "$t1") s / $(( $(stat -c %s "$WORK/list.json") / 1048576 )) MiB / $((rss0 / 1024)) → $((rss1 / 1024)) MiB ($((hwm / 1024)))"
	daemon_down
fi

# --- 4. fail2ban and xnft, the same log of F2B_N sources
if [[ " $PARTS " == *" 4 "* ]] && command -v fail2ban-server >/dev/null; then
	reload_policy
	lines "$F2B_N" 40 XNFT-TCPFL-NULL "$(date '+%b %e %H:%M:%S')" >"$WORK/same.log"
	# xnft: its file source, the log appended at once
	: >"$WORK/events.log"
	config "file:$WORK/events.log"
	daemon_up
	cpu0=$(cpu_s "$DPID")
	t0=$(now_ns)
	cat "$WORK/same.log" >>"$WORK/events.log"
	for _ in $(seq 6000); do
		e=$(status | sed -n 's/.*"elements":\([0-9]*\).*/\1/p')
		[ "${e:-0}" -ge "$F2B_N" ] && break
		sleep 0.005
	done
	t1=$(now_ns)
	xcpu=$(awk -v a="$cpu0" -v b="$(cpu_s "$DPID")" 'BEGIN { printf "%.2f", b - a }')
	xn=$(count4 xnft BANNED4)
	daemon_down
	# fail2ban: its own config dir, one jail on the same lines, nftables action
	F=$WORK/f2b
	cp -r /etc/fail2ban "$F"
	rm -f "$F"/jail.d/*
	cat >"$F/fail2ban.local" <<-EOF
		[Definition]
		logtarget = $WORK/f2b-server.log
		socket = $WORK/f2b.sock
		pidfile = $WORK/f2b.pid
		dbfile = :memory:
	EOF
	cat >"$F/filter.d/xnft.conf" <<-'EOF'
		[Definition]
		failregex = ^.*kernel: XNFT-[A-Z0-9-]+: IN=\S* OUT=\S* .*SRC=<HOST> 
		ignoreregex =
	EOF
	: >"$WORK/f2b-scan.log"
	cat >"$F/jail.local" <<-EOF
		[DEFAULT]
		ignoreip =
		[xnft]
		enabled = true
		filter = xnft
		logpath = $WORK/f2b-scan.log
		backend = polling
		maxretry = 1
		findtime = 1h
		bantime = 1h
		banaction = nftables-allports
	EOF
	ip netns exec "$NS" fail2ban-server -c "$F" -s "$WORK/f2b.sock" -p "$WORK/f2b.pid" -f -x \
		>/dev/null 2>&1 &
	FPID=$!
	for _ in $(seq 300); do
		in_ns fail2ban-client -s "$WORK/f2b.sock" status xnft >/dev/null 2>&1 && break
		sleep 0.1
	done
	fcpu0=$(cpu_s "$FPID")
	t2=$(now_ns)
	cat "$WORK/same.log" >>"$WORK/f2b-scan.log"
	fn=0
	for _ in $(seq 3600); do
		fn=$(count4 f2b-table addr-set-xnft 2>/dev/null || echo 0)
		[ "$fn" -ge "$F2B_N" ] && break
		sleep 1
	done
	t3=$(now_ns)
	fcpu=$(awk -v a="$fcpu0" -v b="$(cpu_s "$FPID")" 'BEGIN { printf "%.1f", b - a }')
	in_ns fail2ban-client -s "$WORK/f2b.sock" stop >/dev/null 2>&1 || true
	wait "$FPID" 2>/dev/null || true
	FPID=
	xs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
	fs=$(awk -v a="$t2" -v b="$t3" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
	row "$F2B_N sources, one log (threshold 1): appended → every source in the kernel set; xnft daemon vs fail2ban 1.0.2 (nftables-allports, polling backend), CPU of the daemon / fail2ban-server with its nft children" \
		"$xs s ($xn in BANNED4), CPU $xcpu s" "$fs s ($fn in its set; polled every 1 s), CPU $fcpu s" \
		"$(awk -v a="$xs" -v b="$fs" 'BEGIN { printf "%.0f", b / a }')× faster"
fi

echo "| what | xnft | baseline | ratio |"
echo "|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
