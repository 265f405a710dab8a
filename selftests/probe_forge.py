#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send sealed PROBE requests as peer SENDER would, from SRC:PORT (a raw
socket, since the peer's own ovl socket holds that port) to DST:PORT,
under KEY (base64, the sender's tx key) with key id KEY_ID: COUNT of them,
INTERVAL seconds apart, with counters from NOW + FIRST on, where NOW is the
wall clock in units of 16 ns: past every counter the real sender used, as
a key's counters start at the wall clock when it is installed and cannot
outrun it (docs/protocol.md, "Counters and key reuse").  The receiver
answers each with a PROBE reply, which takes a counter of its own key.

usage: probe_forge.py SRC DST PORT SENDER KEY KEY_ID FIRST COUNT INTERVAL"""

import base64
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

OVL_MSG_PROBE = 0x13
OVL_PROBE_REQUEST = 1


def main():
    src, dst, port, sender, key, key_id, first, count, interval = sys.argv[1:]
    port, sender, key_id = int(port), int(sender), int(key_id)
    aead = ChaCha20Poly1305(base64.b64decode(key))
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
    sock.bind((src, 0))
    base = time.time_ns() >> 4
    for i in range(int(count)):
        counter = base + int(first) + i
        hdr = struct.pack("!BBHIQ", OVL_MSG_PROBE, key_id, 0, sender, counter)
        payload = bytes([OVL_PROBE_REQUEST]) + bytes(7) + struct.pack("!Q", i + 1)
        nonce = bytes(4) + struct.pack("<Q", counter)
        msg = hdr + aead.encrypt(nonce, payload, hdr)
        # UDP header, checksum 0 (none, IPv4).
        udp = struct.pack("!HHHH", port, port, 8 + len(msg), 0)
        sock.sendto(udp + msg, (dst, 0))
        time.sleep(float(interval))
    print(f"sent {count} probe requests")


if __name__ == "__main__":
    main()
