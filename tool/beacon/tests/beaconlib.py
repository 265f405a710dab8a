# SPDX-License-Identifier: GPL-2.0
"""What the loopback tests of ovl-beacon share (test_v2.py, test_beacon.py,
test_announce.py; selftests/beacon_attack.py through test_v2): TAP-ish
check(), libsodium through ctypes, protocol v2's wire forms, a node as
docs/beacon-auth.md has it, a beacon process, a test CA.

The node side is written here from the spec, not from the beacon's code,
so that the two can disagree.
"""
import base64
import ctypes
import ctypes.util
import os
import queue
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
    """Print "ok - WHAT" or "not ok - WHAT" and count it."""
    global failures, passes
    if cond:
        passes += 1
        print(f"ok - {what}", flush=True)
    else:
        failures += 1
        print(f"not ok - {what}", flush=True)
    return bool(cond)


def summary(name, start=None):
    """The last line, and the exit status: 1 if anything failed."""
    took = f" ({time.monotonic() - start:.1f} s)" if start else ""
    print(f"# {name}: {passes} passed, {failures} failed{took}")
    return 1 if failures else 0


def b64(b):
    return base64.b64encode(b).decode()


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

    def __init__(self, t, node_id, host, ca_seed=None, cert_id=None,
                 beacon=None, bind=None):
        """@beacon: the beacon address this node talks to (t.beacon by
        default); @bind: the socket's whole address (scope ids)."""
        self.t = t
        self.id = node_id
        self.host = host
        self.beacon = beacon
        self.pk, self.sk = ed25519(os.urandom(32))
        self.cert = t.mkcert(ca_seed or t.ca_seed, cert_id or node_id,
                             self.pk)
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_DGRAM)
        self.s.bind(bind or (host, 0))
        self.port = self.s.getsockname()[1]
        self.k_up = self.k_down = None
        self.seq = self.punch_seq = 0
        self.cmd_seq = 0
        self.last_src = None

    def dst(self):
        return self.beacon or self.t.beacon

    def send(self, data):
        self.s.sendto(data, self.dst())
        self.t.sent(self, len(data))

    def recv(self, timeout=TIMEOUT):
        """The next datagram from the beacon's address this node talks
        to; None if none came (one from any other source is dropped, as
        the kernel drops it: last_src says where it came from)."""
        self.s.settimeout(timeout)
        try:
            data, src = self.s.recvfrom(65536)
        except (socket.timeout, BlockingIOError):
            return None
        self.last_src = src[:2]
        if src[:2] != self.dst()[:2]:
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

    def relay_msg(self, dst, inner, key=None):
        """RELAY of @inner to node @dst, its tag under @key (k_up)."""
        hdr = bytes([RELAY]) + struct.pack(">I", dst)
        return hdr + siphash(key or self.k_up, hdr + inner[:16]) + inner

    def relay(self, dst, inner, key=None):
        self.send(self.relay_msg(dst, inner, key))

    def delivery(self, src, inner):
        """The RELAY_DELIVER of @inner from node @src this node expects."""
        hdr = bytes([RELAY_DELIVER]) + struct.pack(">I", src)
        return hdr + siphash(self.k_down, hdr + inner[:16]) + inner

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
    """ovl-beacon on @listen (port 0: the port it binds is read from its
    first stderr line), one worker thread unless @args say otherwise,
    --ca @ca if given, a stats file in @stats_dir (a new temporary
    directory by default); @prefix runs it through another command."""

    def __init__(self, binary, *args, listen="127.0.0.1:0", ca=None,
                 env=None, prefix=(), stats_dir=None):
        self.dir = stats_dir or tempfile.mkdtemp()
        self.stats_file = os.path.join(self.dir, "stats.json")
        argv = [*prefix, binary, "--listen", listen, "--stats-file",
                self.stats_file]
        if "--threads" not in args:
            argv += ["--threads", "1"]
        if ca is not None:
            argv += ["--ca", ca]
        self.proc = subprocess.Popen(
            argv + list(args), stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, **(env or {})))
        self.lines = queue.Queue()
        threading.Thread(target=self._reader, daemon=True).start()
        first = self.line()
        if not first or "listening on" not in first:
            self.stop()
            raise RuntimeError(f"ovl-beacon did not start: {first!r}")
        host, port = first.rsplit(" ", 1)[1].rsplit(":", 1)
        self.host = host.strip("[]")
        self.port = int(port)
        self.addr = (self.host, self.port)

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

    def stats_line(self):
        """SIGUSR1: the counters it prints (ints) and the line itself."""
        self.proc.send_signal(signal.SIGUSR1)
        line = self.wait_line("nodes=")
        if not line:
            return {}, None
        return {k: int(v) for k, v in (kv.split("=") for kv in
                                       line.split())}, line

    def stats(self):
        return self.stats_line()[0]

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
    """A test CA (certificates by tests/mkcert, daemon/cert.c) and the
    bookkeeping of the reply-size rule."""

    def __init__(self, mkcert):
        self.mkcert_bin = mkcert
        self.ca_seed = os.urandom(32)
        self.ca_pk, _ = ed25519(self.ca_seed)
        self.ca = b64(self.ca_pk)       # what --ca takes
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




def pair_relays(t, a, b, what):
    """A -> B and B -> A, each delivered with a valid tag."""
    a.relay(b.id, b"\x12" + os.urandom(40))
    da = b.deliver()
    b.relay(a.id, b"\x12" + os.urandom(40))
    db = a.deliver()
    check(da is not None and da[0] == a.id and db is not None and
          db[0] == b.id, f"{what}: the legitimate pair relays both ways")
