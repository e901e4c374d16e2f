#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The baseline for bench_metrics.sh: an exporter that does what seed 002's
does (metal-stack's nftables-exporter): on every scrape it runs
`nft -j list ruleset` and converts the JSON to Prometheus text (per-rule
packets and bytes with table, chain, handle and comment; set element
counts; named counters).

  nft_json_exporter.py PORT [--terse]

--terse runs `nft -t -j list ruleset` (no set elements, the fix the
seed's exporter learned for big sets; element counts are then missing).
Serves /metrics on 127.0.0.1:PORT until killed.
"""
import http.server
import json
import subprocess
import sys


def esc(v):
    return str(v).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def counter_of(rule):
    for stmt in rule.get("expr", []):
        if "counter" in stmt and isinstance(stmt["counter"], dict):
            return stmt["counter"].get("packets", 0), stmt["counter"].get("bytes", 0)
    return None


def convert(listing):
    rules, sets, counters = [], [], []
    for obj in listing.get("nftables", []):
        if "rule" in obj:
            r = obj["rule"]
            c = counter_of(r)
            if c is not None:
                labels = 'family="%s",table="%s",chain="%s",handle="%s",comment="%s"' % (
                    esc(r["family"]), esc(r["table"]), esc(r["chain"]), r.get("handle", ""),
                    esc(r.get("comment", "")))
                rules.append((labels, c))
        elif "set" in obj:
            s = obj["set"]
            sets.append(('family="%s",table="%s",set="%s"' % (esc(s["family"]), esc(s["table"]),
                                                            esc(s["name"])), len(s.get("elem", []))))
        elif "counter" in obj:
            c = obj["counter"]
            counters.append(('family="%s",table="%s",object="%s"' % (
                esc(c["family"]), esc(c["table"]), esc(c["name"])), c.get("packets", 0), c.get("bytes", 0)))
    out = ["# TYPE nftables_rule_packets_total counter"]
    out += ["nftables_rule_packets_total{%s} %d" % (l, c[0]) for l, c in rules]
    out.append("# TYPE nftables_rule_bytes_total counter")
    out += ["nftables_rule_bytes_total{%s} %d" % (l, c[1]) for l, c in rules]
    out.append("# TYPE nftables_set_elements gauge")
    out += ["nftables_set_elements{%s} %d" % (l, n) for l, n in sets]
    out.append("# TYPE nftables_counter_packets_total counter")
    out += ["nftables_counter_packets_total{%s} %d" % (l, p) for l, p, _ in counters]
    return "\n".join(out) + "\n"


class Handler(http.server.BaseHTTPRequestHandler):
    terse = False

    def do_GET(self):
        if self.path != "/metrics":
            self.send_error(404)
            return
        cmd = ["nft", "-j"] + (["-t"] if self.terse else []) + ["list", "ruleset"]
        listing = json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)
        body = convert(listing).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    Handler.terse = "--terse" in sys.argv[2:]
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()


if __name__ == "__main__":
    main()
