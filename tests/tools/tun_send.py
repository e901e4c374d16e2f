#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Packets received on a device without a link layer (test_cx_linklayer.sh).

  tun_send.py IFNAME ADDR/PREFIX SRC DPORT COUNT

Creates the tun device IFNAME (ARPHRD_NONE, no packet information header) in
the current network namespace, gives it ADDR/PREFIX, brings it up and writes
COUNT IPv4 UDP packets from SRC to ADDR:DPORT into it: the kernel receives
them on IFNAME as it does a wg device's. Exits when UDP has taken them in
(/proc/net/snmp, at most 5 s: exit status 1 if not). The device stays
(persistent) for xnft trace --live; it goes away with its namespace.
"""
import fcntl
import os
import socket
import struct
import subprocess
import sys
import time

TUNSETIFF = 0x400454ca     # linux/if_tun.h
TUNSETPERSIST = 0x400454cb
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xffff)
    total += total >> 16
    return ~total & 0xffff


def udp_packet(src, dst, dport):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    payload = b"xnft"
    udp = struct.pack("!HHHH", 40000, dport, 8 + len(payload), 0) + payload
    pseudo = s + d + struct.pack("!BBH", 0, socket.IPPROTO_UDP, len(udp))
    udp = udp[:6] + struct.pack("!H", checksum(pseudo + udp)) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64,
                     socket.IPPROTO_UDP, 0, s, d)
    return ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:] + udp


def udp_received():
    """Datagrams UDP took in, to a socket or to none (Udp: InDatagrams, NoPorts)."""
    with open("/proc/net/snmp") as f:
        rows = [line.split() for line in f if line.startswith("Udp:")]
    stats = dict(zip(rows[0][1:], (int(v) for v in rows[1][1:])))
    return stats["InDatagrams"] + stats["NoPorts"]


def main(argv):
    if len(argv) != 6:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ifname, cidr, src, dport, count = argv[1], argv[2], argv[3], int(argv[4]), int(argv[5])
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TUN | IFF_NO_PI))
    fcntl.ioctl(fd, TUNSETPERSIST, 1)
    subprocess.run(["ip", "addr", "add", cidr, "dev", ifname], check=True)
    subprocess.run(["ip", "link", "set", ifname, "up"], check=True)
    pkt = udp_packet(src, cidr.split("/")[0], dport)
    before = udp_received()
    for _ in range(count):
        os.write(fd, pkt)
    deadline = time.monotonic() + 5
    while udp_received() - before < count and time.monotonic() < deadline:
        time.sleep(0.05)
    got = udp_received() - before
    os.close(fd)
    if got < count:
        print("tun_send.py: %d of %d packets reached UDP" % (got, count), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
