#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ovl-beacon --registry on loopback, against a real ovl-registry.

Usage: test_announce.py PATH-TO-OVL-BEACON PATH-TO-OVL-REGISTRY [OVLCTL]

A registry with a SQLite database in a temporary directory (its CA key
made by "ovlctl genkey" when OVLCTL is given and runs, else written in
the same format here), a beacon token from "token new --beacon", served
with --beacon-ttl 3 (so the beacon's default heartbeat is 1 s).  Checks:
the beacon shows in GET /v1/beacons within a beat; killed, it leaves the
list after the ttl; a wrong token is logged as refused and the beacon
still serves (the 32-byte probe answered); the token file's mode and the
options that go together are refused with a usage error; SIGTERM ends it
at once.  Every beacon runs with --ca (protocol v2; the key is a test
CA's, the registry's own being no business of the announcement).
Everything is bounded; about 10 s.
"""
import base64
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from beaconlib import b64, check, ed25519, probe, summary  # noqa: E402

TTL = 3
CA = b64(ed25519(os.urandom(32))[0])


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Proc:
    """A process whose stderr lines are collected as they come."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stderr=subprocess.PIPE,
                                     text=True)
        self.lines = queue.Queue()
        self.seen = []
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))

    def wait_line(self, needle, timeout):
        deadline = time.monotonic() + timeout
        for line in self.seen:
            if needle in line:
                return line
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=deadline - time.monotonic())
            except (queue.Empty, ValueError):
                break
            self.seen.append(line)
            if needle in line:
                return line
        return None

    def count(self, needle):
        while True:
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                break
        return sum(needle in line for line in self.seen)

    def stop(self, sig=signal.SIGTERM, timeout=5):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


def beacons(url):
    with urllib.request.urlopen(url + "/v1/beacons", timeout=3) as r:
        return [b["address"] for b in json.load(r)["beacons"]]


def wait_list(url, pred, timeout):
    deadline = time.monotonic() + timeout
    while True:
        lst = beacons(url)
        if pred(lst) or time.monotonic() > deadline:
            return lst
        time.sleep(0.1)


def discover(port):
    """The 32-byte probe (docs/beacon-auth.md): does the beacon answer?"""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    nonce = os.urandom(8)
    try:
        s.sendto(probe(nonce), ("127.0.0.1", port))
        data, _ = s.recvfrom(2048)
        return len(data) == 16 and data[0] == 2 and data[-8:] == nonce
    except OSError:
        return False
    finally:
        s.close()


def secret(path, text, mode=0o600):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    os.write(fd, text.encode())
    os.close(fd)
    os.chmod(path, mode)


def main():
    beacon_bin, reg_bin = sys.argv[1], sys.argv[2]
    ovlctl = sys.argv[3] if len(sys.argv) > 3 else None
    tmp = tempfile.mkdtemp(prefix="ovl-announce.")
    db = "sqlite:" + os.path.join(tmp, "registry.db")
    ca = os.path.join(tmp, "ca.key")
    made = False
    if ovlctl and os.access(ovlctl, os.X_OK):
        p = subprocess.run([ovlctl, "genkey"], capture_output=True,
                           text=True)
        if p.returncode == 0:
            secret(ca, p.stdout)
            made = True
    print("# CA key from " + ("ovlctl genkey" if made else "python"))
    if not made:        # the key file format: base64 of a 32-byte seed
        secret(ca, base64.b64encode(os.urandom(32)).decode() + "\n")
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    subprocess.run([reg_bin, "init", "--db", db, "--ca-key", ca,
                    "--network", "10.77.0.0/16"], check=True, env=env,
                   capture_output=True)
    token = subprocess.run([reg_bin, "token", "new", "--db", db, "--beacon"],
                           check=True, capture_output=True, text=True,
                           env=env).stdout.strip()
    tok = os.path.join(tmp, "beacon.token")
    secret(tok, token + "\n")
    bad = os.path.join(tmp, "wrong.token")
    secret(bad, "not-a-beacon-token\n")

    port = free_port()
    url = "http://127.0.0.1:%d" % port

    def serve():
        p = Proc([reg_bin, "serve", "--listen", "127.0.0.1:%d" % port,
                  "--db", db, "--beacon-ttl", str(TTL)])
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        return p

    reg = serve()
    procs = [reg]
    try:

        # The usage errors: exit 1, a message, before listening.
        base = [beacon_bin, "--listen", "127.0.0.1:0", "--ca", CA]
        for args, what in (
                (["--registry", url], "--registry alone"),
                (["--registry", url, "--public", "198.51.100.9:3478"],
                 "no --registry-token"),
                (["--public", "198.51.100.9:3478", "--registry-token", tok],
                 "no --registry"),
                (["--heartbeat", "5"], "--heartbeat without --registry"),
                (["--registry", url, "--public", "no-port",
                  "--registry-token", tok], "--public without a port"),
                (["--registry", "ftp://x", "--public", "198.51.100.9:3478",
                  "--registry-token", tok], "--registry not http(s)")):
            p = subprocess.run(base + args, capture_output=True, text=True,
                               timeout=5)
            check(p.returncode == 1 and "ovl-beacon:" in p.stderr and
                  "listening" not in p.stderr, "usage error: " + what)
        p = subprocess.run([beacon_bin, "--listen", "127.0.0.1:0",
                            "--registry", url, "--public",
                            "198.51.100.9:3478", "--registry-token", tok],
                           capture_output=True, text=True, timeout=5)
        check(p.returncode == 2 and "--ca" in p.stderr and
              "listening" not in p.stderr, "no --ca: exit 2, naming --ca")
        loose = os.path.join(tmp, "loose.token")
        secret(loose, token + "\n", 0o640)
        p = subprocess.run(base + ["--registry", url, "--public",
                                   "198.51.100.9:3478", "--registry-token",
                                   loose], capture_output=True, text=True,
                           timeout=5)
        check(p.returncode == 1 and "group or others" in p.stderr,
              "a group-readable token file is refused")

        # Announced within a beat (ttl 3: one a second).
        addr = "198.51.100.9:3478"
        b1 = Proc([beacon_bin, "--listen", "127.0.0.1:0", "--threads", "1",
                   "--ca", CA,
                   "--registry", url, "--public", addr,
                   "--registry-token", tok])
        procs.append(b1)
        check(b1.wait_line("announced " + addr, 3) is not None,
              "the beacon logs its announcement")
        lst = wait_list(url, lambda x: addr in x, 1.5)
        check(addr in lst, "the beacon is in GET /v1/beacons: %s" % lst)
        # Still there after several ttl/3 beats: the heartbeat keeps it.
        time.sleep(TTL + 0.5)
        check(addr in beacons(url), "the heartbeat keeps it past the ttl")

        # The registry goes away: logged once; back: logged once more.
        reg.stop()
        check(b1.wait_line("announcement of %s failed" % addr, 3)
              is not None, "an unreachable registry is logged")
        time.sleep(1.2)
        check(b1.count(" failed") == 1, "and not again at the next beat")
        reg = serve()
        procs.append(reg)
        check(b1.wait_line("announcing again " + addr, 3) is not None,
              "the recovery is logged")
        check(addr in wait_list(url, lambda x: addr in x, 1.5),
              "back in the list after the registry's restart")

        # A wrong token: refused, logged, and the beacon still relays.
        b2 = Proc([beacon_bin, "--listen", "127.0.0.1:0", "--threads", "1",
                   "--ca", CA,
                   "--registry", url, "--public", "198.51.100.10:3478",
                   "--registry-token", bad, "--heartbeat", "1"])
        procs.append(b2)
        line = b2.wait_line("listening on", 3)
        bport = int(line.rsplit(":", 1)[1]) if line else 0
        check(b2.wait_line("refused", 3) is not None and
              b2.wait_line("token_unknown", 0.1) is not None,
              "a wrong token is logged as refused (token_unknown)")
        check(bport and discover(bport), "a refused beacon still serves")
        time.sleep(2.2)     # two more failing beats, not logged again
        check(b2.count("refused") == 1,
              "a failing announcement is logged once, not every beat")
        check("198.51.100.10:3478" not in beacons(url),
              "a refused beacon is not listed")
        t0 = time.monotonic()
        rc = b2.stop()
        check(rc == 0 and time.monotonic() - t0 < 2,
              "SIGTERM ends the beacon and its heartbeat at once")

        # Killed: it leaves the list after the ttl.
        b1.stop(signal.SIGKILL)
        t0 = time.monotonic()
        lst = wait_list(url, lambda x: addr not in x, TTL + 2)
        check(addr not in lst and time.monotonic() - t0 <= TTL + 2,
              "killed, it leaves the list within the ttl (%.1f s)" %
              (time.monotonic() - t0))
    finally:
        for p in procs:
            p.stop(signal.SIGKILL)
        subprocess.run(["rm", "-rf", tmp])
    return summary("announce")


if __name__ == "__main__":
    sys.exit(main())
