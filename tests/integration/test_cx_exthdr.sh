#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_cx_exthdr.sh: IPv6 extension headers (issue 24). Part 1 (no kernel):
# the packet words for the headers and xnft trace's answers, written by
# hand. Part 2: fixtures_constructs/exthdr6.nft in the host namespace of
# policy_lib.sh's topology, xpkt sends the headers byte by byte, and the
# kernel's `nft monitor trace` is compared rule by rule with
# `xnft trace --live --json` (trace_lib.sh), as test_constructs.sh does.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}
FX=$ROOT/tests/integration/fixtures_constructs
F=$FX/exthdr6.nft

# ---- part 1: the answers, without a kernel ---------------------------------------------

w="iifname eth0 ip6 saddr 2001:2::2 ip6 daddr 2001:2::1"
tr() { "$XNFT" trace "$F" $w "$@" 2>&1; }
out=$(tr udp dport 7800 exthdr hbh,rt,frag,dst rt type 4 srh tag 7 frag id 5); rc=$?
check_eq "exthdr words: a chain of four headers is traced (exit 0)" 0 "$rc"
check_match "exthdr hbh exists holds" 'exthdr6.nft:11 +\[match\]' "$out"
check_match "exthdr hbh missing does not" 'exthdr6.nft:12 +\[ -- \]' "$out"
check_match "hbh nexthdr is the next header's type (rt), not udp" 'exthdr6.nft:13 +\[ -- \]' "$out"
check_match "hbh hdrlength 0 (the fixed layout)" 'exthdr6.nft:15 +\[match\]' "$out"
check_match "dst nexthdr: the last header's next is the transport (udp)" 'exthdr6.nft:20 +\[match\]' "$out"
check_match "rt hdrlength 2 (one address)" 'exthdr6.nft:27 +\[match\]' "$out"
check_match "rt type 4 from srh tag" 'exthdr6.nft:30 +\[match\]' "$out"
check_match "srh tag 7 from the words" 'exthdr6.nft:35 +\[match\]' "$out"
check_match "srh tag != 7 does not hold" 'exthdr6.nft:36 +\[ -- \]' "$out"
check_match "frag id 5 from the words" 'exthdr6.nft:52 +\[match\]' "$out"
check_match "an atomic fragment: frag-off 0" 'exthdr6.nft:46 +\[match\]' "$out"
check_match "ip6 nexthdr is the first header's type (hbh, 0)" 'exthdr6.nft:64 +\[match\]' "$out"
check_match "meta l4proto is the transport behind the headers" 'exthdr6.nft:67 +\[match\]' "$out"
check_fails "nothing is assumed when the words give every field" grep -q 'frag id taken as\|srh tag taken as\|rt type taken as' <<<"$out"
out=$(tr udp dport 7800 exthdr frag)
check_match "frag id not given: taken as 0, said so on the rule" \
	'exthdr6.nft:52: frag id taken as 0 \(the packet words cannot give it: frag id N\)' "$out"
out=$(tr udp dport 7800)
check_match "no headers: exthdr frag missing holds" 'exthdr6.nft:41 +\[match\]' "$out"
check_match "no headers: a frag field read ends the rule (!= too)" \
	'frag nexthdr != 17: the packet has no frag header' "$out"
out=$(tr exthdr hbh,mh mh type 5)
check_match "mh: found behind hbh" 'exthdr6.nft:54 +\[match\]' "$out"
check_match "mh: the mobility header is the transport (meta l4proto 135)" 'exthdr6.nft:66 +\[match\]' "$out"
check_match "mh nexthdr is 59 (no next header)" 'exthdr6.nft:56 +\[match\]' "$out"
out=$(tr meta l4proto udp exthdr frag frag frag-off 3 frag id 9)
check_match "a non-first fragment: frag-off 3 read from the header" 'exthdr6.nft:47 +\[match\]' "$out"
check_match "a non-first fragment: udp dport ends the rule (no transport header)" \
	'exthdr6.nft:68 +\[ -- \]' "$out"
# exposure: its IPv6 packets carry no extension header but a fragment's; a read of another
# header's field counts both ways, said on the line (xnft.8)
J6=$(tmpdir)
printf 'table inet t {\n chain input {\n  type filter hook input priority 0; policy drop;\n  udp dport 53 hbh hdrlength 0 accept\n  udp dport 54 exthdr frag exists accept\n }\n}\n' >"$J6/ex.nft"
out=$("$XNFT" exposure "$J6/ex.nft" 2>&1); rc=$?
check_eq "exposure of extension-header rules exits 0" 0 "$rc"
check_match "exposure: a header field read counts both ways, said so" \
	'udp dport 53 — if exthdr hbh hdrlength 0 \(not modelled\)' "$out"
check_match "exposure: exthdr frag exists holds for fragments" 'ip frag-off .*udp dport 53-54' "$out"
# an atomic fragment (fragment header, offset 0, no more fragments) carries one too:
# accepted on exthdr frag exists, with its ports (xnft.8)
printf 'table inet t {\n chain input {\n  type filter hook input priority 0; policy drop;\n  exthdr frag exists tcp dport 22 accept\n }\n}\n' >"$J6/af.nft"
out=$("$XNFT" exposure "$J6/af.nft" 2>&1); rc=$?
check_eq "exposure of exthdr frag exists tcp dport 22 accept exits 0" 0 "$rc"
want="/af.nft: accepted for this host (input: prerouting, input):
  from any other interface:
    IPv6, an atomic fragment or ip frag-off { 0x2000, 0x6000, 0xa000, 0xe000 }: tcp dport 22
  from lo:
    IPv6, an atomic fragment or ip frag-off { 0x2000, 0x6000, 0xa000, 0xe000 }: tcp dport 22"
check_eq "exposure: atomic fragments to port 22 accepted (and first fragments), said in words" \
	"$want" "$(head -5 <<<"${out#"$J6"}")"
# the shipped policy drops exthdr frag exists from the WAN at -450, before
# nf_defrag_ipv6 (-400) takes an atomic fragment's header off: every IPv6 line
# from the WAN says so, IPv4's and the mesh's do not
out=$("$XNFT" exposure "$ROOT/policy" 2>&1); rc=$?
check_eq "exposure of the shipped policy exits 0" 0 "$rc"
check_match "policy: IPv6 WireGuard from the WAN only without a fragment header" \
	'^    IPv6 source not in @BOGON_V6 and not in fe80::/10, ct state new, without an IPv6 fragment header: udp dport 51820 — unless ip6 saddr & ffff:ffff:ffff:ffff:: is in @BANNED6, while under 30/minute per ip6 saddr \(@wg6\)$' "$out"
check_eq "policy: IPv6 forwarded from the WAN only without a fragment header" \
	"  from eth0 to any interface:
    IPv4, ct state established,related, not a fragment: everything
    IPv6, ct state established,related, without an IPv6 fragment header: everything" \
	"$(grep -A2 '^  from eth0 to any interface:$' <<<"$out")"
wan=$(sed -n '/^  from eth0:$/,/^  from /p' <<<"$out" | grep '^    IPv6')
check_eq "policy: every IPv6 line from the WAN says 'without an IPv6 fragment header' (18 lines)" \
	18 "$(grep -c ', without an IPv6 fragment header: ' <<<"$wan")"
check_eq "policy: no other IPv6 line from the WAN" 18 "$(grep -c . <<<"$wan")"
check_fails "policy: no line but the WAN's speaks of a fragment header" \
	grep -q 'fragment header' <<<"$(awk '/^  from /{h=$0} h !~ /^  from eth0/' <<<"$out")"
for bad in "ip saddr 198.18.0.2 exthdr hbh" "exthdr rt,hbh" "exthdr frag,rt,frag" "exthdr mh,dst" \
	"exthdr rt frag id 3" "fragment frag frag-off 2" "exthdr hbh ip6 nexthdr udp" \
	"meta l4proto udp exthdr mh" "exthdr frag,dst frag frag-off 2"; do
	out=$("$XNFT" trace "$F" $bad 2>&1); rc=$?
	check_eq "refused with exit 1: $bad" 1 "$rc"
	check_match "... saying where and what to do: $bad" '^packet:1:[0-9]+: error: .*' "$out"
done

# ---- part 2: the kernel, rule by rule ----------------------------------------------------
source "$(dirname "$0")/trace_lib.sh"
trace_start
T6=$TEST_TMP
tag=800
pkx() { # XPKT-EXTRA XNFT-EXTRA: one IPv6 packet from inet to the host with extension headers
	printf 'inet\tsrc=%s dst=%s ttl=64 tag=%d %s\tiifname eth0 ip6 saddr %s ip6 daddr %s ip6 hoplimit 64 %s ct state new\n' \
		"$INET_V6" "$HOST_V6" $((tag++)) "$1" "$INET_V6" "$HOST_V6" "$2"
}
u="proto=udp sport=40000 dport=7800"
U="udp sport 40000 udp dport 7800"
{
	pkx "$u" "$U"
	pkx "$u ext=hbh" "$U exthdr hbh"
	pkx "$u ext=hbh,dst" "$U exthdr hbh,dst"
	pkx "$u ext=rt" "$U exthdr rt"
	pkx "$u ext=hbh,rt rt-type=4 srh-tag=7" "$U exthdr hbh,rt srh tag 7"
	pkx "$u ext=hbh,rt rt-type=4 srh-tag=9" "$U exthdr hbh,rt srh tag 9"
	pkx "$u ext=frag frag-id=5" "$U exthdr frag frag id 5"
	pkx "$u ext=dst,rt,frag,dst rt-type=2 rt-segleft=1 frag-id=77" \
		"$U exthdr dst,rt,frag,dst rt type 2 rt seg-left 1 frag id 77"
	pkx "proto=tcp sport=40000 dport=7800 flags=syn ext=hbh,frag frag-id=77" \
		"tcp sport 40000 tcp dport 7800 tcp flags syn exthdr hbh,frag frag id 77"
	pkx "ext=mh mh-type=3" "exthdr mh mh type 3"
	pkx "ext=hbh,mh mh-type=5" "exthdr hbh,mh mh type 5"
	pkx "$u ext=frag frag-off=3 frag-id=5" "meta l4proto udp exthdr frag frag frag-off 3 frag id 5"
	pkx "$u ext=frag frag-mf=1 frag-id=10" "$U exthdr frag frag more-fragments 1 frag id 10"
	pkx "proto=tcp sport=40000 dport=7800 flags=syn ext=frag frag-off=3 frag-mf=1 frag-id=77" \
		"meta l4proto tcp exthdr frag frag frag-off 3 frag more-fragments 1 frag id 77"
} >"$T6/exthdr.pk"
if load_fresh "$F"; then
	batch "IPv6 extension headers: ip6, inet and netdev tables" "$T6/exthdr.pk" \
		--local-addr "$HOST_V6"
else
	not_ok "exthdr6.nft loads in the kernel"
fi

# with conntrack in the ruleset the kernel defragments at priority -400
# (nf_defrag_ipv6): chains before it see the fragment header, later ones the
# packet as defragmentation leaves it; conntrack skips the headers to the transport
cat >"$T6/ct.nft" <<'NFT'
table inet xc {
	chain early {
		type filter hook prerouting priority -450; policy accept;
		exthdr frag exists counter
		frag id 5 counter
		exthdr hbh exists counter
		meta l4proto udp counter
	}
	chain late {
		type filter hook prerouting priority -300; policy accept;
		exthdr frag exists counter
		exthdr frag missing counter
		frag id 5 counter
		exthdr hbh exists counter
		exthdr rt exists counter
		meta l4proto udp counter
	}
	chain input {
		type filter hook input priority 0; policy accept;
		ct state new counter
		ct state untracked counter
		exthdr frag exists counter
		exthdr hbh exists counter
		exthdr mh exists counter
		rt type 0 counter
		meta l4proto udp counter
		meta l4proto 135 counter
		ct protocol udp counter
	}
	chain forward {
		type filter hook forward priority 0; policy accept;
		exthdr hbh exists counter
		exthdr frag exists counter
		rt type 0 counter
		meta l4proto udp counter
	}
	chain out_early {
		type filter hook output priority -450; policy accept;
		exthdr frag exists counter
		exthdr hbh exists counter
	}
	chain out_late {
		type filter hook output priority -300; policy accept;
		exthdr frag exists counter
		exthdr dst exists counter
	}
	chain post {
		type filter hook postrouting priority 0; policy accept;
		exthdr frag exists counter
		exthdr hbh exists counter
		meta l4proto udp counter
	}
}
NFT
{
	pkx "$u ext=hbh" "$U exthdr hbh"
	pkx "$u ext=frag frag-id=5" "$U exthdr frag frag id 5"
	pkx "$u ext=hbh,rt,frag frag-id=5" "$U exthdr hbh,rt,frag frag id 5"
	pkx "$u ext=dst,rt" "$U exthdr dst,rt"
	pkx "ext=hbh,mh mh-type=5" "exthdr hbh,mh mh type 5"
	pkx "$u ext=frag frag-off=3 frag-id=5" "meta l4proto udp exthdr frag frag frag-off 3 frag id 5"
	# a first fragment: 8 bytes of data (the udp header) wait for the rest
	pkx "$u ext=hbh,frag frag-mf=1 frag-id=5" "$U exthdr hbh,frag frag more-fragments 1 frag id 5"
	# 20 bytes (a tcp header) with more to come: defrag refuses it, it goes on as it is
	pkx "proto=tcp sport=40000 dport=7800 flags=syn ext=frag frag-mf=1 frag-id=5" \
		"tcp sport 40000 tcp dport 7800 tcp flags syn exthdr frag frag more-fragments 1 frag id 5"
	pkx "proto=tcp sport=40000 dport=7800 flags=syn ext=dst,frag frag-id=5" \
		"tcp sport 40000 tcp dport 7800 tcp flags syn exthdr dst,frag frag id 5"
	# a non-first fragment defrag lets through: conntrack finds no transport header
	pkx "proto=tcp sport=40000 dport=7800 flags=syn ext=frag frag-off=3 frag-mf=1 frag-id=5" \
		"meta l4proto tcp exthdr frag frag frag-off 3 frag more-fragments 1 frag id 5"
	# forwarded to the mesh peer, and sent by the host itself
	pkp() { # ROLE SRC DST IFACE-WORDS XPKT-EXTRA XNFT-EXTRA
		printf '%s\tsrc=%s dst=%s ttl=64 tag=%d %s\t%s ip6 saddr %s ip6 daddr %s ip6 hoplimit 64 %s ct state new\n' \
			"$1" "$2" "$3" $((tag++)) "$5" "$4" "$2" "$3" "$6"
	}
	pkp inet "$INET_V6" "$PEER_V6" "iifname eth0 oifname wg0" "$u ext=hbh,frag frag-id=5" \
		"$U exthdr hbh,frag frag id 5"
	pkp inet "$INET_V6" "$PEER_V6" "iifname eth0 oifname wg0" "$u ext=rt" "$U exthdr rt"
	pkp host "$HOST_V6" "$INET_V6" "oifname eth0" "$u ext=hbh,frag frag-id=5" \
		"$U exthdr hbh,frag frag id 5"
	pkp host "$HOST_V6" "$INET_V6" "oifname eth0" "$u ext=dst" "$U exthdr dst"
} >"$T6/ct.pk"
if load_fresh "$T6/ct.nft"; then
	batch "IPv6 extension headers with conntrack (defragmentation at -400): input, forward, output" "$T6/ct.pk" \
		--local-addr "$HOST_V6"
else
	not_ok "ct.nft loads in the kernel"
fi

# atomic fragments (fragment header, offset 0, no more fragments), no conntrack:
# the kernel's verdicts rule by rule, then against exposure's lines
cat >"$T6/atomic.nft" <<'NFT'
table inet xa {
	chain early {
		type filter hook prerouting priority -450; policy accept;
		iifname "eth0" exthdr frag exists tcp dport 7801 counter drop comment "wan-atomic-7801"
	}
	chain input {
		type filter hook input priority 0; policy drop;
		exthdr frag exists tcp dport 7800 counter accept comment "atomic-7800"
		tcp dport 7801 counter accept comment "any-7801"
		tcp dport 7800 counter comment "plain-7800"
	}
}
NFT
t="proto=tcp sport=40000 flags=syn" tw="tcp sport 40000 tcp flags syn"
{
	pkx "$t dport=7800 ext=frag frag-id=5" "$tw tcp dport 7800 exthdr frag frag id 5"
	pkx "$t dport=7800" "$tw tcp dport 7800"
	pkx "$t dport=7801 ext=frag frag-id=6" "$tw tcp dport 7801 exthdr frag frag id 6"
	pkx "$t dport=7801" "$tw tcp dport 7801"
} >"$T6/atomic.pk"
if load_fresh "$T6/atomic.nft"; then
	batch "IPv6 atomic fragments without conntrack: exthdr frag exists holds at every priority" \
		"$T6/atomic.pk" --local-addr "$HOST_V6"
	cnt() { snap_counter "$(host_nft -j list table inet xa)" "$1"; }
	check_eq "kernel: the atomic fragment to 7800 accepted by 'exthdr frag exists'" 1 "$(cnt atomic-7800)"
	check_eq "kernel: the plain packet to 7800 not (it reaches the last rule)" 1 "$(cnt plain-7800)"
	check_eq "kernel: the atomic fragment to 7801 from eth0 dropped at -450" 1 "$(cnt wan-atomic-7801)"
	check_eq "kernel: the plain packet to 7801 accepted" 1 "$(cnt any-7801)"
	out=$("$XNFT" exposure "$T6/atomic.nft" 2>&1)
	check_eq "exposure says the same from eth0: 7801 without a fragment header, 7800 with one" \
		"  from eth0:
    IPv4: tcp dport 7801
    IPv6, without an IPv6 fragment header: tcp dport 7801
    IPv6, an atomic fragment or ip frag-off { 0x2000, 0x6000, 0xa000, 0xe000 }: tcp dport 7800" \
		"$(grep -A3 '^  from eth0:$' <<<"$out")"
else
	not_ok "atomic.nft loads in the kernel"
fi

trace_totals cx_exthdr 32
finish
