#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_cx_l4proto.sh: issue 24's sctp, dccp, udplite, comp and igmp packets,
# for real (fixtures_constructs/l4proto.nft). Part 1 (no kernel): the packet
# words, the defaults conntrack gives and xnft's answers, written by hand.
# Part 2: xpkt sends the packets into policy_lib.sh's host namespace and the
# kernel's `nft monitor trace` is compared rule by rule with
# `xnft trace --live --json` (trace_lib.sh), ct state included: the xnft
# words give no ct state, so the tracer's default is what is compared.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}
FX=$ROOT/tests/integration/fixtures_constructs
F=$FX/l4proto.nft

trace_of() { # WORDS...: xnft trace of the fixture, a received packet on eth0
	"$XNFT" trace "$F" iifname eth0 "$@" 2>&1
}

# ---- part 1: the answers, without a kernel ------------------------------------------

out=$(trace_of ip saddr 198.18.0.2 meta l4proto sctp th dport 7900)
check_match "sctp: the default packet is an INIT with tag 0" 'sctp chunk init sctp vtag 0 ct state new' "$out"
check_match "sctp: its chunk exists" 'l4proto.nft:20 +\[match\] +sctp chunk init exists' "$out"
check_match "sctp: the checksum is stated on its rule" 'l4proto.nft:19: sctp checksum taken as 0' "$out"
check_match "sctp: an INIT's body the words do not give, stated" \
	'sctp chunk init num-inbound-streams 1: taken as not matching \(the packet words say nothing of the init chunk' "$out"
out=$(trace_of ip saddr 198.18.0.2 sctp chunk data sctp vtag 5 th dport 7900)
check_match "sctp: a DATA chunk opens no association: invalid" 'ct state invalid \(conntrack opens no association' "$out"
check_match "sctp: vtag != 5 does not hold for tag 5" 'l4proto.nft:17 +\[ -- \] +sctp vtag != 5' "$out"
check_match "sctp: the data chunk's flags are 0" 'l4proto.nft:24 +\[match\] +sctp chunk data flags 0' "$out"
out=$(trace_of ip saddr 198.18.0.2 sctp vtag 3)
check_match "sctp: an INIT with a tag that is not 0 is invalid (RFC 9260 8.5.1)" 'ct state invalid' "$out"
out=$(trace_of ip6 saddr 2001:2::2 dccp type ack th dport 7901)
check_match "dccp: an ack over IPv6, new (the generic tracker)" 'dccp type ack ct state new' "$out"
check_match "dccp: type != ack does not hold" 'l4proto.nft:[0-9]+ +\[ -- \] +dccp type != (ack|3) ' "$out"
out=$(trace_of ip saddr 198.18.0.2 udplite csumcov 4 th dport 7902)
check_match "udplite: a coverage shorter than the header is invalid" 'ct state invalid \(conntrack refuses this checksum coverage' "$out"
out=$(trace_of ip saddr 198.18.0.2 th dport 7902 udplite csumcov 0)
check_match "udplite: a received one fails conntrack's checksum (UDP's pseudo-header)" \
	'ct state invalid \(conntrack checks a received UDP-Lite checksum as UDP' "$out"
out=$("$XNFT" trace "$F" oifname eth0 ip daddr 198.18.0.2 th dport 7902 udplite csumcov 8 2>&1)
check_match "udplite: this host's own is not checked: new" 'udplite csumcov 8 ct state new' "$out"
C=$FX/l4comp.nft
out=$("$XNFT" trace "$C" iifname eth0 ip saddr 198.18.0.2 meta l4proto comp 2>&1)
check_match "comp: the default cpi is DEFLATE's 2" 'comp cpi 2 \(DEFLATE' "$out"
check_match "comp: next header udp is in 6-17" 'l4comp.nft:12 +\[match\]' "$out"
check_match "comp: next header != 17 does not hold" 'l4comp.nft:13 +\[ -- \]' "$out"
check_match "comp: flags 0 holds, != 0 does not" 'l4comp.nft:14 +\[match\].*l4comp.nft:15 +\[ -- \]' "$(tr '\n' ' ' <<<"$out")"
check_match "comp: cpi { 9, 300 } does not hold for 2" 'l4comp.nft:18 +\[ -- \]' "$out"
check_match "comp: new, accepted" 'accept .*l4comp.nft:20' "$out"
out=$("$XNFT" trace "$C" iifname eth0 ip6 saddr 2001:2::2 comp cpi 300 2>&1)
check_match "comp: cpi 300 over IPv6 is in the named set" 'l4comp.nft:19 +\[match\]' "$out"
check_match "comp: cpi != 300 does not hold" 'l4comp.nft:17 +\[ -- \]' "$out"
out=$("$XNFT" exposure "$C" 2>&1)
check_match "comp: exposure accepts new comp packets" 'comp|l4proto 108|ipcomp' "$out"
out=$(trace_of ip saddr 198.18.0.2 igmp type membership-report-v2)
check_match "igmp: a report has max response time 0" 'igmp mrt 0 \(unused outside a query\)' "$out"
check_match "igmp: type in { report-v2, leave-group } holds" 'l4proto.nft:[0-9]+ +\[match\] +igmp type \{ (membership-report-v2|22), (leave-group|23) \}' "$out"

# nonsense is refused with the column and what to write
check_fails "sctp chunk: an unknown chunk name is refused" "$XNFT" trace "$F" sctp chunk bogus
err=$("$XNFT" trace "$F" sctp chunk bogus 2>&1)
check_match "sctp chunk: ... saying what a chunk type is" 'packet:1:12: .*expected an sctp chunk type' "$err"
err=$("$XNFT" trace "$F" ip6 saddr ::1 igmp type leave-group 2>&1)
check_match "igmp: refused for IPv6" "'igmp type' contradicts 'ip6 saddr'" "$err"
err=$("$XNFT" trace "$F" tcp dport 22 udplite csumcov 8 2>&1)
check_match "udplite csumcov: refused with tcp" 'a packet has one transport protocol' "$err"
err=$("$XNFT" trace "$F" fragment comp cpi 2 2>&1)
check_match "comp cpi: refused for a non-first fragment" 'non-first fragment carries no transport header' "$err"
err=$("$XNFT" trace "$F" udplite csumcov 70000 2>&1)
check_match "udplite csumcov: out of range refused" 'out of range' "$err"

# the engine: exposure of the fixture loads and says what is open
check "exposure reads the fixture" "$XNFT" exposure "$F"

# the coverage table (expression -> family -> fixture line) matches the corpus
check "fixtures_constructs/coverage.md is current (tests/tools/cx_coverage.py)" \
	python3 "$ROOT/tests/tools/cx_coverage.py" --check "$ROOT"

# ---- part 2: the kernel, rule by rule ---------------------------------------------------

source "$(dirname "$0")/trace_lib.sh"
trace_start

tag=300
pkl4() { # SRC DST PROTO XPKT-WORDS XNFT-WORDS: a packet line from inet (next source port)
	local ip=ip ttl="ip ttl"
	[[ $1 == *:* ]] && ip=ip6 ttl="ip6 hoplimit"
	printf 'inet\tsrc=%s dst=%s proto=%s ttl=64 tag=%d %s\tiifname eth0 %s saddr %s %s daddr %s %s 64 meta l4proto %s %s\n' \
		"$1" "$2" "$3" $((tag++)) "$4" "$ip" "$1" "$ip" "$2" "$ttl" "$3" "$5"
	sp=$((sp + 1))
}
# each packet its own source port: a tuple conntrack has not seen (40000 first)
sp=40000
ports() { # DPORT: xpkt's port words; the same in xnft's words is $(thp DPORT)
	printf 'sport=%d dport=%d' "$sp" "$1"
}
thp() { printf 'th sport %d th dport %d' "$sp" "$1"; }

: >"$T/l4.pk"
for pair in "$INET_V4 $HOST_V4" "$INET_V6 $HOST_V6"; do
	set -- $pair
	# sctp: INIT tag 0, HEARTBEAT, SHUTDOWN ACK, SHUTDOWN tag 0 (new); DATA, INIT, INIT ACK
	# and COOKIE ECHO with a tag, ABORT (invalid)
	for c in "1 0 init" "0 5 data" "1 3 init" "6 9 abort" "4 9 heartbeat" "2 7 init-ack" \
		 "7 0 shutdown" "10 4 cookie-echo" "8 9 shutdown-ack"; do
		set -- $pair $c
		pkl4 "$1" "$2" sctp "$(ports 7900) vtag=$4 chunk=$3" \
			"$(thp 7900) sctp vtag $4 sctp chunk $5" >>"$T/l4.pk"
	done
	set -- $pair
	for d in "0 request" "3 ack" "1 response"; do
		set -- $pair $d
		pkl4 "$1" "$2" dccp "$(ports 7901) dccp-type=$3" \
			"$(thp 7901) dccp type $4" >>"$T/l4.pk"
	done
	set -- $pair
	for cov in 0 8 4; do
		pkl4 "$1" "$2" udplite "$(ports 7902) csumcov=$cov" \
			"$(thp 7902) udplite csumcov $cov" >>"$T/l4.pk"
	done
done
# this host's own udplite (not checked by conntrack: new) and sctp INIT
for pair in "$HOST_V4 $INET_V4 ip" "$HOST_V6 $INET_V6 ip6"; do
	set -- $pair
	for proto in udplite sctp; do
		port=7902 && [ $proto = sctp ] && port=7900
		printf 'host\tsrc=%s dst=%s proto=%s ttl=64 tag=%d sport=40000 dport=%d\toifname eth0 %s saddr %s %s daddr %s meta l4proto %s th sport 40000 th dport %d\n' \
			"$1" "$2" $proto $((tag++)) $port "$3" "$1" "$3" "$2" $proto $port >>"$T/l4.pk"
	done
done
for g in "17 100 membership-query" "22 0 membership-report-v2" "23 0 leave-group" "17 5 membership-query"; do
	set -- $g
	pkl4 "$INET_V4" "$HOST_V4" igmp "igmp-type=$1 mrt=$2" "igmp type $3 igmp mrt $2" >>"$T/l4.pk"
done

kernel_batch() { # NAME FIXTURE PACKETS
	if load_fresh "$2"; then
		batch "$1" "$3" --local-addr "$HOST_V4"
	else
		not_ok "$1: $2 loads in the kernel"
	fi
}
# taken, said so on the rule: `checksum != 0` (the kernel's holds, xnft takes 0) for 18
# sctp, 6 udplite packets in 3 tables each and 4 igmp in 1, and the 4 INITs' streams in 3:
# 54 + 18 + 4 + 12 = 88 decisions (fewer if a checksum happens to be 0)
STATED_OK=88 kernel_batch "sctp, dccp, udplite, comp and igmp in ip, ip6, inet and netdev tables" \
	"$F" "$T/l4.pk"

trace_totals l4proto 30
finish
