#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Beacon discovery's I/O on loopback (tests/disc_driver, daemon/disc_io.c),
with a clock 20 times faster than the real one:

- probes: two real ovl-beacons and a silent address; the RTTs of the two
  are measured, the silent one has none, and a hash pick that does not
  answer gives way to the fastest; the beacons register nothing (probes);
  the picked beacon is killed: the node fails over to the other;
- fetch: a registry (a stand-in serving GET /v1/beacons as
  docs/registry.md has it) lists beacons: private ones dropped, the rest
  picked from; the pick leaves the registry's list: failover; the registry
  answers 500: the list stays; beacons.json written (0600) after each
  successful fetch;
- cold start with the registry down: the node gets its beacon from
  beacons.json;
- ovlctl beacon show, text and -j, on the status a daemon would write.

usage: disc_test.py DRIVER OVLCTL OVL_BEACON
"""

import base64
import http.server
import json
import os
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import threading
import time

DRIVER, OVLCTL, BEACON = sys.argv[1:4]
SCALE = 20
failed = 0


def check(ok, what):
    global failed
    print(("ok - " if ok else "not ok - ") + what, flush=True)
    if not ok:
        failed += 1


def free_port(kind=socket.SOCK_DGRAM):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def score(key, addr):
    h = 2166136261
    for b in key + addr.encode():
        h ^= b
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def hash_pick(key, lst):
    best = None
    for a in lst:
        if best is None or score(key, a) > score(key, best):
            best = a
    return best


def key_picking(lst, want):
    while True:
        k = os.urandom(32)
        if hash_pick(k, lst) == want:
            return k


class Driver:
    def __init__(self, key, *args, seconds=30):
        self.lines = []
        self.p = subprocess.Popen(
            [DRIVER, "--pubkey", base64.b64encode(key).decode(),
             "--scale", str(SCALE), "--seconds", str(seconds)] + list(args),
            stdout=subprocess.PIPE, text=True)
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait(self, pred, timeout):
        end = time.time() + timeout
        while time.time() < end:
            for i, line in enumerate(list(self.lines)):
                if pred(line):
                    return line
            time.sleep(0.02)
        return None

    def swaps(self):
        return [ln[5:] for ln in list(self.lines) if ln.startswith("swap ")]

    def status(self):
        st = [ln for ln in list(self.lines) if ln.startswith("status ")]
        return json.loads(st[-1][7:]) if st else None

    def wait_status(self, pred, timeout):
        end = time.time() + timeout
        while time.time() < end:
            st = self.status()
            if st and pred(st):
                return st
            time.sleep(0.02)
        return self.status()

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        self.p.wait(10)
        self.t.join(5)


class Beacon:
    def __init__(self, port, tmp):
        self.stats = os.path.join(tmp, f"beacon{port}.json")
        # --ca: any CA key (probes need no certificate); the beacon
        # speaks protocol v2 only and will not start without one
        self.p = subprocess.Popen([BEACON, "--listen", f"127.0.0.1:{port}",
                                   "--ca", base64.b64encode(
                                       os.urandom(32)).decode(),
                                   "--stats-file", self.stats],
                                  stderr=subprocess.DEVNULL)
        self.addr = f"127.0.0.1:{port}"

    def counters(self):
        self.p.send_signal(signal.SIGUSR1)
        for _ in range(50):
            time.sleep(0.05)
            try:
                with open(self.stats) as f:
                    return json.load(f)
            except (OSError, ValueError):
                pass
        return {}

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()


class Liar:
    """Answers every probe as an off-path forger would, without its nonce:
    a reply with another nonce and a v1 8-byte reply.  Neither may count
    as an RTT: to the daemon it is as silent as no beacon at all."""

    def __init__(self, port):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.bind(("127.0.0.1", port))
        self.s.settimeout(0.2)
        self.stop = False
        self.answered = 0
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while not self.stop:
            try:
                data, src = self.s.recvfrom(2048)
            except OSError:
                continue
            addr = bytes([2, 4]) + socket.inet_aton(src[0]) + \
                struct.pack(">H", src[1])
            nonce = bytes(b ^ 0xff for b in data[5:13])
            self.s.sendto(addr + nonce, src)
            self.s.sendto(addr, src)
            self.answered += 1

    def close(self):
        self.stop = True


def probes(tmp):
    p1, p2, p3 = free_port(), free_port(), free_port()
    b1, b2 = Beacon(p1, tmp), Beacon(p2, tmp)
    liar = Liar(p3)
    silent = f"127.0.0.1:{p3}"
    lst = [silent, b1.addr, b2.addr]
    key = key_picking(lst, silent)
    time.sleep(0.3)
    d = Driver(key, "--bootstrap", ",".join(lst))
    try:
        first = d.wait(lambda ln: ln.startswith("swap "), 5)
        check(first == "swap " + silent,
              f"probes: the hash pick first, before any RTT ({first})")
        sw = d.wait(lambda ln: ln.startswith("swap ") and
                    ln[5:] in (b1.addr, b2.addr), 5)
        check(sw is not None,
              f"probes: the silent hash pick gives way to a beacon that "
              f"answers ({d.swaps()})")
        st = d.wait_status(lambda s: s.get("kernel") in (b1.addr, b2.addr)
                           and all(e["rtt_ms"] is not None
                                   for e in s["list"][1:]), 5)
        rtt = {e["address"]: e["rtt_ms"] for e in st["list"]}
        check(rtt[silent] is None and rtt[b1.addr] and rtt[b2.addr],
              f"probes: RTTs of the two beacons, none for the silent one "
              f"{rtt}")
        check(liar.answered > 0,
              f"probes: replies without the probe's nonce (another nonce, "
              f"v1's 8 bytes) are no RTT ({liar.answered} probes answered "
              f"so)")
        check(st["why"] == "unmeasured" and st["pick"] == st["kernel"],
              f"probes: why {st['why']}, pick {st['pick']}")
        check(all(e["origin"] == "bootstrap" for e in st["list"]),
              "probes: every entry from the bootstrap list")
        c1 = b1.counters()
        check(c1.get("probes", 0) >= 1 and c1.get("registrations") == 0,
              f"probes: the beacon counts probes and registers nobody "
              f"(probes {c1.get('probes')}, registrations "
              f"{c1.get('registrations')})")
        picked = st["kernel"]
        other = b2.addr if picked == b1.addr else b1.addr
        (b1 if picked == b1.addr else b2).kill()
        t0 = time.time()
        sw = d.wait(lambda ln: ln == "swap " + other, 6)
        check(sw is not None,
              f"probes: the picked beacon killed, the node fails over to "
              f"the other in {time.time() - t0:.1f} s ({d.swaps()})")
    finally:
        d.stop()
        b1.kill()
        b2.kill()
        liar.close()


class Registry:
    """GET /v1/beacons as docs/registry.md has it; settable."""

    def __init__(self):
        self.addrs = []
        self.status = 200
        self.hits = 0
        reg = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                reg.hits += 1
                if self.path != "/v1/beacons" or reg.status != 200:
                    body = json.dumps({"error": "internal",
                                       "message": "test"}).encode()
                    self.send_response(reg.status if reg.status != 200
                                       else 404)
                else:
                    body = json.dumps({"beacons": [
                        {"address": a, "last_heartbeat": int(time.time())}
                        for a in reg.addrs], "ttl": 90}).encode()
                    self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}"
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def fetch_and_cache(tmp):
    reg = Registry()
    x, y = "198.51.100.7:3478", "198.51.100.8:3478"
    reg.addrs = [x, "10.1.1.1:3478", "127.0.0.1:1", y]
    key = os.urandom(32)
    ident = os.path.join(tmp, "node.key")
    cache = os.path.join(tmp, "beacons.json")
    pick = hash_pick(key, [x, y])
    d = Driver(key, "--registry", reg.url, "--identity", ident)
    try:
        # The first fetch within 10 s (0.5 s here), then every 60 (3).
        sw = d.wait(lambda ln: ln.startswith("swap "), 3)
        check(sw == "swap " + pick,
              f"fetch: the hash pick of the registry's list ({sw})")
        st = d.status()
        check([(e["address"], e["origin"]) for e in st["list"]] ==
              [(x, "discovered"), (y, "discovered")],
              f"fetch: private and loopback entries dropped "
              f"{[e['address'] for e in st['list']]}")
        for _ in range(50):
            if os.path.exists(cache):
                break
            time.sleep(0.05)
        try:
            with open(cache) as f:
                c = json.load(f)
            mode = stat.S_IMODE(os.stat(cache).st_mode)
        except (OSError, ValueError) as e:
            c, mode = {"error": str(e)}, 0
        check(c.get("list") == [x, y] and
              abs(c.get("saved_at", 0) - time.time()) < 30 and mode == 0o600,
              f"fetch: beacons.json written next to the identity, 0600 "
              f"({c}, {oct(mode)})")
        # The pick leaves the registry's list: failover.
        other = y if pick == x else x
        reg.addrs = [other]
        t0 = time.time()
        sw = d.wait(lambda ln: ln == "swap " + other, 5)
        check(sw is not None,
              f"fetch: the pick left the list, the node fails over in "
              f"{time.time() - t0:.1f} s ({d.swaps()})")
        # The registry fails: the list stays.
        reg.status = 500
        n = d.status()["fetch_failed"]
        st = d.wait_status(lambda s: s["fetch_failed"] > n, 5)
        check(st["fetch_failed"] > n and
              [e["address"] for e in st["list"]] == [other] and
              st["kernel"] == other,
              f"fetch: a failed fetch keeps the list "
              f"({st['fetch_failed']} failed, {st['list']})")
        check(len(d.swaps()) == 2,
              f"fetch: the kernel's beacon swapped only when the pick "
              f"changed ({d.swaps()})")
    finally:
        d.stop()
        reg.close()

    # Cold start, the registry down: beacons.json.
    d = Driver(key, "--registry", reg.url, "--identity", ident)
    try:
        sw = d.wait(lambda ln: ln.startswith("swap "), 8)
        st = d.status()
        check(sw == "swap " + other and st["list"] and
              st["list"][0]["origin"] == "cache",
              f"cold start, no registry: the beacon from beacons.json "
              f"({sw}, {st and st['list']})")
        return st, d.p.pid
    finally:
        d.stop()


def show(tmp, st):
    run = os.path.join(tmp, "run")
    os.makedirs(run, exist_ok=True)
    with open(os.path.join(run, "ovl9.json"), "w") as f:
        json.dump({"ifname": "ovl9", "pid": os.getpid(), "beacons": st}, f)
    env = dict(os.environ, OVL_RUNDIR=run)
    r = subprocess.run([OVLCTL, "-j", "beacon", "show", "ovl9"], env=env,
                       capture_output=True, text=True)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        j = {}
    check(r.returncode == 0 and j.get("ifname") == "ovl9" and
          j.get("list") == st["list"] and j.get("kernel") == st["kernel"],
          f"ovlctl -j beacon show: the daemon's list ({r.stdout.strip()})")
    r = subprocess.run([OVLCTL, "beacon", "show", "ovl9"], env=env,
                       capture_output=True, text=True)
    check(r.returncode == 0 and st["kernel"] in r.stdout and
          "cache" in r.stdout,
          f"ovlctl beacon show: text {r.stdout!r}")
    r = subprocess.run([OVLCTL, "beacon", "show", "ovl8"], env=env,
                       capture_output=True, text=True)
    check(r.returncode == 1 and "no daemon" in r.stderr,
          f"ovlctl beacon show: no daemon, exit 1 ({r.stderr.strip()})")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        probes(tmp)
        st, _ = fetch_and_cache(tmp)
        show(tmp, st)
    print(f"# disc_test: {'FAILED' if failed else 'ok'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
