#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Loopback test of ovl-beacon's protocol v2 (docs/beacon-auth.md).

Usage: test_v2.py PATH-TO-OVL-BEACON PATH-TO-MKCERT

Two legitimate nodes (Ed25519 identities, certificates of a test CA made
by tests/mkcert with daemon/cert.c) register from 127.0.0.1 through
HELLO, COOKIE, REGISTER, REGISTER_OK, refresh, relay to each other and
punch.  Then the attacks of issue 11, each from another source address
(127.0.0.2, 127.0.0.3; the flood from other /24s of 127/8): id takeover,
forged-source registration, open relay, punch reflection, address
enumeration, table flood.  Each fails and is counted in the stats, the
legitimate pair keeps relaying, and nothing an unverified source sends
gets more than one datagram back, nor more bytes than it sent.  Last,
SIGHUP re-reads the CA file and keeps the table; without --ca the beacon
refuses to start (exit 2), and protocol v1's messages get no answer.

The node side (beaconlib.py) is written from the spec (libsodium through
ctypes), not from the beacon's code, so that the two can disagree.
"""
import json
import os
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import beaconlib  # noqa: E402
# What selftests/beacon_attack.py takes from here (v2.Test, v2.Node, ...).
from beaconlib import (  # noqa: E402,F401
    DISCOVER, DISCOVER_REPLY, PUNCH_REQUEST, PUNCH_COMMAND, RELAY,
    RELAY_DELIVER, HELLO, COOKIE, REGISTER, REGISTER_OK, REREGISTER,
    TIMEOUT, QUIET, check, siphash, blake2b, x25519_pair, x25519, ed25519,
    sign, put_addr, get_addr, probe, Node, Beacon, Test, b64, pair_relays)


def run(binary, mkcert):
    t = Test(mkcert)
    tmp = tempfile.mkdtemp()
    ca_file = os.path.join(tmp, "ca.pub")
    with open(ca_file, "w") as f:
        f.write(b64(t.ca_pk) + "\n")
    limits = os.path.join(tmp, "limits")
    with open(limits, "w") as f:
        f.write("# the relay budget the test runs out of\nrelay-pps = 400\n")
    b = Beacon(binary, "--ca", ca_file, "--prefix-quota", "3",
               "--limits", limits)
    t.beacon = b.addr
    try:
        check(b.wait_line("protocol v2") is not None,
              "v2: says so at start")
        scenario(t, b, ca_file, limits)
    finally:
        check(b.stop() == 0, "SIGTERM: exit 0")


def scenario(t, b, ca_file, limits):
    A = Node(t, 1, "127.0.0.1")
    B = Node(t, 2, "127.0.0.1")

    # ---- the legitimate pair ----
    check(A.register() and B.register(),
          "register: HELLO, COOKIE, REGISTER, REGISTER_OK with its MAC")
    check(A.seen == ("127.0.0.1", A.port),
          f"register: REGISTER_OK carries the address seen {A.seen}")
    check(A.refresh() == ("127.0.0.1", A.port) and B.refresh(),
          "refresh: authenticated DISCOVER_REPLY with the address")
    pair_relays(t, A, B, "relay")
    A.punch_request(B.id)
    ca = A.punch_command(A.recv())
    cb = B.punch_command(B.recv())
    check(ca == (B.id, ("127.0.0.1", B.port)) and
          cb == (A.id, ("127.0.0.1", A.port)),
          f"punch: PUNCH_COMMAND to both, each its own MAC ({ca}, {cb})")
    n = os.urandom(8)
    A.send(probe(n))
    r = A.recv()
    check(r is not None and len(r) == 16 and r[-8:] == n,
          "probe: 16 bytes for 32, the nonce echoed")

    # ---- id takeover ----
    X = t.attacker("127.0.0.2", node_id=1, ca_seed=os.urandom(32))
    check(not X.register(), "id takeover: a certificate of another CA")
    Y = t.attacker("127.0.0.2", node_id=9)
    check(not Y.register(node_id=1),
          "id takeover: a certificate of another node id")
    Z = t.attacker("127.0.0.3", node_id=1)   # the CA signed id 1 twice
    check(not Z.register(), "id takeover: the id with another key")
    W = t.attacker("127.0.0.2", node_id=1)
    W.cert = A.cert                          # A's certificate, W's key
    check(not W.register(), "id takeover: another's certificate")
    Z.send(struct.pack(">BI", DISCOVER, 1))
    Z.send(struct.pack(">BIQ", DISCOVER, 1, 99) + bytes(8))
    got = Z.drain()
    check([len(g) for g in got] == [5] and got[0][0] == REREGISTER,
          f"id takeover: DISCOVERs claiming the id: a REREGISTER at most "
          f"{[g.hex() for g in got]}")
    pair_relays(t, A, B, "id takeover")

    # ---- forged-source registration ----
    F = t.attacker("127.0.0.2", node_id=9)
    G = t.attacker("127.0.0.3", node_id=9)
    cookie = F.hello()
    check(cookie is not None and not F.register(cookie=cookie, via=G) and
          not G.drain() and not F.drain(),
          "forged source: REGISTER with a cookie of another address")
    check(not G.register(cookie=os.urandom(16)), "forged source: a made-up "
          "cookie")

    # ---- open relay ----
    R = t.attacker("127.0.0.2", node_id=9)
    R.k_up = os.urandom(16)
    R.relay(B.id, b"\x12" + os.urandom(40))
    A.relay(B.id, b"\x12" + os.urandom(40), key=A.k_down)   # bad tag
    A.relay(77, b"\x12" + os.urandom(40))                   # unknown dst
    check(B.deliver(QUIET) is None and not R.drain(),
          "open relay: unregistered source, bad tag, unknown node: nothing")
    for _ in range(300):        # over the budget (burst 64)
        A.relay(B.id, b"\x12" + os.urandom(40))
    got = B.drain(0.3)
    check(64 <= len(got) < 300,
          f"relay budget: {len(got)} of 300 delivered at 400 pps")
    time.sleep(0.2)

    # ---- punch reflection ----
    P = t.attacker("127.0.0.2", node_id=9)
    P.k_up = os.urandom(16)
    P.punch_request(B.id)
    A.punch_request(77)          # a node that is not there
    check(not P.drain() and not A.drain(QUIET) and not B.drain(QUIET),
          "punch: unregistered requester, unknown target: nothing sent")
    for _ in range(5):
        A.punch_request(B.id)
    ga, gb = A.drain(), B.drain(0.05)
    check(len(ga) == len(gb) and 1 <= len(ga) <= 3,
          f"punch: rate-limited per pair ({len(ga)}, {len(gb)} of 5)")

    # ---- address enumeration ----
    E = t.attacker("127.0.0.3", node_id=9)
    E.send(probe(os.urandom(8)))
    E.send(bytes([HELLO]) + struct.pack(">I", 1) + bytes(35))
    E.send(struct.pack(">BIQ", DISCOVER, 1, 5) + bytes(8))
    E.k_up = os.urandom(16)
    E.punch_request(1)
    E.relay(1, b"\x12" * 30)
    got = E.drain()
    kinds = sorted(g[0] for g in got)
    own = [get_addr(g[1:])[:2] for g in got if g[0] == DISCOVER_REPLY]
    check(kinds == [DISCOVER_REPLY, COOKIE, REREGISTER] and
          own == [("127.0.0.3", E.port)] and
          all(len(g) == 21 for g in got if g[0] == COOKIE) and
          all(len(g) == 5 for g in got if g[0] == REREGISTER),
          f"enumeration: probe, HELLO, refresh, punch, relay naming node 1 "
          f"reveal no address but the asker's own ({[g.hex() for g in got]})")

    # ---- table flood ----
    flood = [t.attacker("127.0.1.%d" % (2 + i), node_id=100 + i)
             for i in range(5)]
    ok = sum(n.register() for n in flood)
    check(ok == 3, f"flood: the prefix quota (3) holds ({ok} of 5)")
    H = t.attacker("127.0.2.2", node_id=9)
    cookies = 0
    for _ in range(100):
        H.send(bytes([HELLO]) + struct.pack(">I", 9) + bytes(35))
    cookies = len(H.drain())
    check(cookies <= 42, f"flood: HELLOs within the prefix's budget "
          f"({cookies} cookies of 100)")
    for _ in range(50):
        H.send(bytes([REGISTER]) + os.urandom(4) + os.urandom(16) +
               os.urandom(32) + struct.pack(">H", 100) + os.urandom(164))
    check(not H.drain(), "flood: REGISTERs without a cookie: nothing")

    # ---- the reply-size rule, over all of the above and random input ----
    # Each message, then a probe as a fence: what comes before the
    # fence's answer is the message's.
    # (From a /24 of its own: its HELLOs spend that prefix's budget.)
    S = Node(t, 9, "127.0.3.3")
    rnd = random.Random(11)
    bad, answered = [], 0
    for i in range(240):
        typ = rnd.randrange(1, 13)
        m = bytes([typ]) + struct.pack(">I", rnd.choice((1, 2, 0, 9))) + \
            os.urandom(rnd.choice((0, 3, 16, 27, 35, 60, 200, 8)))
        S.send(m)
        nonce = os.urandom(8)
        S.send(probe(nonce))
        got = []
        while True:
            r = S.recv()
            if r is None or (len(r) == 16 and r[-8:] == nonce):
                break
            got.append(r)
        answered += len(got)
        if r is None or len(got) > 1 or any(len(g) > len(m) for g in got):
            bad.append((m.hex(), [g.hex() for g in got]))
    for key, (nsent, biggest, got) in t.watch.items():
        if len(got) > nsent or any(n > biggest for n in got):
            bad.append(("attacker", nsent, biggest, got))
    check(not bad and answered > 0,
          f"reply size: at most one datagram, never more bytes than "
          f"received, for every unverified message ({answered} answers; "
          f"{bad[:3]})")

    # replayed refresh: old seq
    A.seq -= 1
    check(A.refresh() is None, "refresh: a replayed seq gets nothing")
    A.seq += 1

    st = b.stats()
    for k in ("bad_cookie", "bad_cert", "bad_sig", "id_conflict",
              "prefix_quota", "rate_limited", "bad_mac",
              "relay_unregistered", "relay_unknown_dst",
              "relay_rate_limited", "punch_refused", "punch_rate_limited",
              "reregister_sent", "replay"):
        check(st.get(k, 0) > 0, f"stats: {k} = {st.get(k)}")
    check(st.get("nodes") == 5, f"stats: 5 nodes (2 + 3 of the flood), "
          f"{st.get('nodes')}")
    deadline = time.monotonic() + TIMEOUT    # written after the line
    while not os.path.exists(b.stats_file) and time.monotonic() < deadline:
        time.sleep(0.02)
    with open(b.stats_file) as f:
        js = json.load(f)
    check(js.get("id_conflict") == st.get("id_conflict") and
          "punch_rate_limited" in js, "stats file: the v2 counters")
    pair_relays(t, A, B, "after the attacks")
    check(A.refresh() and B.refresh(), "after the attacks: refresh")

    # ---- SIGHUP: new limits, then a new CA, the table kept ----
    with open(limits, "w") as f:
        f.write("prefix-quota 4\nrelay-pps 400\n")
    b.proc.send_signal(signal.SIGHUP)
    line = b.wait_line("SIGHUP: limits")
    check(line and "prefix-quota 4 relay-pps 400" in line and
          b.wait_line("5 nodes kept"), f"SIGHUP: the limits file re-read "
          f"({line}), the table kept")
    ok = sum(n.register() for n in flood[3:])
    check(ok == 1, f"SIGHUP: the new prefix quota (4) holds ({ok} of 2 "
          f"more)")
    with open(limits, "w") as f:
        f.write("prefix-quota 0\n")
    b.proc.send_signal(signal.SIGHUP)
    check(b.wait_line("the limits stay") is not None and
          b.wait_line("nodes kept") is not None,
          "SIGHUP: a bad limits file leaves the limits")
    seed2 = os.urandom(32)
    pk2, _ = ed25519(seed2)
    with open(ca_file, "w") as f:
        f.write(b64(pk2) + "\n")
    b.proc.send_signal(signal.SIGHUP)
    check(b.wait_line("nodes kept") is not None, "SIGHUP: reloaded")
    pair_relays(t, A, B, "SIGHUP")
    C = Node(t, 3, "127.0.0.1")
    check(not C.register(), "SIGHUP: the old CA's certificates refused")
    D = Node(t, 4, "127.0.0.1", ca_seed=seed2)
    check(D.register(), "SIGHUP: the new CA's accepted")


def ipv6(binary, mkcert):
    """The same over IPv6: 19-byte addresses, 28-byte probe replies."""
    try:
        socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))
    except OSError:
        print("ok - ipv6 # SKIP no ::1")
        return
    t = Test(mkcert)
    b = Beacon(binary, ca=t.ca, listen="[::1]:0")
    t.beacon = b.addr
    try:
        A = Node(t, 1, "::1")
        B = Node(t, 2, "::1")
        check(A.register() and B.register() and A.seen == ("::1", A.port),
              "ipv6: register, REGISTER_OK with the 19-byte address")
        check(A.refresh() == ("::1", A.port), "ipv6: refresh")
        pair_relays(t, A, B, "ipv6")
        n = os.urandom(8)
        A.send(probe(n))
        r = A.recv()
        check(r is not None and len(r) == 28 and r[-8:] == n,
              "ipv6: probe, 28 bytes for 32")
    finally:
        b.stop()


# The requester's overall PUNCH_REQUEST budget (docs/beacon-auth.md,
# Hole punching): a burst of 8, then 4 a second, whatever the targets.
PUNCH_ALL_BURST, PUNCH_ALL_RATE = 8, 4


def punch_cycling(binary, mkcert):
    """A registered node cycling its PUNCH_REQUESTs over 12 targets (more
    than the 8 per-target budget slots the beacon keeps per requester)
    gets no more punches than the overall budget allows."""
    t = Test(mkcert)
    b = Beacon(binary, ca=t.ca)
    t.beacon = b.addr
    name = "punch cycling over 12 targets"
    try:
        A = Node(t, 1, "127.0.0.1")
        peers = [Node(t, 10 + i, f"127.0.{10 + i}.1") for i in range(12)]
        check(A.register() and all(p.register() for p in peers),
              f"{name}: 13 nodes registered")
        start = time.monotonic()
        for i in range(120):
            A.punch_request(peers[i % 12].id)
            time.sleep(0.005)
        elapsed = time.monotonic() - start
        got = [c for c in (A.punch_command(d) for d in A.drain(QUIET)) if c]
        pb = sum(1 for p in peers for d in p.drain(0.01)
                 if p.punch_command(d))
        limit = PUNCH_ALL_BURST + int(PUNCH_ALL_RATE * (elapsed + 0.5))
        st = b.stats()
        check(PUNCH_ALL_BURST <= len(got) <= limit and pb == len(got) and
              st.get("punches") == len(got) and
              st.get("punch_rate_limited") == 120 - len(got),
              f"{name}: 120 requests in {elapsed:.2f} s, {len(got)} "
              f"served ({pb} to the targets), at most {limit} allowed")
    finally:
        b.stop()


def no_v1(binary, mkcert):
    """No --ca, no beacon: exit 2 naming --ca.  And with it, protocol
    v1's forms from a registered node and from a stranger get nothing:
    the 5-byte DISCOVER (v1's registration), PUNCH_REQUEST and RELAY."""
    p = subprocess.run([binary, "--listen", "127.0.0.1:0"],
                       capture_output=True, text=True, timeout=10)
    check(p.returncode == 2 and "--ca" in p.stderr and
          "listening" not in p.stderr,
          f"no --ca: exit 2, a message naming --ca "
          f"(rc {p.returncode}: {p.stderr.strip()[:90]})")
    t = Test(mkcert)
    b = Beacon(binary, ca=t.ca)
    t.beacon = b.addr
    try:
        A = Node(t, 1, "127.0.0.1")
        B = Node(t, 2, "127.0.0.1")
        check(A.register() and B.register(), "v1 forms: the pair registers")
        S = t.attacker("127.0.0.2", node_id=7)
        S.send(struct.pack(">BI", DISCOVER, 7))
        A.send(struct.pack(">BI", DISCOVER, 1))
        A.send(struct.pack(">BI", PUNCH_REQUEST, 2))
        A.send(struct.pack(">BI", RELAY, 2) + b"v1 inner frame")
        S.send(struct.pack(">BI", RELAY, 2) + b"v1 inner frame")
        check(not S.drain() and not A.drain() and not B.drain(QUIET),
              "v1 forms: 5-byte DISCOVERs, PUNCH_REQUEST, v1 RELAYs: "
              "nothing answered, nothing relayed")
        st = b.stats()
        check(st.get("nodes") == 2 and st.get("registrations") == 2 and
              st.get("drop_bad_length") == 3 and st.get("bad_mac") == 1 and
              st.get("relay_unregistered") == 1 and
              st.get("relayed", 0) + st.get("punches", 0) == 0 and
              "drop_unknown_src" not in st,
              f"v1 forms: counted, nothing registered ({st})")
        pair_relays(t, A, B, "v1 forms")
    finally:
        check(b.stop() == 0, "v1 forms: SIGTERM exit 0")
    for args, what in ((["--ca", "not-a-key-nor-a-file"], "a bad --ca"),
                       (["--ca", b64(bytes(32)), "--limits", "/nonexistent"],
                        "a missing --limits file")):
        p = subprocess.run([binary, "--listen", "127.0.0.1:0", *args],
                           capture_output=True, text=True, timeout=10)
        check(p.returncode == 1 and "listening" not in p.stderr,
              f"usage error: {what} ({p.stderr.strip()[:80]})")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    start = time.monotonic()
    run(sys.argv[1], sys.argv[2])
    ipv6(sys.argv[1], sys.argv[2])
    punch_cycling(sys.argv[1], sys.argv[2])
    no_v1(sys.argv[1], sys.argv[2])
    sys.exit(beaconlib.summary("test_v2", start))


if __name__ == "__main__":
    main()
