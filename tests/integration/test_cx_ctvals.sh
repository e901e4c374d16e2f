#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_cx_ctvals.sh: issue 24's ct count, ct expiration and ct id. Part 1
# (no kernel): what xnft's trace takes for each, said on its rule, and
# exposure keeping both outcomes of the values no packet word gives. Part 2:
# fixtures_constructs/ctvals.nft is loaded in the host namespace of
# policy_lib.sh's topology, packets that open new connections are sent for
# real, and the kernel's `nft monitor trace` is compared rule by rule with
# `xnft trace --live --json` (trace_lib.sh), as test_constructs.sh does.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}
FX=$ROOT/tests/integration/fixtures_constructs
J=$(tmpdir)

# ---- part 1: the answers, without a kernel ---------------------------------------------

w4="iifname eth0 ip saddr 198.18.0.2 ip daddr 198.18.0.1"
out=$("$XNFT" trace "$FX/ctvals.nft" $w4 udp dport 8101 2>&1)
check_match "ct expiration: a new connection's unconfirmed entry reads 0, not 30s" \
	'ctvals.nft:22 +\[ -- \]' "$out"
check_match "ct expiration: ... so != 30s holds" 'ctvals.nft:23 +\[match\]' "$out"
check_match "ct expiration: ... said on the rule, with the timeout and its sysctl" \
	'ctvals.nft:22: ct expiration taken as 0: the new entry is not confirmed before the packet.s last hook, and the kernel reads its timeout \(30s, nf_conntrack_udp_timeout\)' "$out"
out=$("$XNFT" trace "$FX/ctvals.nft" iifname lo ip6 saddr ::1 ip6 daddr ::1 tcp dport 8202 tcp flags syn 2>&1)
check_match "ct expiration: the host's own TCP SYN at lo reads 2m (SYN_SENT, confirmed)" \
	'ctvals.nft:65 +\[match\]' "$out"
check_match "ct expiration: ... said on the rule" \
	"ctvals.nft:65: ct expiration taken as 120s: a TCP SYN's \(SYN_SENT\) initial timeout \(nf_conntrack_tcp_timeout_syn_sent, the kernel's default; --live reads the host's\), the host.s own packet being confirmed on its way out \(a jiffy may have passed since\)" "$out"
out=$("$XNFT" trace "$FX/ctvals.nft" $w4 udp dport 8101 ct state established 2>&1)
check_match "ct expiration: an older connection's is not known, said so" \
	'ctvals.nft:22: ct expiration 30: taken as not matching \(ct expiration of an older connection' "$out"
out=$("$XNFT" trace "$FX/ctvals.nft" $w4 udp dport 8103 2>&1)
check_match "ct id: == holds for none of the rule's values" 'ctvals.nft:34 +\[ -- \]' "$out"
check_match "ct id: != holds" 'ctvals.nft:35 +\[match\]' "$out"
check_match "ct id: ... said on the rule" \
	'ctvals.nft:35: ct id is random for each connection \(a hash keyed at boot\)' "$out"
out=$("$XNFT" trace "$FX/ctvals.nft" $w4 udp dport 8190 2>&1)
check_match "ct id: an untracked packet ends the rule" \
	'ctvals.nft:46 +\[ -- \]' "$out"
check_match "ct id: ... for want of an entry" 'no conntrack entry \(ct state untracked\)' "$out"
out=$("$XNFT" trace "$FX/ctvals.nft" $w4 udp dport 8105 2>&1)
check_match "ct count over 1: the connection alone is not over" 'ctvals.nft:40 +\[ -- \]' "$out"
check_match "ct count: ... said on the rule" \
	'ctvals.nft:40: ct count over 1: taken as the only connection of the rule: count 1' "$out"
out=$("$XNFT" trace --over-limit "$FX/ctvals.nft" $w4 udp dport 8105 2>&1)
check_match "ct count over 1 --over-limit: over" 'ctvals.nft:40 +\[match\]' "$out"
out=$("$XNFT" trace "$FX/ctvals.nft" $w4 udp dport 8108 2>&1)
check_match "ct count in a set element: per its key" \
	'ctvals.nft:43: ct count over 1 per ip saddr \(@cnt4\): taken as the only connection of its key' "$out"

cat >"$J/exp.nft" <<'EOF2'
table inet t {
	chain input {
		type filter hook input priority 0; policy drop;
		udp dport 9001 ct expiration 30s accept
		udp dport 9002 ct id != 7 accept
		udp dport 9003 ct count 2 accept
	}
}
EOF2
out=$("$XNFT" exposure "$J/exp.nft" 2>&1)
check_match "exposure: ct expiration taken both ways, said why" \
	'some only if ct expiration 30 \(depends on the time\)' "$out"
check_match "exposure: ct id taken both ways, said why" \
	'some only if ct id != 7 \(random for each connection\)' "$out"
check_match "exposure: ct count taken both ways" 'some only while at most 2 connections' "$out"

# ---- part 2: the kernel, rule by rule ----------------------------------------------------

source "$(dirname "$0")/trace_lib.sh"
trace_start

source "$(dirname "$0")/cx_lib.sh"
pkecho() { # SRC DST TAG: an ICMP or ICMPv6 echo request line
	if [[ $1 == *:* ]]; then
		printf 'inet\tsrc=%s dst=%s proto=icmpv6 ttl=64 tag=%d icmp-type=128 icmp-code=0\ticmpv6 type echo-request icmpv6 code 0 iifname eth0 ip6 saddr %s ip6 daddr %s ip6 hoplimit 64 ct state new\n' \
			"$1" "$2" "$3" "$1" "$2"
	else
		printf 'inet\tsrc=%s dst=%s proto=icmp ttl=64 tag=%d icmp-type=8 icmp-code=0\ticmp type echo-request icmp code 0 iifname eth0 ip saddr %s ip daddr %s ip ttl 64 ct state new\n' \
			"$1" "$2" "$3" "$1" "$2"
	fi
}


# one packet per ct count rule: the kernel counts every connection that
# reaches the rule, and ctvals.nft gives each such rule a port of its own
tag=500
: >"$T/ctvals.pk"
for port in 8101 8103 8104 8105 8106 8107 8108 8109 8190 8301 8303 8304 8305 8308; do
	pk inet "$INET_V4" "$HOST_V4" udp "$port" $((tag++)) >>"$T/ctvals.pk"
done
for port in 8201 8203 8204 8205 8206 8207 8208 8290 8291 8301 8303 8314 8315; do
	pk6 inet "$INET_V6" "$HOST_V6" udp "$port" $((tag++)) >>"$T/ctvals.pk"
done
pkf inet "$INET_V4" "$HOST_V4" 8102 $((tag++)) syn >>"$T/ctvals.pk"
pkf inet "$INET_V4" "$HOST_V4" 8302 $((tag++)) syn >>"$T/ctvals.pk"
pkf inet "$INET_V6" "$HOST_V6" 8202 $((tag++)) syn >>"$T/ctvals.pk"
pkf inet "$INET_V6" "$HOST_V6" 8302 $((tag++)) syn >>"$T/ctvals.pk"
pkecho "$INET_V4" "$HOST_V4" $((tag++)) >>"$T/ctvals.pk"
pkecho "$INET_V6" "$HOST_V6" $((tag++)) >>"$T/ctvals.pk"
# An unconfirmed entry's timeout is read against the clock (xnft says so on each ct
# expiration rule): 0 only on a host up for more than the timeout plus 5 minutes (7
# for a TCP SYN's 2m) and less than 2^31 jiffies (24 days at HZ 1000). Outside that,
# the 30 ct expiration decisions of this batch may differ, each stated.
up=$(cut -d. -f1 /proc/uptime)
exp_stated=0
if ((up < 720 || up > 24 * 86400)); then
	exp_stated=30
	diag "the host has been up for ${up}s: ct expiration of a new entry is not 0 here"
fi
STATED_OK=$exp_stated kernel_batch "ct count, ct expiration and ct id of new connections" \
	ctvals.nft "$T/ctvals.pk"

# the host's own packets to itself: conntrack confirmed each entry at postrouting on
# the way out, so the input chains at lo read the whole initial timeout
: >"$T/lo.pk"
for port in 8101 8301; do
	pkw host "$HOST_V4" "$HOST_V4" "$port" $((tag++)) "iifname lo" >>"$T/lo.pk"
done
for port in 8201 8301; do
	pkw host "$HOST_V6" "$HOST_V6" "$port" $((tag++)) "iifname lo" >>"$T/lo.pk"
done
# a jiffy may pass between the confirm and the input hook (29.999s): the exact
# values (30s, != 30s, { 30s, 2m }) of these 4 packets may then differ, each stated
STATED_OK=9 kernel_batch "ct expiration of the host's own new connections at lo" ctvals.nft \
	"$T/lo.pk"

trace_totals cx_ctvals 37
finish
