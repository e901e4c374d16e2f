#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Coverage of issue 24's kernel differential corpus.

Reads tests/integration/fixtures_constructs/expressions.tsv (every expression
and statement nft 1.0.6's tests accept, with their families) and the rulesets
the kernel differentials load rule by rule (test_constructs.sh,
test_families.sh, test_cx_families.sh, test_nat_kernel.sh), and writes a table: expression ->
family -> the first fixture line that uses it there, or what keeps it out.

  cx_coverage.py ROOT            print the table (markdown) on stdout
  cx_coverage.py --check ROOT    exit 1 if coverage.md is not what it prints
"""
import os
import re
import sys

FAMILIES = ["ip", "ip6", "inet", "arp", "bridge", "netdev"]

# the rulesets a kernel batch loads (the others in fixtures_constructs are
# checked without a kernel only)
CORPUS = [
    "fixtures_constructs/" + f + ".nft" for f in (
        "map_miss", "ct_noentry", "defaults", "deps", "dormant", "quota", "ether",
        "values", "ipsec_hdr", "bound", "rt_mtu", "headers", "stmts", "families_l3",
        "absent", "absent_l3", "more", "more_l3", "misc_l3", "synproxy_k", "arp", "bridge",
        "arp_all", "bridge_all")
] + [
    "fixtures_nat/" + f + ".nft" for f in (
        "redirect_ssh", "fw4_redirect", "firewalld_public", "docker_published",
        "debian_router_ssh")
]

# why a pair has no line: said once per expression (or family), not guessed
REASONS = [
    (r"^meta (ibrname|obrname|ibrpvid|ibrvproto)$", None,
     "nft_meta_bridge is absent on this kernel: the rule does not load (EOPNOTSUPP)"),
    (r"^reject$", "bridge",
     "nft_reject_bridge is absent on this kernel: the rule does not load (ENOENT)"),
    (r"^(sctp|dccp|udplite|comp|igmp) ", None,
     "xpkt sends no such packet: only 'not this protocol' is exercised (absent.nft, inet)"),
    (r"^(mh|srh|rt0|rt2|rt4|hbh|dst|frag) |^rt (nexthdr|hdrlength|type|seg-left)$", None,
     "xpkt sends no IPv6 extension headers: only their absence is exercised"),
    (r"^(dup to|fwd to|queue|tproxy|flow add|ct (helper|timeout|expectation) set)$", None,
     "sends, steals or queues the packet: outside what the trace batches can observe"),
    (r"^(ct (expiration|id|event|count))$", None,
     "depends on time or on a hash: not modelled, said so"),
    (r"^(osf|socket) ", None, "only the no-socket / no-fingerprint case (absent.nft, inet)"),
    (r"^ct label", None, "labels are names from /etc/connlabel.conf, which the test hosts lack"),
    (r"^meta (day|time|hour)$", "inet",
     "test_constructs.sh writes these rules for the day it runs (time.nft, not a fixture)"),
]


def read_expressions(path):
    out = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            words, kind, fams = line.rstrip("\n").split("\t")
            out.append((words, kind, fams.split()))
    return out


def normalise(rule):
    """The rule's words, with what does not change which expression it is removed."""
    rule = re.sub(r'"[^"]*"', '""', rule)
    rule = re.sub(r"\bct (original|reply) ", "ct ", rule)
    rule = re.sub(r"\bct (ip|ip6) (saddr|daddr)", r"ct \2", rule)
    rule = re.sub(r"\brt (ip|ip6) nexthop", "rt nexthop", rule)
    rule = re.sub(r"\btcp option (\d+|@\S+)", "tcp option N", rule)
    return " " + " ".join(rule.split()) + " "


def uses(rule, words):
    if words.startswith("tcp option ") and re.match(r"tcp option (\d+|@)", words):
        words = "tcp option N"
    if words.endswith("@"):
        return (" " + words) in rule
    return (" " + words + " ") in rule


def corpus_lines(root):
    """(family, file, line number, normalised rule) of every rule line of the corpus."""
    for rel in CORPUS:
        path = os.path.join(root, "tests/integration", rel)
        fam = None
        with open(path) as f:
            for n, line in enumerate(f, 1):
                t = line.strip()
                m = re.match(r"table (\w+) ", t)
                if m:
                    fam = m.group(1)
                    continue
                if not t or t.startswith("#") or re.match(
                        r"(chain|set|map|type|flags|timeout|elements|size|counter$|}|"
                        r"limit \w+ \{|quota \w+ \{|rate |policy)", t):
                    continue
                yield fam, rel, n, normalise(t)


def reason(words, fam):
    for pat, rfam, why in REASONS:
        if re.search(pat, words) and (rfam is None or rfam == fam):
            return why
    return "not in the corpus yet"


def table(root):
    exprs = read_expressions(os.path.join(
        root, "tests/integration/fixtures_constructs/expressions.tsv"))
    lines = list(corpus_lines(root))
    rows, pairs, covered = [], 0, 0
    for words, kind, fams in exprs:
        for fam in fams:
            pairs += 1
            hit = next(((f, n) for lf, f, n, r in lines if lf == fam and uses(r, words)), None)
            if hit:
                covered += 1
                rows.append(f"| `{words}` | {kind} | {fam} | {hit[0]}:{hit[1]} |")
            else:
                rows.append(f"| `{words}` | {kind} | {fam} | — {reason(words, fam)} |")
    head = [
        "# Kernel differential coverage (issue 24)",
        "",
        "Generated by `tests/tools/cx_coverage.py .` from `expressions.tsv` (what nft",
        "1.0.6's tests accept, per family) and the rulesets the kernel differentials",
        "(test_constructs.sh, test_families.sh, test_cx_families.sh, test_nat_kernel.sh)",
        "load and compare rule by rule with `nft monitor trace`. A line is the first",
        "rule in that family's tables that uses the expression.",
        "",
        f"Expression x family pairs: {pairs}; with a fixture line: {covered}; "
        f"without: {pairs - covered}.",
        "",
        "| expression | kind | family | fixture line |",
        "|---|---|---|---|",
    ]
    return "\n".join(head + rows) + "\n"


def main(argv):
    check = len(argv) > 1 and argv[1] == "--check"
    root = argv[2] if check else (argv[1] if len(argv) > 1 else ".")
    text = table(root)
    if not check:
        sys.stdout.write(text)
        return 0
    path = os.path.join(root, "tests/integration/fixtures_constructs/coverage.md")
    with open(path) as f:
        if f.read() == text:
            return 0
    sys.stderr.write(f"{path} is out of date: run tests/tools/cx_coverage.py . > {path}\n")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
