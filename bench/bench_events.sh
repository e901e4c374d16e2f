#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Events benchmark, one run each: parse 1,000,000 kernel drop lines from
# 50,000 sources and count them by source.
#   xnft report --source file:LOG          (parse every field, count by
#                                           category, source, /24 and /64,
#                                           port, time; print a report)
#   fail2ban-regex LOG FILTER              (the same lines through an
#                                           equivalent filter: what fail2ban
#                                           does with each line before it bans)
#   mawk, extracting SRC= and counting     (the quickest shell pipeline)
# Wall time and peak memory (GNU time), and ratios. fail2ban-regex is slow:
# when it would need more than F2B_MAX_SECONDS on the whole file it runs on
# its first F2B_LINES lines and the table says so (its time grows linearly
# with the lines).
# Usage: bench/bench_events.sh [BUILD_DIR]. Prints a Markdown table for
# bench/RESULTS.md. Installs fail2ban, mawk and time when missing (Debian).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
XNFT=$BUILD/src/xnft
LINES=${LINES:-1000000}
SOURCES=${SOURCES:-50000}
F2B_LINES=${F2B_LINES:-100000}
F2B_MAX_SECONDS=${F2B_MAX_SECONDS:-300}
WORK=$(mktemp -d /tmp/xnft-bench-events.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

need() {
	local missing=()
	command -v fail2ban-regex >/dev/null || missing+=(fail2ban)
	command -v mawk >/dev/null || missing+=(mawk)
	[ -x /usr/bin/time ] || missing+=(time)
	if [ ${#missing[@]} -gt 0 ]; then
		echo "bench: installing ${missing[*]}" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
	fi
}
need
[ -x "$XNFT" ] || { echo "bench: no xnft at $XNFT (build first)" >&2; exit 2; }

# The log: syslog lines as rsyslog writes kern.log, one hour of drops. Every
# source appears once in the first SOURCES lines; after that a few sources
# send most of the lines (scanners), as on a real host. 10% IPv6.
LOG=$WORK/kern.log
python3 - "$LOG" "$LINES" "$SOURCES" <<'EOF'
import random, sys
path, lines, sources = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(42)
srcs = []
for i in range(sources):
    if i % 10 == 9:
        srcs.append(("6", "2a0%x:%04x:%04x:%04x:0000:0000:0000:%04x" % (rnd.randrange(1, 16), rnd.randrange(65536), rnd.randrange(65536), rnd.randrange(65536), rnd.randrange(1, 65536))))
    else:
        srcs.append(("4", "%d.%d.%d.%d" % (rnd.choice([5, 23, 45, 61, 80, 91, 103, 141, 159, 185, 193, 212]), rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255))))
cats = [("DROP", 70), ("SYNFLOOD", 8), ("TCPFL-NULL", 3), ("TCPFL-XMAS", 2), ("TCPFL-FIN", 2),
        ("ICMP4-DROP", 5), ("WG-RATELIMIT", 4), ("INVALID", 3), ("BOGON", 3)]
catlist = [c for c, w in cats for _ in range(w)]
ports = [22, 23, 80, 443, 445, 3389, 8080, 3306, 5432, 6379, 25, 53, 8443, 5900, 1433]
flags = {"TCPFL-NULL": "", "TCPFL-XMAS": "URG PSH FIN ", "TCPFL-FIN": "FIN ", "INVALID": "ACK "}
mon = "Nov"
with open(path, "w") as f:
    for n in range(lines):
        if n < sources:
            fam, src = srcs[n]
        else:
            fam, src = srcs[int(sources * rnd.random() ** 4)]
        t = n * 3600 // lines
        stamp = "%s 23 %02d:%02d:%02d" % (mon, 10 + t // 3600, t // 60 % 60, t % 60)
        cat = rnd.choice(catlist)
        sport = rnd.randrange(1024, 65536)
        dport = rnd.choice(ports) if rnd.random() < 0.8 else rnd.randrange(1, 65536)
        if fam == "6":
            ip = "SRC=%s DST=2001:0db8:0000:0000:0000:0000:0000:0001 LEN=60 TC=0 HOPLIMIT=%d FLOWLBL=%d" % (src, rnd.randrange(40, 255), rnd.randrange(1 << 20))
            mac = "MAC=52:54:00:12:34:56:fe:54:00:ab:cd:ef:86:dd"
            icmp = "PROTO=ICMPv6 TYPE=128 CODE=0 ID=%d SEQ=1" % rnd.randrange(65536)
        else:
            ip = "SRC=%s DST=198.51.100.10 LEN=40 TOS=0x00 PREC=0x00 TTL=%d ID=%d" % (src, rnd.randrange(40, 255), rnd.randrange(65536))
            mac = "MAC=52:54:00:12:34:56:fe:54:00:ab:cd:ef:08:00"
            icmp = "PROTO=ICMP TYPE=8 CODE=0 ID=%d SEQ=1" % rnd.randrange(65536)
        if cat == "ICMP4-DROP":
            l4 = icmp
        elif cat == "WG-RATELIMIT":
            l4 = "PROTO=UDP SPT=%d DPT=51820 LEN=156" % sport
        else:
            l4 = "PROTO=TCP SPT=%d DPT=%d WINDOW=%d RES=0x00 %sURGP=0" % (sport, dport, rnd.choice([1024, 65535, 29200]), flags.get(cat, "SYN "))
        f.write("%s vps1 kernel: XNFT-%s: IN=eth0 OUT= %s %s %s \n" % (stamp, cat, mac, ip, l4))
EOF
MB=$(du -m "$LOG" | cut -f1)

# run_timed NAME cmd...: wall seconds, CPU seconds (user + system) and peak KiB
# of one run into NAME_t, NAME_c and NAME_m.
run_timed() {
	local name=$1; shift
	/usr/bin/time -f '%e %M %U %S' -o "$WORK/$name.time" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" ||
		{ echo "bench: $name failed: $(tail -3 "$WORK/$name.err")" >&2; exit 1; }
	read -r T M U S <"$WORK/$name.time"
	eval "${name}_t=$T ${name}_m=$M ${name}_c=$(awk -v u="$U" -v s="$S" 'BEGIN { printf "%.2f", u + s }')"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) b = 0.001; printf "%.1f", a / b }'; }
per_line_us() { awk -v t="$1" -v n="$2" 'BEGIN { printf "%.2f", t * 1e6 / n }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# Warm the page cache so every tool reads from memory.
cat "$LOG" >/dev/null

run_timed xnft "$XNFT" report --source "file:$LOG" --top 10 --json
xnft_sources=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["distinct_sources"])' "$WORK/xnft.out")
xnft_events=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$WORK/xnft.out")

# mawk: the SRC= field of each line, counted per address. Of the programs
# tried, index()+substr() was the quickest (looping over the fields with NF
# took twice as long): the baseline is the best a shell user would write.
MAWK_PROG='{ i = index($0, " SRC="); s = substr($0, i + 5, 45); c[substr(s, 1, index(s, " ") - 1)]++ }
END { n = 0; for (k in c) n++; print n }'
run_timed mawk mawk "$MAWK_PROG" "$LOG"
mawk_sources=$(cat "$WORK/mawk.out")

# fail2ban-regex with the filter a fail2ban user writes for these lines (seed 001's, for our prefixes).
cat >"$WORK/xnft-drops.conf" <<'EOF'
[Definition]
failregex = ^.*kernel: XNFT-[A-Z0-9-]+: IN=\S* OUT=\S* .*SRC=<ADDR> DST=\S+ .*$
EOF
head -n "$F2B_LINES" "$LOG" >"$WORK/f2b.log"
run_timed f2bpart fail2ban-regex -r --print-no-missed "$WORK/f2b.log" "$WORK/xnft-drops.conf"
f2b_lines=$F2B_LINES
f2b_t=$f2bpart_t f2b_m=$f2bpart_m f2b_c=$f2bpart_c
est=$(awk -v t="$f2bpart_t" -v a="$F2B_LINES" -v b="$LINES" 'BEGIN { printf "%d", t * b / a }')
if [ "$est" -le "$F2B_MAX_SECONDS" ] && [ "$F2B_LINES" -lt "$LINES" ]; then
	run_timed f2b fail2ban-regex -r --print-no-missed "$LOG" "$WORK/xnft-drops.conf"
	f2b_lines=$LINES
fi
f2b_matched=$(grep -oE '[0-9]+ matched' "$WORK/$([ "$f2b_lines" = "$LINES" ] && echo f2b || echo f2bpart).out" | head -1)

# Per line, so a partial fail2ban run compares fairly; wall time and CPU time
# (the latter does not depend on what else the machine runs).
x_us=$(per_line_us "$xnft_t" "$LINES")
m_us=$(per_line_us "$mawk_t" "$LINES")
f_us=$(per_line_us "$f2b_t" "$f2b_lines")
xc_us=$(per_line_us "$xnft_c" "$LINES")
mc_us=$(per_line_us "$mawk_c" "$LINES")
fc_us=$(per_line_us "$f2b_c" "$f2b_lines")
f2b_note=""
[ "$f2b_lines" != "$LINES" ] && f2b_note=" (run on the first $f2b_lines lines: the whole file would take about ${est} s)"

echo "Input: $LINES kernel drop lines (${MB} MB, syslog format, 10% IPv6) from $SOURCES sources;"
echo "xnft counted $xnft_events events from $xnft_sources sources, mawk $mawk_sources sources, fail2ban-regex: $f2b_matched$f2b_note."
echo
echo "| parse + count by source | wall time | CPU time | wall per line | peak memory | xnft faster by (wall / CPU) |"
echo "|---|---|---|---|---|---|"
echo "| \`xnft report --source file:LOG\` | ${xnft_t} s | ${xnft_c} s | ${x_us} µs | $(mib "$xnft_m") MiB | |"
echo "| \`mawk\` extracting SRC= and counting | ${mawk_t} s | ${mawk_c} s | ${m_us} µs | $(mib "$mawk_m") MiB | $(ratio "$m_us" "$x_us")× / $(ratio "$mc_us" "$xc_us")× |"
echo "| \`fail2ban-regex\`, equivalent filter | ${f2b_t} s for $f2b_lines lines | ${f2b_c} s | ${f_us} µs | $(mib "$f2b_m") MiB | $(ratio "$f_us" "$x_us")× / $(ratio "$fc_us" "$xc_us")× |"
