#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The fast listing (terse JSON, set elements over netlink, lone listings of
# the sets netlink leaves to JSON) builds the same model as libnftables'
# full JSON listing: every named set holds the same values, comments and
# timeouts. Checked on sets of every shape, the default policy, Debian's
# example rulesets and generated sets of thousands of random elements.
source "$(dirname "$0")/lib.sh"
require_root
LISTING_CMP=${LISTING_CMP:-$ROOT/build-asan/tests/tools/listing_cmp}
FIX=$ROOT/tests/integration/fixtures_listing
WORK=$(tmpdir)

# same FILE [INCDIR] what: both listings agree on FILE
same() {
	local out rc
	out=$("$LISTING_CMP" "$@" 2>&1)
	rc=$?
	[ "$rc" -eq 0 ] || diag "$out"
	return "$rc"
}

out=$("$LISTING_CMP" "$FIX/sets.nft" 2>&1)
check_eq "sets of every shape: both listings agree" "identical" "$(printf '%s\n' "$out" | tail -n 1)"
check_match "plain-key sets come from the netlink dump" "^dumped 12 sets, 4 listed alone" "$out"
for s in edges4 adjacent4 nets6 hosts4 hosts6 ports plain_ports protos macs expiring marks pairs counted empty4 verdicts cgnat; do
	check_match "set $s: same values both ways" " $s: [0-9]+ elements \(JSON\) / [0-9]+ \(fast\), same values" "$out"
done

"$XNFT" init "$WORK/policy" --wan eth0 --mesh-if wg0 >/dev/null
# the policy's interfaces must exist in the namespace: load through stand-ins
check "the default policy: both listings agree" \
	same "$WORK/policy/nftables.conf" "$WORK/policy"

# Debian's examples name interfaces (bridges stand in: this kernel may lack
# dummy links) and include each other by "./name": load them from their folder.
in_examples() { (cd /usr/share/doc/nftables/examples && "$@"); }
NS=$(ns_add listing)
for l in eth0 eth1 eth2 eth3 bond0 bond1; do ip -n "$NS" link add "$l" type bridge; done
for f in /usr/share/doc/nftables/examples/*.nft; do
	case $(basename "$f") in
	secmark.nft) diag "secmark.nft needs SELinux labels the kernel here does not have"; continue ;;
	load_balancing.nft) diag "load_balancing.nft uses a NAT expression this kernel refuses"; continue ;;
	esac
	ip netns exec "$NS" nft flush ruleset
	# it starts by deleting the table it then creates
	[ "$(basename "$f")" = sets_and_maps.nft ] && ip netns exec "$NS" nft add table ip filter
	check "Debian example $(basename "$f"): both listings agree" \
		in_examples ip netns exec "$NS" "$LISTING_CMP" -n "$f" /usr/share/doc/nftables/examples
done

# Random sets: prefixes, ranges and single values, IPv4 and IPv6, with and
# without intervals, some with comments; thousands of elements each.
python3 - "$WORK/random.nft" <<'PY'
import ipaddress, random, sys
rnd = random.Random(20261203)
def v4_ranges(n):
    out, base = [], 0x0b000000
    for i in range(n):
        base += rnd.randrange(2, 5000)
        kind = rnd.randrange(3)
        if kind == 0:
            plen = rnd.choice([24, 28, 30, 32])
            size = 1 << (32 - plen)
            base = (base + size - 1) // size * size
            out.append(f"{ipaddress.IPv4Address(base)}/{plen}")
            base += size
        elif kind == 1:
            hi = base + rnd.randrange(1, 300)
            out.append(f"{ipaddress.IPv4Address(base)}-{ipaddress.IPv4Address(hi)}")
            base = hi + 1
        else:
            out.append(str(ipaddress.IPv4Address(base)))
            base += 1
    return out
def v6_ranges(n):
    out, base = [], 0x20010db8 << 96
    for i in range(n):
        base += rnd.randrange(1, 1 << 70)
        plen = rnd.choice([48, 56, 64, 128])
        size = 1 << (128 - plen)
        base = (base + size - 1) // size * size
        out.append(f"{ipaddress.IPv6Address(base)}/{plen}")
        base += size
    return out
def commented(elems):
    return [e + (f' comment "n{i}"' if i % 7 == 0 else "") for i, e in enumerate(elems)]
hosts = sorted({ipaddress.IPv4Address(rnd.randrange(1 << 32)) for _ in range(3000)})
ports = sorted({rnd.randrange(65536) for _ in range(2000)})
with open(sys.argv[1], "w") as f:
    f.write("table inet r {\n")
    f.write("\tset i4 { type ipv4_addr; flags interval; elements = { %s } }\n" % ", ".join(commented(v4_ranges(4000))))
    f.write("\tset i6 { type ipv6_addr; flags interval; elements = { %s } }\n" % ", ".join(v6_ranges(2000)))
    f.write("\tset h4 { type ipv4_addr; elements = { %s } }\n" % ", ".join(commented([str(h) for h in hosts])))
    f.write("\tset p { type inet_service; elements = { %s } }\n" % ", ".join(map(str, ports)))
    f.write("}\n")
PY
check "random sets (4,000 IPv4 intervals, 2,000 IPv6 prefixes, 3,000 hosts, 2,000 ports): both listings agree" \
	same "$WORK/random.nft"

# A live ruleset that changes while it is read (a daemon adding bans): every
# read still succeeds, and sees the big set whole, with or without the one
# element a writer keeps adding and deleting (bounded in count, a commit
# every ~30 ms); 40,000 interval elements make each read long enough for
# commits to land in the middle of its dumps, which are then taken again.
LIVE=$(ns_add live)
python3 - "$WORK/live.nft" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("table inet live {\n")
    f.write("\tset big { type ipv4_addr; flags interval; elements = { %s } }\n" %
            ", ".join("%d.%d.%d.0/25" % (20 + i // 65536, i // 256 % 256, i % 256) for i in range(0, 80000, 2)))
    f.write("\tchain input { type filter hook input priority 0; policy accept; ip saddr @big drop; }\n")
    f.write("}\n")
PY
ip netns exec "$LIVE" nft -f "$WORK/live.nft"
(
	for i in $(seq 1 600); do
		ip netns exec "$LIVE" nft add element inet live big "{ 30.0.0.0/25 }"
		sleep 0.02
		ip netns exec "$LIVE" nft delete element inet live big "{ 30.0.0.0/25 }"
		sleep 0.02
	done
) >/dev/null 2>&1 &
track_pid $!
bad=0 seen=""
for i in $(seq 1 25); do
	n=$(ip netns exec "$LIVE" "$XNFT" check --live --json 2>"$WORK/live.err" | jq -r .elements)
	case $n in
	40000|40001) seen="$seen $n" ;;
	*) bad=$((bad + 1)); diag "read $i: elements '$n': $(head -c 300 "$WORK/live.err")" ;;
	esac
done
check_eq "25 live reads while the ruleset changes: each succeeds with 40,000 or 40,001 elements" 0 "$bad"
check_eq "--live --json with no intents: intents is null" "null" \
	"$(ip netns exec "$LIVE" "$XNFT" check --live --json 2>/dev/null | jq -c .intents)"

# The model the commands use: `xnft check` reports every element.
out=$("$XNFT" check "$FIX/sets.nft" 2>&1)
check_match "xnft check reads the fixture" "loads: 2 tables" "$out"
finish
