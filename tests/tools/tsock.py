#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Listening TCP sockets for the kernel differential (test_cx_steal.sh).

  tsock.py PORT SECONDS [transparent]

Listens on 0.0.0.0:PORT and [::]:PORT (IPv6 only), with IP_TRANSPARENT and
IPV6_TRANSPARENT when asked (what tproxy looks for), prints "ready" and exits
after SECONDS, or at SIGTERM. It accepts nothing: the test needs the sockets
to exist (nft_socket, nft_tproxy look them up), not connections.
"""
import signal
import socket
import sys
import time

IP_TRANSPARENT = 19        # linux/in.h
IPV6_TRANSPARENT = 75      # linux/in6.h


def listener(family, port, transparent):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    if transparent:
        if family == socket.AF_INET:
            s.setsockopt(socket.SOL_IP, IP_TRANSPARENT, 1)
        else:
            s.setsockopt(socket.IPPROTO_IPV6, IPV6_TRANSPARENT, 1)
    s.bind(("::" if family == socket.AF_INET6 else "0.0.0.0", port))
    s.listen(64)
    return s


def main(argv):
    if len(argv) not in (3, 4) or (len(argv) == 4 and argv[3] != "transparent"):
        sys.stderr.write(__doc__)
        return 2
    port, seconds = int(argv[1]), min(float(argv[2]), 600.0)
    transparent = len(argv) == 4
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    socks = [listener(f, port, transparent) for f in (socket.AF_INET, socket.AF_INET6)]
    print("ready", flush=True)
    time.sleep(seconds)
    for s in socks:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
