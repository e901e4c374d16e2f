#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# test_trace_kernel.sh: `xnft trace` agrees with the kernel. A ruleset is
# loaded into the host namespace of policy_lib.sh's topology, generated
# packets are injected from the namespaces around it (xpkt send-batch, each
# tagged with its IPv4 id / IPv6 flow label), and the kernel's own account of
# each packet is read with `nft monitor trace` (a priority -500 table sets
# nftrace on everything): the rules that matched, in order, and the verdict.
# `xnft trace --live --json` must say the same for every packet, rule path
# included. Batches: the default policy rendered by `xnft init` (its rate
# limits raised so a batch stays under them, as xnft assumes), the same
# policy unchanged under a SYN flood (the excess with --over-limit), Debian's
# example rulesets that load here, and random rulesets (tests/tools/
# gen_ruleset.py, seeded: a failure names its seed). One TAP line per batch
# with the numbers; every disagreement is printed with the packet's words.
# TRACE_RANDOM_FIRST/TRACE_RANDOM_SETS/..._PACKETS pick other seeds and sizes;
# TRACE_KEEP=DIR keeps each batch's packets, kernel trace and xnft output.
# Left out on purpose: Debian's load_balancing.nft and nat.nft (numgen inc
# and jhash are per-packet state), secmark.nft (does not load here), ct
# states other than new/invalid/untracked (a fresh raw packet cannot have
# them), and IPv6 fragments sent by the host itself (they never show at the
# host's output hook here, so there is nothing to compare).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/policy_lib.sh"
require_root

EXAMPLES=/usr/share/doc/nftables/examples
POLICY_PACKETS=${TRACE_POLICY_PACKETS:-800}
RANDOM_SETS=${TRACE_RANDOM_SETS:-14}
RANDOM_FIRST=${TRACE_RANDOM_FIRST:-1}
RANDOM_PACKETS=${TRACE_RANDOM_PACKETS:-160}
EXAMPLE_PACKETS=${TRACE_EXAMPLE_PACKETS:-200}

source "$(dirname "$0")/trace_lib.sh"
trace_start

# ---- (a) the default policy -----------------------------------------------------------

RAISED=$T/raised
cp -r "$POLICY_DIR" "$RAISED"
python3 "$GEN" raise-limits "$RAISED"/rules/*.nft
python3 "$GEN" packets 1 "$POLICY_PACKETS" policy >"$T/policy.pk"
# loopback: the host to itself (the output side is not compared)
for i in 1 2 3 4 5; do
	printf 'host\tsrc=127.0.0.1 dst=127.0.0.1 proto=tcp ttl=64 tag=%d sport=%d dport=22 flags=syn\tiifname lo ip saddr 127.0.0.1 ip daddr 127.0.0.1 ip ttl 64 tcp sport %d tcp dport 22 tcp flags syn ct state new\n' \
		$((60000 + i)) $((30000 + i)) $((30000 + i)) >>"$T/policy.pk"
	printf 'host\tsrc=::1 dst=::1 proto=udp ttl=64 tag=%d sport=%d dport=53\tiifname lo ip6 saddr ::1 ip6 daddr ::1 ip6 hoplimit 64 udp sport %d udp dport 53 ct state new\n' \
		$((60100 + i)) $((30100 + i)) $((30100 + i)) >>"$T/policy.pk"
done
if load_fresh "$RAISED/nftables.conf" "$RAISED"; then
	batch "default policy (xnft init, limits raised)" "$T/policy.pk"
else
	not_ok "the default policy with raised limits loads"
fi

# The policy under a SYN flood from one source, its rates per hour instead
# of per second or minute (bursts unchanged) so that a spent burst stays
# spent: the first packets are under every limit, the tail over all of them
# (xnft --over-limit). The probes use a few of the catch-all log's 20.
SLOW=$T/slow
cp -r "$POLICY_DIR" "$SLOW"
python3 "$GEN" slow-limits "$SLOW"/rules/*.nft
python3 "$GEN" packets 2 400 flood >"$T/flood.pk"
head -n 10 "$T/flood.pk" >"$T/flood.head"
tail -n 100 "$T/flood.pk" >"$T/flood.tail"
if load_fresh "$SLOW/nftables.conf" "$SLOW"; then
	fresh_conntrack
	host_nft -j list chains >"$T/chains.json"
	if monitor_start; then
		send_packets "$T/flood.pk"
		probe || diag "flood: the closing probe never showed in the trace"
		monitor_stop
		xnft_trace "$T/flood.head" "$T/xnft.head"
		report "default policy, SYN flood under the limits" "$T/flood.head" "$T/xnft.head"
		xnft_trace "$T/flood.tail" "$T/xnft.tail" --over-limit
		report "default policy, SYN flood excess (--over-limit)" "$T/flood.tail" "$T/xnft.tail"
	else
		not_ok "flood: nft monitor trace shows packets"
		monitor_stop
	fi
else
	not_ok "the default policy with slow limits loads"
fi

# ---- (b) Debian's examples ---------------------------------------------------------------

example() {
	local f=$1 pre=$2
	host_nft flush ruleset
	[ -n "$pre" ] && host_nft "$pre"
	(cd "$EXAMPLES" && ip netns exec "$HOST" nft -I "$EXAMPLES" -f "$f") >"$T/ex.err" 2>&1
}

n_ex=0
for spec in workstation.nft all-in-one.nft "sets_and_maps.nft:add table ip filter" \
	    ct_helpers.nft overview.nft secmark.nft; do
	f=${spec%%:*}
	pre=
	[ "$spec" != "$f" ] && pre=${spec#*:}
	if ! example "$f" "$pre"; then
		diag "$f does not load in a namespace here: $(head -1 "$T/ex.err")"
		continue
	fi
	host_nft -f "$T/xtrace.nft"
	n_ex=$((n_ex + 1))
	python3 "$GEN" packets $((100 + n_ex)) "$EXAMPLE_PACKETS" random >"$T/ex.pk"
	batch "Debian example $f" "$T/ex.pk"
done
check_ge "Debian example rulesets traced" 3 "$n_ex"

# ---- (c) random rulesets --------------------------------------------------------------------

for seed in $(seq "$RANDOM_FIRST" $((RANDOM_FIRST + RANDOM_SETS - 1))); do
	python3 "$GEN" ruleset "$seed" >"$T/random.nft"
	if ! load_fresh "$T/random.nft" 2>"$T/load.err"; then
		not_ok "random ruleset seed $seed loads"
		sed 's/^/#   /' "$T/load.err" | head -5
		continue
	fi
	python3 "$GEN" packets $((1000 + seed)) "$RANDOM_PACKETS" random >"$T/random.pk"
	batch "random ruleset seed $seed" "$T/random.pk"
done

diag "overall: $TOTAL_AGREE of $TOTAL_PACKETS packets agree with the kernel"
check_ge "thousands of packets compared" 2000 "$TOTAL_PACKETS"
finish
