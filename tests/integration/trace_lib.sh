# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the kernel differential tests (test_trace_kernel.sh,
# test_nat_kernel.sh, test_constructs.sh, test_cx_*.sh). Source it after
# lib.sh and policy_lib.sh, then call trace_start (or policy_setup, then
# trace_setup). A batch sends tagged packets with xpkt
# from the namespaces around the host (sender, xpkt words and xnft's packet
# words, tab-separated, one packet a line), reads the kernel's account with
# `nft monitor trace` and compares it, rule path and verdict, with
# `xnft trace --live --json` (tests/tools/gen_ruleset.py compare). A packet
# the kernel traces more than once (a copy sent again) counts once; each
# later trace must be the same as its first, and is counted and printed.
# TRACE_KEEP=DIR keeps each batch's packets, kernel trace and xnft output.
# STATED_OK=N lets a batch pass with up to N decisions that differ from the
# kernel's on a rule where xnft stated its assumption (a value the packet
# words cannot give), and none that differs silently.

GEN="$ROOT/tests/tools/gen_ruleset.py"
TOTAL_AGREE=0
TOTAL_PACKETS=0
# rule-level decisions (gen_ruleset.py compare): compared, agreeing, differing on
# a rule where xnft stated an assumption, differing silently
TOTAL_DECISIONS=0 TOTAL_DEC_AGREE=0 TOTAL_DEC_ASSUMED=0 TOTAL_DEC_SILENT=0

# ---- topology additions ----------------------------------------------------------

# Default routes both ways (packets to and from anywhere), more host addresses
# for the rulesets' address matches, bridges eth1..eth3 for Debian's example
# that names them, and no reverse-path filter, so forged sources get in.
extra_topology() {
	ip -n "$HOST" route add default via "$INET_V4" &&
	ip -n "$HOST" -6 route add default via "$INET_V6" &&
	ip -n "$INET" route add default via "$HOST_V4" &&
	ip -n "$INET" -6 route add default via "$HOST_V6" || return 1
	ip -n "$HOST" addr add 192.0.2.10/32 dev lo &&
	ip -n "$HOST" addr add 203.0.113.7/32 dev lo &&
	ip -n "$HOST" addr add 2001:db8::10/128 dev lo nodad || return 1
	local i
	for i in eth1 eth2 eth3 bond0 bond1; do
		ip -n "$HOST" link add "$i" type bridge && ip -n "$HOST" link set "$i" up || return 1
	done
	_sysctls "$HOST" net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		net.ipv4.conf.eth0.rp_filter=0 net.ipv4.conf.wg0.rp_filter=0
}

# trace_start: what every kernel differential starts with: python3 and
# conntrack present (else the test fails), policy_lib.sh's topology, then
# trace_setup.
trace_start() {
	if ! command -v python3 >/dev/null || ! command -v conntrack >/dev/null; then
		not_ok "python3 and conntrack installed (tools/debian-packages.txt)"
		finish
	fi
	policy_setup
	trace_setup
}

# trace_totals NAME MIN [WHAT]: how a differential ends: the run's totals as
# diag lines, then its two checks: no rule-level decision differs silently
# from the kernel, and at least MIN packets (WHAT) were compared.
trace_totals() {
	local name=$1 min=$2 what=${3:-packets}
	diag "$name: $TOTAL_AGREE of $TOTAL_PACKETS packets agree with the kernel, rule by rule"
	diag "$name: decisions compared $TOTAL_DECISIONS, agree $TOTAL_DEC_AGREE, differ with a stated assumption $TOTAL_DEC_ASSUMED, differ silently $TOTAL_DEC_SILENT"
	check_eq "no rule-level decision differs silently from the kernel" 0 "$TOTAL_DEC_SILENT"
	check_ge "$what compared with the kernel" "$min" "$TOTAL_PACKETS"
}

# trace_setup: the additions above, and the table that turns tracing on for
# every packet, before anything else. Call once after policy_setup.
trace_setup() {
	T=$TEST_TMP
	if ! extra_topology; then
		not_ok "routes, addresses and dummy links for the trace batches"
		finish
	fi
	cat >"$T/xtrace.nft" <<'EOF'
table inet xtrace {
	chain pre {
		type filter hook prerouting priority -500; policy accept;
		meta nftrace set 1
	}
	chain out {
		type filter hook output priority -500; policy accept;
		meta nftrace set 1
	}
}
EOF
}

host_nft() { ip netns exec "$HOST" nft "$@"; }

# Every batch starts with an empty conntrack table: a packet whose tuple an
# earlier batch left behind would not be new (and nat chains skip it).
fresh_conntrack() { ip netns exec "$HOST" conntrack -F >/dev/null 2>&1; }

# load_fresh FILE [INCLUDE_DIR]: an empty host ruleset, FILE, then xtrace.
load_fresh() {
	host_nft flush ruleset && host_nft -I "${2:-$T}" -f "$1" && host_nft -f "$T/xtrace.nft"
}

# ---- one batch ---------------------------------------------------------------------

MON_PID=
PROBE=65000
XNFT_RC=0

# probe: a tagged packet from inet, then wait (bounded) until its trace is in.
probe() {
	local tag=$((PROBE++)) i
	printf 'src=%s dst=%s proto=udp sport=9 dport=9 tag=%d\n' "$INET_V4" "$HOST_V4" "$tag" \
		>"$T/probe"
	for i in $(seq 1 50); do
		ip netns exec "$INET" "$XPKT" send-batch "$T/probe" >/dev/null 2>&1
		grep -q "ip id $tag " "$T/trace.log" 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# TRACE_MONITOR=PATH: read the kernel's trace events with that program
# (tests/tools/nftrace.c: the events as `nft -a monitor trace` prints them,
# decoded without nft, whose decoder aborts on IPComp packets) instead of nft.
monitor_start() {
	: >"$T/trace.log"
	if [ -n "${TRACE_MONITOR:-}" ]; then
		ip netns exec "$HOST" "$TRACE_MONITOR" >"$T/trace.log" 2>&1 &
	else
		ip netns exec "$HOST" nft -a monitor trace >"$T/trace.log" 2>&1 &
	fi
	MON_PID=$!
	track_pid "$MON_PID"
	probe
}

monitor_stop() {
	kill "$MON_PID" 2>/dev/null
	wait "$MON_PID" 2>/dev/null
	MON_PID=
}

# send PACKETS: each line's xpkt words, from the namespace that sends it.
send_packets() {
	local role ns
	for role in inet peer peer2 host; do
		awk -F'\t' -v r="$role" '$1 == r { print $2 }' "$1" >"$T/send.$role"
		[ -s "$T/send.$role" ] || continue
		case $role in
		inet) ns=$INET ;; peer) ns=$PEER ;; peer2) ns=$PEER2 ;; host) ns=$HOST ;;
		esac
		ip netns exec "$ns" "$XPKT" send-batch "$T/send.$role" >/dev/null 2>"$T/send.err" ||
			diag "xpkt send-batch from $role: $(head -3 "$T/send.err")"
	done
}

# xnft_trace PACKETS OUT [OPTIONS]: xnft's traces of the packets, one JSON a line.
xnft_trace() {
	local pk=$1 out=$2; shift 2
	cut -f3 "$pk" >"$T/words"
	ip netns exec "$HOST" "$XNFT" trace --live --json "$@" --packets "$T/words" >"$out" \
		2>"$T/xnft.err"
	XNFT_RC=$?
}

# xnft_ran_whole NAME PACKETS XNFT_JSONL: xnft exited 0 and traced every packet
# (a crash after N packets must not read as N of N agreeing).
xnft_ran_whole() {
	local sent traced
	sent=$(wc -l <"$2")
	traced=$(grep -c . "$3")
	if [ "$XNFT_RC" -ne 0 ] || [ "$sent" -ne "$traced" ]; then
		not_ok "$1: xnft trace exited $XNFT_RC and traced $traced of $sent packets"
		[ -s "$T/xnft.err" ] && diag "xnft: $(head -5 "$T/xnft.err")"
		return 1
	fi
}

# report NAME PACKETS XNFT_JSONL: compare, one TAP line, diagnostics.
report() {
	local name=$1 out a n keep again again_n again_differ again_note
	xnft_ran_whole "$name" "$2" "$3" || return
	out=$(python3 "$GEN" compare "$2" "$T/trace.log" "$3" "$T/chains.json" 2>&1)
	if [ -n "${TRACE_KEEP:-}" ]; then   # for debugging: keep what was compared
		keep=$TRACE_KEEP/$(printf '%s' "$name" | tr -c 'A-Za-z0-9.-' '_')
		mkdir -p "$keep" && cp "$2" "$T/trace.log" "$3" "$T/chains.json" "$keep/"
	fi
	a=$(printf '%s\n' "$out" | sed -n 's/^agree \([0-9]*\) of \([0-9]*\)$/\1/p')
	n=$(printf '%s\n' "$out" | sed -n 's/^agree \([0-9]*\) of \([0-9]*\)$/\2/p')
	# packets the kernel traced more than once (a copy sent again): each later
	# trace is compared with the first, never counted as another packet
	again=$(printf '%s\n' "$out" | sed -n 's/^traced again \([0-9]*\) differ \([0-9]*\)$/\1 \2/p')
	again_n=${again% *} again_differ=${again#* } again_note=
	if [ -z "$again" ]; then
		again_n=0 again_differ=0   # no answer at all: "agree" is missing too, which fails
	elif [ "$again_n" -gt 0 ]; then
		again_note=" (the kernel traced $again_n again, each trace the same as the first)"
		diag "$name: the kernel traced $again_n packet(s) again, $again_differ of these traces differ from the first"
		printf '%s\n' "$out" | grep '^# packet .* traced again' | head -10
	fi
	set -- $(printf '%s\n' "$out" | sed -n 's/^decisions \([0-9]*\) agree \([0-9]*\) assumed \([0-9]*\) silent \([0-9]*\)$/\1 \2 \3 \4/p') 0 0 0 0
	if [ "$again_differ" != 0 ]; then
		not_ok "$name: ${a:-?}/${n:-?} packets agree; $again_differ later trace(s) of a packet the kernel traced again differ from its first"
		printf '%s\n' "$out" | grep '^#' | head -60
	elif [ -n "$a" ] && [ "$a" = "$n" ] && [ "$n" -gt 0 ]; then
		ok "$name: $a/$n packets agree$again_note"
	elif [ -n "${STATED_OK:-}" ] && [ -n "$n" ] && [ "$n" -gt 0 ] && [ "$1" -gt 0 ] &&
	     [ "$4" -eq 0 ] && [ "$3" -le "$STATED_OK" ]; then
		# values the packet words cannot give: each difference is stated on its rule
		ok "$name: $a/$n packets agree$again_note; of $1 decisions $3 differ, each with its assumption stated"
	else
		not_ok "$name: ${a:-?}/${n:-?} packets agree (decisions $1, stated $3, silent $4)"
		printf '%s\n' "$out" | grep '^#' | head -60
		[ -s "$T/xnft.err" ] && diag "xnft: $(head -3 "$T/xnft.err")"
	fi
	TOTAL_DECISIONS=$((TOTAL_DECISIONS + $1)) TOTAL_DEC_AGREE=$((TOTAL_DEC_AGREE + $2))
	TOTAL_DEC_ASSUMED=$((TOTAL_DEC_ASSUMED + $3)) TOTAL_DEC_SILENT=$((TOTAL_DEC_SILENT + $4))
	TOTAL_AGREE=$((TOTAL_AGREE + ${a:-0}))
	TOTAL_PACKETS=$((TOTAL_PACKETS + ${n:-0}))
}

# batch NAME PACKETS [XNFT OPTIONS]: with the host's ruleset loaded as it is.
batch() {
	local name=$1 pk=$2; shift 2
	fresh_conntrack
	host_nft -j list chains >"$T/chains.json"
	if ! monitor_start; then
		not_ok "$name: nft monitor trace shows packets"
		monitor_stop
		return
	fi
	send_packets "$pk"
	probe || diag "$name: the closing probe never showed in the trace"
	monitor_stop
	xnft_trace "$pk" "$T/xnft.jsonl" "$@"
	report "$name" "$pk" "$T/xnft.jsonl"
}
