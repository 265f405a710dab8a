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
SIGHUP re-reads the CA file and keeps the table, and a v1 beacon warns
and answers the 32-byte probe.

The node side is written here from the spec (libsodium through ctypes),
not from the beacon's code, so that the two can disagree.
"""
import ctypes
import ctypes.util
import json
import os
import queue
import random
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

DISCOVER, DISCOVER_REPLY, PUNCH_REQUEST, PUNCH_COMMAND, RELAY, \
    RELAY_DELIVER, HELLO, COOKIE, REGISTER, REGISTER_OK, REREGISTER = \
    range(1, 12)
TIMEOUT = 2.0
QUIET = 0.15

failures = 0
passes = 0


def check(cond, what):
    global failures, passes
    if cond:
        passes += 1
        print(f"ok - {what}")
    else:
        failures += 1
        print(f"not ok - {what}")


# ---- libsodium ----

_na = ctypes.CDLL(ctypes.util.find_library("sodium") or "libsodium.so.23")
if _na.sodium_init() < 0:
    sys.exit("libsodium does not start")
_ull = ctypes.c_ulonglong
_sz = ctypes.c_size_t


def siphash(key, m):
    out = ctypes.create_string_buffer(8)
    _na.crypto_shorthash_siphash24(out, m, _ull(len(m)), key)
    return out.raw


def blake2b(key, m, n):
    out = ctypes.create_string_buffer(n)
    _na.crypto_generichash(out, _sz(n), m, _ull(len(m)), key, _sz(len(key)))
    return out.raw


def x25519_pair():
    sk = os.urandom(32)
    pk = ctypes.create_string_buffer(32)
    _na.crypto_scalarmult_base(pk, sk)
    return sk, pk.raw


def x25519(sk, pk):
    out = ctypes.create_string_buffer(32)
    if _na.crypto_scalarmult(out, sk, pk):
        raise ValueError("x25519")
    return out.raw


def ed25519(seed):
    pk = ctypes.create_string_buffer(32)
    sk = ctypes.create_string_buffer(64)
    _na.crypto_sign_seed_keypair(pk, sk, seed)
    return pk.raw, sk.raw


def sign(sk, m):
    sig = ctypes.create_string_buffer(64)
    _na.crypto_sign_detached(sig, None, m, _ull(len(m)), sk)
    return sig.raw


# ---- wire ----

def put_addr(host, port):
    ip = socket.inet_aton(host)
    return bytes([4]) + ip + struct.pack(">H", port)


def get_addr(b):
    """(host, port, length) of the ADDR at the start of b."""
    n = b[0]
    if n == 4:
        return socket.inet_ntoa(b[1:5]), struct.unpack(">H", b[5:7])[0], 7
    if n == 16:
        return (socket.inet_ntop(socket.AF_INET6, b[1:17]),
                struct.unpack(">H", b[17:19])[0], 19)
    raise ValueError("iplen")


def probe(nonce):
    return bytes([DISCOVER]) + bytes(4) + nonce + bytes(19)


class Node:
    """A node as the spec has it: identity, certificate, keys, seqs."""

    def __init__(self, t, node_id, host, ca_seed=None, cert_id=None):
        self.t = t
        self.id = node_id
        self.host = host
        self.pk, self.sk = ed25519(os.urandom(32))
        self.cert = t.mkcert(ca_seed or t.ca_seed, cert_id or node_id,
                             self.pk)
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_DGRAM)
        self.s.bind((host, 0))
        self.port = self.s.getsockname()[1]
        self.k_up = self.k_down = None
        self.seq = self.punch_seq = 0
        self.cmd_seq = 0

    def send(self, data):
        self.s.sendto(data, self.t.beacon)
        self.t.sent(self, len(data))

    def recv(self, timeout=TIMEOUT):
        self.s.settimeout(timeout)
        try:
            data, src = self.s.recvfrom(65536)
        except (socket.timeout, BlockingIOError):
            return None
        if src[:2] != self.t.beacon[:2]:
            return None
        self.t.received(self, len(data))
        return data

    def drain(self, wait=QUIET):
        got = []
        while True:
            d = self.recv(wait)
            if d is None:
                return got
            got.append(d)

    def hello(self, node_id=None):
        self.send(bytes([HELLO]) + struct.pack(">I", node_id or self.id) +
                  bytes(35))
        d = self.recv()
        if not d or len(d) != 21 or d[0] != COOKIE:
            return None
        return d[5:21]

    def register(self, cookie=None, node_id=None, sk=None, via=None):
        """REGISTER (from @via's socket if given); True on a valid OK."""
        node_id = node_id or self.id
        cookie = cookie if cookie is not None else self.hello(node_id)
        if cookie is None:
            return False
        d, eph = x25519_pair()
        body = bytes([REGISTER]) + struct.pack(">I", node_id) + cookie + \
            eph + struct.pack(">H", len(self.cert)) + self.cert
        msg = body + sign(sk or self.sk, b"ovl-register-v1" + body)
        sender = via or self
        sender.send(msg)
        r = sender.recv(QUIET * 3)
        if not r or r[0] != REGISTER_OK or sender is not self:
            return False
        rid, = struct.unpack(">I", r[1:5])
        beph = r[5:37]
        host, port, alen = get_addr(r[37:])
        k = blake2b(x25519(d, beph),
                    b"ovl-beacon-keys-v1" + eph + beph + cookie, 32)
        k_up, k_down = k[:16], k[16:]
        if rid != node_id or len(r) != 37 + alen + 8 or \
                siphash(k_down, r[:-8]) != r[-8:]:
            return False
        self.k_up, self.k_down = k_up, k_down
        self.seq = self.punch_seq = self.cmd_seq = 0
        self.seen = (host, port)
        return True

    def refresh(self):
        self.seq += 1
        m = bytes([DISCOVER]) + struct.pack(">IQ", self.id, self.seq)
        self.send(m + siphash(self.k_up, m))
        r = self.recv()
        if not r or r[0] != DISCOVER_REPLY:
            return None
        seq, = struct.unpack(">Q", r[1:9])
        host, port, alen = get_addr(r[9:])
        if len(r) != 9 + alen + 8 or siphash(self.k_down, r[:-8]) != \
                r[-8:] or seq != self.seq:
            return None
        return host, port

    def relay(self, dst, inner, key=None):
        hdr = bytes([RELAY]) + struct.pack(">I", dst)
        tag = siphash(key or self.k_up, hdr + inner[:16])
        self.send(hdr + tag + inner)

    def deliver(self, timeout=TIMEOUT):
        """(src id, inner) of a RELAY_DELIVER with a valid tag, or None."""
        r = self.recv(timeout)
        if not r or r[0] != RELAY_DELIVER or len(r) < 14:
            return None
        src, = struct.unpack(">I", r[1:5])
        if siphash(self.k_down, r[:5] + r[13:29]) != r[5:13]:
            return None
        return src, r[13:]

    def punch_request(self, target):
        self.punch_seq += 1
        m = bytes([PUNCH_REQUEST]) + struct.pack(">IQ", target,
                                                 self.punch_seq)
        self.send(m + siphash(self.k_up, m))

    def punch_command(self, data):
        """(peer id, (host, port)) of a valid PUNCH_COMMAND, or None."""
        if not data or data[0] != PUNCH_COMMAND:
            return None
        peer, seq = struct.unpack(">IQ", data[1:13])
        host, port, alen = get_addr(data[13:])
        if len(data) != 13 + alen + 8 or seq <= self.cmd_seq or \
                siphash(self.k_down, data[:-8]) != data[-8:]:
            return None
        self.cmd_seq = seq
        return peer, (host, port)


class Beacon:
    def __init__(self, binary, *args, listen="127.0.0.1:0"):
        self.dir = tempfile.mkdtemp()
        self.stats_file = os.path.join(self.dir, "stats.json")
        self.proc = subprocess.Popen(
            [binary, "--listen", listen, "--threads", "1",
             "--stats-file", self.stats_file, *args],
            stderr=subprocess.PIPE, text=True)
        self.lines = queue.Queue()
        threading.Thread(target=self._reader, daemon=True).start()
        first = self.line()
        if not first or "listening on" not in first:
            raise RuntimeError(f"ovl-beacon did not start: {first!r}")
        host, port = first.rsplit(" ", 1)[1].rsplit(":", 1)
        self.port = int(port)
        self.addr = (host.strip("[]"), self.port)

    def _reader(self):
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))

    def line(self, timeout=TIMEOUT):
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def wait_line(self, text, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.line(deadline - time.monotonic())
            if line and text in line:
                return line
        return None

    def stats(self):
        self.proc.send_signal(signal.SIGUSR1)
        line = self.wait_line("nodes=")
        if not line:
            return {}
        return {k: int(v) for k, v in (kv.split("=") for kv in
                                       line.split())}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=TIMEOUT * 2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


class Test:
    def __init__(self, mkcert):
        self.mkcert_bin = mkcert
        self.ca_seed = os.urandom(32)
        self.ca_pk, _ = ed25519(self.ca_seed)
        self.beacon = None
        # per attacker socket: [datagrams sent, max sent, list received]
        self.watch = {}

    def mkcert(self, ca_seed, node_id, pk):
        now = int(time.time())
        out = subprocess.run(
            [self.mkcert_bin, ca_seed.hex(), str(node_id), pk.hex(),
             str(now - 60), str(now + 3600)],
            capture_output=True, text=True, check=True).stdout.strip()
        return bytes.fromhex(out)

    def sent(self, node, n):
        w = self.watch.get(id(node))
        if w is not None:
            w[0] += 1
            w[1] = max(w[1], n)

    def received(self, node, n):
        w = self.watch.get(id(node))
        if w is not None:
            w[2].append(n)

    def attacker(self, host, node_id=9, **kw):
        """A node whose every exchange is watched: never more datagrams
        back than it sent, none bigger than its biggest."""
        a = Node(self, node_id, host, **kw)
        self.watch[id(a)] = [0, 0, []]
        return a


def b64(b):
    import base64
    return base64.b64encode(b).decode()


def pair_relays(t, a, b, what):
    """A -> B and B -> A, each delivered with a valid tag."""
    a.relay(b.id, b"\x12" + os.urandom(40))
    da = b.deliver()
    b.relay(a.id, b"\x12" + os.urandom(40))
    db = a.deliver()
    check(da is not None and da[0] == a.id and db is not None and
          db[0] == b.id, f"{what}: the legitimate pair relays both ways")


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
    check(b.wait_line("the limits stay") is not None,
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
    b = Beacon(binary, "--ca", b64(t.ca_pk), listen="[::1]:0")
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


def v1(binary):
    b = Beacon(binary)
    try:
        check(b.wait_line("v1") is not None and True,
              "v1: a warning that source addresses are trusted")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        s.settimeout(TIMEOUT)
        n = os.urandom(8)
        s.sendto(probe(n), b.addr)
        r = s.recv(100)
        check(len(r) == 16 and r[0] == DISCOVER_REPLY and r[-8:] == n,
              "v1: the 32-byte probe answered, nonce echoed")
    finally:
        b.stop()
    for args, what in ((["--relay-pps", "5"], "a limit without --ca"),
                       (["--ca", "not-a-key-nor-a-file"], "a bad --ca"),
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
    v1(sys.argv[1])
    print(f"# test_v2: {passes} passed, {failures} failed "
          f"({time.monotonic() - start:.1f} s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
