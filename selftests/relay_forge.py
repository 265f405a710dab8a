#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Relay frames that must change nothing at the receiver.

capture IFACE DST FILE
    Wait (10 s at most) for a RELAY_DELIVER leaving IFACE for DST and save
    its UDP payload in FILE.
send BIND DST [FILE]
    From BIND (the beacon's address, the beacon being gone) send DST
    RELAY_DELIVER frames for an unknown node, with an inner sender that is
    not the relayed source, with a bad tag, and the frame saved in FILE
    again (a replay).  Prints what it sent."""

import socket
import struct
import sys

import sniff

RELAY_DELIVER = 6
DATA = 0x12


def addr(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def data(sender, counter=1, payload=48):
    return struct.pack("!BBHIQ", DATA, 1, 0, sender, counter) + bytes(payload)


def deliver(src, inner):
    return struct.pack("!BI", RELAY_DELIVER, src) + inner


def capture(iface, dst, path):
    for payload in sniff.udp_payloads(iface, dst):
        if payload and payload[0] == RELAY_DELIVER:
            with open(path, "wb") as f:
                f.write(payload)
            print(f"captured a {len(payload)}-byte RELAY_DELIVER")
            return 0
    print("no RELAY_DELIVER seen")
    return 1


def send(bind, dst, path):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(addr(bind))
    frames = {
        "unknown source node": deliver(99, data(99)),
        "inner sender not the relayed source": deliver(2, data(5)),
        "bad tag": deliver(2, data(2, counter=1 << 40)),
        "zero source node": deliver(0, data(2)),
    }
    if path:
        try:
            with open(path, "rb") as f:
                frames["replay"] = f.read()
        except FileNotFoundError:
            pass
    for what, frame in frames.items():
        s.sendto(frame, addr(dst))
        print(f"sent {what}: {len(frame)} bytes")
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "capture":
        sys.exit(capture(sys.argv[2], sys.argv[3], sys.argv[4]))
    sys.exit(send(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None))
