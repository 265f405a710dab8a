#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Resend a captured ovl datagram from a third address.

capture IFACE DST PORT FILE [TYPE]
    Wait (10 s at most) for a DATA datagram (or one of message TYPE, in
    hex, e.g. 10 for HANDSHAKE_INIT) crossing IFACE to DST:PORT and save
    its UDP payload in FILE.  Run it where the datagram passes on its
    way (a router), with the original kept from arriving, so that the
    capture is newer than anything its receiver has seen.
send BIND DST:PORT FILE SECS
    From BIND (ADDR:PORT) send the datagram saved in FILE to DST:PORT, then
    listen on BIND for SECS seconds and say what came back: one line per
    datagram ("got TYPE from ADDR:PORT", TYPE in hex) and a last line
    "received data=N probe=N other=N"."""

import socket
import sys
import time

import sniff

DATA = 0x12
PROBE = 0x13


def addr(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def capture(iface, dst, port, path, kind=DATA):
    for payload in sniff.udp_payloads(iface, dst, port):
        if payload and payload[0] == kind:
            with open(path, "wb") as f:
                f.write(payload)
            print(f"captured a {len(payload)}-byte message of type 0x{kind:02x}")
            return 0
    print(f"no message of type 0x{kind:02x} seen")
    return 1


def send(bind, dst, path, secs):
    with open(path, "rb") as f:
        frame = f.read()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(addr(bind))
    s.sendto(frame, addr(dst))
    print(f"sent the {len(frame)}-byte capture from {bind} to {dst}")
    counts = {"data": 0, "probe": 0, "other": 0}
    deadline = time.time() + secs
    while (left := deadline - time.time()) > 0:
        s.settimeout(left)
        try:
            msg, src = s.recvfrom(65535)
        except socket.timeout:
            break
        kind = {DATA: "data", PROBE: "probe"}.get(msg[0] if msg else None, "other")
        counts[kind] += 1
        print(f"got 0x{msg[0] if msg else 0:02x} from {src[0]}:{src[1]}")
    print("received " + " ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "capture":
        sys.exit(capture(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5],
                         int(sys.argv[6], 16) if len(sys.argv) > 6 else DATA))
    sys.exit(send(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])))
