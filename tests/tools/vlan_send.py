#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vlan_send.py DEV DST_MAC VID SRC_IP DST_IP DPORT TAG: one Ethernet frame
from DEV with an 802.1Q tag (VLAN id VID, pcp 0, dei 0) carrying an IPv4 UDP
datagram (source port 40000, TTL 64, no payload) whose IP id is TAG, so that
the kernel's trace of it can be told apart (gen_ruleset.py compare), to
DST_MAC. The receiving device takes the tag off (rx VLAN offload); a bridge
without vlan_filtering passes the frame on with it."""
import socket
import struct
import sys


def checksum(data):
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xffff)
    total += total >> 16
    return ~total & 0xffff


def main(argv):
    if len(argv) != 8:
        sys.stderr.write(__doc__ + "\n")
        return 2
    dev, dst, vid = argv[1], bytes.fromhex(argv[2].replace(":", "")), int(argv[3])
    src_ip, dst_ip, dport, tag = argv[4], argv[5], int(argv[6]), int(argv[7])
    if not 0 <= vid <= 4095 or not 0 <= tag <= 65535:
        sys.stderr.write("vlan_send.py: VID is 0..4095, TAG 0..65535\n")
        return 2
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    src = s.getsockname()[4][:6]
    udp = struct.pack("!HHHH", 40000, dport, 8, 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), tag, 0, 64, 17, 0,
                     socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    frame = dst + src + struct.pack("!HHH", 0x8100, vid, 0x0800) + ip + udp
    return 0 if s.send(frame) == len(frame) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
