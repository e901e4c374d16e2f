#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A real scanner's ban latency during a burst of forged log lines, and the
restore time at that many bans, for bench_banscale.sh.

Run inside the host namespace, with the daemon running (a file source and
NFLOG group 7 logging TCP to port 1000 from eth0). Appends the burst file to
the daemon's log file; meanwhile a sender in the scanner namespace opens a
TCP connection from one of its addresses every GAP ms, and this script asks
the kernel for that address in BANNED4 every millisecond (one netlink
GETSETELEM with the key, no listing) until it is there. It also times the
control socket's `status` during the burst. Then it re-applies the policy
(`nft -f`) and times how long until the daemon reports the restore.
Prints one JSON object.

Usage: bans_burst.py SOCKET LOGFILE BURSTFILE BURST_LINES INET_NS HOST_ADDR
                     SCANNERS GAP_MS POLICY_DIR
"""
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

NFNL_SUBSYS_NFTABLES = 10
NFT_MSG_GETSETELEM = 13
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
NLA_F_NESTED = 0x8000
NFPROTO_INET = 1


def nla(kind, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, kind) + payload + b"\0" * ((4 - n % 4) % 4)


class SetProbe:
    """Is ADDR in inet xnft BANNED4? One GETSETELEM with the key."""

    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 12)  # NETLINK_NETFILTER
        self.s.bind((0, 0))
        self.seq = 1

    def has(self, addr):
        key = nla(1 | NLA_F_NESTED, nla(1, socket.inet_aton(addr)))      # KEY { DATA_VALUE }
        elem = nla(1 | NLA_F_NESTED, key)                                # LIST_ELEM
        body = struct.pack("=BBH", NFPROTO_INET, 0, 0) + nla(1, b"xnft\0") + \
            nla(2, b"BANNED4\0") + nla(3 | NLA_F_NESTED, elem)
        self.seq += 1
        hdr = struct.pack("=IHHII", 16 + len(body), NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_GETSETELEM,
                          NLM_F_REQUEST | NLM_F_ACK, self.seq, 0)
        self.s.send(hdr + body)
        found = False
        while True:
            data = self.s.recv(65536)
            off = 0
            while off + 16 <= len(data):
                ln, typ, _, seq, _ = struct.unpack_from("=IHHII", data, off)
                if seq == self.seq:
                    if typ == NLMSG_ERROR:
                        err = struct.unpack_from("=i", data, off + 16)[0]
                        return found if err == 0 else False
                    found = True
                off += (ln + 3) & ~3


def status(sock):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(30)
    c.connect(sock)
    c.sendall(b"status\n")
    out = b""
    while True:
        b = c.recv(65536)
        if not b:
            break
        out += b
    c.close()
    return json.loads(out)


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else None


def main():
    sock, logfile, burstfile, burst_n, inet_ns, host, nscan, gap_ms, policy = sys.argv[1:10]
    burst_n, nscan, gap_ms = int(burst_n), int(nscan), float(gap_ms)
    sender = subprocess.Popen(
        ["ip", "netns", "exec", inet_ns, "python3", "-c",
         "import socket, sys, time\nheld = []\n"
         "for l in sys.stdin:\n"
         "    s = socket.socket(); s.setblocking(False); s.bind((l.strip(), 0))\n"
         "    t = time.monotonic(); s.connect_ex(('%s', 1000)); held.append(s)\n"
         "    print(t, flush=True)\n" % host],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    probe = SetProbe()
    before = status(sock)
    ev0 = before["engine"]["events"]
    el0 = before["kernel"]["elements"]
    with open(burstfile, "rb") as f:
        burst = f.read()

    rtts, stop = [], threading.Event()

    def ask_status():
        while not stop.is_set():
            t = time.monotonic()
            st = status(sock)
            rtts.append((time.monotonic() - t) * 1000)
            if st["kernel"]["elements"] - el0 >= burst_n:
                return
            time.sleep(0.02)

    t_burst = time.monotonic()
    with open(logfile, "ab") as f:
        f.write(burst)
    th = threading.Thread(target=ask_status)
    th.start()
    lat, during = [], []
    for i in range(nscan):
        due = t_burst + i * gap_ms / 1000
        while time.monotonic() < due:
            time.sleep(0.0005)
        addr = "198.18.0.%d" % (10 + i)
        sender.stdin.write(addr + "\n")
        t_sent = float(sender.stdout.readline())
        while not probe.has(addr):
            if time.monotonic() - t_sent > 30:
                break
            time.sleep(0.001)
        lat.append((time.monotonic() - t_sent) * 1000)
        during.append(status(sock)["engine"]["events"] - ev0)
    th.join(120)
    stop.set()
    t_done = time.monotonic()
    mid = status(sock)
    burst_s = t_done - t_burst

    # the policy re-applied: all bans back
    r0 = mid["kernel"]["restores"]
    f0 = mid["kernel"]["flush_us"]
    t0 = time.monotonic()
    subprocess.run(["nft", "-I", policy, "-f", os.path.join(policy, "nftables.conf")], check=True)
    t_nft = time.monotonic()
    while True:
        st = status(sock)
        if st["kernel"]["restores"] > r0:
            break
        if time.monotonic() - t0 > 60:
            break
        time.sleep(0.002)
    t1 = time.monotonic()
    sender.stdin.close()
    sender.wait()
    print(json.dumps({
        "burst_lines": burst_n,
        "scanner_latency_ms": [round(x, 1) for x in lat],
        "scanner_p50_ms": round(pct(lat, 50), 1), "scanner_max_ms": round(max(lat), 1),
        "burst_events_read_when_banned": during,
        "status_rtt_p50_ms": round(pct(rtts, 50), 1), "status_rtt_max_ms": round(max(rtts), 1),
        "status_asked": len(rtts),
        "burst_to_all_banned_s": round(burst_s, 2),
        "active_bans": st["engine"]["active"],
        "restore_after_nft_s": round(t1 - t_nft, 3),
        "restore_incl_nft_s": round(t1 - t0, 3),
        "restore_writer_ms": round((st["kernel"]["flush_us"] - f0) / 1000, 1),
        "kernel_errors": st["kernel"]["errors"],
        "largest_batch": st["kernel"]["largest_batch"],
    }))


if __name__ == "__main__":
    main()
