#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Capture ovl's sealed datagrams on the wire, check their nonces, replay
them (keys.sh).

  capture.py record IFACE PORT OUT MARK
      Append to OUT one line per DATA or PROBE datagram (IPv4 UDP from or
      to PORT) crossing IFACE, in either direction, until killed:
      "sender key_id counter hex-payload".  Creates MARK once capturing.
  capture.py check OLD... -- NEW...
      Fail if any (sender, key id, counter) appears twice across all the
      files, or if a file holds no datagram; with "--after", also unless
      every counter in NEW is above every counter of the same sender and
      key id in OLD.  Prints the counter range of each file and sender.
  capture.py replay FILE SENDER DST PORT
      Send every datagram of FILE sealed by node SENDER to DST:PORT, from
      a fresh socket; print how many.
"""

import os
import socket
import struct
import sys

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
SEALED = (0x12, 0x13)  # DATA, PROBE: the same key and counter sequence


def record(iface, port, out, mark):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((iface, 0))
    with open(out, "a", buffering=1) as f:
        open(mark, "w").close()
        while True:
            frame = sock.recv(65535)
            if struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
                continue
            ip = frame[14:]
            if ip[9] != socket.IPPROTO_UDP:
                continue
            udp = ip[(ip[0] & 0x0f) * 4:]
            sport, dport, ulen = struct.unpack("!HHH", udp[:6])
            if port not in (sport, dport):
                continue
            msg = udp[8:ulen]
            if len(msg) < 32 or msg[0] not in SEALED:
                continue
            sender, counter = struct.unpack("!IQ", msg[4:16])
            f.write(f"{sender} {msg[1]} {counter} {msg.hex()}\n")


def load(path):
    with open(path) as f:
        return [tuple(int(x) for x in line.split()[:3]) for line in f if line.strip()]


def check(args):
    after = "--after" in args
    args = [a for a in args if a != "--after"]
    split = args.index("--") if "--" in args else len(args)
    old, new = args[:split], args[split + 1:]
    seen, ok = {}, True
    for path in old + new:
        rows = load(path)
        if not rows:
            print(f"{path}: no sealed datagram captured")
            ok = False
        ranges = {}
        for row in rows:
            lo, hi = ranges.get(row[:2], (row[2], row[2]))
            ranges[row[:2]] = (min(lo, row[2]), max(hi, row[2]))
            if row in seen:
                # A retransmission of the very same datagram is not a
                # reuse; one node never sends one, so any repeat counts.
                print(f"{path}: sender {row[0]} key id {row[1]} counter "
                      f"{row[2]} already seen in {seen[row]}")
                ok = False
            seen.setdefault(row, path)
        for (sender, kid), (lo, hi) in sorted(ranges.items()):
            print(f"{os.path.basename(path)}: sender {sender} key id {kid}: "
                  f"{sum(1 for r in rows if r[:2] == (sender, kid))} datagrams, "
                  f"counters {lo}..{hi}")
    if after:
        top = {}
        for path in old:
            for row in load(path):
                top[row[:2]] = max(top.get(row[:2], 0), row[2])
        for path in new:
            for row in load(path):
                if row[:2] in top and row[2] <= top[row[:2]]:
                    print(f"{path}: sender {row[0]} key id {row[1]} counter "
                          f"{row[2]} not above {top[row[:2]]} sent before")
                    ok = False
                    break
    print("no (key, counter) pair repeats" if ok else "CHECK FAILED")
    return 0 if ok else 1


def replay(path, sender, dst, port):
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    n = 0
    with open(path) as f:
        for line in f:
            fields = line.split()
            if len(fields) == 4 and int(fields[0]) == sender:
                out.sendto(bytes.fromhex(fields[3]), (dst, port))
                n += 1
    print(n)


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "record":
        record(args[0], int(args[1]), args[2], args[3])
    elif cmd == "check":
        sys.exit(check(args))
    elif cmd == "replay":
        replay(args[0], int(args[1]), args[2], int(args[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
