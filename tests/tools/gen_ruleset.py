#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Random rulesets, packets and the comparison for the tracer's kernel test.

tests/integration/test_trace_kernel.sh uses it to show that `xnft trace`
follows a packet through a ruleset the way the kernel does:

  gen_ruleset.py ruleset SEED
      a random nft ruleset (every rule with a counter) over the test
      topology's interfaces, addresses and ports; the same SEED gives the
      same ruleset, so a failure reproduces.
  gen_ruleset.py packets SEED COUNT KIND
      COUNT packets for the topology, one a line:
          SENDER <TAB> xpkt send-batch words <TAB> xnft packet words
      SENDER is the namespace role that sends it (inet, peer, peer2, host);
      KIND is "policy" (the default policy: addresses it distinguishes),
      "random" (a random ruleset) or "flood" (one source, SYNs to port 22).
  gen_ruleset.py compare PACKETS TRACE_LOG XNFT_JSONL CHAINS_JSON [--from N]
      reads the kernel's `nft monitor trace` output, the `xnft trace --json
      --packets` output (one object a line) and `nft -j list chains`, and
      compares, packet by packet, the rules that matched (in order) and the
      final verdict. A packet the kernel traced more than once (a copy of it
      sent again) is compared by its first trace; each later one must be the
      same, or the packet does not agree. Prints one diagnostic per
      disagreement and per later trace, the line "traced again T differ D"
      and, last, the line "agree A of N". Packets before line N (--from) are
      only checked for having been seen.
  gen_ruleset.py compare-mac PACKETS TRACE_LOG XNFT_JSONL CHAINS_JSON
      the same for frames whose trace shows no IP address to tag them by
      (ARP: nft prints the operation and the Ethernet header): the tag is in
      the source MAC address, 02:78:6e:66:TT:TT (arp_send.py writes it).
  gen_ruleset.py raise-limits FILE...
      rewrites every `limit rate` in the files to 1000000/second (burst
      kept), so that a batch of test packets stays under every limit, as
      xnft trace assumes by default.
  gen_ruleset.py slow-limits FILE...
      rewrites every `limit rate N/unit` to N/hour (burst kept): once a
      burst is spent, it stays spent for the length of the test, so which
      packets are over the limit no longer depends on timing.

The topology is tests/integration/policy_lib.sh's: inet (198.18.0.2/.3/.100,
2001:2::2/::3/::100) --eth0-- host (198.18.0.1, 2001:2::1; wg0 10.10.0.1,
fd10::1) --wg0-- peer (10.10.0.2, fd10::2), peer2 (10.10.0.3, fd10::3). The
test adds default routes both ways and these host addresses on lo:
192.0.2.10, 203.0.113.7, 2001:db8::10.
"""
import ipaddress
import json
import random
import re
import sys

# ---- the topology ---------------------------------------------------------------

HOST4 = ["198.18.0.1", "10.10.0.1", "192.0.2.10", "203.0.113.7"]
HOST6 = ["2001:2::1", "fd10::1", "2001:db8::10"]
PEERS4 = {"peer": "10.10.0.2", "peer2": "10.10.0.3"}
PEERS6 = {"peer": "fd10::2", "peer2": "fd10::3"}
INET4 = ["198.18.0.2", "198.18.0.3", "198.18.0.100"]
INET6 = ["2001:2::2", "2001:2::3", "2001:2::100"]
# Sources an outsider may forge: none is a martian (0/8, 127/8, multicast,
# a broadcast, one of the host's own addresses), so the kernel's routing
# lets them reach the hooks after prerouting.
SRC4 = ["8.8.8.8", "1.1.1.1", "203.0.113.5", "198.51.100.7", "10.10.0.5", "10.10.0.2",
        "10.10.0.77", "192.168.1.20", "172.16.5.4", "100.64.1.1", "198.18.0.2",
        "198.18.0.100", "45.33.32.156", "10.66.0.1", "169.254.9.9"]
SRC6 = ["2001:4860:4860::8888", "2606:4700::1111", "fd10::2", "fd10::5", "fd10::99",
        "2001:2::2", "2001:2::100", "fe80::1234", "fc00::7", "2001:db8:1::5", "3ffe::1"]
OUT4 = ["8.8.8.8", "198.18.0.2", "198.18.0.3", "10.10.0.2", "10.10.0.3", "45.33.32.156"]
OUT6 = ["2001:4860:4860::8888", "2001:2::2", "2001:2::3", "fd10::2", "fd10::3"]
PORTS = [22, 53, 80, 123, 443, 8080, 51820, 5432, 9, 1024, 3000, 65000]

# ct state the kernel gives a fresh packet of each kind (measured: loose
# TCP pickup makes a bare ACK new; conntrack refuses the other flag sets;
# ICMP errors and replies without a connection are invalid; NDP untracked).
TCP_STATE = {"syn": "new", "ack": "new", "psh,ack": "new", "ack,urg": "new",
             "fin,ack": "invalid", "rst": "invalid", "rst,ack": "invalid",
             "syn,ack": "invalid", "fin": "invalid", "none": "invalid",
             "syn,fin": "invalid", "syn,rst": "invalid", "fin,psh,urg": "invalid"}
ICMP4_STATE = {8: "new", 13: "new", 0: "invalid", 3: "invalid", 11: "invalid", 5: "invalid"}
ICMP6_STATE = {128: "new", 129: "invalid", 1: "invalid", 2: "invalid", 3: "invalid",
               135: "untracked", 136: "untracked", 133: "untracked", 134: "untracked",
               137: "invalid"}

# ---- packets ----------------------------------------------------------------------


class PacketMaker:
    def __init__(self, seed, kind):
        self.r = random.Random(seed)
        self.kind = kind
        self.tag = 0
        self.used = set()

    def pick_path(self):
        r = self.r.random()
        if r < 0.55:
            return "input"
        if r < 0.8:
            return "forward"
        return "output"

    def endpoints(self, path, v6):
        r = self.r
        src_pool, host, out = (SRC6, HOST6, OUT6) if v6 else (SRC4, HOST4, OUT4)
        peers = PEERS6 if v6 else PEERS4
        inet = INET6 if v6 else INET4
        if path == "input":
            sender = r.choice(["inet", "inet", "peer", "peer2"])
            iif = "eth0" if sender == "inet" else "wg0"
            return sender, iif, "", r.choice(src_pool), r.choice(host)
        if path == "forward":
            sender = r.choice(["inet", "peer", "peer2"])
            iif = "eth0" if sender == "inet" else "wg0"
            if sender == "inet":   # off its own link, or it would not cross the host
                far = [a for a in out if a not in inet and not a.startswith(("198.18.", "2001:2:"))]
                dst = r.choice(list(peers.values()) + [r.choice(far)])
            else:
                others = [a for k, a in peers.items() if k != sender]
                dst = r.choice(others + inet + [out[0]])
            oif = "wg0" if dst in peers.values() else "eth0"
            # routers never forward a link-local source (ip6_forward drops it first)
            src = r.choice([a for a in src_pool if not a.startswith("fe80")]) \
                if r.random() < 0.7 else (peers[sender] if sender in peers else r.choice(inet))
            return sender, iif, oif, src, dst
        dst = r.choice(out)
        oif = "wg0" if dst in peers.values() else "eth0"
        src = r.choice(host) if r.random() < 0.8 else r.choice(src_pool)
        return "host", "", oif, src, dst

    def transport(self, v6):
        r = self.r
        x = r.random()
        if x < 0.5:
            flags = r.choice(["syn"] * 6 + list(TCP_STATE))
            return "tcp", flags, None, TCP_STATE[flags]
        if x < 0.75:
            return "udp", None, None, "new"
        table = ICMP6_STATE if v6 else ICMP4_STATE
        t = r.choice(list(table))
        return ("icmpv6" if v6 else "icmp"), None, t, table[t]

    def ports(self, src, dst, proto):
        r = self.r
        for _ in range(50):
            sport = r.choice([r.randint(1025, 65000), r.randint(1025, 65000), 53, 123, 443])
            dport = r.choice(PORTS)
            key = (src, dst, proto, sport, dport)
            if key not in self.used:
                self.used.add(key)
                return sport, dport
        sport = 20000 + self.tag
        return sport, r.choice(PORTS)

    def one(self):
        r = self.r
        self.tag += 1
        v6 = r.random() < 0.35
        path = self.pick_path()
        sender, iif, oif, src, dst = self.endpoints(path, v6)
        proto, flags, itype, state = self.transport(v6)
        ttl = r.choice([64, 64, 64, 255, 1, 5, 128]) if path != "forward" else \
            r.choice([64, 64, 128, 255])
        if proto == "icmpv6" and itype in (133, 134, 135, 136, 137):
            ttl = r.choice([255, 255, 64])
        x = ["src=%s" % src, "dst=%s" % dst, "proto=%s" % proto, "ttl=%d" % ttl,
             "tag=%d" % self.tag]
        w = []
        if iif:
            w.append("iifname %s" % iif)
        if oif:
            w.append("oifname %s" % oif)
        fam = "ip6" if v6 else "ip"
        w.append("%s saddr %s %s daddr %s" % (fam, src, fam, dst))
        w.append("%s %d" % ("ip6 hoplimit" if v6 else "ip ttl", ttl))
        # (a raw IPv6 fragment sent by the host never shows at its output hook
        # here, so the host sends IPv4 fragments only)
        if proto in ("tcp", "udp") and r.random() < 0.04 and not (v6 and path == "output"):
            # a lone second fragment: no transport header to match
            x.append("frag2")
            w.append("meta l4proto %s" % proto)
            w.append("fragment" if v6 else "ip frag-off 0x2")
            if proto == "tcp":
                x.append("flags=syn")
            state = "new"
        elif proto in ("tcp", "udp"):
            sport, dport = self.ports(src, dst, proto)
            x += ["sport=%d" % sport, "dport=%d" % dport]
            w.append("%s sport %d %s dport %d" % (proto, sport, proto, dport))
            if proto == "tcp":
                x.append("flags=%s" % flags)
                w.append("tcp flags %s" % ("0x0" if flags == "none" else flags))
        else:
            x += ["icmp-type=%d" % itype, "icmp-code=0"]
            w.append("%s type %d %s code 0" % (proto, itype, proto))
        w.append("ct state %s" % state)
        return sender, " ".join(x), " ".join(w)

    def flood(self):
        """SYNs from one source to the SSH port: the SYN-flood limit's excess."""
        self.tag += 1
        sport = 10000 + self.tag
        x = "src=198.18.0.3 dst=198.18.0.1 proto=tcp ttl=64 tag=%d sport=%d dport=22 flags=syn" % (
            self.tag, sport)
        w = ("iifname eth0 ip saddr 198.18.0.3 ip daddr 198.18.0.1 ip ttl 64 tcp sport %d "
             "tcp dport 22 tcp flags syn ct state new" % sport)
        return "inet", x, w


def cmd_packets(seed, count, kind):
    m = PacketMaker(int(seed), kind)
    for _ in range(int(count)):
        sender, x, w = m.flood() if kind == "flood" else m.one()
        print("%s\t%s\t%s" % (sender, x, w))

# ---- random rulesets -----------------------------------------------------------------


class RulesetMaker:
    HOOKS = ["prerouting", "input", "input", "input", "forward", "forward", "output",
             "postrouting"]
    PRIOS = [-300, -150, -10, 0, 0, 0, 10, 100]

    def __init__(self, seed):
        self.r = random.Random(seed)

    def addr(self, v6, prefix_ok=True):
        r = self.r
        pool = (SRC6 + HOST6 + OUT6) if v6 else (SRC4 + HOST4 + OUT4)
        a = r.choice(pool)
        if prefix_ok and r.random() < 0.4:
            if v6:
                return r.choice(["fd10::/64", "2001:2::/48", "fe80::/10", "2001:db8::/32",
                                 "2000::/3", "fc00::/7"])
            return r.choice(["10.10.0.0/24", "10.0.0.0/8", "198.18.0.0/16", "192.168.0.0/16",
                             "8.8.8.0/24", "192.0.2.0/24", "203.0.113.0/24", "172.16.0.0/12",
                             "0.0.0.0/1", "128.0.0.0/1"])
        if not v6 and prefix_ok and r.random() < 0.15:
            return r.choice(["10.10.0.1-10.10.0.9", "198.18.0.1-198.18.0.99",
                             "1.0.0.0-9.255.255.255"])
        return a

    def addr_set(self, v6):
        r = self.r
        items = set()
        while len(items) < r.randint(2, 4):
            items.add(r.choice((SRC6 + HOST6 + OUT6) if v6 else (SRC4 + HOST4 + OUT4)))
        return "{ " + ", ".join(sorted(items)) + " }"

    def port_expr(self):
        r = self.r
        x = r.random()
        if x < 0.45:
            return str(r.choice(PORTS))
        if x < 0.65:
            lo = r.choice([1, 20, 1000, 1024, 8000])
            return "%d-%d" % (lo, lo + r.choice([10, 100, 5000, 60000 - lo]))
        items = sorted(set(r.choice(PORTS) for _ in range(r.randint(2, 4))))
        return "{ " + ", ".join(map(str, items)) + " }"

    def neg(self):
        return "!= " if self.r.random() < 0.25 else ""

    def match_iface(self):
        r = self.r
        x = r.random()
        key = r.choice(["iifname", "iifname", "oifname"])
        if x < 0.5:
            return '%s %s"%s"' % (key, self.neg(), r.choice(["eth0", "wg0", "lo", "eth1"]))
        if x < 0.65:
            return '%s %s"%s"' % (key, self.neg(), r.choice(["eth*", "wg*", "e*"]))
        if x < 0.8:
            return '%s %s{ "eth0", "lo" }' % (key, self.neg())
        if x < 0.9:
            return "%s %s@ifs" % (key, self.neg())
        return "iif %slo" % self.neg()

    def match_addr(self, fam):
        r = self.r
        v6 = fam == "ip6"
        d = r.choice(["saddr", "saddr", "daddr"])
        x = r.random()
        if x < 0.55:
            return "%s %s %s%s" % (fam, d, self.neg(), self.addr(v6))
        if x < 0.75:
            return "%s %s %s%s" % (fam, d, self.neg(), self.addr_set(v6))
        return "%s %s %s@%s" % (fam, d, self.neg(), "nets6" if v6 else "nets4")

    def match_l4(self, fam, l4):
        """a transport match; every one in a rule is about the same protocol l4."""
        r = self.r
        if l4 is None:
            return "meta l4proto %s%s" % (self.neg(), r.choice(
                ["tcp", "udp", "{ tcp, udp }", "icmp", "ipv6-icmp"]))
        if l4 == "udp":
            return "udp %s %s%s" % (r.choice(["dport", "dport", "sport"]), self.neg(),
                                    self.port_expr())
        if l4 == "icmpv6":
            return "icmpv6 type %s" % r.choice(["echo-request", "nd-neighbor-solicit",
                                                "{ echo-request, echo-reply }",
                                                "destination-unreachable"])
        if l4 == "icmp":
            if r.random() < 0.2:
                return "icmp code %s" % r.choice(["0", "1", "!= 0"])
            return "icmp type %s" % r.choice(["echo-request", "echo-reply",
                                              "{ echo-request, timestamp-request }",
                                              "destination-unreachable"])
        x = r.random()
        if x < 0.45:
            return "tcp %s %s%s" % (r.choice(["dport", "dport", "sport"]), self.neg(),
                                    self.port_expr())
        if x < 0.6:
            return "tcp dport @ports"
        return r.choice(["tcp flags syn", "tcp flags & (syn|ack) == syn",
                         "tcp flags & (fin|syn|rst|psh|ack|urg) == 0x0",
                         "tcp flags & (fin|syn|rst|ack) == ack", "tcp flags ! syn,fin",
                         "tcp flags & (syn|fin) == syn|fin", "tcp flags rst"])

    def match_other(self, fam, l4):
        r = self.r
        x = r.random()
        if x < 0.08:
            return "ct mark %s" % r.choice(["0x0", "0x5", "!= 0x5"])
        if x < 0.14:
            if fam == "ip6":
                return "ip6 saddr & ffff:ffff:: == %s" % r.choice(["fd10::", "2001:2::"])
            return "ip saddr & 255.255.0.0 == %s" % r.choice(["10.10.0.0", "198.18.0.0",
                                                              "192.168.0.0"])
        if x < 0.2 and self.tfam == "inet":
            return "meta nfproto %s" % ("ipv6" if fam == "ip6" else "ipv4")
        if x < 0.45:
            return "ct state %s" % r.choice(["new", "established,related", "invalid",
                                             "untracked", "!= new", "{ new, invalid }"])
        if x < 0.6:
            return "meta mark %s" % r.choice(["0x1", "0x0", "!= 0x2", "& 0xf == 0x1"])
        if x < 0.75:
            if fam == "ip6":
                return "ip6 hoplimit %s" % r.choice(["255", "< 10", "> 100", "1"])
            return "ip ttl %s" % r.choice(["64", "< 10", "> 100", "255"])
        if x < 0.85 and fam == "ip" and l4 == "tcp":
            return "ip saddr . tcp dport @cc"
        if x < 0.92 and l4 is None:
            return "meta l4proto { tcp, udp } th dport %s" % self.port_expr()
        return "meta pkttype host"

    def rule(self, fam, targets, base):
        r = self.r
        f = fam if fam != "inet" else r.choice(["ip", "ip6"])
        l4 = r.choice([None, None, "tcp", "tcp", "udp", "icmp"])
        if l4 == "icmp" and f == "ip6":
            l4 = "icmpv6"
        parts = []
        for _ in range(r.choice([0, 1, 1, 2, 2, 3])):
            kind = r.random()
            if kind < 0.3:
                part = self.match_iface()
            elif kind < 0.55:
                part = self.match_addr(f)
            elif kind < 0.8:
                part = self.match_l4(f, l4)
            else:
                part = self.match_other(f, l4)
            # nft 1.0.6 lists "F < a F > b" (never true) as "F != a-b": one
            # ordering comparison per field keeps the listing faithful
            if not any(p.split()[:2] == part.split()[:2] for p in parts):
                parts.append(part)
        if r.random() < 0.1:
            parts.append("meta mark set 0x%x" % r.choice([1, 2, 0x11]))
        if r.random() < 0.05:
            parts.append("ct mark set 0x5")
        v = r.random()
        if v < 0.07 and l4 == "tcp":
            target = ("jump " + r.choice(targets)) if targets else "continue"
            parts += ["counter", "tcp dport vmap { 22 : accept, 80 : drop, 53 : %s }" % target]
            return " ".join(parts)
        parts.append("counter")
        if v < 0.12 and l4 == "tcp":
            parts.append("tcp dport vmap @vm")
        elif v < 0.14 and l4 is None and targets:
            parts.append("meta l4proto vmap { tcp : jump %s, udp : accept, icmp : drop }"
                         % r.choice(targets))
        elif v < 0.3:
            parts.append("accept")
        elif v < 0.45:
            parts.append("drop")
        elif v < 0.58 and targets:
            parts.append(r.choice(["jump", "jump", "goto"]) + " " + r.choice(targets))
        elif v < 0.63 and not base:
            parts.append("return")
        elif v < 0.66:
            parts.append("continue")
        return " ".join(parts)

    def table(self, i, fam):
        r = self.r
        self.tfam = fam
        nreg = r.randint(0, 3)
        regs = ["c%d" % k for k in range(nreg)]
        out = ["table %s t%d {" % (fam, i)]
        out += self.sets(fam)
        for k, name in enumerate(regs):
            later = regs[k + 1:]
            out.append("\tchain %s {" % name)
            for _ in range(r.randint(1, 5)):
                out.append("\t\t" + self.rule(fam, later, False))
            out.append("\t}")
        for b in range(r.randint(1, 3)):
            hook = r.choice(self.HOOKS)
            prio = r.choice(self.PRIOS)
            pol = "drop" if r.random() < 0.25 and hook in ("input", "forward") else "accept"
            out.append("\tchain b%d {" % b)
            out.append("\t\ttype filter hook %s priority %d; policy %s;" % (hook, prio, pol))
            for _ in range(r.randint(2, 9)):
                out.append("\t\t" + self.rule(fam, regs, True))
            out.append("\t}")
        if r.random() < 0.3:
            out.append("\tchain raw {")
            out.append("\t\ttype filter hook prerouting priority -300; policy accept;")
            out.append("\t\tudp dport { 53, 123 } counter notrack")
            out.append("\t\tct state invalid counter")
            out.append("\t}")
        if r.random() < 0.3 and fam != "ip6":
            out.append("\tchain natpost {")
            out.append("\t\ttype nat hook postrouting priority 100; policy accept;")
            out.append("\t\toifname \"eth0\" ip saddr 10.10.0.0/24 counter masquerade")
            out.append("\t\tcounter")
            out.append("\t}")
        out.append("}")
        return out

    def sets(self, fam):
        r = self.r
        out = ['\tset ifs { type ifname; elements = { "wg0", "lo" } }',
               "\tset ports { type inet_service; flags interval; elements = { 22, 80-90, 443 } }"]
        n4 = sorted(set(self.addr(False) for _ in range(3)))
        n6 = sorted(set(self.addr(True) for _ in range(3)))
        out.append("\tset nets4 { type ipv4_addr; flags interval; auto-merge; elements = { %s } }"
                   % ", ".join(n4))
        out.append("\tset nets6 { type ipv6_addr; flags interval; auto-merge; elements = { %s } }"
                   % ", ".join(n6))
        out.append("\tset cc { type ipv4_addr . inet_service; flags interval; elements = { "
                   "10.10.0.0/24 . 22, 8.8.8.8 . 53, 198.18.0.0/16 . 1-1024 } }")
        out.append("\tmap vm { type inet_service : verdict; elements = { 22 : accept, "
                   "23 : drop, 443 : %s } }" % r.choice(["accept", "drop", "continue"]))
        return out

    def ruleset(self):
        r = self.r
        out = []
        for i in range(r.randint(1, 3)):
            out += self.table(i, r.choice(["inet", "inet", "ip", "ip6"]))
        return "\n".join(out) + "\n"


def cmd_ruleset(seed):
    sys.stdout.write(RulesetMaker(int(seed)).ruleset())

# ---- comparing -------------------------------------------------------------------------

TRACE_RE = re.compile(r"trace id (\w+) (\S+) (\S+) (\S+) (.*)$")
RULE_RE = re.compile(r"rule .* # handle (\d+) \(verdict ([^)]*)\)\s*$")
# a rule of a bound chain (jump { ... }): nft's cache cannot print it
BOUND_RULE_RE = re.compile(r"unknown rule handle (\d+) \(verdict ([^)]*)\)\s*$")
TAG_RE = re.compile(r"ip(6?) saddr (\S+) ip6? daddr (\S+) .*?(?:ip id (\d+)|ip6 flowlabel (\d+))")
# nft does not decode an IPv6 header followed by a fragment header: it prints
# the first 20 bytes raw (flow label, then 12 bytes of the source).
RAW6_RE = re.compile(r"ether type ip6 @th,0,160 0x([0-9a-f]{40})")
SKIP_TABLE = "xtrace"


L4_RE = re.compile(r" (?:ip protocol|ip6 nexthdr) (\S+) | (tcp|udp|icmp|icmpv6|esp|ah) "
                   r"(?:sport|type|spi) ")


# IPv6 extension headers as nft names them in `ip6 nexthdr` (hbh is "ip", /etc/protocols' 0)
IPV6_EXTHDRS = {"ip", "hopopt", "ipv6-route", "ipv6-frag", "ipv6-opts", "mobility-header",
                "0", "43", "44", "60", "135"}


def same_proto(rest, proto):
    """False when a packet line shows another transport protocol than the one
    sent (no rule rewrites it): a packet of the host's own, such as an ICMP
    error, whose IPv4 id happens to equal a tag and whose source is the tagged
    packet's, is not the tagged packet."""
    m = L4_RE.search(rest)
    seen = m and (m.group(1) or m.group(2))
    if m and m.group(1) in IPV6_EXTHDRS:
        seen = None   # ip6 nexthdr names the first extension header, not the transport
    # /etc/protocols' names (as nft and tests/tools/nftrace print them) for xpkt's
    return not seen or not proto or {"ipv6-icmp": "icmpv6", "ipcomp": "comp"}.get(seen, seen) == proto


def packet_tag(rest, expect, known=None):
    """The tag of a trace's packet line when it is one of ours, else None.
    expect: tag -> (source, destination, protocol) as sent.
    known: the tag this trace id already had; a NAT rule may have rewritten
    the addresses since, so then the tag alone is enough. The kernel may also
    give the packet a new trace id after a dnat (at the routing decision):
    then one of its two addresses is still the one it was sent with."""
    t = TAG_RE.search(rest)
    if t:
        tag = int(t.group(4) or t.group(5))
        want = expect.get(tag)
        if want is not None and not same_proto(rest, want[2]):
            return None
        ok = want is not None and (want[:2] == (t.group(2), t.group(3)) or known == tag or
                                   want[0] == t.group(2) or want[1] == t.group(3))
        return tag if ok else None
    raw = RAW6_RE.search(rest)
    if not raw:
        return None
    h = raw.group(1)
    tag = int(h[0:8], 16) & 0xfffff
    want = expect.get(tag)
    if not want or ":" not in want[0]:
        return None
    src = ipaddress.IPv6Address(want[0]).packed[:12].hex()
    return tag if h[16:40] == src or known == tag else None


LOST_EVENTS = "# ERROR: We lost some netlink events!"


def trace_lines(path):
    """The trace's events, one a line: a rule printed over several lines (one
    that jumps to an anonymous chain shows the chain's body) joined by spaces.
    nft's own remarks (a line starting with '# ', such as LOST_EVENTS) stay
    lines of their own, so that they do not end the event before them."""
    lines = []
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith(("trace id ", "# ")) or not lines:
                lines.append(line)
            else:
                lines[-1] += " " + line.strip()
    return lines


class Traversals:
    """One tagged packet's traces, split into its traversals of the ruleset. The
    kernel can trace one sent packet more than once (a copy of it sent again,
    such as a FIN the stack retransmits); appended to the first traversal, its
    rules would read as matched twice. A copy sent again enters where the
    packet first did, at xtrace's chain (priority -500, before every other),
    so a packet line at the base chain the traversal began at starts a new
    one, which cmd_compare compares on its own. A base chain met again further
    on (a bridge's postrouting, once for each port it floods a frame to) stays
    part of the traversal, as before."""

    def __init__(self):
        self.runs = []   # (first base chain, events), in the order traced

    def enter(self, chain, index):
        """The index of the traversal a packet line at base chain CHAIN belongs
        to. index: the traversal of this trace id's last packet line, if it was
        this packet's; a new trace id (the kernel gives one after a dnat)
        continues the latest traversal."""
        i = len(self.runs) - 1 if index is None else index
        if i < 0 or chain == self.runs[i][0]:
            self.runs.append((chain, []))
            i = len(self.runs) - 1
        return i

    def add(self, index, event):
        self.runs[index][1].append(event)

    def events(self):
        return [events for _, events in self.runs]


def enter_traversal(ev, cur, tid, tag, chain):
    """Record that trace id TID is tagged packet TAG's trace entering CHAIN."""
    prev = cur.get(tid)
    same = prev[1] if prev and prev[0] == tag else None
    cur[tid] = (tag, ev.setdefault(tag, Traversals()).enter(chain, same))


def trace_event(fam, table, chain, rest):
    """(family, table, chain, what, handle, verdict) of a rule or policy line, else None."""
    r = RULE_RE.match(rest) or BOUND_RULE_RE.match(rest)
    if r:
        return (fam, table, chain, "rule", int(r.group(1)), r.group(2))
    if rest.startswith("policy "):
        return (fam, table, chain, "policy", 0, rest.split()[1])
    return None


def kernel_events(path, expect):
    """tag -> its traversals (Traversals.events()) for tagged packets."""
    cur, ev = {}, {}   # trace id -> (tag, traversal index); tag -> Traversals
    for line in trace_lines(path):
        m = TRACE_RE.match(line)
        if not m:
            continue
        tid, fam, table, chain, rest = m.groups()
        if rest.startswith("packet:"):
            prev = cur.get(tid)
            tag = packet_tag(rest, expect, prev[0] if prev else None)
            if tag is None:
                cur[tid] = None
            else:
                enter_traversal(ev, cur, tid, tag, (fam, table, chain))
            continue
        if cur.get(tid) is None or table == SKIP_TABLE:
            continue
        tag, i = cur[tid]
        e = trace_event(fam, table, chain, rest)
        if e:
            ev[tag].add(i, e)
    return {tag: t.events() for tag, t in ev.items()}


MAC_TAG_RE = re.compile(r"ether saddr 02:78:6e:66:([0-9a-f]{2}):([0-9a-f]{2}) ")


def kernel_events_mac(path, expect):
    """tag -> traversals (as kernel_events) of the frames whose source MAC carries
    the tag. A packet line without the tag keeps its trace id's tag."""
    cur, ev, traced = {}, {}, set()
    with open(path, errors="replace") as f:
        for line in f:
            m = TRACE_RE.match(line.rstrip("\n"))
            if not m:
                continue
            tid, fam, table, chain, rest = m.groups()
            if rest.startswith("packet:"):
                t = MAC_TAG_RE.search(rest + " ")
                tag = int(t.group(1) + t.group(2), 16) if t else None
                if tag in expect:
                    enter_traversal(ev, cur, tid, tag, (fam, table, chain))
                continue
            if cur.get(tid) is None or table == SKIP_TABLE:
                continue
            tag, i = cur[tid]
            traced.add(tag)
            e = trace_event(fam, table, chain, rest)
            if e:
                ev[tag].add(i, e)
    return {tag: t.events() for tag, t in ev.items() if tag in traced}


def hooks_of(chains_path):
    with open(chains_path) as f:
        data = json.load(f)
    m = {}
    for item in data.get("nftables", []):
        c = item.get("chain")
        if c and "hook" in c:
            m[(c["family"], c["table"], c["name"])] = c["hook"]
    return m


def xnft_view(obj):
    """matched rules (family, table, chain, handle) in order, the hooks traced, the verdict."""
    rules, hooks = [], set()
    for h in obj.get("hooks", []):
        hooks.add(h["hook"])
        for c in h.get("chains", []):
            if c["table"] == SKIP_TABLE:
                continue
            for s in c.get("steps", []):
                if s["kind"] == "rule" and s.get("matched") and s["table"] != SKIP_TABLE:
                    rules.append((s["family"], s["table"], s["chain"], s["handle"]))
    return rules, hooks, obj.get("verdict")


def xnft_decisions(obj):
    """every rule xnft evaluated: ((family, table, chain, handle), matched), and the
    rules on which it stated an assumption."""
    steps = []
    for h in obj.get("hooks", []):
        for c in h.get("chains", []):
            for s in c.get("steps", []):
                if s["kind"] == "rule" and s["table"] != SKIP_TABLE:
                    steps.append(((s["family"], s["table"], s["chain"], s["handle"]),
                                  bool(s.get("matched"))))
    assumed = {(a["family"], a["table"], a["chain"], a["handle"])
               for a in obj.get("assumptions", []) if "handle" in a}
    return steps, assumed


def count_decisions(obj, kernel_rules, tally):
    """Rule by rule: a rule xnft evaluated matched in the kernel iff the kernel's
    trace lists it (the kernel lists every rule that matched)."""
    steps, assumed = xnft_decisions(obj)
    matched = set(kernel_rules)
    for rule, mine in steps:
        tally["compared"] += 1
        if mine == (rule in matched):
            tally["agree"] += 1
        elif rule in assumed:
            tally["assumed"] += 1
        else:
            tally["silent"] += 1


def kernel_view(events, hookmap, hooks):
    rules, verdict = [], "accept"
    for fam, table, chain, what, handle, v in events:
        base = hookmap.get((fam, table, chain))
        if base is not None and base not in hooks:
            continue   # e.g. the output side of a loopback packet
        if what == "rule":
            rules.append((fam, table, chain, handle))
        if v.startswith("drop"):
            verdict = "drop"
    return rules, verdict


def short(rules):
    return " ".join("%s/%s#%d" % (t, c, h) for _, t, c, h in rules) or "(none)"


def cmd_compare(packets, trace_log, xnft_jsonl, chains, start=1, by_mac=False):
    lines = [l.rstrip("\n").split("\t") for l in open(packets) if l.strip()]
    expect = {}
    for sender, x, w in lines:
        d = dict(kv.split("=", 1) for kv in x.split() if "=" in kv)
        expect[int(d["tag"])] = (d.get("src"), d.get("dst"), d.get("proto"))
    if by_mac:
        ev = kernel_events_mac(trace_log, expect)
    else:
        ev = kernel_events(trace_log, expect)
    lost = trace_lines(trace_log).count(LOST_EVENTS)
    if lost:
        print("# nft monitor trace lost kernel events %d time(s) (its netlink buffer "
              "overran): a packet's trace may be missing or incomplete" % lost)
    hookmap = hooks_of(chains)
    objs = [json.loads(l) for l in open(xnft_jsonl) if l.strip()]
    agree = total = 0
    tally = {"compared": 0, "agree": 0, "assumed": 0, "silent": 0}
    again = {"traces": 0, "differ": 0}
    if len(objs) != len(lines):
        print("# xnft traced %d packets, %d were sent" % (len(objs), len(lines)))
    for i, ((sender, x, w), obj) in enumerate(zip(lines, objs), 1):
        tag = int(dict(kv.split("=", 1) for kv in x.split() if "=" in kv)["tag"])
        if i < start:
            continue
        total += 1
        if "error" in obj:
            print("# packet %d (%s): xnft refused it: %s" % (tag, w, obj["error"]))
            continue
        xr, hooks, xv = xnft_view(obj)
        if tag not in ev:
            print("# packet %d (%s): no kernel trace (lost?)" % (tag, w))
            continue
        kr, kv = kernel_view(ev[tag][0], hookmap, hooks)
        count_decisions(obj, kr, tally)
        same_again = traced_again(tag, sender, w, ev[tag], (kr, kv), hookmap, hooks, again)
        if xr == kr and xv == kv and same_again:
            agree += 1
            continue
        if xr == kr and xv == kv:
            continue   # the first trace agrees; traced_again printed the one that does not
        print("# DISAGREE packet %d from %s: %s" % (tag, sender, w))
        print("#   kernel: %s -> %s" % (short(kr), kv))
        print("#   xnft:   %s -> %s" % (short(xr), xv))
    print("decisions %(compared)d agree %(agree)d assumed %(assumed)d silent %(silent)d" % tally)
    print("traced again %(traces)d differ %(differ)d" % again)
    print("agree %d of %d" % (agree, total))


def traced_again(tag, sender, words, traversals, first, hookmap, hooks, again):
    """The kernel's later traces of a packet it traced more than once (a copy
    sent again) must each say what its first trace says, which is what is
    compared with xnft: counted in AGAIN, each printed, and False if one differs."""
    same = True
    for n, events in enumerate(traversals[1:], 2):
        view = kernel_view(events, hookmap, hooks)
        again["traces"] += 1
        if view == first:
            print("# packet %d from %s: traced again by the kernel (trace %d), the same: %s -> %s"
                  % (tag, sender, n, short(view[0]), view[1]))
            continue
        again["differ"] += 1
        same = False
        print("# DISAGREE packet %d from %s, traced again by the kernel: %s" % (tag, sender, words))
        print("#   kernel, trace 1: %s -> %s" % (short(first[0]), first[1]))
        print("#   kernel, trace %d: %s -> %s" % (n, short(view[0]), view[1]))
    return same

# ---- raising limits ---------------------------------------------------------------------


def cmd_limits(files, raise_them):
    pat = re.compile(r"limit rate (over )?(\d+)/(second|minute|hour|day|week)")

    def new(m):
        if raise_them:
            return "limit rate %s1000000/second" % (m.group(1) or "")
        return "limit rate %s%s/hour" % (m.group(1) or "", m.group(2))
    for fn in files:
        with open(fn) as f:
            s = f.read()
        with open(fn, "w") as f:
            f.write(pat.sub(new, s))


def main(argv):
    if len(argv) >= 3 and argv[1] == "ruleset":
        cmd_ruleset(argv[2])
    elif len(argv) == 5 and argv[1] == "packets":
        cmd_packets(argv[2], argv[3], argv[4])
    elif len(argv) in (6, 8) and argv[1] == "compare":
        start = int(argv[7]) if len(argv) == 8 and argv[6] == "--from" else 1
        cmd_compare(argv[2], argv[3], argv[4], argv[5], start)
    elif len(argv) == 6 and argv[1] == "compare-mac":
        cmd_compare(argv[2], argv[3], argv[4], argv[5], 1, True)
    elif len(argv) >= 3 and argv[1] in ("raise-limits", "slow-limits"):
        cmd_limits(argv[2:], argv[1] == "raise-limits")
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
