#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Tables beside the IP families (issue 24): a change in a table the engine
# does not evaluate is never "no change"; arp tables are said to filter ARP
# only; netdev egress changes are real verdict changes. Each expected answer
# is stated by hand next to its check.
source "$(dirname "$0")/lib.sh"
require_root
XNFT=${XNFT:?set XNFT to the xnft binary}
FX=$ROOT/tests/integration/fixtures_bridge

# run NAME ARGS...: output (stdout and stderr) in $out, exit status in $rc;
# a sanitizer report or a death by signal is a failure of its own
run() {
	local name=$1; shift
	out=$("$XNFT" "$@" 2>&1); rc=$?
	if [ "$rc" -gt 128 ] || grep -Eq 'Sanitizer|runtime error:' <<<"$out"; then
		not_ok "$name: xnft $1 ran clean (exit $rc)"
		printf '%s\n' "$out" | sed -n '1,20s/^/#   /p'
	fi
}

# ---- diff: the soundness bug --------------------------------------------------------

# An identical file: no change, exit 0
run "identical" diff "$FX/bridge_new.nft" "$FX/bridge_new.nft"
check_eq "identical: diff exits 0" 0 "$rc"
check_match "identical: no packet changes its verdict" 'no packet changes its verdict$' "$out"

# bridge: the issue's pair (a drop added in an empty bridge input chain). The
# engine evaluates bridge prerouting and input: the packets that arrive
# through a bridge port with tcp dport 22 are no longer accepted, for this
# host and routed on (a routed frame goes up through bridge input too).
run "bridge" diff "$FX/bridge_old.nft" "$FX/bridge_new.nft"
check_eq "bridge: diff exits 1 (a change)" 1 "$rc"
check_fails "bridge: never 'no packet changes'" grep -q 'no packet changes' <<<"$out"
check_match "bridge: input from a bridge port, tcp dport 22, no longer accepted" \
	'^input: no longer accepted: from a bridge via a port, .*tcp dport 22$' "$out"
check_match "bridge: ... and routed on" \
	'^forward: no longer accepted: from a bridge via a port to any interface, .*tcp dport 22$' "$out"
check_eq "bridge: nothing else changes" 2 "$(grep -c 'accepted:' <<<"$out")"
check_fails "bridge: nothing is 'not modelled' (the rule matches IP only)" grep -q 'not modelled' <<<"$out"
check_eq "bridge: the free topology is said once" 1 "$(grep -c '^Bridge ports: ' <<<"$out")"
run "bridge json" diff --json "$FX/bridge_old.nft" "$FX/bridge_new.nft"
check "bridge: --json says the topology was assumed and lists no table change" python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["changed"] and d["bridge_ports_assumed"] and d["tables_not_evaluated"] == [], d
l = d["paths"]["input"]["no longer accepted"]
assert len(l) == 1 and l[0]["interfaces"]["in"] == ["a bridge via a port"], l' <<<"$out"

# an ARP rule in the same chain: no IP packet changes, ARP frames may (said, exit 1)
run "bridge arp" diff "$FX/bridge_old.nft" "$FX/bridgearp_new.nft"
check_eq "bridge arp: diff exits 1" 1 "$rc"
check_match "bridge arp: the rule is a change of frames other than IP, at its line" \
	'^frames other than IP: bridge table br, chain input: rule added at .*bridgearp_new\.nft:12: ether type arp drop — IP packets are judged by the engine' "$out"
check_fails "bridge arp: no IP packet changes" grep -q 'accepted:' <<<"$out"

# the whole bridge table removed: its one rule matched IP only, so the
# engine's lines say all (tcp 22 through a bridge port accepted again)
run "bridge removed" diff "$FX/bridge_new.nft" "$FX/inet_only.nft"
check_eq "bridge removed: diff exits 1" 1 "$rc"
check_match "bridge removed: tcp 22 through a bridge port now accepted" \
	'^input: now accepted: from a bridge via a port, .*tcp dport 22$' "$out"
check_fails "bridge removed: no frame-level line for an IP-only table" grep -q 'frames other than IP' <<<"$out"
# an arp table added: each of its rules is an ARP change
run "arp added" diff "$FX/inet_only.nft" "$FX/arp_new.nft"
check_eq "arp added: diff exits 1" 1 "$rc"
check_eq "arp added: its two rules are ARP changes" 2 "$(grep -c '^ARP change: arp table a, chain input: rule added at' <<<"$out")"

# a bridge forward chain (frames bridged port to port): evaluated on the
# bridged path, a real verdict change. The whole output, by hand: the
# added drop matches IP only, so nothing is compared as written. A file
# does not say whether the host has br_netfilter: both outcomes. With it,
# the inet table's ct reassembles bridged fragments at IP prerouting
# (held, neither accepted nor dropped), so some of the change holds only
# without it; --br-netfilter no is the host without it, the change whole.
run "bridge forward" diff "$FX/bridgefwd_old.nft" "$FX/bridgefwd_new.nft"
check_eq "bridge forward: diff exits 1" 1 "$rc"
check_match "bridge forward: udp dport 53 no longer bridged, whole datagrams on any host" \
	'^bridged: no longer accepted: from any port to any port, not a fragment: udp dport 53$' "$out"
check_match "bridge forward: ... first fragments only without br_netfilter (with it: held)" \
	'^bridged: no longer accepted: from any port to any port, ip frag-off .*: udp dport 53 — only if br_netfilter is not loaded$' "$out"
check_eq "bridge forward: both br_netfilter outcomes, said once" 1 \
	"$(grep -c '^bridged frames: with and without br_netfilter' <<<"$out")"
run "bridge forward no brnf" diff --br-netfilter no "$FX/bridgefwd_old.nft" "$FX/bridgefwd_new.nft"
check_eq "bridge forward: udp dport 53 no longer bridged between any two ports" \
"$FX/bridgefwd_old.nft -> $FX/bridgefwd_new.nft:
bridged: no longer accepted: from any port to any port, udp dport 53" \
	"$(grep -v '^Bridge ports: \|^bridged frames: br_netfilter off' <<<"$out")"
check_eq "bridge forward: the free topology is said once" 1 "$(grep -c '^Bridge ports: ' <<<"$out")"
check_eq "bridge forward: br_netfilter off, said once" 1 \
	"$(grep -c '^bridged frames: br_netfilter off' <<<"$out")"
# named ports (a WireGuard mesh bridged over wgpN): one port pair's drop
# widened to 7602, a drop towards wgp3 removed. By hand: 7602 from wgp1 to
# wgp2 is dropped now; tcp 80 to wgp3 passes from any port (but wgp3
# itself, which no frame leaves by).
run "bridge ports" diff --br-netfilter no "$FX/wgports_old.nft" "$FX/wgports_new.nft"
check_eq "bridge ports: diff exits 1" 1 "$rc"
check_eq "bridge ports: the two changes, port to port" \
"$FX/wgports_old.nft -> $FX/wgports_new.nft:
bridged: now accepted: from any port to port wgp3, tcp dport 80
bridged: no longer accepted: from port wgp1 to port wgp2, udp dport 7602" \
	"$(grep -v '^Bridge ports: \|^bridged frames: ' <<<"$out")"
run "bridge ports back" diff --br-netfilter no "$FX/wgports_new.nft" "$FX/wgports_old.nft"
check_match "bridge ports: seen backwards, 7602 from wgp1 to wgp2 is accepted again" \
	'^bridged: now accepted: from port wgp1 to port wgp2, udp dport 7602$' "$out"
run "bridge ports json" diff --br-netfilter no --json "$FX/wgports_old.nft" "$FX/wgports_new.nft"
check "bridge ports: --json has the bridged path, the ports as interfaces" python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
l = d["paths"]["bridged"]["no longer accepted"]
assert d["changed"] and d["tables_not_evaluated"] == [] and d["br_netfilter"] == "no", d
assert len(l) == 1 and l[0]["interfaces"] == {"in": ["wgp1"], "out": ["wgp2"]}, l
assert l[0]["ports"]["dport"] == "7602" and l[0]["protocol"] == "udp", l
for p in ("input", "forward", "output"):
    assert not any(d["paths"][p].values()), p' <<<"$out"

# exposure: tcp 22 is open from any interface except through a bridge port
run "bridge exposure" exposure "$FX/bridge_new.nft"
check_eq "bridge exposure: exits 0" 0 "$rc"
host=$(sed -n '/for this host/,/routed through/p' <<<"$out")
check_match "bridge exposure: tcp 22 open from any other interface, not via a bridge port" \
	'^  from any other interface \(not via a bridge port\):$' "$host"
check_match "bridge exposure: from a bridge port only established/related, never tcp 22" \
	'^    ct state established,related: tcp dport != 22$' "$(sed -n '/from a bridge via a port:/,$p' <<<"$host")"
check_fails "bridge exposure: the bridge table is not 'not analysed'" grep -q 'Not analysed' <<<"$out"
check_fails "bridge exposure: no bridged section without a bridge forward chain" \
	grep -q '^Bridged between' <<<"$out"
run "bridgefwd exposure" exposure --br-netfilter no "$FX/bridgefwd_new.nft"
check_eq "bridgefwd exposure: exits 0" 0 "$rc"
check_eq "bridgefwd exposure: the frames bridged port to port, by hand" \
"Bridged between ports of a bridge (not to this host: bridge prerouting, forward, postrouting):
  from any port to any port:
    meta l4proto != udp
    udp dport != 53" "$(sed -n '/^Bridged between/,/^    udp/p' <<<"$out")"
check_fails "bridgefwd exposure: nothing is 'not analysed'" grep -q 'Not analysed' <<<"$out"
check_eq "bridgefwd exposure: br_netfilter off, said once" 1 \
	"$(grep -c '^bridged frames: br_netfilter off' <<<"$out")"
run "bridgefwd exposure both" exposure "$FX/bridgefwd_new.nft"
check_match "bridgefwd exposure: a file, both br_netfilter outcomes (fragments held with it)" \
	'^    udp dport != 53 — some only if br_netfilter is not loaded$' "$out"
check_eq "bridgefwd exposure: both outcomes, said once" 1 \
	"$(grep -c '^bridged frames: with and without br_netfilter' <<<"$out")"
run "bridgefwd exposure json" exposure --json "$FX/bridgefwd_new.nft"
check "bridgefwd exposure: --json has the bridged lines (a new key)" python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["bridged_bridges"] == "a bridge" and d["bridge_ports_assumed"], d
assert d["br_netfilter"] == "both", d["br_netfilter"]
l = d["bridged"]
assert len(l) == 2 and all(x["interface"] == "from any port to any port" for x in l), l
assert d["tables_not_analysed"] == "", d' <<<"$out"
run "bridge exposure json" exposure --json "$FX/bridge_new.nft"
check "bridge exposure: --json bridged is empty without a bridge forward chain" python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["bridged"] == [] and d["bridged_bridges"] == "", d' <<<"$out"

# lint: the bridge rule is reached (no XL001 "no packet reaches this rule");
# Incus's per-port ARP rules match ARP frames, which the engine's IP paths
# do not hold: no XL006 "never matches" on them either
run "bridge lint" lint "$FX/bridge_new.nft"
check_fails "bridge lint: no XL001 on the bridge input rule" grep -q 'XL001' <<<"$out"
run "bridgefwd lint" lint "$FX/bridgefwd_new.nft"
check_fails "bridge lint: no XL001 on the bridge forward rule" grep -q 'XL001' <<<"$out"
run "incus lint" lint "$ROOT/tests/lint/corpus/incus-bridge-network.nft"
check_fails "bridge lint: no XL001/XL006 on Incus's bridge rules" grep -Eq 'XL00[16]' <<<"$out"

# verify: the accept of tcp 22 fails for a frame through a bridge port, and
# the counterexample says so in packet words the tracer follows
run "bridge verify" verify "$FX/verify"
check_eq "bridge verify: exits 1 (a violation)" 1 "$rc"
check_match "bridge verify: the counterexample arrives through a bridge port" \
	'^packet: +iif [a-z0-9]+ meta ibrname [a-z0-9]+ .*tcp dport 22' "$out"
check_match "bridge verify: traced, the bridge input chain drops it" \
	'^verdict: drop at input, bridge br input, by nftables.conf:12$' "$out"
check_match "bridge verify: the other intent holds" '1 of 2 intents holds?, 1 violated' "$out"

# arp: a rule added in an arp table is an ARP change, at its file:line, exit 1
run "arp" diff "$FX/arp_old.nft" "$FX/arp_new.nft"
check_eq "arp: diff exits 1 (a change)" 1 "$rc"
check_match "arp: the added rule is an ARP change at its line" \
	'^ARP change: arp table a, chain input: rule added at .*arp_new\.nft:13: arp operation request drop — arp tables filter ARP only' "$out"
check_fails "arp: never 'no packet changes'" grep -q 'no packet changes' <<<"$out"
run "arp json" diff --json "$FX/arp_old.nft" "$FX/arp_new.nft"
check "arp: --json lists the table change" python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
t = d["tables_not_evaluated"]
assert d["changed"] is True and len(t) == 1, d
assert t[0]["family"] == "arp" and t[0]["change"] == "rule added" and t[0]["line"] == 13, t' <<<"$out"
# the same change seen backwards: the rule is removed, at its line in the old file
run "arp back" diff "$FX/arp_new.nft" "$FX/arp_old.nft"
check_match "arp: removed rule named at its line in OLD" \
	'ARP change: arp table a, chain input: rule removed at .*arp_new\.nft:13' "$out"
# only the comment of an arp rule changed: nothing a packet sees
run "arp comment" diff "$FX/arp_old.nft" "$FX/arp_comment.nft"
check_eq "arp comment: diff exits 0" 0 "$rc"
check_match "arp comment: no change" 'no packet changes its verdict$' "$out"

# netdev egress: evaluated by the engine, a real verdict change
run "egress" diff "$FX/egress_old.nft" "$FX/egress_new.nft"
check_eq "egress: diff exits 1" 1 "$rc"
check_match "egress: output to lo with tcp sport 22 no longer accepted" \
	'^output: no longer accepted: to lo, tcp sport 22$' "$out"
check_fails "egress: an IP-only rule is all in the engine's lines" grep -q 'frames other than IP' <<<"$out"
# an ARP drop at egress: no IP packet changes, the device's other frames may
run "egress arp" diff "$FX/egress_old.nft" "$FX/egressarp_new.nft"
check_eq "egress arp: diff exits 1" 1 "$rc"
check_match "egress arp: a change of frames other than IP, at its line" \
	'^frames other than IP: netdev table n, chain out: rule added at .*egressarp_new\.nft:12: ether type arp drop' "$out"

# netdev ingress chains: nft's JSON listing leaves their devices out; the
# source's header gives them (lo; lo and eth7, a name no rule uses). By
# hand: udp 9 dropped from lo only, udp 10 from lo and eth7; engine and
# tracer alike, a name no rule or header names (zz9) meets neither chain
run "ingress devices" exposure "$FX/ingress_devices.nft"
check_eq "ingress devices: the engine's lines, by hand" \
"  from any interface except eth7, lo:
    everything
  from eth7:
    meta l4proto != udp
    udp dport != 10
  from lo:
    meta l4proto != udp
    udp dport != 9-10" "$(sed -n '2,9p' <<<"$out")"
for c in "lo 9 drop" "lo 10 drop" "eth7 10 drop" "eth7 9 accept" "zz9 10 accept" "eth0 9 accept"; do
	set -- $c
	run "ingress devices trace" trace "$FX/ingress_devices.nft" iifname "$1" udp dport "$2"
	check_match "ingress devices: trace iifname $1 udp dport $2: $3" "^verdict: $3" "$out"
done

# ---- exposure and verify say what they leave out -----------------------------------

run "arp exposure" exposure "$FX/arp_new.nft"
check_eq "arp exposure: exits 0" 0 "$rc"
check_match "arp exposure: says once that arp tables filter ARP only" \
	'^arp tables filter ARP only \(arp a\): no IP packet meets them' "$out"
check_eq "arp exposure: said once" 1 "$(grep -c 'filter ARP only' <<<"$out")"

# ---- the kernel: frames through a real bridge port to the bridge's address -------------

# Namespace H holds bridge br0 (10.77.0.1/24) with port p1, a veth whose
# other end is in namespace P (10.77.0.2/24). One UDP datagram per port of
# kernel.nft goes from P to 10.77.0.1; the kernel accepted it when the inet
# rule for its port counted it. The engine's answer for the same packets is
# exposure's line for "a bridge via port p1" (br0 is named by no rule).
K=$FX/kernel.nft
PORTS="7700 7701 7702 7703 7704 7705"
H=$(ns_add brh)
P=$(ns_add brp)
ip -n "$H" link add br0 type bridge
ip -n "$H" link add p1 type veth peer name v1 netns "$P"
ip -n "$H" link set p1 master br0
ip -n "$H" addr add 10.77.0.1/24 dev br0
ip -n "$P" addr add 10.77.0.2/24 dev v1
for l in br0 p1; do ip -n "$H" link set "$l" up; done
ip -n "$P" link set v1 up
check "kernel: kernel.nft loads in the bridge's namespace" ip netns exec "$H" nft -f "$K"
# resolve the neighbour first (ICMP is accepted): the datagrams then go out at once
for _ in $(seq 1 50); do ip netns exec "$P" ping -c 1 -W 1 10.77.0.1 >/dev/null 2>&1 && break; done
for port in $PORTS; do
	ip netns exec "$P" bash -c "echo x > /dev/udp/10.77.0.1/$port" 2>/dev/null
done

# counters: the inet accept rule of each port, and every bridge drop (all seen: 6)
counted() { # counted: "PORT PACKETS" per inet rule, then "drop PACKETS" per bridge drop rule
	ip netns exec "$H" nft -j list ruleset | python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    r = o.get("rule")
    if not r:
        continue
    port = drop = None; n = 0
    for x in r["expr"]:
        m = x.get("match")
        if m and m["left"].get("payload", {}).get("field") == "dport":
            port = m["right"]
        if "counter" in x:
            n = x["counter"]["packets"]
        if "drop" in x:
            drop = True
    if r["family"] == "inet" and port is not None:
        print(port, n)
    elif r["family"] == "bridge" and drop:
        print("drop", n)'
}
seen=0
for _ in $(seq 1 50); do
	seen=$(counted | awk '{ s += $2 } END { print s + 0 }')
	[ "$seen" -ge 6 ] && break
	sleep 0.1
done
check_eq "kernel: the 6 datagrams were all counted (accepted or dropped)" 6 "$seen"
kernel=$(counted | awk '$1 != "drop" && $2 > 0 { print $1 }' | sort -n | tr '\n' ' ')
check_eq "kernel: the ports accepted, as kernel.nft says by hand" "7700 7702 7704 7705 " "$kernel"

run "kernel exposure" exposure --new --json "$K"
engine=$(python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
acc = set()
for l in d["input"]:
    if "a bridge via port p1" not in l["interfaces"]["in"] or l.get("family") == "ipv6":
        continue
    if l.get("protocol") != "udp" or not l["ports"]["dport"]:
        continue
    for part in l["ports"]["dport"].strip("{} ").split(","):
        lo, _, hi = part.strip().partition("-")
        acc.update(range(int(lo), int(hi or lo) + 1))
ports = [int(p) for p in sys.argv[1].split()]
print(" ".join(str(p) for p in ports if p in acc) + " ")' "$PORTS" <<<"$out")
check_eq "kernel: the engine accepts through port p1 exactly what the kernel accepted" "$kernel" "$engine"
diag "kernel: $(wc -w <<<"$PORTS") datagrams through port p1; kernel accepted: $kernel; engine: $engine"

# --live reads the topology (RTM_GETLINK): p1 is br0's only port, so the
# only arrival through a port is through p1, and nothing is assumed
out=$(ip netns exec "$H" "$XNFT" exposure --live --new --json 2>&1); rc=$?
check_eq "live: exposure --live exits 0" 0 "$rc"
check "live: only port p1 of the bridge, the topology not assumed" python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["bridge_ports_assumed"] is False, d["bridge_ports_assumed"]
via = {i for l in d["input"] for i in l["interfaces"]["in"] if " via " in i}
assert via == {"a bridge via port p1"}, via' <<<"$out"
live=$(python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
acc = set()
for l in d["input"]:
    if "a bridge via port p1" not in l["interfaces"]["in"] or l.get("family") == "ipv6":
        continue
    if l.get("protocol") != "udp" or not l["ports"]["dport"]:
        continue
    for part in l["ports"]["dport"].strip("{} ").split(","):
        lo, _, hi = part.strip().partition("-")
        acc.update(range(int(lo), int(hi or lo) + 1))
print(" ".join(str(p) for p in map(int, sys.argv[1].split()) if p in acc) + " ")' "$PORTS" <<<"$out")
check_eq "live: the engine on the live topology agrees with the kernel" "$kernel" "$live"

# ---- the kernel: datagrams this host sends down through a bridge port -----------------

# H sends one datagram per port of kernel_out.nft from its bridge br0 to the
# peer (10.77.0.2, behind port p1); the peer's counters say which arrived.
# The engine's answer: the output lines of xnft diff from the same ruleset
# without the bridge table, for "a bridge via port p1".
KO=$FX/kernel_out.nft
OPORTS="7710 7711 7712 7713 7714 7715"
ip netns exec "$H" nft flush ruleset
check "kernel out: kernel_out.nft loads in the bridge's namespace" ip netns exec "$H" nft -f "$KO"
ip netns exec "$P" nft -f - <<'NFT'
table inet peer {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 7710 counter
		udp dport 7711 counter
		udp dport 7712 counter
		udp dport 7713 counter
		udp dport 7714 counter
		udp dport 7715 counter
	}
}
NFT
for _ in $(seq 1 50); do ip netns exec "$H" ping -c 1 -W 1 10.77.0.2 >/dev/null 2>&1 && break; done
for port in $OPORTS; do
	ip netns exec "$H" bash -c "echo x > /dev/udp/10.77.0.2/$port" 2>/dev/null
done
arrived() { # the ports the peer counted, and "drop PORT" for those the bridge dropped
	for ns in "$P" "$H"; do ip netns exec "$ns" nft -j list ruleset; echo; done | python3 -c '
import json, sys
for line in sys.stdin:
    if not line.strip():
        continue
    for o in json.loads(line)["nftables"]:
        r = o.get("rule")
        if not r:
            continue
        port = None; n = 0; drop = False
        for x in r["expr"]:
            m = x.get("match")
            if m and m["left"].get("payload", {}).get("field") == "dport":
                port = m["right"]
            if "counter" in x:
                n = x["counter"]["packets"]
            drop |= "drop" in x
        if n and port is not None:
            print(("drop " if drop else "") + str(port))'
}
n=0
for _ in $(seq 1 50); do
	n=$(arrived | wc -l)
	[ "$n" -ge 6 ] && break
	sleep 0.1
done
check_eq "kernel out: the 6 datagrams were all counted (arrived or dropped)" 6 "$n"
kout=$(arrived | grep -v '^drop' | sort -n | tr '\n' ' ')
check_eq "kernel out: the ports that arrived, as kernel_out.nft says by hand" "7710 7712 7714 7715 " "$kout"
run "kernel out diff" diff --json "$FX/kernel_out_base.nft" "$KO"
eout=$(python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
dropped = set()
for l in d["paths"]["output"]["no longer accepted"]:
    if "a bridge via port p1" not in l["interfaces"]["out"] or l.get("family") == "ipv6":
        continue
    for part in l["ports"]["dport"].strip("{} ").split(","):
        lo, _, hi = part.strip().partition("-")
        dropped.update(range(int(lo), int(hi or lo) + 1))
print(" ".join(p for p in sys.argv[1].split() if int(p) not in dropped) + " ")' "$OPORTS" <<<"$out")
check_eq "kernel out: the engine lets out through port p1 exactly what arrived" "$kout" "$eout"
diag "kernel out: 6 datagrams down port p1; arrived: $kout; engine: $eout"

# ---- the kernel: frames bridged from port p1 to port p2 -------------------------------

# A second peer, namespace Q (10.77.0.3), behind port p2 of br0. P sends one
# datagram per port of kernel_fwd.nft to Q: br0 bridges it from p1 to p2.
# br_netfilter is loaded on some hosts: its bridge-nf-call-ip(6)tables
# (per namespace) would hand bridged frames to the IP hooks too, which the
# engine's bridged path does not (br_netfilter not loaded); turned off in H.
# The engine's answer: the bridged lines of xnft diff from the same ruleset
# without the bridge table, for port p1 to port p2 and source 10.77.0.2.
KF=$FX/kernel_fwd.nft
FPORTS="7720 7721 7722 7723 7724 7725 7726 7727"
Q=$(ns_add brq)
ip -n "$H" link add p2 type veth peer name v2 netns "$Q"
ip -n "$H" link set p2 master br0
ip -n "$H" link set p2 up
ip -n "$Q" addr add 10.77.0.3/24 dev v2
ip -n "$Q" link set v2 up
for k in iptables ip6tables; do
	f=/proc/sys/net/bridge/bridge-nf-call-$k
	if ip netns exec "$H" test -e "$f"; then
		check "bridged: bridge-nf-call-$k off in the bridge's namespace" \
			ip netns exec "$H" sh -c "echo 0 > $f"
	fi
done
ip netns exec "$H" nft flush ruleset
ip netns exec "$P" nft flush ruleset
check "bridged: kernel_fwd.nft loads in the bridge's namespace" ip netns exec "$H" nft -f "$KF"
ip netns exec "$Q" nft -f - <<'NFT'
table inet peer {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 7720 counter
		udp dport 7721 counter
		udp dport 7722 counter
		udp dport 7723 counter
		udp dport 7724 counter
		udp dport 7725 counter
		udp dport 7726 counter
		udp dport 7727 counter
	}
}
NFT
# ARP and ICMP pass the bridge (its rules match UDP only): resolve Q first
for _ in $(seq 1 50); do ip netns exec "$P" ping -c 1 -W 1 10.77.0.3 >/dev/null 2>&1 && break; done
for port in $FPORTS; do
	ip netns exec "$P" bash -c "echo x > /dev/udp/10.77.0.3/$port" 2>/dev/null
done
fwd_seen() { # the ports Q counted, then "drop" once per datagram a bridge drop rule counted
	for ns in "$Q" "$H"; do ip netns exec "$ns" nft -j list ruleset; echo; done | python3 -c '
import json, sys
for line in sys.stdin:
    if not line.strip():
        continue
    for o in json.loads(line)["nftables"]:
        r = o.get("rule")
        if not r:
            continue
        port = None; n = 0; drop = False
        for x in r["expr"]:
            m = x.get("match")
            if m and m["left"].get("payload", {}).get("field") == "dport":
                port = m["right"]
            if "counter" in x:
                n = x["counter"]["packets"]
            drop |= "drop" in x
        if drop:
            print("\n".join(["drop"] * n))
        elif n and port is not None:
            print(port)' | grep -v '^$'
}
n=0
for _ in $(seq 1 50); do
	n=$(fwd_seen | wc -l)
	[ "$n" -ge 8 ] && break
	sleep 0.1
done
check_eq "bridged: the 8 datagrams were all counted (arrived or dropped)" 8 "$n"
kfwd=$(fwd_seen | grep -v '^drop' | sort -n | tr '\n' ' ')
check_eq "bridged: the ports that arrived, as kernel_fwd.nft says by hand" \
	"7720 7722 7724 7725 7727 " "$kfwd"
run "bridged diff" diff --br-netfilter no --json "$FX/kernel_fwd_base.nft" "$KF"
efwd=$(python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
dropped = set()
for l in d["paths"]["bridged"]["no longer accepted"]:
    if "p1" not in l["interfaces"]["in"] or "p2" not in l["interfaces"]["out"]:
        continue
    if l.get("family") == "ipv6" or l.get("protocol") != "udp":
        continue
    src = l.get("source")
    if src and src["match"] != "in 10.77.0.2":
        continue
    for part in l["ports"]["dport"].strip("{} ").split(","):
        lo, _, hi = part.strip().partition("-")
        dropped.update(range(int(lo), int(hi or lo) + 1))
print(" ".join(p for p in sys.argv[1].split() if int(p) not in dropped) + " ")' "$FPORTS" <<<"$out")
check_eq "bridged: the engine bridges from p1 to p2 exactly what arrived" "$kfwd" "$efwd"
diag "bridged: 8 datagrams from port p1 to port p2; arrived: $kfwd; engine: $efwd"
agree=0; silent=0
for port in $FPORTS; do
	if grep -qw "$port" <<<"$kfwd" && grep -qw "$port" <<<"$efwd"; then agree=$((agree + 1))
	elif ! grep -qw "$port" <<<"$kfwd" && ! grep -qw "$port" <<<"$efwd"; then agree=$((agree + 1))
	else silent=$((silent + 1)); fi
done
diag "bridged: decisions compared $(wc -w <<<"$FPORTS"), agree $agree, differ with a stated assumption 0, differ silently $silent"
check_eq "bridged: no verdict differs silently from the kernel" 0 "$silent"

# --live: br0's ports are p1 and p2, nothing is assumed, and the bridged
# lines name only those ports
out=$(ip netns exec "$H" "$XNFT" exposure --live --json 2>&1); rc=$?
check_eq "bridged live: exposure --live exits 0" 0 "$rc"
check "bridged live: the bridged section names br0 and only its real ports" python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["bridge_ports_assumed"] is False and d["bridged_bridges"] == "br0", d["bridged_bridges"]
assert d["br_netfilter"] == "no", d["br_netfilter"]   # its sysctls are 0 in this namespace
names = {i for l in d["bridged"] for k in ("in", "out") for i in l["interfaces"][k]}
assert names == {"p1", "p2"}, (names, d["bridged"])' <<<"$out"

# A fragment bridged from p1 to p2 while an inet table's ct has loaded IPv4
# conntrack: its defragmentation runs at the IP hooks only, so the bridge
# forward chain sees the fragment itself and drops it (kernel_frag.nft).
# Engine and tracer must say the same, not "held for reassembly".
XPKT=${XPKT:?set XPKT to the xpkt binary}
ip netns exec "$H" nft flush ruleset
check "fragment: kernel_frag.nft loads in the bridge's namespace" \
	ip netns exec "$H" nft -f "$FX/kernel_frag.nft"
ip netns exec "$P" "$XPKT" send-batch /dev/stdin >/dev/null \
	<<<"src=10.77.0.2 dst=10.77.0.3 proto=udp dport=7730 tag=4242 frag2"
frag_drops() {
	ip netns exec "$H" nft -j list ruleset | python3 -c '
import json, sys
print(sum(x["counter"]["packets"] for o in json.load(sys.stdin)["nftables"]
          if o.get("rule", {}).get("family") == "bridge"
          for x in o["rule"]["expr"] if "counter" in x))'
}
n=0
for _ in $(seq 1 50); do
	n=$(frag_drops)
	[ "$n" -ge 1 ] && break
	sleep 0.1
done
check_eq "fragment: the kernel's bridge forward chain dropped the fragment itself" 1 "$n"
run "fragment diff" diff --br-netfilter no --json "$FX/kernel_fwd_base.nft" "$FX/kernel_frag.nft"
check "fragment: the engine drops IPv4 non-first fragments bridged port to port" python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
l = d["paths"]["bridged"]["no longer accepted"]
assert len(l) == 1 and l[0]["family"] == "ipv4" and "0x1-0x1fff" in l[0]["fields"]["fragment"], l
assert l[0]["interfaces"] == {"in": ["*"], "out": ["*"]}, l' <<<"$out"
run "fragment trace" trace "$FX/kernel_frag.nft" iif p1 ibrname br0 oif p2 obrname br0 \
	ip saddr 10.77.0.2 ip daddr 10.77.0.3 meta l4proto udp ip frag-off 0x10
check_match "fragment: the tracer drops it at bridge forward, not held" \
	'^verdict: drop at forward, bridge b fwd_, by .*kernel_frag\.nft:14$' "$out"

# ---- the kernel: a netdev ingress chain on the peer's device -------------------------

# nft's JSON listing leaves the device out; --live reads it from the text
# listing. P drops udp 7750 at ingress of v1 (a counter counts it), 7751
# arrives (counted at input). The tracer (trace --live in P) and the engine
# (exposure --live in P: from v1 only) say the same; lo is not bound.
ip netns exec "$P" nft flush ruleset
ip netns exec "$P" nft -f - <<'NFT'
table netdev n {
	chain ing {
		type filter hook ingress device "v1" priority 0; policy accept;
		udp dport 7750 counter drop
	}
}
table inet peer {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 7751 counter
	}
}
NFT
for port in 7750 7751; do
	ip netns exec "$Q" bash -c "echo x > /dev/udp/10.77.0.2/$port" 2>/dev/null
done
ing_counts() {
	ip netns exec "$P" nft -j list ruleset | python3 -c '
import json, sys
print(" ".join(str(x["counter"]["packets"]) for o in json.load(sys.stdin)["nftables"]
               if "rule" in o for x in o["rule"]["expr"] if "counter" in x))'
}
for _ in $(seq 1 50); do
	[ "$(ing_counts)" = "1 1" ] && break
	sleep 0.1
done
check_eq "ingress live: the kernel dropped 7750 at v1's ingress, 7751 arrived" "1 1" "$(ing_counts)"
out=$(ip netns exec "$P" "$XNFT" trace --live iifname v1 udp dport 7750 2>&1)
check_match "ingress live: the tracer drops 7750 at ingress of v1" '^verdict: drop at ingress, netdev n ing' "$out"
out=$(ip netns exec "$P" "$XNFT" trace --live iifname v1 udp dport 7751 2>&1)
check_match "ingress live: the tracer accepts 7751" '^verdict: accept' "$out"
out=$(ip netns exec "$P" "$XNFT" trace --live iifname lo udp dport 7750 2>&1)
check_match "ingress live: the chain is not bound to lo" '^verdict: accept' "$out"
out=$(ip netns exec "$P" "$XNFT" exposure --live 2>&1)
check_eq "ingress live: the engine drops udp 7750 from v1 only" \
"  from v1:
    meta l4proto != udp
    udp dport != 7750" "$(sed -n '/^  from v1:/,/^    udp/p' <<<"$out")"

# ---- the kernel: br_netfilter on, bridged frames through the IP hooks too ---------------

# bridge-nf-call-iptables/-ip6tables back to 1 in H (the default once
# br_netfilter is loaded, as on Docker and libvirt hosts): P sends one
# datagram per port of kernel_brnf.nft to Q, bridged from p1 to p2 through
# the inet prerouting, forward and postrouting chains (br0 as iif/oif). The
# engine's answer: diff --br-netfilter yes from kernel_brnf_base.nft (no
# rules), the bridged lines from port p1 of br0; the tracer's: trace --live
# in H, which reads the sysctls, per datagram.
KB=$FX/kernel_brnf.nft
BPORTS="7740 7741 7742 7743 7744 7745 7746 7747 7748 7749"
for k in iptables ip6tables; do
	check "brnf: bridge-nf-call-$k on in the bridge's namespace (br_netfilter loaded)" \
		ip netns exec "$H" sh -c "echo 1 > /proc/sys/net/bridge/bridge-nf-call-$k"
done
QPEER='table inet peer {
	chain input {
		type filter hook input priority 0; policy accept;
		udp dport 7740 counter
		udp dport 7741 counter
		udp dport 7742 counter
		udp dport 7743 counter
		udp dport 7744 counter
		udp dport 7745 counter
		udp dport 7746 counter
		udp dport 7747 counter
		udp dport 7748 counter
		udp dport 7749 counter
	}
}'
run "brnf diff" diff --br-netfilter yes --json "$FX/kernel_brnf_base.nft" "$KB"
brdiff=$out
engine_passes() { # OTHER_FAMILY: the ports the engine bridges from p1 to p2 (diff's lines)
	python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["br_netfilter"] == "yes", d["br_netfilter"]
ports = [int(p) for p in sys.argv[1].split()]
def listed(spec):  # the ports a dport field names ("!= {...}": all others)
    neg = spec.startswith("!=")
    got = set()
    for part in spec.lstrip("!= ").strip("{} ").split(","):
        lo, _, hi = part.strip().partition("-")
        got.update(range(int(lo), int(hi or lo) + 1))
    return {p for p in ports if (p in got) != neg}
dropped = set()
for l in d["paths"]["bridged"]["no longer accepted"]:
    if "br0 via port p1" not in l["interfaces"]["in"] or "br0 via a port" not in l["interfaces"]["out"]:
        continue
    if l.get("family") == sys.argv[2] or l.get("protocol") != "udp" or l["conditions"]:
        continue
    mark = l["fields"].get("mark")   # the datagrams carry mark 0
    if mark and not mark.startswith("meta mark != "):
        continue
    dropped |= listed(l["ports"]["dport"] or "!= {}")
print(" ".join(str(p) for p in ports if p not in dropped) + " ")' "$BPORTS" "$1" <<<"$brdiff"
}
tracer_passes() { # WORDS...: the ports trace --live in H bridges from p1 to p2
	local port out passed=""
	for port in $BPORTS; do
		out=$(ip netns exec "$H" "$XNFT" trace --live iif p1 ibrname br0 oif p2 obrname br0 \
			"$@" udp dport "$port" 2>&1)
		grep -q '^verdict: accept' <<<"$out" && passed="$passed$port "
		grep -Eq 'Sanitizer|runtime error:' <<<"$out" && not_ok "brnf: trace --live ran clean ($port)"
	done
	echo "$passed"
}
kernel_passes() { # SRC DST: send one datagram per port from P to Q; the ports Q counted
	local port n=0
	ip netns exec "$H" nft flush ruleset
	ip netns exec "$Q" nft flush ruleset
	ip netns exec "$H" nft -f "$KB" || return 1
	ip netns exec "$Q" nft -f - <<<"$QPEER" || return 1
	for _ in $(seq 1 50); do ip netns exec "$P" ping -c 1 -W 1 "$2" >/dev/null 2>&1 && break; done
	for port in $BPORTS; do
		ip netns exec "$P" bash -c "echo x > /dev/udp/$2/$port" 2>/dev/null
	done
	for _ in $(seq 1 50); do
		n=$(fwd_seen | wc -l)
		[ "$n" -ge 10 ] && break
		sleep 0.1
	done
	[ "$n" = 10 ] || echo "counted $n of 10"
	fwd_seen | grep -v '^drop' | sort -n | tr '\n' ' '
}
kbr=$(kernel_passes 10.77.0.2 10.77.0.3)
check_eq "brnf: IPv4, the ports that arrived (all 10 counted), as kernel_brnf.nft says by hand" \
	"7741 7745 7747 7749 " "$kbr"
ebr=$(engine_passes ipv6)
check_eq "brnf: IPv4, the engine bridges from p1 to p2 exactly what arrived" "$kbr" "$ebr"
tbr=$(tracer_passes ip saddr 10.77.0.2 ip daddr 10.77.0.3)
out=$(ip netns exec "$H" "$XNFT" trace --live iif p1 ibrname br0 oif p2 obrname br0 udp dport 7740 2>&1)
check_match "brnf: trace --live says br_netfilter is loaded" 'br_netfilter is loaded \(bridge-nf-call-iptables=1\)' "$out"
check_eq "brnf: IPv4, the tracer (--live) bridges from p1 to p2 exactly what arrived" "$kbr" "$tbr"
# the same over IPv6 (bridge-nf-call-ip6tables)
ip -n "$P" addr add fd77::2/64 dev v1 nodad
ip -n "$Q" addr add fd77::3/64 dev v2 nodad
kbr6=$(kernel_passes fd77::2 fd77::3)
check_eq "brnf: IPv6, the ports that arrived (all 10 counted), as kernel_brnf.nft says by hand" \
	"7741 7745 7747 7749 " "$kbr6"
ebr6=$(engine_passes ipv4)
check_eq "brnf: IPv6, the engine bridges from p1 to p2 exactly what arrived" "$kbr6" "$ebr6"
tbr6=$(tracer_passes ip6 saddr fd77::2 ip6 daddr fd77::3)
check_eq "brnf: IPv6, the tracer (--live) bridges from p1 to p2 exactly what arrived" "$kbr6" "$tbr6"
out=$(ip netns exec "$H" "$XNFT" exposure --live --json 2>&1); rc=$?
check_eq "brnf live: exposure --live exits 0" 0 "$rc"
check "brnf live: exposure --live read br_netfilter on from the sysctls" python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert d["br_netfilter"] == "yes", d["br_netfilter"]' <<<"$out"

# a diff pair whose only change is an inet forward rule (iifname and
# oifname br0 udp dport 7740) that bridged frames meet through br_netfilter
# only: on a file both outcomes, the bridged lines say "only if"; with
# --br-netfilter no only the routed path changes; with yes, no condition
run "brnf pair" diff "$FX/kernel_brnf_old.nft" "$KB"
check_eq "brnf pair: diff exits 1" 1 "$rc"
check_match "brnf pair: routed from br0 to br0, udp dport 7740 no longer accepted" \
	'^forward: no longer accepted: from br0 .*to br0, udp dport 7740' "$out"
check_match "brnf pair: bridged from port p1, only if br_netfilter is loaded" \
	'^bridged: no longer accepted: from port p1 of br0 to any other port of br0, udp dport 7740(, meta mark != 0x7-0x8)? — only if br_netfilter is loaded' "$out"
check_eq "brnf pair: both outcomes, said once" 1 "$(grep -c '^bridged frames: with and without br_netfilter' <<<"$out")"
run "brnf pair no" diff --br-netfilter no "$FX/kernel_brnf_old.nft" "$KB"
check_fails "brnf pair: without br_netfilter no bridged line" grep -q '^bridged:' <<<"$out"
run "brnf pair yes" diff --br-netfilter yes "$FX/kernel_brnf_old.nft" "$KB"
check_match "brnf pair: with br_netfilter the bridged line has no condition" \
	'^bridged: no longer accepted: from port p1 of br0 to any other port of br0, udp dport 7740(, meta mark != 0x7-0x8)?$' "$out"

# the tally: engine and tracer against the kernel
diag "brnf: 10 datagrams per family from port p1 to port p2 through br_netfilter; arrived: $kbr/ $kbr6; engine: $ebr/ $ebr6; tracer: $tbr/ $tbr6"
agree=0; silent=0
for port in $BPORTS; do
	for pair in "$kbr|$ebr" "$kbr|$tbr" "$kbr6|$ebr6" "$kbr6|$tbr6"; do
		k=0; grep -qw "$port" <<<"${pair%%|*}" && k=1
		w=0; grep -qw "$port" <<<"${pair#*|}" && w=1
		if [ "$k" = "$w" ]; then agree=$((agree + 1)); else silent=$((silent + 1)); fi
	done
done
diag "brnf: decisions compared $((4 * $(wc -w <<<"$BPORTS"))), agree $agree, differ with a stated assumption 0, differ silently $silent"
check_eq "brnf: no verdict differs silently from the kernel" 0 "$silent"

finish
