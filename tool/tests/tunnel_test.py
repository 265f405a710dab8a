#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Loopback tests of "ovlctl tunnel listen" (issue 12), on the host.

Usage: tunnel_test.py OVLCTL [TEST...]

tests/tunnel_driver, beside OVLCTL, stands in for the daemon.

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
DRIVER = None
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

    def stop(self, sig=signal.SIGTERM, timeout=40):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise AssertionError("tunnel did not exit in %d s" % timeout)
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
        # the pool changes no pick: off for one set only, to save time
        for pool in ("8", "0") if weights == [5, 1, 1] else ("8",):
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


class Driver:
    """tests/tunnel_driver: the engine's API as the daemon uses it."""

    def __init__(self, name, conf, *extra):
        self.name = name
        self.conf = os.path.join(TMP, "%s.conf" % name)
        with open(self.conf, "w") as f:
            f.write(conf)
        self.log = open(os.path.join(TMP, "driver-%s.log" % name), "w+")
        self.p = subprocess.Popen([DRIVER, name, self.conf, *extra],
                                  stdout=subprocess.PIPE, stderr=self.log,
                                  text=True)
        line = self.p.stdout.readline().strip()
        check(line == "ready", "driver: %r" % line)

    def reload(self, conf):
        with open(self.conf, "w") as f:
            f.write(conf)
        self.p.send_signal(signal.SIGHUP)
        return self.p.stdout.readline().strip()

    def stats(self):
        out = subprocess.run([OVLCTL, "-j", "tunnel", "show", self.name],
                             check=True, capture_output=True,
                             text=True).stdout
        return {t["name"]: t for t in json.loads(out)}

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(40)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise AssertionError("driver did not exit")
        self.log.close()
        check(rc == 0, "driver exited %d" % rc)


def section(name, port, backends, extra=""):
    return "[tunnel %s]\nlisten = 127.0.0.1:%d\nbackend = %s\n%s\n" % (
        name, port, ", ".join(backends), extra)


class Streams:
    """@n clients that echo through the tunnel without pause, checking
    every byte, until stop(); a reset or a wrong byte is a failure."""

    def __init__(self, t_port, n):
        self.socks = []
        self.names = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", t_port), 10)
            self.names.append(recv_line(s))
            s.setblocking(False)
            self.socks.append(s)
        self.errors = []
        self.moved = 0
        self.stopping = threading.Event()
        self.th = threading.Thread(target=self.run)
        self.th.start()

    def run(self):
        sel = selectors.DefaultSelector()
        st = {}
        for i, s in enumerate(self.socks):
            r = random.Random(i)
            st[s] = {"r": r, "sent": bytearray(), "got": 0, "shut": False}
            sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
        open_ = len(self.socks)
        while open_:
            for key, ev in sel.select(0.2):
                s = key.fileobj
                x = st[s]
                try:
                    if ev & selectors.EVENT_WRITE and not x["shut"]:
                        if self.stopping.is_set():
                            s.shutdown(socket.SHUT_WR)
                            x["shut"] = True
                            sel.modify(s, selectors.EVENT_READ)
                        elif len(x["sent"]) - x["got"] < 65536:
                            chunk = x["r"].randbytes(4096)
                            k = s.send(chunk)
                            x["sent"] += chunk[:k]
                    if ev & selectors.EVENT_READ:
                        d = s.recv(65536)
                        if not d:
                            if x["got"] != len(x["sent"]):
                                self.errors.append("short echo")
                            sel.unregister(s)
                            open_ -= 1
                            continue
                        if x["sent"][x["got"]:x["got"] + len(d)] != d:
                            self.errors.append("wrong bytes")
                        x["got"] += len(d)
                        self.moved += len(d)
                        # keep the buffer small: drop what was checked
                        del x["sent"][:x["got"]]
                        x["got"] = 0
                except BlockingIOError:
                    pass
                except OSError as e:
                    self.errors.append(str(e))
                    sel.unregister(s)
                    open_ -= 1
            time.sleep(0.01)

    def stop(self):
        self.stopping.set()
        self.th.join(30)
        for s in self.socks:
            s.close()
        return self.errors


def test_reload():
    """100 tunnels streaming while backends are added, removed and
    reweighted: zero resets, every byte right; WRR keeps the current
    weights of the backends that remain, new ones start at 0."""
    srv = {x: Server(named_echo(x)) for x in "ABCD"}
    port = free_port()

    def conf(*bw):
        return section("web", port, ["%s@%d" % (srv[b].addr, w)
                                     for b, w in bw])
    d = Driver("ovl0", conf(("A", 5), ("B", 1), ("C", 1)))
    try:
        # WRR state across a reload, against the model
        names = []
        for _ in range(3):
            s = socket.create_connection(("127.0.0.1", port), 10)
            names.append(recv_line(s))
            s.close()
        check(names == ["A", "A", "B"], "first picks %s" % names)
        check(d.reload(conf(("A", 5), ("B", 1), ("C", 1), ("D", 2))) ==
              "reloaded", "reload")
        w = {"A": 5, "B": 1, "C": 1, "D": 2}
        cur = {"A": 0, "B": 0, "C": 0}
        for name in names:	# replay the first three picks
            for k in cur:
                cur[k] += w[k]
            cur[name] -= 7
        cur["D"] = 0
        want = []
        for _ in range(9):
            for k in "ABCD":
                cur[k] += w[k]
            best = max("ABCD", key=lambda k: (cur[k], -"ABCD".index(k)))
            cur[best] -= 9
            want.append(best)
        got = []
        for _ in range(9):
            s = socket.create_connection(("127.0.0.1", port), 10)
            got.append(recv_line(s))
            s.close()
        check(got == want, "after reload %s, want %s" % (got, want))

        streams = Streams(port, 100)
        sets = [[("B", 2), ("C", 1)], [("C", 1)], [("D", 3), ("A", 1)],
                [("A", 1), ("B", 1), ("C", 1), ("D", 1)], [("B", 5)]]
        for bw in sets:
            time.sleep(0.3)
            check(d.reload(conf(*bw)) == "reloaded", "reload %s" % bw)
            st = d.stats()["web"]
            check([b["address"] for b in st["backends"]] ==
                  [srv[b].addr for b, _ in bw], "backends after reload")
            check(st["active"] == 100, "active %d during reload" %
                  st["active"])
            # new clients reach only the backends of the new set
            s = socket.create_connection(("127.0.0.1", port), 10)
            n = recv_line(s)
            s.close()
            check(n in [b for b, _ in bw], "new client went to %s" % n)
        time.sleep(0.3)
        before = streams.moved
        errors = streams.stop()
        check(not errors, "streams broke: %s" % errors[:3])
        check(before > 0, "nothing streamed")
        print("  100 streams, %d reloads, %d KiB echoed, no reset" %
              (len(sets), before >> 10))
        st = d.stats()["web"]
        deadline = time.time() + 5
        while st["active"] and time.time() < deadline:
            time.sleep(0.05)
            st = d.stats()["web"]
        check(st["active"] == 0, "active %d after the streams" %
              st["active"])
        # a changed listen address is refused, the tunnel kept
        r = d.reload(section("web", free_port(), [srv["A"].addr]))
        check(r.startswith("reload failed"), "listen change: %s" % r)
        # a second tunnel added, then removed
        p2 = free_port()
        check(d.reload(conf(("B", 5)) + section("db", p2, [srv["C"].addr]))
              == "reloaded", "add db")
        s = socket.create_connection(("127.0.0.1", p2), 10)
        check(recv_line(s) == "C", "added tunnel")
        s.close()
        check(set(d.stats()) == {"web", "db"}, "tunnels after add")
        check(d.reload(conf(("B", 5))) == "reloaded", "remove db")
        check(set(d.stats()) == {"web"}, "tunnels after remove")
    finally:
        d.stop()
        for x in srv.values():
            x.close()


def test_retire():
    """tunnel_retire(), the daemon's removal: the reload returns at once,
    the port is free and refuses clients, an established client goes on
    and finishes, one that does not is cut at its drain timeout."""
    srv = Server(named_echo("A"))
    p1, p2 = free_port(), free_port()
    web = section("web", p1, [srv.addr])
    d = Driver("retire", web + section("db", p2, [srv.addr],
                                       "drain-timeout = 30"), "retire")
    try:
        held = socket.create_connection(("127.0.0.1", p2), 10)
        check(recv_line(held) == "A", "no answer")
        t0 = time.time()
        check(d.reload(web) == "reloaded", "remove db")
        check(time.time() - t0 < 1.0, "the removal blocked %.1f s" %
              (time.time() - t0))
        check(set(d.stats()) == {"web"}, "tunnels after the removal")
        try:
            socket.create_connection(("127.0.0.1", p2), 2).close()
            raise AssertionError("a retired tunnel accepted a client")
        except ConnectionRefusedError:
            pass
        held.sendall(b"still here\n")
        check(recv_line(held) == "still here", "the retired tunnel's "
              "client was broken")
        held.shutdown(socket.SHUT_WR)
        check(held.recv(10) == b"", "no EOF")
        held.close()
        # added again at once on the same port; then cut at 1 s
        check(d.reload(web + section("db", p2, [srv.addr],
                                     "drain-timeout = 1")) == "reloaded",
              "db again")
        held = socket.create_connection(("127.0.0.1", p2), 10)
        check(recv_line(held) == "A", "no answer from db again")
        t0 = time.time()
        check(d.reload(web) == "reloaded", "remove db again")
        held.settimeout(5)
        try:
            data = held.recv(10)
        except ConnectionResetError:
            data = b""
        dt = time.time() - t0
        check(data == b"", "not cut")
        check(0.8 <= dt <= 2.5, "cut after %.2f s, want ~1 s" % dt)
        held.close()
    finally:
        d.stop()
        srv.close()


def test_drain():
    """SIGTERM: no new client, established ones finish, or are cut at
    the drain timeout."""
    srv = Server(named_echo("A"))
    t = Tunnel(free_port(), "--backend", srv.addr, "--drain-timeout", "2")
    held = t.connect()
    check(recv_line(held) == "A", "no answer")
    t.p.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    try:
        late = socket.create_connection(("127.0.0.1", t.port), 2)
        late.settimeout(2)
        check(late.recv(10) == b"", "a new client was served while "
              "draining")
        late.close()
    except ConnectionRefusedError:
        pass
    held.sendall(b"still here\n")
    check(recv_line(held) == "still here", "established tunnel broken by "
          "the drain")
    t0 = time.time()
    held.shutdown(socket.SHUT_WR)
    check(held.recv(10) == b"", "no EOF")
    held.close()
    check(t.stop(timeout=5) == 0, "exit status")
    check(time.time() - t0 < 1.5, "drain waited %.1f s for nothing" %
          (time.time() - t0))
    # a client that does not finish is cut at the drain timeout
    t = Tunnel(free_port(), "--backend", srv.addr, "--drain-timeout", "1")
    held = t.connect()
    check(recv_line(held) == "A", "no answer")
    t0 = time.time()
    t.p.send_signal(signal.SIGTERM)
    held.settimeout(5)
    try:
        d = held.recv(10)
    except ConnectionResetError:
        d = b""
    dt = time.time() - t0
    check(d == b"", "not cut")
    check(0.8 <= dt <= 2.5, "cut after %.2f s, want ~1 s" % dt)
    t.stop()
    held.close()
    srv.close()


def test_stats():
    """ovlctl tunnel show: per tunnel and backend counts, text and JSON,
    all listeners or one device's."""
    a, b = Server(named_echo("A")), Server(named_echo("B"))
    dead = "127.0.0.1:%d" % free_port()
    t = Tunnel(free_port(), "--backend", a.addr + "@2", "--backend", b.addr,
               "--backend", dead, "--pool", "0")
    d = Driver("ovl9", section("db", free_port(), [a.addr]))
    try:
        held = []
        for _ in range(3):
            s = t.connect()
            held.append((recv_line(s), s))
        check([n for n, _ in held] == ["A", "B", "A"] or
              [n for n, _ in held] == ["A", "A", "B"],
              "picks %s" % [n for n, _ in held])
        held[0][1].sendall(b"x" * 1000 + b"\n")
        check(recv_line(held[0][1]) == "x" * 1000, "echo")
        st = t.stats()
        for k in ("name", "listen", "active", "total", "refused",
                  "bytes_in", "bytes_out", "backends"):
            check(k in st, "no %s in tunnel show -j" % k)
        check(st["active"] == 3 and st["total"] == 3,
              "active %d total %d" % (st["active"], st["total"]))
        check(st["bytes_in"] == 1001, "bytes_in %d" % st["bytes_in"])
        check(st["bytes_out"] == 1001 + 3 * 2, "bytes_out %d" %
              st["bytes_out"])
        bk = st["backends"]
        check([x["address"] for x in bk] == [a.addr, b.addr, dead],
              "backend order")
        check([x["weight"] for x in bk] == [2, 1, 1], "weights")
        for x in bk:
            for k in ("address", "weight", "up", "active", "total"):
                check(k in x, "no %s in a backend" % k)
        check((bk[0]["active"], bk[0]["total"]) == (2, 2), "A counts")
        check((bk[1]["active"], bk[1]["total"]) == (1, 1), "B counts")
        check(bk[0]["up"] and bk[1]["up"], "A, B up")
        # the dead one: its turn comes, fails, the client goes elsewhere
        s = t.connect()
        check(recv_line(s) in ("A", "B"), "served past a dead backend")
        s.close()
        deadline = time.time() + 3
        while t.stats()["backends"][2]["up"] and time.time() < deadline:
            time.sleep(0.05)
        check(not t.stats()["backends"][2]["up"], "dead backend shown up")
        for _, s in held:
            s.close()
        deadline = time.time() + 3
        while t.stats()["active"] and time.time() < deadline:
            time.sleep(0.05)
        st = t.stats()
        check(st["active"] == 0 and st["total"] == 4, "after close")
        check(sum(x["active"] for x in st["backends"]) == 0,
              "backend active after close")
        # every listener without a device; one device's with it
        out = json.loads(subprocess.run(
            [OVLCTL, "-j", "tunnel", "show"], check=True,
            capture_output=True, text=True).stdout)
        check({x["name"] for x in out} >= {"listen", "db"},
              "tunnel show: %s" % [x["name"] for x in out])
        mine = d.stats()
        check(list(mine) == ["db"], "tunnel show ovl9: %s" % list(mine))
        r = subprocess.run([OVLCTL, "tunnel", "show", "ovl8"],
                           capture_output=True, text=True)
        check(r.returncode == 1, "show of a device without tunnels: %d" %
              r.returncode)
        text = subprocess.run([OVLCTL, "tunnel", "show"], check=True,
                              capture_output=True, text=True).stdout
        check("backend %s" % a.addr in text and "refused" in text,
              "text output:\n" + text)
    finally:
        t.stop()
        d.stop()
        a.close()
        b.close()


def test_pool():
    """--pool N keeps N warm connections per backend, checked before use;
    --pool 0 dials per client."""
    accepted = []

    def handler(c):
        accepted.append(c)
        named_echo("P")(c)
    srv = Server(handler)
    t = Tunnel(free_port(), "--backend", srv.addr, "--pool", "2")
    try:
        time.sleep(0.5)
        check(srv.accepted == 2, "%d warm connections, want 2" %
              srv.accepted)
        check(t.stats()["backends"][0]["pool_idle"] == 2, "pool_idle")
        s = t.connect()
        check(recv_line(s) == "P", "not served from the pool")
        s.close()
        time.sleep(0.5)
        check(srv.accepted == 3, "pool not refilled: %d" % srv.accepted)
        # the backend drops its idle connections: the check before use
        # finds them dead and the client is still served
        for c in list(accepted):
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        time.sleep(0.2)
        s = t.connect()
        check(recv_line(s) == "P", "dead warm connection handed out")
        s.close()
    finally:
        t.stop()
        srv.close()
    srv = Server(named_echo("P"))
    t = Tunnel(free_port(), "--backend", srv.addr, "--pool", "0")
    try:
        time.sleep(0.4)
        check(srv.accepted == 0, "--pool 0 dialed %d" % srv.accepted)
        s = t.connect()
        check(recv_line(s) == "P", "not served")
        s.close()
        check(srv.accepted == 1, "accepted %d" % srv.accepted)
    finally:
        t.stop()
        srv.close()


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, cwd=TMP,
                   capture_output=True)


def make_certs():
    """A CA, the listener's certificate, a client of that CA and one of
    another CA, made with the openssl CLI."""
    for ca in ("ca", "other"):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
                "-subj", "/CN=%s" % ca, "-keyout", ca + ".key",
                "-out", ca + ".pem")
    for name, ca in (("server", "ca"), ("client", "ca"),
                     ("stranger", "other")):
        openssl("req", "-newkey", "ec", "-pkeyopt",
                "ec_paramgen_curve:P-256", "-nodes", "-subj",
                "/CN=%s" % name, "-keyout", name + ".key",
                "-out", name + ".csr")
        ext = os.path.join(TMP, name + ".ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\n" if name == "server"
                    else "extendedKeyUsage=clientAuth\n")
        openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".pem",
                "-CAkey", ca + ".key", "-CAcreateserial", "-days", "2",
                "-extfile", ext, "-out", name + ".pem")
    return {k: os.path.join(TMP, k) for k in
            ("ca.pem", "server.pem", "server.key", "client.pem",
             "client.key", "stranger.pem", "stranger.key")}


def tls_client(port, f, cert=None):
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(f["ca.pem"])
    if cert:
        ctx.load_cert_chain(f[cert + ".pem"], f[cert + ".key"])
    raw = socket.create_connection(("127.0.0.1", port), 10)
    return ctx.wrap_socket(raw, server_hostname="127.0.0.1")


def tls_served(port, f, cert=None):
    """The backend's name if the client got through, else None."""
    import ssl
    try:
        s = tls_client(port, f, cert)
        s.sendall(b"hello\n")
        name = recv_line(s)
        ok = recv_line(s) == "hello"
        s.close()
        return name if ok else None
    except (ssl.SSLError, OSError):
        return None


def test_tls():
    """TLS on the listener; with a client CA (mTLS) a client without a
    certificate or with one of another CA is refused."""
    f = make_certs()
    srv = Server(named_echo("A"))
    t = Tunnel(free_port(), "--backend", srv.addr, "--tls-cert",
               f["server.pem"], "--tls-key", f["server.key"],
               "--tls-client-ca", f["ca.pem"])
    try:
        check(tls_served(t.port, f, "client") == "A",
              "good client refused")
        check(tls_served(t.port, f) is None, "client without certificate "
              "accepted")
        check(tls_served(t.port, f, "stranger") is None,
              "client of another CA accepted")
        # plain TCP to a TLS listener gets nothing from the backend
        s = t.connect()
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        s.settimeout(5)
        try:
            d = s.recv(100)
        except OSError:
            d = b""
        check(b"A\n" not in d, "plain client reached the backend")
        s.close()
        # byte-exact both ways with half-close through TLS
        size = 8 << 20
        s = tls_client(t.port, f, "client")
        check(recv_line(s) == "A", "no answer")
        # one thread: an SSL object must not be read and written at once
        import ssl
        data = b"".join(bytes(x) for x in stream(3, size))
        h, got, sent = hashlib.sha256(), 0, 0
        s.setblocking(False)
        while True:
            if sent < size:
                try:
                    sent += s.send(data[sent:sent + 65536])
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    pass
            try:
                d = s.recv(65536)
                if not d:
                    break
                h.update(d)
                got += len(d)
                if got >= size:
                    break
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                select_ = selectors.DefaultSelector()
                select_.register(s, selectors.EVENT_READ |
                                 (selectors.EVENT_WRITE if sent < size
                                  else 0))
                select_.select(1)
                select_.close()
        s.close()
        out = {"rx": (h.hexdigest(), got)}
        check(out.get("rx") == (digest(3, size), size),
              "TLS echo not byte-exact: %s" % (out.get("rx"),))
        st = t.stats()
        check(st["tls"] and st["total"] == 5, "stats %s" % st)
        check(st["failed"] >= 2, "refused handshakes not counted")
    finally:
        t.stop()
    # half-close through TLS: the backend ends first, the client gets
    # close_notify, and still sends; the backend gets all of it
    res = {}

    def first(c):
        send_stream(c, 4, 1 << 20)
        c.shutdown(socket.SHUT_WR)
        res["rx"] = recv_all(c)
    srv1 = Server(first)
    t = Tunnel(free_port(), "--backend", srv1.addr, "--pool", "0",
               "--tls-cert", f["server.pem"], "--tls-key", f["server.key"])
    try:
        s = tls_client(t.port, f)
        check(recv_all(s) == (digest(4, 1 << 20), 1 << 20),
              "backend's bytes before its EOF")
        send_stream(s, 5, 1 << 20)
        s.close()	# close_notify, then FIN
        deadline = time.time() + 5
        while "rx" not in res and time.time() < deadline:
            time.sleep(0.05)
        check(res.get("rx") == (digest(5, 1 << 20), 1 << 20),
              "client's bytes after the backend's EOF")
    finally:
        t.stop()
        srv1.close()
    # TLS without a client CA: any client
    t = Tunnel(free_port(), "--backend", srv.addr, "--tls-cert",
               f["server.pem"], "--tls-key", f["server.key"])
    try:
        check(tls_served(t.port, f) == "A", "TLS client refused")
    finally:
        t.stop()
    # a key that does not match the certificate is refused at start
    r = subprocess.run([OVLCTL, "tunnel", "listen", "127.0.0.1:%d" %
                        free_port(), "--backend", srv.addr, "--tls-cert",
                        f["server.pem"], "--tls-key", f["client.key"]],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode == 1 and "tls-key" in r.stderr,
          "mismatched key: %d %s" % (r.returncode, r.stderr))
    srv.close()


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def test_many():
    """Ten thousand concurrent tunnels, each one working, with bounded
    memory per tunnel in the tunnel's process (its RSS)."""
    import multiprocessing
    import resource
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (65536, 65536))
    except (ValueError, OSError):
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    # the tunnel holds two sockets a client: its limit is the bound
    n = min(10000, (hard - 64) // 2)
    if n < 10000:
        print("  descriptor limit %d: %d tunnels, not 10000" % (hard, n))
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(4096)
    baddr = "127.0.0.1:%d" % lsock.getsockname()[1]

    def backend():	# its own process: echo each byte, keep everything
        lsock.setblocking(False)
        held = []
        sel = selectors.DefaultSelector()
        sel.register(lsock, selectors.EVENT_READ)
        while True:
            for key, _ in sel.select(1):
                if key.fileobj is lsock:
                    while True:
                        try:
                            c, _ = lsock.accept()
                        except BlockingIOError:
                            break
                        c.setblocking(False)
                        held.append(c)
                        sel.register(c, selectors.EVENT_READ)
                    continue
                try:
                    d = key.fileobj.recv(64)
                    if d:
                        key.fileobj.send(d)
                    else:
                        sel.unregister(key.fileobj)
                        key.fileobj.close()
                except OSError:
                    sel.unregister(key.fileobj)
    bp = multiprocessing.get_context("fork").Process(target=backend,
                                                     daemon=True)
    bp.start()
    t = Tunnel(free_port(), "--backend", baddr, "--max-conns", str(n))
    socks = []
    try:
        time.sleep(0.3)
        before = rss_kib(t.p.pid)
        for i in range(n):
            socks.append(socket.create_connection(("127.0.0.1", t.port),
                                                  10))
        deadline = time.time() + 30
        while t.stats()["active"] < n and time.time() < deadline:
            time.sleep(0.1)
        check(t.stats()["active"] == n, "active %d, want %d" %
              (t.stats()["active"], n))
        for s in socks:
            s.sendall(b"x")
        sel = selectors.DefaultSelector()
        for s in socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        left = n
        deadline = time.time() + 30
        while left and time.time() < deadline:
            for key, _ in sel.select(1):
                if key.fileobj.recv(1) == b"x":
                    left -= 1
                sel.unregister(key.fileobj)
        check(left == 0, "%d of %d tunnels did not echo" % (left, n))
        after = rss_kib(t.p.pid)
        per = (after - before) * 1024 / n
        print("  %d tunnels: tunnel RSS %d -> %d KiB, %.0f bytes each" %
              (n, before, after, per))
        # two sockets and ~250 bytes of state each (sanitizers add their
        # redzones); the kernel's socket buffers are not in the RSS
        check(per < 4096, "%.0f bytes of RSS per tunnel" % per)
    finally:
        for s in socks:
            s.close()
        deadline = time.time() + 30
        while t.stats()["active"] and time.time() < deadline:
            time.sleep(0.1)
        t.stop()
        bp.kill()
        bp.join()
        lsock.close()


def test_slow():
    """A connection whose backend reads nothing (its buffers full) blocks
    no other: a second one moves 32 MiB meanwhile."""
    stuck = threading.Event()

    def handler(c):
        name = c.recv(1)
        if name == b"s":	# the slow one: read nothing more
            stuck.wait(30)
            return
        echo(c)
    srv = Server(handler)
    t = Tunnel(free_port(), "--backend", srv.addr, "--pool", "0")
    try:
        slow = t.connect()
        slow.sendall(b"s")
        slow.setblocking(False)
        pushed = 0
        deadline = time.time() + 5
        while time.time() < deadline:	# fill every buffer on the way
            try:
                pushed += slow.send(b"\0" * 65536)
            except BlockingIOError:
                time.sleep(0.05)
                try:
                    pushed += slow.send(b"\0" * 65536)
                except BlockingIOError:
                    break
        check(pushed > 0, "nothing pushed")
        fast = t.connect(30)
        fast.sendall(b"f")
        out = {}

        def rx():
            out["rx"] = recv_all(fast)
        th = threading.Thread(target=rx)
        th.start()
        t0 = time.time()
        send_stream(fast, 6, 32 << 20)
        fast.shutdown(socket.SHUT_WR)
        th.join(30)
        check(out.get("rx") == (digest(6, 32 << 20), 32 << 20),
              "the fast tunnel's echo is wrong or missing")
        print("  %d KiB stuck in one tunnel; 32 MiB echoed by another in "
              "%.2f s" % (pushed >> 10, time.time() - t0))
        fast.close()
        slow.close()
    finally:
        stuck.set()
        t.stop()
        srv.close()


TESTS = {
    "wrr": test_wrr,
    "failed_backend": test_failed_backend,
    "max_conns": test_max_conns,
    "idle_timeout": test_idle_timeout,
    "dial_timeout": test_dial_timeout,
    "transfer": test_transfer,
    "concurrent": test_concurrent,
    "many": test_many,
    "slow": test_slow,
    "stats": test_stats,
    "pool": test_pool,
    "reload": test_reload,
    "drain": test_drain,
    "retire": test_retire,
    "tls": test_tls,
}


def main():
    global OVLCTL, DRIVER, TMP
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    OVLCTL = os.path.abspath(sys.argv[1])
    DRIVER = os.path.join(os.path.dirname(OVLCTL), "tunnel_driver")
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
