#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_cx_comp.sh: issue 24's IPComp (`comp nexthdr/flags/cpi`) compared with
# the kernel rule by rule. nft 1.0.6's `monitor trace` aborts on an IPComp
# packet, so the kernel's trace events are read by tests/tools/nftrace
# (libnftnl's nftnl_trace, printed as nft's trace lines; trace_lib.sh's
# TRACE_MONITOR). Part 1: nftrace gives what `nft monitor trace` gives on
# packets nft can decode (the same batch read both ways, the same counts).
# Part 2: xpkt sends IPComp packets over IPv4 and IPv6 (next header, flags
# and cpi varied) into policy_lib.sh's host namespace, whose ruleset is
# fixtures_constructs/l4comp.nft (ip, ip6, inet and netdev tables), and
# `xnft trace --live --json` is compared with the kernel rule by rule.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}
XPKT=${XPKT:?set XPKT to the xpkt binary}
NFTRACE=${NFTRACE:-$(dirname "$XPKT")/nftrace}
FX=$ROOT/tests/integration/fixtures_constructs

if [ ! -x "$NFTRACE" ] || ! command -v python3 >/dev/null || ! command -v conntrack >/dev/null; then
	not_ok "nftrace built ($NFTRACE), python3 and conntrack installed"
	finish
fi
check_fails "nftrace: a bad --timeout is refused" "$NFTRACE" --timeout 0
policy_setup
check "nftrace: exits 0 at its timeout" ip netns exec "$HOST" "$NFTRACE" --timeout 1
source "$(dirname "$0")/trace_lib.sh"
trace_setup

tag=400
sp=41000
pkt() { # SRC DST PROTO XPKT-WORDS XNFT-WORDS: a packet line from inet
	local ip=ip ttl="ip ttl"
	[[ $1 == *:* ]] && ip=ip6 ttl="ip6 hoplimit"
	printf 'inet\tsrc=%s dst=%s proto=%s ttl=64 tag=%d %s\tiifname eth0 %s saddr %s %s daddr %s %s 64 meta l4proto %s %s\n' \
		"$1" "$2" "$3" $((tag++)) "$4" "$ip" "$1" "$ip" "$2" "$ttl" "$3" "$5"
}

# ---- part 1: nftrace reads what nft monitor trace reads ----------------------------------

# udp, sctp and dccp packets into l4proto.nft (nft decodes them), each on its
# own source port, the same packets in both runs (conntrack flushed before each)
: >"$T/both.pk"
for pair in "$INET_V4 $HOST_V4" "$INET_V6 $HOST_V6"; do
	set -- $pair
	for p in "udp 7902" "sctp 7900" "dccp 7901"; do
		set -- $pair $p
		pkt "$1" "$2" "$3" "sport=$((sp)) dport=$4" "th sport $((sp++)) th dport $4" >>"$T/both.pk"
	done
done

# same_traces PACKETS LOG_A LOG_B: "same N", N the tagged packets whose kernel
# events (gen_ruleset.py's reading: per traversal, each chain's rule handles,
# verdicts and policy) are the same in both logs; a line per one that is not.
# The host's own untagged packets (ICMP errors, SCTP aborts) are not compared:
# how many the kernel sends varies from run to run.
same_traces() {
	python3 - "$GEN" "$@" <<'EOF'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("gen", sys.argv[1])
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)
expect = {}
for line in open(sys.argv[2]):
    d = dict(kv.split("=", 1) for kv in line.split("\t")[1].split() if "=" in kv)
    expect[int(d["tag"])] = (d.get("src"), d.get("dst"), d.get("proto"))
a, b = (gen.kernel_events(p, expect) for p in sys.argv[3:5])
same = 0
for tag in sorted(expect):
    if tag in a and a.get(tag) == b.get(tag):
        same += 1
    else:
        print("# packet %d: nft %s, nftrace %s" % (tag, a.get(tag), b.get(tag)))
print("same %d" % same)
EOF
}

# counts NAME: the batch's decision counts and packets, as one word list
counts() { echo "$TOTAL_DECISIONS $TOTAL_DEC_AGREE $TOTAL_DEC_ASSUMED $TOTAL_DEC_SILENT $TOTAL_AGREE $TOTAL_PACKETS"; }
zero_counts() {
	TOTAL_DECISIONS=0 TOTAL_DEC_AGREE=0 TOTAL_DEC_ASSUMED=0 TOTAL_DEC_SILENT=0
	TOTAL_AGREE=0 TOTAL_PACKETS=0
}
if load_fresh "$FX/l4proto.nft"; then
	STATED_OK=40 batch "udp, sctp and dccp, read by nft monitor trace" "$T/both.pk" \
		--local-addr "$HOST_V4"
	by_nft=$(counts)
	cp "$T/trace.log" "$T/trace.nft.log"
	zero_counts
	TRACE_MONITOR=$NFTRACE STATED_OK=40 batch "the same, read by nftrace" "$T/both.pk" \
		--local-addr "$HOST_V4"
	by_nftrace=$(counts)
	zero_counts
	check_eq "nftrace and nft monitor trace give the same decisions (compared agree stated silent, packets agreeing, packets)" \
		"$by_nft" "$by_nftrace"
	check_eq "each tagged packet: nftrace's traversals are nft's (chains, rule handles, verdicts)" \
		"same $(wc -l <"$T/both.pk")" "$(same_traces "$T/both.pk" "$T/trace.nft.log" "$T/trace.log")"
else
	not_ok "l4proto.nft loads in the kernel"
fi

# ---- part 2: IPComp, rule by rule -----------------------------------------------------

: >"$T/comp.pk"
# next header udp and flags 0 (the defaults) with cpi 2 (DEFLATE, the default),
# 3, 9 and 300 (in the sets), 0, 255 and 256 (the ends of the ranges), 65535;
# then other next headers and flags; over IPv4 and IPv6
for pair in "$INET_V4 $HOST_V4" "$INET_V6 $HOST_V6"; do
	set -- $pair
	for cpi in 2 3 9 300 0 255 256 65535; do
		pkt "$1" "$2" comp "cpi=$cpi" "comp cpi $cpi" >>"$T/comp.pk"
	done
	# next header and flags other than udp and 0, in and out of the rules' values
	for h in "6 0 2" "50 1 300" "7 255 9" "0 2 3"; do
		set -- $pair $h
		pkt "$1" "$2" comp "comp-nexthdr=$3 comp-flags=$4 cpi=$5" \
			"comp nexthdr $3 comp flags $4 comp cpi $5" >>"$T/comp.pk"
	done
done
sent=$(wc -l <"$T/comp.pk")
if load_fresh "$FX/l4comp.nft"; then
	TRACE_MONITOR=$NFTRACE batch "comp nexthdr, flags and cpi in ip, ip6, inet and netdev tables" \
		"$T/comp.pk" --local-addr "$HOST_V4"
	check_eq "every IPComp packet's trace read (nftrace: none lost)" 0 \
		"$(grep -c '^# ERROR: We lost' "$T/trace.log")"
	traced=$(grep -o 'ip6\? \(protocol\|nexthdr\) ipcomp' "$T/trace.log" | wc -l)
	check_ge "the kernel traced IPComp packets (packet lines)" "$sent" "$traced"
	# nftrace's stderr is in the log: a sanitizer report of its own would show there
	check_eq "nftrace: no sanitizer report" 0 "$(grep -c 'Sanitizer\|runtime error' "$T/trace.log")"
else
	not_ok "l4comp.nft loads in the kernel"
fi

trace_totals comp "$sent" "IPComp packets"
finish
