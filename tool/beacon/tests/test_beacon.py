#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Integration test of ovl-beacon on loopback.

Usage: test_beacon.py PATH-TO-OVL-BEACON

Starts the daemon on 127.0.0.1, [::1] and [::ffff:127.0.0.1] (dual-stack)
with port 0, reads the port it bound from its first stderr line, and
talks to it with plain UDP sockets.  Every wait is bounded; the daemon
is killed if a test leaves it running.

The GSO cases send bursts of RELAYs as one UDP_SEGMENT send, which a
beacon with --batch > 1 receives as one GRO message, and receive with
UDP_GRO on, to see whether the beacon sent the burst back as one buffer.
"""
import json
import os
import queue
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

DISCOVER, DISCOVER_REPLY, PUNCH_REQUEST, PUNCH_COMMAND, RELAY, \
    RELAY_DELIVER = range(1, 7)
UDP_SEGMENT, UDP_GRO = 103, 104     # <linux/udp.h>
SOL_UDP = getattr(socket, "SOL_UDP", 17)
TIMEOUT = 3.0
QUIET = 0.3     # how long "nothing arrives" is waited for

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


class Beacon:
    def __init__(self, binary, listen, *args, env=None, prefix=(),
                 stats_dir=None):
        self.stats_file = os.path.join(stats_dir or tempfile.mkdtemp(),
                                       "stats.json")
        self.proc = subprocess.Popen(
            [*prefix, binary, "--listen", listen, "--stats-file", self.stats_file,
             *args], stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, **(env or {})))
        self.lines = queue.Queue()
        threading.Thread(target=self._reader, daemon=True).start()
        first = self.line()
        if not first or "listening on" not in first:
            raise RuntimeError(f"ovl-beacon did not start: {first!r}")
        host, port = first.rsplit(" ", 1)[1].rsplit(":", 1)
        self.host = host.strip("[]")
        self.port = int(port)

    def _reader(self):
        for line in self.proc.stderr:
            self.lines.put(line.rstrip("\n"))

    def line(self, timeout=TIMEOUT):
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            return None

    def stats(self):
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            line = self.line(deadline - time.monotonic())
            if line and line.startswith("nodes="):
                return dict(kv.split("=") for kv in line.split()), line
        return {}, None

    def wait_line(self, text, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.line(deadline - time.monotonic())
            if line and text in line:
                return line
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=TIMEOUT * 2)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return None


def client(family, host):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((host, 0))
    s.settimeout(TIMEOUT)
    return s


def recv(s, timeout=TIMEOUT):
    s.settimeout(timeout)
    try:
        return s.recv(65536)
    except socket.timeout:
        return None


def parse_addr_msg(data):
    if not data or len(data) < 2 or data[1] not in (4, 16) or \
            len(data) != 4 + data[1]:
        return None
    fam = socket.AF_INET if data[1] == 4 else socket.AF_INET6
    ip = socket.inet_ntop(fam, data[2:2 + data[1]])
    port, = struct.unpack("!H", data[2 + data[1]:])
    return data[0], ip, port


def idmsg(t, node):
    return struct.pack("!BI", t, node)


def scenario(binary, name, listen, cfam, chost, want_ip, batch):
    b = Beacon(binary, listen, "--batch", str(batch))
    dst = (b.host, b.port)
    try:
        A = client(cfam, chost)
        B = client(cfam, chost)
        C = client(cfam, chost)
        ida, idb = 0x0a0a0a0a, 0xb0b0b0b0

        for s, nid in ((A, ida), (B, idb)):
            s.sendto(idmsg(DISCOVER, nid), dst)
            got = parse_addr_msg(recv(s))
            check(got == (DISCOVER_REPLY, want_ip, s.getsockname()[1]),
                  f"{name}: DISCOVER_REPLY carries observed address {got}")

        A.sendto(struct.pack("!BI", RELAY, idb) + b"inner frame", dst)
        got = recv(B)
        check(got == struct.pack("!BI", RELAY_DELIVER, ida) + b"inner frame",
              f"{name}: RELAY arrives as RELAY_DELIVER with sender's id")

        # forged: unregistered C claims nothing but aims at B
        C.sendto(struct.pack("!BI", RELAY, idb) + b"forged", dst)
        # registered A, unknown destination; empty relay; junk
        A.sendto(struct.pack("!BI", RELAY, 0x1234) + b"x", dst)
        A.sendto(struct.pack("!BI", RELAY, idb), dst)
        A.sendto(b"\x01\x00", dst)
        A.sendto(b"\x7f" + bytes(10), dst)
        check(recv(B, QUIET) is None and recv(A, QUIET) is None,
              f"{name}: forged/unknown/empty/junk datagrams are dropped")
        # a probe (node id 0) from unregistered C: answered, not registered
        C.sendto(idmsg(DISCOVER, 0), dst)
        got = parse_addr_msg(recv(C))
        check(got == (DISCOVER_REPLY, want_ip, C.getsockname()[1]),
              f"{name}: a probe (DISCOVER of node id 0) is answered {got}")

        A.sendto(idmsg(PUNCH_REQUEST, idb), dst)
        pa, pb = parse_addr_msg(recv(A)), parse_addr_msg(recv(B))
        check(pa == (PUNCH_COMMAND, want_ip, B.getsockname()[1]) and
              pb == (PUNCH_COMMAND, want_ip, A.getsockname()[1]),
              f"{name}: PUNCH_REQUEST commands both ends {pa} {pb}")
        C.sendto(idmsg(PUNCH_REQUEST, idb), dst)
        check(recv(B, QUIET) is None,
              f"{name}: PUNCH_REQUEST from unregistered sender dropped")

        # a burst larger than the batch: every datagram gets through
        # (chunks of 50, drained in between, so that B's own receive
        # buffer, not the beacon, is never what overflows)
        n, chunk = 300, 50
        seen = set()
        for base in range(0, n, chunk):
            for i in range(base, base + chunk):
                A.sendto(struct.pack("!BII", RELAY, idb, i), dst)
            while len(seen) < base + chunk:
                got = recv(B, 1.0)
                if got is None:
                    break
                if got[:5] == struct.pack("!BI", RELAY_DELIVER, ida):
                    seen.add(struct.unpack("!I", got[5:9])[0])
        check(len(seen) == n, f"{name}: burst of {n} relayed "
              f"with --batch {batch} ({len(seen)} arrived)")

        st, line = b.stats()
        print(f"# {line}")
        want = {"nodes": 2, "registrations": 2, "relayed": n + 1,
                "punches": 1, "drop_unknown_src": 2, "drop_unknown_dst": 1,
                "drop_empty_relay": 1, "drop_short": 1,
                "drop_unknown_type": 1, "probes": 1,
                "rx": n + 11, "tx": n + 6}
        bad = {k: (st.get(k), v) for k, v in want.items()
               if st.get(k) != str(v)}
        check(not bad, f"{name}: SIGUSR1 stats line {bad or ''}")
        time.sleep(0.1)
        with open(b.stats_file) as f:
            js = json.load(f)
        check(js.get("relayed") == n + 1 and js.get("nodes") == 2,
              f"{name}: --stats-file JSON written on SIGUSR1")

        rc = b.stop()
        check(rc == 0, f"{name}: SIGTERM exits 0 (rc={rc})")
        for s in (A, B, C):
            s.close()
    finally:
        b.stop()


def send_gso(s, dgrams, dst):
    """Send equal-size datagrams (the last may be shorter) as one GSO send."""
    seg = len(dgrams[0])
    s.sendmsg([b"".join(dgrams)],
              [(SOL_UDP, UDP_SEGMENT, struct.pack("=H", seg))], 0, dst)


def recv_gro(s, timeout=TIMEOUT):
    """One message from a UDP_GRO socket: its datagrams, and whether it
    held several (a GRO/GSO buffer); None on timeout."""
    s.settimeout(timeout)
    try:
        data, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(4))
    except socket.timeout:
        return None
    seg = len(data)
    for level, typ, val in anc:
        if level == SOL_UDP and typ == UDP_GRO:
            seg = struct.unpack("=i", val[:4])[0]
    dgrams = [data[i:i + seg] for i in range(0, len(data), seg)] or [data]
    return dgrams, len(dgrams) > 1


def gso(binary, name, listen, cfam, chost, batch):
    """Bursts of RELAYs sent with UDP GSO, from a registered node."""
    b = Beacon(binary, listen, "--batch", str(batch))
    dst = (b.host, b.port)
    name = f"{name} GSO --batch {batch}"
    try:
        A = client(cfam, chost)
        B = client(cfam, chost)
        B.setsockopt(SOL_UDP, UDP_GRO, 1)
        ida, idb = 0x0a0a0a0a, 0xb0b0b0b0
        for s, nid in ((A, ida), (B, idb)):
            s.sendto(idmsg(DISCOVER, nid), dst)
            recv(s)

        # 20 RELAYs of 5 + 4 + 11 bytes, the last one 11 bytes shorter
        n = 20
        sent = [struct.pack("!BII", RELAY, idb, i) + bytes([i]) * 11
                for i in range(n)]
        sent[-1] = sent[-1][:9]
        send_gso(A, sent, dst)
        got, msgs, merged = [], 0, False
        while len(got) < n:
            r = recv_gro(B)
            if r is None:
                break
            got += r[0]
            msgs += 1
            merged |= r[1]
        want = [struct.pack("!BI", RELAY_DELIVER, ida) + d[5:] for d in sent]
        check(got == want, f"{name}: burst of {n} delivered in order as "
              f"RELAY_DELIVERs from the sender's id ({len(got)} arrived)")
        if batch > 1:
            check(msgs == 1 and merged,
                  f"{name}: burst relayed as one GSO buffer ({msgs} msgs)")
        else:
            check(msgs == n and not merged,
                  f"{name}: burst relayed datagram by datagram "
                  f"({msgs} msgs)")

        # one datagram of 10 to an unknown node: dropped, the rest pass
        m, bad = 10, 4
        sent = [struct.pack("!BII", RELAY, 0x1234 if i == bad else idb, i)
                for i in range(m)]
        send_gso(A, sent, dst)
        got = []
        while len(got) < m - 1:
            r = recv_gro(B)
            if r is None:
                break
            got += r[0]
        check(recv(B, QUIET) is None and
              got == [struct.pack("!BII", RELAY_DELIVER, ida, i)
                      for i in range(m) if i != bad],
              f"{name}: datagram to an unknown node dropped, "
              f"the other {m - 1} delivered in order")

        st, line = b.stats()
        print(f"# {line}")
        want = {"nodes": 2, "relayed": n + m - 1, "drop_unknown_dst": 1,
                "rx": 2 + n + m, "tx": 2 + n + m - 1, "drop_send": 0,
                "drop_truncated": 0}
        bad = {k: (st.get(k), v) for k, v in want.items()
               if st.get(k) != str(v)}
        check(not bad, f"{name}: stats count datagrams {bad or ''}")
        check(b.stop() == 0, f"{name}: SIGTERM exits 0")
        A.close()
        B.close()
    finally:
        b.stop()


def gso_many(binary):
    """GSO bursts with more outputs than the beacon's send arrays hold."""
    b = Beacon(binary, "127.0.0.1:0", "--batch", "2")
    dst = (b.host, b.port)
    name = "GSO --batch 2, long bursts"
    try:
        A = client(socket.AF_INET, "127.0.0.1")
        B = client(socket.AF_INET, "127.0.0.1")
        ida, idb = 1, 2
        for s, nid in ((A, ida), (B, idb)):
            s.sendto(idmsg(DISCOVER, nid), dst)
            recv(s)
        # loopback GSO takes up to 128 segments on new kernels, 64 on old
        n = 100
        try:
            send_gso(A, [idmsg(PUNCH_REQUEST, idb)] * n, dst)
        except OSError:
            n = 64
            send_gso(A, [idmsg(PUNCH_REQUEST, idb)] * n, dst)
        pa = [parse_addr_msg(recv(A)) for _ in range(n)]
        pb = [parse_addr_msg(recv(B)) for _ in range(n)]
        check(pa == [(PUNCH_COMMAND, "127.0.0.1", B.getsockname()[1])] * n
              and pb == [(PUNCH_COMMAND, "127.0.0.1",
                          A.getsockname()[1])] * n,
              f"{name}: {n} PUNCH_REQUESTs command both ends {n} times")
        send_gso(A, [struct.pack("!BII", RELAY, idb, i) for i in range(n)],
                 dst)
        got = [recv(B) for _ in range(n)]
        check(got == [struct.pack("!BII", RELAY_DELIVER, ida, i)
                      for i in range(n)],
              f"{name}: {n} RELAYs delivered in order")
        st, line = b.stats()
        print(f"# {line}")
        check(st.get("rx") == str(2 + 2 * n) and
              st.get("tx") == str(2 + 3 * n) and st.get("drop_send") == "0",
              f"{name}: stats count datagrams")
        check(b.stop() == 0, f"{name}: SIGTERM exits 0")
        A.close()
        B.close()
    finally:
        b.stop()


def expiry(binary):
    b = Beacon(binary, "127.0.0.1:0", "--expire", "1")
    dst = (b.host, b.port)
    try:
        A = client(socket.AF_INET, "127.0.0.1")
        B = client(socket.AF_INET, "127.0.0.1")
        A.sendto(idmsg(DISCOVER, 1), dst)
        recv(A)
        time.sleep(1.6)
        B.sendto(idmsg(DISCOVER, 2), dst)
        recv(B)
        B.sendto(struct.pack("!BI", RELAY, 1) + b"late", dst)
        check(recv(A, QUIET) is None, "expiry: relay to expired node dropped")
        st, line = b.stats()
        print(f"# {line}")
        check(st.get("expirations") == "1" and st.get("nodes") == "1" and
              st.get("drop_unknown_dst") == "1",
              "expiry: --expire 1 expires the silent node only")
        b.proc.send_signal(signal.SIGINT)
        rc = b.stop()
        check(rc == 0, f"expiry: SIGINT exits 0 (rc={rc})")
        with open(b.stats_file) as f:
            js = json.load(f)
        check(js.get("expirations") == 1, "expiry: stats file at exit")
        A.close()
        B.close()
    finally:
        b.stop()


def cap(binary):
    b = Beacon(binary, "127.0.0.1:0", "--max-nodes", "2")
    dst = (b.host, b.port)
    try:
        socks = [client(socket.AF_INET, "127.0.0.1") for _ in range(3)]
        replies = []
        for i, s in enumerate(socks):
            s.sendto(idmsg(DISCOVER, i + 1), dst)
            replies.append(recv(s, QUIET if i == 2 else TIMEOUT))
        st, _ = b.stats()
        check(replies[0] and replies[1] and replies[2] is None and
              st.get("drop_table_full") == "1" and st.get("nodes") == "2",
              "cap: --max-nodes 2 drops the third registration")
        for s in socks:
            s.close()
        check(b.stop() == 0, "cap: SIGTERM exits 0")
    finally:
        b.stop()


def recvfrom(s, timeout=TIMEOUT):
    s.settimeout(timeout)
    try:
        data, addr = s.recvfrom(65536)
        return data, addr[:2]
    except socket.timeout:
        return None, None


def multi_address(binary, listen, threads):
    """A beacon on a wildcard address, asked on 127.0.0.2 by A and on
    127.0.0.1 by B: whatever goes to A leaves from 127.0.0.2, whatever
    goes to B from 127.0.0.1 (issue 11: nodes drop the rest)."""
    b = Beacon(binary, listen, "--threads", str(threads))
    name = f"multi-address {listen} --threads {threads}"
    try:
        A = client(socket.AF_INET, "127.0.0.1")
        B = client(socket.AF_INET, "127.0.0.1")
        da, db = ("127.0.0.2", b.port), ("127.0.0.1", b.port)
        A.sendto(idmsg(DISCOVER, 1), da)
        ra = recvfrom(A)
        B.sendto(idmsg(DISCOVER, 2), db)
        rb = recvfrom(B)
        check(ra[1] == da and rb[1] == db and ra[0] and rb[0],
              f"{name}: DISCOVER_REPLY from the address asked "
              f"({ra[1]}, {rb[1]})")
        A.sendto(struct.pack("!BI", RELAY, 2) + b"to B", da)
        got = recvfrom(B)
        check(got == (struct.pack("!BI", RELAY_DELIVER, 1) + b"to B", db),
              f"{name}: RELAY_DELIVER to B from B's beacon address {got[1]}")
        B.sendto(struct.pack("!BI", RELAY, 1) + b"to A", db)
        got = recvfrom(A)
        check(got == (struct.pack("!BI", RELAY_DELIVER, 2) + b"to A", da),
              f"{name}: RELAY_DELIVER to A from A's beacon address {got[1]}")
        A.sendto(idmsg(PUNCH_REQUEST, 2), da)
        pa, pb = recvfrom(A), recvfrom(B)
        check(pa[1] == da and pb[1] == db,
              f"{name}: PUNCH_COMMANDs from each node's beacon address")
        check(b.stop() == 0, f"{name}: SIGTERM exits 0")
        A.close()
        B.close()
    finally:
        b.stop()


def reload_keeps_table(binary):
    """SIGHUP reloads; the registrations stay and still relay."""
    b = Beacon(binary, "127.0.0.1:0", "--threads", "2")
    dst = (b.host, b.port)
    try:
        A = client(socket.AF_INET, "127.0.0.1")
        B = client(socket.AF_INET, "127.0.0.1")
        for s, nid in ((A, 1), (B, 2)):
            s.sendto(idmsg(DISCOVER, nid), dst)
            recv(s)
        b.proc.send_signal(signal.SIGHUP)
        line = b.wait_line("SIGHUP")
        check(line is not None and "2 nodes kept" in line and
              b.proc.poll() is None,
              f"SIGHUP: reloaded, still running ({line!r})")
        A.sendto(struct.pack("!BI", RELAY, 2) + b"after", dst)
        B.sendto(struct.pack("!BI", RELAY, 1) + b"after", dst)
        check(recv(B) == struct.pack("!BI", RELAY_DELIVER, 1) + b"after" and
              recv(A) == struct.pack("!BI", RELAY_DELIVER, 2) + b"after",
              "SIGHUP: registered nodes still relay without registering "
              "again")
        st, _ = b.stats()
        check(st.get("nodes") == "2" and st.get("registrations") == "2",
              "SIGHUP: table kept (nodes=2)")
        check(b.stop() == 0, "SIGHUP: SIGTERM exits 0 afterwards")
        A.close()
        B.close()
    finally:
        b.stop()


def recv_error(binary):
    """recvmmsg() failing (here the first 3 calls, ENOMEM, through the
    test build's --wrap=recvmmsg) is logged and counted; the beacon goes
    on and answers the datagram that was waiting."""
    b = Beacon(binary, "127.0.0.1:0", "--threads", "1",
               env={"OVL_BEACON_TEST_RECVMMSG_FAIL": "3"})
    dst = (b.host, b.port)
    try:
        A = client(socket.AF_INET, "127.0.0.1")
        A.sendto(idmsg(DISCOVER, 1), dst)
        got = parse_addr_msg(recv(A))
        line = b.wait_line("recvmmsg")
        check(got and got[0] == DISCOVER_REPLY and b.proc.poll() is None,
              "recvmmsg error: survived, the request answered")
        check(line is not None and "Cannot allocate memory" in line,
              f"recvmmsg error: logged ({line!r})")
        st, _ = b.stats()
        check(st.get("recv_errors") == "3" and st.get("replies") == "1",
              f"recvmmsg error: counted (recv_errors={st.get('recv_errors')})")
        check(b.stop() == 0, "recvmmsg error: SIGTERM exits 0")
        A.close()
    finally:
        b.stop()


def threads(binary):
    """--threads 2: two SO_REUSEPORT sockets on one port, one table:
    eight nodes (the kernel spreads them over both sockets) relay in a
    ring, each to the next, and all of it arrives."""
    b = Beacon(binary, "127.0.0.1:0", "--threads", "2")
    dst = (b.host, b.port)
    try:
        n = 8
        socks = [client(socket.AF_INET, "127.0.0.1") for _ in range(n)]
        for i, s in enumerate(socks):
            s.sendto(idmsg(DISCOVER, i + 1), dst)
            recv(s)
        tasks = len(os.listdir(f"/proc/{b.proc.pid}/task"))
        port = f"{b.port:04X}"
        with open("/proc/net/udp") as f:
            nsock = sum(1 for ln in f
                        if ln.split()[1].endswith(":" + port))
        check(nsock == 2 and tasks == 3,
              f"--threads 2: two sockets on the port ({nsock}), "
              f"two workers and the main thread ({tasks} tasks)")
        ok = 0
        for rnd in range(5):
            for i, s in enumerate(socks):
                s.sendto(struct.pack("!BIBB", RELAY, (i + 1) % n + 1, i,
                                     rnd), dst)
            for i, s in enumerate(socks):
                frm = (i - 1) % n
                if recv(s) == struct.pack("!BIBB", RELAY_DELIVER, frm + 1,
                                          frm, rnd):
                    ok += 1
        check(ok == 5 * n, f"--threads 2: {ok}/{5 * n} relays in a ring "
              f"of {n} nodes arrived")
        st, _ = b.stats()
        check(st.get("nodes") == str(n) and st.get("relayed") == str(5 * n),
              "--threads 2: one table, counters of both workers added up")
        for s in socks:
            s.close()
        check(b.stop() == 0, "--threads 2: SIGTERM exits 0")
    finally:
        b.stop()


def stats_file(binary):
    """The stats file is replaced whole, never written through a link
    planted at the old fixed temporary name or at its own name, and no
    temporary file is left behind."""
    b = Beacon(binary, "127.0.0.1:0", "--threads", "1")
    d = os.path.dirname(b.stats_file)
    victim = os.path.join(tempfile.mkdtemp(), "victim")
    try:
        with open(victim, "w") as f:
            f.write("precious\n")
        os.symlink(victim, b.stats_file + ".tmp")
        os.symlink(victim, b.stats_file)
        bad, reads, stop = [], [0], threading.Event()

        def reader():
            while not stop.is_set():
                try:
                    with open(b.stats_file) as f:
                        text = f.read()
                except FileNotFoundError:
                    continue
                if text == "precious\n":
                    continue
                reads[0] += 1
                try:
                    json.loads(text)
                except ValueError:
                    bad.append(text)
        t = threading.Thread(target=reader, daemon=True)
        t.start()
        for _ in range(40):
            b.proc.send_signal(signal.SIGUSR1)
            time.sleep(0.01)
        while b.wait_line("nodes=", 0.5):
            pass
        stop.set()
        t.join()
        with open(victim) as f:
            check(f.read() == "precious\n",
                  "stats file: symlinked target never written")
        check(os.path.isfile(b.stats_file) and
              not os.path.islink(b.stats_file),
              "stats file: a link at its name replaced by the file")
        check(not bad and reads[0] > 0,
              f"stats file: {reads[0]} concurrent reads, all whole JSON "
              f"({len(bad)} partial)")
        check(b.stop() == 0, "stats file: SIGTERM exits 0")
        left = sorted(set(os.listdir(d)) - {"stats.json", "stats.json.tmp"})
        check(not left, f"stats file: no temporary file left {left}")
    finally:
        b.stop()


def unprivileged(binary):
    """As the service runs it: an ordinary user (nobody), no capability,
    a port above 1023, the stats file in a directory of its own."""
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        print("ok - unprivileged # SKIP not root or no setpriv")
        return
    import pwd
    pw = pwd.getpwnam("nobody")
    d = tempfile.mkdtemp()
    os.chmod(d, 0o755)
    os.chown(d, pw.pw_uid, pw.pw_gid)
    prefix = ["setpriv", f"--reuid={pw.pw_uid}", f"--regid={pw.pw_gid}",
              "--clear-groups", "--inh-caps=-all", "--bounding-set=-all",
              "--no-new-privs"]
    b = Beacon(binary, "127.0.0.1:0", "--threads", "2", prefix=prefix,
               stats_dir=d)
    dst = (b.host, b.port)
    try:
        with open(f"/proc/{b.proc.pid}/status") as f:
            st = dict(ln.split(":", 1) for ln in f)
        uid = int(st["Uid"].split()[1])
        A = client(socket.AF_INET, "127.0.0.1")
        A.sendto(idmsg(DISCOVER, 1), dst)
        got = parse_addr_msg(recv(A))
        check(uid == pw.pw_uid and int(st["CapEff"], 16) == 0 and
              got and got[0] == DISCOVER_REPLY,
              f"unprivileged: as uid {uid}, no capabilities, it serves")
        b.proc.send_signal(signal.SIGHUP)
        line = b.wait_line("SIGHUP")
        deadline = time.monotonic() + TIMEOUT
        while not os.path.exists(b.stats_file) and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        check(line is not None and os.path.exists(b.stats_file) and
              os.stat(b.stats_file).st_uid == pw.pw_uid,
              "unprivileged: SIGHUP, stats file written in its directory")
        check(b.stop() == 0, "unprivileged: SIGTERM exits 0")
        A.close()
    finally:
        b.stop()


NETNS_SETUP = """set -e
ip link set lo up
ip addr add fd00::1/128 dev lo
ip addr add fd00::2/128 dev lo
ip link add v0 type veth peer name v1
ip addr add fe80::1/64 dev v0 nodad
ip addr add fe80::2/64 dev v1 nodad
ip link set v0 up
ip link set v1 up
"""


def netns_tests(binary):
    """In a private network namespace (run as root): IPv6 on a host with
    two addresses, and a link-local node fe80::2 behind veth v1 talking
    to the beacon's fe80::1 on v0: its replies need its scope id."""
    b = Beacon(binary, "[::]:0", "--threads", "2")
    try:
        A = client(socket.AF_INET6, "fd00::1")
        B = client(socket.AF_INET6, "fd00::1")
        da, db = ("fd00::2", b.port), ("fd00::1", b.port)
        A.sendto(idmsg(DISCOVER, 1), da)
        ra = recvfrom(A)
        B.sendto(idmsg(DISCOVER, 2), db)
        rb = recvfrom(B)
        check(ra[1] == da and rb[1] == db,
              f"netns ipv6 multi-address: replies from the address asked "
              f"({ra[1]}, {rb[1]})")
        idx = socket.if_nametoindex("v1")
        L = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        L.bind(("fe80::2", 0, 0, idx))
        dl = ("fe80::1", b.port, 0, idx)
        L.sendto(idmsg(DISCOVER, 3), dl)
        got, frm = recvfrom(L)
        check(parse_addr_msg(got) == (DISCOVER_REPLY, "fe80::2",
                                      L.getsockname()[1]) and
              frm == ("fe80::1", b.port),
              f"netns link-local: DISCOVER_REPLY reaches fe80::2%v1 "
              f"({parse_addr_msg(got)} from {frm})")
        A.sendto(struct.pack("!BI", RELAY, 3) + b"to L", da)
        got, _ = recvfrom(L)
        check(got == struct.pack("!BI", RELAY_DELIVER, 1) + b"to L",
              "netns link-local: RELAY_DELIVER reaches the link-local node")
        L.sendto(struct.pack("!BI", RELAY, 1) + b"to A", dl)
        got = recvfrom(A)
        check(got == (struct.pack("!BI", RELAY_DELIVER, 3) + b"to A", da),
              "netns link-local: its relay reaches A, from A's beacon "
              "address")
        st, _ = b.stats()
        check(st.get("drop_send") == "0", "netns: nothing failed to send")
        check(b.stop() == 0, "netns: SIGTERM exits 0")
    finally:
        b.stop()


def netns(binary):
    """Run netns_tests() in a new network namespace, if root."""
    global passes, failures
    if os.geteuid() != 0:
        print("ok - netns # SKIP not root")
        return
    cmd = ["unshare", "-n", "sh", "-c",
           NETNS_SETUP + 'exec "$0" "$1" "$2" --netns "$2"',
           sys.executable, os.path.abspath(__file__),
           os.path.abspath(binary)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        check(False, f"netns: {e}")
        return
    if "setup-ok" not in r.stdout:
        print(f"ok - netns # SKIP cannot set up: {r.stderr.strip()[:200]}")
        return
    for line in r.stdout.splitlines():
        if line.startswith("ok"):
            passes += 1
        elif line.startswith("not ok"):
            failures += 1
        if line != "setup-ok":
            print(line)
    if r.returncode and "not ok" not in r.stdout:
        check(False, f"netns: exit {r.returncode}: {r.stderr[-300:]}")


def have_ipv6():
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        s.bind(("::1", 0))
        s.close()
        return True
    except OSError:
        return False


def main():
    binary = sys.argv[1]
    if len(sys.argv) > 2 and sys.argv[2] == "--netns":
        print("setup-ok", flush=True)
        binary = sys.argv[3]
        netns_tests(binary)
        return 1 if failures else 0
    scenario(binary, "ipv4", "127.0.0.1:0", socket.AF_INET, "127.0.0.1",
             "127.0.0.1", 32)
    if have_ipv6():
        scenario(binary, "ipv6", "[::1]:0", socket.AF_INET6, "::1", "::1", 7)
        scenario(binary, "dual-stack", "[::ffff:127.0.0.1]:0",
                 socket.AF_INET, "127.0.0.1", "127.0.0.1", 1)
    else:
        print("ok - ipv6 # SKIP no IPv6 loopback")
    for batch in (32, 1):
        gso(binary, "ipv4", "127.0.0.1:0", socket.AF_INET, "127.0.0.1",
            batch)
    if have_ipv6():
        gso(binary, "ipv6", "[::1]:0", socket.AF_INET6, "::1", 7)
        gso(binary, "dual-stack", "[::ffff:127.0.0.1]:0", socket.AF_INET,
            "127.0.0.1", 32)
    gso_many(binary)
    expiry(binary)
    cap(binary)
    multi_address(binary, "0.0.0.0:0", 1)
    multi_address(binary, "0.0.0.0:0", 2)
    if have_ipv6():
        multi_address(binary, "[::]:0", 2)
    reload_keeps_table(binary)
    recv_error(binary)
    threads(binary)
    stats_file(binary)
    unprivileged(binary)
    netns(binary)
    print(f"# integration: {passes} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
