#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Watch, on interface IFACE, the sealed messages node SENDER sends from
UDP port 4500 for SECONDS, and tell how far its PROBEs overtook its DATA:
for each DATA message, how many counters below the highest PROBE counter
seen before it its own counter is.  A receiver's replay window refuses a
DATA message that is more than 8128 below a counter it already accepted.
A socket filter keeps every PROBE and one DATA message in 256, and only
their first bytes, in a large buffer; what the buffer cannot take is
missed, never misread.

usage: overtake_sniff.py IFACE SENDER SECONDS
prints: probes N data N max_overtake N"""

import ctypes
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SO_ATTACH_FILTER = 26
SO_RCVBUFFORCE = 33
OVL_MSG_DATA = 0x12
OVL_MSG_PROBE = 0x13
# Ethernet (14) + IPv4 without options (20) + UDP (8): the ovl header.
OFF = 42

# IPv4, UDP, source port 4500: every PROBE and one DATA message in 256
# (counter's low byte 0), 64 bytes of each; nothing else.  Sampling keeps
# the rare PROBEs from being crowded out of the buffer by DATA, and
# costs at most 255 counters of precision.
FILTER = [
    (0x28, 0, 0, 12),       # 0: ldh [12]     ethertype
    (0x15, 0, 10, 0x0800),  # 1: jeq IPv4
    (0x30, 0, 0, 23),       # 2: ldb [23]     protocol
    (0x15, 0, 8, 17),       # 3: jeq UDP
    (0x28, 0, 0, 34),       # 4: ldh [34]     source port
    (0x15, 0, 6, 4500),     # 5: jeq 4500
    (0x30, 0, 0, 42),       # 6: ldb [42]     message type
    (0x15, 3, 0, 0x13),     # 7: jeq PROBE -> 11
    (0x15, 0, 3, 0x12),     # 8: jeq DATA
    (0x30, 0, 0, 57),       # 9: ldb [57]     counter's low byte
    (0x15, 0, 1, 0),        # 10: jeq 0
    (0x06, 0, 0, 64),       # 11: ret 64
    (0x06, 0, 0, 0),        # 12: ret 0
]


def main():
    iface, sender, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    prog = b"".join(struct.pack("HBBI", *insn) for insn in FILTER)
    buf = ctypes.create_string_buffer(prog)
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER,
                    struct.pack("HL", len(FILTER), ctypes.addressof(buf)))
    sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 64 << 20)
    sock.bind((iface, 0))
    sock.settimeout(0.5)
    print("ready", flush=True)
    probes = data = 0
    top_probe = None
    overtake = 0
    deadline = time.time() + secs
    while time.time() < deadline:
        try:
            frame = sock.recv(64)
        except socket.timeout:
            continue
        if len(frame) < OFF + 16:
            continue
        kind, _, _, node, counter = struct.unpack("!BBHIQ", frame[OFF:OFF + 16])
        if node != sender:
            continue
        if kind == OVL_MSG_PROBE:
            probes += 1
            top_probe = counter if top_probe is None else max(top_probe, counter)
        elif kind == OVL_MSG_DATA:
            data += 1
            if top_probe is not None and top_probe > counter:
                overtake = max(overtake, top_probe - counter)
    print(f"probes {probes} data {data} max_overtake {overtake}")


if __name__ == "__main__":
    main()
