#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""arp_send.py DEV OP SENDER_IP TARGET_IP TAG [DST_MAC]: one ARP packet
(Ethernet, IPv4) from DEV, with the operation and addresses given, from the
MAC address 02:78:6e:66:TT:TT that carries TAG (0..65535), so that the
kernel's trace of it can be told apart (gen_ruleset.py compare-mac), to
DST_MAC (default broadcast). The kernel judges an ARP frame for the host
(broadcast, or its own MAC) at its arp input hook (arp_rcv); a unicast to
another MAC is dropped before it, or passed on by a bridge."""
import socket
import struct
import sys


def main(argv):
    if len(argv) not in (6, 7):
        sys.stderr.write(__doc__ + "\n")
        return 2
    dev, op, spa, tpa, tag = argv[1], int(argv[2]), argv[3], argv[4], int(argv[5])
    dst = bytes.fromhex(argv[6].replace(":", "")) if len(argv) == 7 else b"\xff" * 6
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    sha = bytes([0x02, 0x78, 0x6e, 0x66, tag >> 8, tag & 0xff])
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, socket.inet_aton(spa),
                      b"\0" * 6, socket.inet_aton(tpa))
    sent = s.send(dst + sha + b"\x08\x06" + arp)
    return 0 if sent == 14 + len(arp) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
