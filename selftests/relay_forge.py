#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Relay frames that must change nothing at the receiver.

capture IFACE DST FILE
    Wait (10 s at most) for a RELAY_DELIVER leaving IFACE for DST and save
    its UDP payload in FILE.
send BIND DST [FILE] [--keys HEX]
    From BIND (the beacon's address, the beacon being gone) send DST
    RELAY_DELIVER frames for an unknown node, with an inner sender that is
    not the relayed source, with a bad inner tag, from node 0, and the
    frame saved in FILE again (a replay).  The beacon's tag of each forged
    frame is made with the k_down of the registration keys HEX (as
    installed with "ovlctl dev set DEV beacon-keys HEX"), or is garbage
    without --keys (docs/beacon-auth.md).  Prints what it sent."""

import ctypes
import ctypes.util
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


def mac(key, msg):
    """SipHash-2-4 of @msg under @key (libsodium), the beacon's tag."""
    na = ctypes.CDLL(ctypes.util.find_library("sodium"))
    out = ctypes.create_string_buffer(8)
    na.crypto_shorthash_siphash24(out, msg, ctypes.c_ulonglong(len(msg)), key)
    return out.raw


def deliver(src, inner, k_down):
    hdr = struct.pack("!BI", RELAY_DELIVER, src)
    tag = mac(k_down, hdr + inner[:16]) if k_down else bytes(8)
    return hdr + tag + inner


def capture(iface, dst, path):
    for payload in sniff.udp_payloads(iface, dst):
        if payload and payload[0] == RELAY_DELIVER:
            with open(path, "wb") as f:
                f.write(payload)
            print(f"captured a {len(payload)}-byte RELAY_DELIVER")
            return 0
    print("no RELAY_DELIVER seen")
    return 1


def send(bind, dst, path, keys):
    k_down = bytes.fromhex(keys)[16:] if keys else None
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(addr(bind))
    frames = {
        "unknown source node": deliver(99, data(99), k_down),
        "inner sender not the relayed source": deliver(2, data(5), k_down),
        "bad tag": deliver(2, data(2, counter=1 << 40), k_down),
        "zero source node": deliver(0, data(2), k_down),
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
    args = sys.argv[1:]
    if args[0] == "capture":
        sys.exit(capture(args[1], args[2], args[3]))
    keys = None
    if "--keys" in args:
        i = args.index("--keys")
        keys = args[i + 1]
        del args[i:i + 2]
    sys.exit(send(args[1], args[2], args[3] if len(args) > 3 else None, keys))
