#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Loopback tests of "ovlctl tunnel listen" (issue 12), on the host.

Usage: tunnel_test.py OVLCTL [TEST...]

Backends are threads of this process; the tunnel is the OVLCTL binary
given, run in the foreground as a user would.  Every test asserts what a
user sees: the bytes (by hash), which backend answered, when a connection
is closed, and the counters of "ovlctl -j tunnel show".
"""

import hashlib
import json
import os
import random
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

OVLCTL = None
TMP = None
FAILED = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """A listening socket served by @handler(conn) in a thread each."""

    def __init__(self, handler, backlog=1024, port=0):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(backlog)
        self.port = self.sock.getsockname()[1]
        self.addr = "127.0.0.1:%d" % self.port
        self.handler = handler
        self.accepted = 0
        self.stopped = False
        threading.Thread(target=self.loop, daemon=True).start()

    def loop(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self.run, args=(c,), daemon=True).start()

    def run(self, c):
        try:
            self.handler(c)
        except OSError:
            pass
        finally:
            c.close()

    def close(self):
        self.stopped = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def named_echo(name):
    """Say NAME\\n, then echo until EOF."""
    def handler(c):
        c.sendall(name.encode() + b"\n")
        while True:
            d = c.recv(65536)
            if not d:
                break
            c.sendall(d)
        c.shutdown(socket.SHUT_WR)
    return handler


def echo(c):
    while True:
        d = c.recv(262144)
        if not d:
            break
        c.sendall(d)
    c.shutdown(socket.SHUT_WR)


class Tunnel:
    def __init__(self, listen_port, *args, check=True):
        self.port = listen_port
        self.addr = "127.0.0.1:%d" % listen_port
        self.log = open(os.path.join(TMP, "tunnel-%d.log" % listen_port), "w+")
        self.p = subprocess.Popen([OVLCTL, "tunnel", "listen", self.addr] +
                                  list(args), stderr=self.log)
        self.sock = os.path.join(TMP, "run", "listen-%d.sock" % self.p.pid)
        if check:
            deadline = time.time() + 5
            while not os.path.exists(self.sock):
                if self.p.poll() is not None or time.time() > deadline:
                    raise AssertionError("tunnel did not start: " +
                                         self.logtext())
                time.sleep(0.02)

    def logtext(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stats(self):
        out = subprocess.run([OVLCTL, "-j", "tunnel", "show"], check=True,
                             capture_output=True, text=True).stdout
        for t in json.loads(out):
            if t["listen"] == self.addr and \
               t["source"] == "listen-%d" % self.p.pid:
                return t
        raise AssertionError("tunnel %s not in tunnel show" % self.addr)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        rc = self.p.wait(timeout)
        text = self.logtext()
        self.log.close()
        # a clean drain exits 0; sanitizer reports (leaks) make it fail
        check(rc == 0, "tunnel exited %d: %s" % (rc, text[-2000:]))
        return rc

    def connect(self, timeout=10):
        return socket.create_connection(("127.0.0.1", self.port), timeout)


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def recv_line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        d = s.recv(1)
        if not d:
            break
        buf += d
    return buf.decode().strip()


def recv_all(s):
    h = hashlib.sha256()
    n = 0
    buf = bytearray(1 << 20)
    while True:
        k = s.recv_into(buf)
        if not k:
            return h.hexdigest(), n
        h.update(memoryview(buf)[:k])
        n += k


_BASE = {}
_DIGEST = {}


def stream(seed, size):
    """@size bytes of seeded random data, in 1 MiB pieces: windows at
    shifting offsets of 2 MiB of random bytes (cheap to make, and no two
    neighbouring pieces alike)."""
    if seed not in _BASE:
        _BASE[seed] = random.Random(seed).randbytes(2 << 20)
    base = memoryview(_BASE[seed])
    left, i = size, 0
    while left:
        k = min(left, 1 << 20)
        off = (i * 4099) % (1 << 20)
        yield base[off:off + k]
        left -= k
        i += 1


def digest(seed, size):
    if (seed, size) not in _DIGEST:
        h = hashlib.sha256()
        for b in stream(seed, size):
            h.update(b)
        _DIGEST[(seed, size)] = h.hexdigest()
    return _DIGEST[(seed, size)]


def send_stream(s, seed, size):
    for b in stream(seed, size):
        s.sendall(b)


# --- the tests ---------------------------------------------------------

def test_transfer():
    """256 MiB each way at once, byte-exact by hash, with half-close both
    ways round: the client's shutdown reaches the backend while the backend
    still sends (and the other way round)."""
    size = int(os.environ.get("TUNNEL_TEST_MIB", "256")) << 20
    res = {}

    def backend(c):
        got = threading.Event()

        def rx():
            res["b_rx"] = recv_all(c)
            got.set()
        th = threading.Thread(target=rx)
        th.start()
        if res["mode"] == "client-first":
            # half before the client's EOF, half after it
            half = size // 2
            gen = stream(2, size)
            sent = 0
            for b in gen:
                c.sendall(b)
                sent += len(b)
                if sent >= half:
                    break
            check(got.wait(60), "client EOF never reached the backend")
            for b in gen:
                c.sendall(b)
            c.shutdown(socket.SHUT_WR)
        else:
            send_stream(c, 2, size)
            c.shutdown(socket.SHUT_WR)
        th.join()

    srv = Server(backend)
    # no warm pool: each backend connection must start in the mode it serves
    t = Tunnel(free_port(), "--backend", srv.addr, "--pool", "0")
    try:
        for mode in ("client-first", "backend-first"):
            res.clear()
            res["mode"] = mode
            t0 = time.time()
            s = t.connect(60)
            out = {}

            def rx():
                out["rx"] = recv_all(s)
            th = threading.Thread(target=rx)
            th.start()
            if mode == "backend-first":
                th.join(60)	# the backend's EOF came first
                check(not th.is_alive(), "backend EOF never came")
            send_stream(s, 1, size)
            s.shutdown(socket.SHUT_WR)
            th.join(60)
            s.close()
            dt = time.time() - t0
            want_up, want_down = digest(1, size), digest(2, size)
            deadline = time.time() + 10
            while "b_rx" not in res and time.time() < deadline:
                time.sleep(0.01)
            check(res.get("b_rx") == (want_up, size),
                  "%s: client->backend bytes differ" % mode)
            check(out.get("rx") == (want_down, size),
                  "%s: backend->client bytes differ" % mode)
            print("  %s: %d MiB each way in %.2f s" % (mode, size >> 20, dt))
        st = t.stats()
        check(st["bytes_in"] == 2 * size and st["bytes_out"] == 2 * size,
              "bytes_in/out %d/%d, want %d" % (st["bytes_in"],
                                               st["bytes_out"], 2 * size))
        check(st["total"] == 2, "total %d, want 2" % st["total"])
    finally:
        check(t.stop() == 0, "tunnel exit status")
        srv.close()


def test_concurrent():
    """1000 tunnels open at once, each echoing 1 MiB byte-exact."""
    n, size = 1000, 1 << 20
    # A selectors echo backend: 1000 threads would cost more than the test.
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(2048)
    lsock.setblocking(False)
    baddr = "127.0.0.1:%d" % lsock.getsockname()[1]
    stop = threading.Event()

    def backend():
        sel = selectors.DefaultSelector()
        sel.register(lsock, selectors.EVENT_READ, None)
        pend = {}
        while not stop.is_set():
            for key, ev in sel.select(0.1):
                if key.data is None:
                    try:
                        c, _ = lsock.accept()
                    except BlockingIOError:
                        continue
                    c.setblocking(False)
                    pend[c] = bytearray()
                    sel.register(c, selectors.EVENT_READ, "c")
                    continue
                c = key.fileobj
                if ev & selectors.EVENT_READ:
                    try:
                        d = c.recv(262144)
                    except (BlockingIOError, ConnectionError):
                        d = None
                    if d:
                        pend[c] += d
                    elif d == b"":
                        pend[c] += b""  # EOF: flush, then shut
                        sel.modify(c, selectors.EVENT_WRITE, "eof")
                        continue
                if pend[c]:
                    try:
                        k = c.send(pend[c])
                        del pend[c][:k]
                    except BlockingIOError:
                        pass
                if key.data == "eof" and not pend[c]:
                    sel.unregister(c)
                    c.shutdown(socket.SHUT_WR)
                    c.close()
                    del pend[c]
                elif key.data != "eof":
                    sel.modify(c, selectors.EVENT_READ |
                               (selectors.EVENT_WRITE if pend[c] else 0),
                               "c")
    bt = threading.Thread(target=backend, daemon=True)
    bt.start()
    t = Tunnel(free_port(), "--backend", baddr)
    try:
        socks = []
        for i in range(n):
            s = t.connect(30)
            s.setblocking(False)
            socks.append(s)
        deadline = time.time() + 10
        while t.stats()["active"] < n and time.time() < deadline:
            time.sleep(0.05)
        st = t.stats()
        check(st["active"] == n, "active %d, want %d" % (st["active"], n))
        payload = random.Random(7).randbytes(size)
        want = hashlib.sha256(payload).hexdigest()
        sel = selectors.DefaultSelector()
        state = {}
        for s in socks:
            state[s] = [0, hashlib.sha256(), 0, False]
            sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
        done = 0
        t0 = time.time()
        while done < n and time.time() - t0 < 60:
            for key, ev in sel.select(1):
                s = key.fileobj
                st_ = state[s]
                if ev & selectors.EVENT_WRITE and st_[0] < size:
                    try:
                        st_[0] += s.send(payload[st_[0]:st_[0] + 262144])
                    except BlockingIOError:
                        pass
                    if st_[0] == size:
                        s.shutdown(socket.SHUT_WR)
                        sel.modify(s, selectors.EVENT_READ)
                if ev & selectors.EVENT_READ:
                    try:
                        d = s.recv(262144)
                    except BlockingIOError:
                        continue
                    if d:
                        st_[1].update(d)
                        st_[2] += len(d)
                    else:
                        sel.unregister(s)
                        st_[3] = True
                        done += 1
        bad = [s for s in socks if not state[s][3] or state[s][2] != size or
               state[s][1].hexdigest() != want]
        check(not bad, "%d of %d tunnels not byte-exact" % (len(bad), n))
        print("  %d tunnels x 1 MiB echoed in %.2f s" % (n, time.time() - t0))
        for s in socks:
            s.close()
    finally:
        check(t.stop() == 0, "tunnel exit status")
        stop.set()
        lsock.close()


def test_idle_timeout():
    srv = Server(named_echo("A"))
    t = Tunnel(free_port(), "--backend", srv.addr, "--idle-timeout", "1")
    try:
        quiet = t.connect()
        busy = t.connect()
        check(recv_line(quiet) == "A" and recv_line(busy) == "A",
              "no answer")
        t0 = time.time()
        quiet.settimeout(5)
        # the busy one talks every 0.3 s and must outlive the quiet one
        th_ok = []

        def talk():
            try:
                for _ in range(10):
                    busy.sendall(b"x")
                    if busy.recv(1) != b"x":
                        return
                    time.sleep(0.3)
                th_ok.append(True)
            except OSError:
                pass
        th = threading.Thread(target=talk)
        th.start()
        d = quiet.recv(1)
        dt = time.time() - t0
        check(d == b"", "idle tunnel not closed")
        check(0.8 <= dt <= 2.5, "idle close after %.2f s, want ~1 s" % dt)
        th.join()
        check(th_ok, "a busy tunnel was closed by the idle timeout")
        quiet.close()
        busy.close()
    finally:
        t.stop()
        srv.close()


def test_max_conns():
    srv = Server(named_echo("A"))
    t = Tunnel(free_port(), "--backend", srv.addr, "--max-conns", "3")
    try:
        held = [t.connect() for _ in range(3)]
        for s in held:
            check(recv_line(s) == "A", "tunnel within max-conns not served")
        extra = t.connect()
        extra.settimeout(5)
        try:
            d = extra.recv(10)
        except ConnectionResetError:
            d = b""
        check(d == b"", "a 4th client past max-conns 3 was served")
        st = t.stats()
        check(st["refused"] == 1, "refused %d, want 1" % st["refused"])
        check(st["active"] == 3, "active %d, want 3" % st["active"])
        held[0].close()
        time.sleep(0.3)
        again = t.connect()
        check(recv_line(again) == "A", "not served once under max-conns")
        for s in held[1:] + [again, extra]:
            s.close()
    finally:
        t.stop()
        srv.close()


def blackhole():
    """A listener whose accept queue is full: SYNs to it are dropped."""
    bh = socket.socket()
    bh.bind(("127.0.0.1", 0))
    bh.listen(0)
    fill = []
    for _ in range(8):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(bh.getsockname())
        except BlockingIOError:
            pass
        fill.append(c)
    time.sleep(0.2)
    # check it: a new connect must not complete
    probe = socket.socket()
    probe.settimeout(0.5)
    try:
        probe.connect(bh.getsockname())
        raise AssertionError("the black hole accepted a connection")
    except socket.timeout:
        pass
    finally:
        probe.close()
    return bh, fill


def test_dial_timeout():
    bh, fill = blackhole()
    bh_addr = "127.0.0.1:%d" % bh.getsockname()[1]
    good = Server(named_echo("G"))
    # black hole alone: the client is closed after the dial timeout
    t = Tunnel(free_port(), "--backend", bh_addr, "--dial-timeout", "1",
               "--pool", "0")
    try:
        s = t.connect()
        s.settimeout(10)
        t0 = time.time()
        try:
            d = s.recv(10)
        except ConnectionResetError:
            d = b""
        dt = time.time() - t0
        check(d == b"", "served by a black hole?")
        check(0.9 <= dt <= 2.5, "dial gave up after %.2f s, want ~1 s" % dt)
        st = t.stats()
        check(not st["backends"][0]["up"], "black-holed backend still up")
        s.close()
    finally:
        t.stop()
    # black hole first, good second: the client gets the good one
    t = Tunnel(free_port(), "--backend", bh_addr + "@5", "--backend",
               good.addr, "--dial-timeout", "1", "--pool", "0")
    try:
        s = t.connect()
        s.settimeout(10)
        t0 = time.time()
        check(recv_line(s) == "G", "not moved on to the good backend")
        dt = time.time() - t0
        check(0.9 <= dt <= 2.5, "moved on after %.2f s" % dt)
        s.close()
    finally:
        t.stop()
        good.close()
        bh.close()
        for c in fill:
            c.close()


def test_failed_backend():
    dead = "127.0.0.1:%d" % free_port()	# nothing listens: refused
    good = Server(named_echo("G"))
    t = Tunnel(free_port(), "--backend", dead + "@3", "--backend", good.addr,
               "--pool", "0")
    try:
        for i in range(10):
            s = t.connect()
            check(recv_line(s) == "G", "connection %d not served" % i)
            s.close()
        st = t.stats()
        b = {x["address"]: x for x in st["backends"]}
        check(not b[dead]["up"], "dead backend not marked down")
        check(b[good.addr]["up"], "good backend not up")
        check(b[good.addr]["total"] == 10,
              "good total %d" % b[good.addr]["total"])
        check(b[dead]["total"] == 0, "dead total %d" % b[dead]["total"])
        check(st["total"] == 10, "total %d" % st["total"])
        # it comes back: the health re-check marks it up again
        back = Server(named_echo("D"), port=int(dead.split(":")[1]))
        deadline = time.time() + 6
        while not t.stats()["backends"][0]["up"] and time.time() < deadline:
            time.sleep(0.1)
        check(t.stats()["backends"][0]["up"], "recovered backend not up")
        seen = set()
        for i in range(8):
            s = t.connect()
            seen.add(recv_line(s))
            s.close()
        check(seen == {"D", "G"}, "after recovery served by %s" % seen)
        back.close()
    finally:
        t.stop()
        good.close()


def wrr_model(weights, n):
    """The rule as issue 12 states it, written independently."""
    w = [x if x > 0 else 1 for x in weights]
    cur = [0] * len(w)
    out = []
    for _ in range(n):
        for i in range(len(w)):
            cur[i] += w[i]
        best = max(range(len(w)), key=lambda i: (cur[i], -i))
        cur[best] -= sum(w)
        out.append(best)
    return out


def test_wrr():
    check([("ABC"[i]) for i in wrr_model([5, 1, 1], 7)] ==
          list("AABACAA"), "the model itself is wrong")
    for weights in ([5, 1, 1], [1, 1, 1], [3, 2], [0, -1, 2], [1],
                    [2, 5, 3, 1]):
        names = [chr(ord("A") + i) for i in range(len(weights))]
        srvs = [Server(named_echo(x)) for x in names]
        args = []
        for s, w in zip(srvs, weights):
            args += ["--backend", "%s@%d" % (s.addr, w)]
        for pool in ("8", "0"):
            t = Tunnel(free_port(), *args, "--pool", pool)
            try:
                n = 2 * sum(x if x > 0 else 1 for x in weights) + 1
                got = []
                for _ in range(n):
                    s = t.connect()
                    got.append(recv_line(s))
                    s.close()
                want = [names[i] for i in wrr_model(weights, n)]
                check(got == want, "weights %s pool %s: %s, want %s" %
                      (weights, pool, "".join(got), "".join(want)))
            finally:
                t.stop()
        for s in srvs:
            s.close()


TESTS = {
    "wrr": test_wrr,
    "failed_backend": test_failed_backend,
    "max_conns": test_max_conns,
    "idle_timeout": test_idle_timeout,
    "dial_timeout": test_dial_timeout,
    "transfer": test_transfer,
    "concurrent": test_concurrent,
}


def main():
    global OVLCTL, TMP
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    OVLCTL = os.path.abspath(sys.argv[1])
    names = sys.argv[2:] or list(TESTS)
    TMP = tempfile.mkdtemp(prefix="tunnel-test.")
    os.environ["OVL_TUNNEL_DIR"] = os.path.join(TMP, "run")
    for name in names:
        t0 = time.time()
        try:
            TESTS[name]()
            print("PASS tunnel %s (%.1f s)" % (name, time.time() - t0))
        except Exception as e:  # noqa: BLE001 - report every failure
            print("FAIL tunnel %s: %s" % (name, e))
            FAILED.append(name)
    if FAILED:
        print("tunnel logs in %s" % TMP)
        return 1
    subprocess.run(["rm", "-rf", TMP])
    return 0


if __name__ == "__main__":
    sys.exit(main())
