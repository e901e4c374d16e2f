#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Ban latency, event to element in the kernel set, for bench_bans.sh.

Run inside the benchmark's network namespace (policy loaded). Starts
`xnft daemon -s stdin` and `nft monitor elements`, writes kernel log lines
to the daemon's stdin at RATE lines per second for SECONDS: background
drops from a pool of sources (no rule bans them) and, spread evenly, one
first-time scanner every so often (a rule with threshold 1 bans it). For
each scanner, latency = when `nft monitor` printed its element - when its
line was written. Prints one JSON object.
"""
import json
import os
import re
import subprocess
import sys
import threading
import time


CHILDREN = []


def line(src, prefix, dpt):
    return ("Nov 23 18:00:00 host kernel: %s: IN=eth0 OUT= SRC=%s DST=198.18.0.1 LEN=40 "
            "TOS=0x00 PREC=0x00 TTL=52 ID=0 PROTO=TCP SPT=40000 DPT=%d WINDOW=1024 "
            "RES=0x00 SYN URGP=0\n" % (prefix, src, dpt))


def main():
    xnft, conf, rate, seconds, scanners = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        float(sys.argv[4]), int(sys.argv[5])
    total = int(rate * seconds)
    every = max(1, total // scanners)
    seen = {}
    mon = subprocess.Popen(["nft", "monitor", "elements"], stdout=subprocess.PIPE, bufsize=0)
    CHILDREN.append(mon)
    pat = re.compile(rb"add element inet xnft BANNED4 \{ ([0-9.]+) timeout")

    def reader():
        f = mon.stdout
        for l in iter(f.readline, b""):
            m = pat.search(l)
            if m:
                a = m.group(1).decode()
                if a not in seen:
                    seen[a] = time.monotonic()

    threading.Thread(target=reader, daemon=True).start()
    d = subprocess.Popen([xnft, "daemon", "-c", conf, "-s", "stdin"], stdin=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, bufsize=0)
    CHILDREN.append(d)
    time.sleep(1.5)   # daemon up, monitor subscribed
    background = [line("100.%d.%d.%d" % (64 + i // 65536 % 64, i // 256 % 256, i % 256),
                       "XNFT-DROP", 1000 + i % 1000).encode() for i in range(20000)]
    written = {}
    fd = d.stdin.fileno()
    chunk_ms = 1.0
    per_chunk = max(1, int(rate * chunk_ms / 1000))
    t0 = time.monotonic()
    n = 0
    k = 0
    while n < total:
        due = t0 + (n / rate)
        now = time.monotonic()
        if due > now:
            time.sleep(min(due - now, 0.001))
            continue
        buf = []
        scans = []
        for _ in range(per_chunk):
            if n >= total:
                break
            if n % every == every // 2 and k < scanners:
                a = "11.%d.%d.%d" % (k // 65536, k // 256 % 256, k % 256)
                buf.append(line(a, "XNFT-TCPFL-NULL", 80).encode())
                scans.append(a)
                k += 1
            else:
                buf.append(background[n % len(background)])
            n += 1
        os.write(fd, b"".join(buf))
        tw = time.monotonic()
        for a in scans:
            written[a] = tw
    elapsed = time.monotonic() - t0
    deadline = time.monotonic() + 10
    while len([a for a in written if a in seen]) < len(written) and time.monotonic() < deadline:
        time.sleep(0.05)
    lat = sorted((seen[a] - written[a]) * 1000 for a in written if a in seen)
    d.stdin.close()
    d.terminate()
    d.wait(timeout=10)
    mon.terminate()

    def pct(p):
        return round(lat[min(len(lat) - 1, int(len(lat) * p))], 2) if lat else None

    print(json.dumps({"rate": rate, "achieved_rate": round(total / elapsed), "events": total,
                      "scanners": len(written), "banned": len(lat), "p50_ms": pct(0.50),
                      "p99_ms": pct(0.99), "max_ms": round(lat[-1], 2) if lat else None}))


if __name__ == "__main__":
    try:
        main()
    finally:
        # never leave a daemon or a monitor behind, whatever happened
        for child in CHILDREN:
            if child.poll() is None:
                child.kill()
                child.wait()
