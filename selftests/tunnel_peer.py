#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Both ends of a TCP tunnel test (selftests/tunnel.sh).

tunnel_peer.py echo ADDR PORT READYFILE
    echo every connection until its EOF, then half-close; many at once
tunnel_peer.py client HOST PORT BYTES [PAUSE]
    send BYTES of random data and half-close while reading the echo;
    exit 0 and print "ok BYTES" if the echo is byte-exact (by hash);
    with PAUSE, print "connected" and sleep PAUSE seconds halfway
    (a client that outlives a reload or a drain)
"""
import hashlib
import os
import socket
import sys
import threading
import time


def echo(addr, port, ready):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)
    open(ready, "w").close()

    def serve(c):
        try:
            while True:
                d = c.recv(262144)
                if not d:
                    break
                c.sendall(d)
            c.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        c.close()
    while True:
        c, _ = s.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def client(host, port, size, pause=0.0):
    data = os.urandom(size)
    s = socket.create_connection((host, port), 10)
    s.settimeout(30)
    got = hashlib.sha256()
    n = [0]

    def rx():
        while True:
            d = s.recv(262144)
            if not d:
                return
            got.update(d)
            n[0] += len(d)
    th = threading.Thread(target=rx)
    th.start()
    if pause:
        s.sendall(data[:size // 2])
        print("connected", flush=True)
        time.sleep(pause)
        s.sendall(data[size // 2:])
    else:
        s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    th.join(60)
    if n[0] != size or got.digest() != hashlib.sha256(data).digest():
        print("echo differs: %d of %d bytes" % (n[0], size))
        return 1
    print("ok %d" % size)
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "echo":
        echo(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        sys.exit(client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                        float(sys.argv[5]) if len(sys.argv) > 5 else 0.0))
