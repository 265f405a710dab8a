#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Capture one DATA datagram this host sends over veth "v0" to DST:PORT
(while pinging INNER through ovl0), then send it back to DST:PORT replayed,
tampered and forged, one variant per drop reason.  Prints what it sent."""

import socket
import struct
import subprocess
import sys
import time

import sniff

OVL_MSG_DATA = 0x12


def capture(dst, port, inner):
    payloads = sniff.udp_payloads("v0", dst, port)
    ping = subprocess.Popen(["ping", "-c", "3", "-i", "0.2", inner],
                            stdout=subprocess.DEVNULL)
    try:
        for payload in payloads:
            if payload and payload[0] == OVL_MSG_DATA:
                return payload
    finally:
        ping.wait()
    sys.exit("no DATA datagram seen")


def main():
    dst, port, inner = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    data = capture(dst, port, inner)
    tag_flipped = data[:-1] + bytes([data[-1] ^ 1])
    variants = {
        "replay": data,
        "bad_tag": tag_flipped,
        "unknown_peer": data[:4] + struct.pack("!I", 999) + data[8:],
        "no_key": data[:1] + bytes([77]) + data[2:],
        "short": data[:10],
        "unknown_type": bytes([0x7f]) + data[1:],
    }
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for name, payload in variants.items():
        out.sendto(payload, (dst, port))
        print(f"sent {name}: {len(payload)} bytes")
    time.sleep(0.5)


if __name__ == "__main__":
    main()
