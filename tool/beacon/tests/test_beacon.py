#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Integration test of ovl-beacon on loopback: the server around the
protocol (sockets, batches, GRO/GSO, threads, expiry, the table's cap,
replies from the address asked, SIGHUP, recvmmsg errors, the stats file,
an unprivileged user, link-local IPv6).  Every node registers and relays
by protocol v2 (beaconlib.py; the attacks are test_v2.py's).

Usage: test_beacon.py PATH-TO-OVL-BEACON PATH-TO-MKCERT

Starts the daemon on 127.0.0.1, [::1] and [::ffff:127.0.0.1] (dual-stack)
with port 0 and --ca of a test CA, reads the port it bound from its
first stderr line, and talks to it with plain UDP sockets.  Every wait is
bounded; the daemon is killed if a test leaves it running.

The GSO cases send bursts of RELAYs as one UDP_SEGMENT send, which a
beacon with --batch > 1 receives as one GRO message, and receive with
UDP_GRO on, to see whether the beacon sent the burst back as one buffer.
"""
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import beaconlib  # noqa: E402
from beaconlib import (  # noqa: E402
    DISCOVER_REPLY, PUNCH_REQUEST, RELAY, TIMEOUT, Beacon, Node, Test,
    check, get_addr, probe, siphash)

UDP_SEGMENT, UDP_GRO = 103, 104     # <linux/udp.h>
SOL_UDP = getattr(socket, "SOL_UDP", 17)
QUIET = 0.3     # how long "nothing arrives" is waited for

MKCERT = None


def start(*args, listen="127.0.0.1:0", **kw):
    """A test CA and a beacon of it; nodes of the CA talk to it."""
    t = Test(MKCERT)
    b = Beacon(BINARY, *args, listen=listen, ca=t.ca, **kw)
    t.beacon = b.addr
    return t, b


def nodes(t, host, ids, **kw):
    """Registered nodes of @ids at @host."""
    got = []
    for i in ids:
        n = Node(t, i, host, **kw)
        check(n.register(), f"node {i} at {host} registers")
        got.append(n)
    return got


def probe_reply(n):
    """(host, port) the beacon saw of @n, by the 32-byte probe."""
    nonce = os.urandom(8)
    n.send(probe(nonce))
    r = n.recv()
    if not r or r[0] != DISCOVER_REPLY or r[-8:] != nonce:
        return None
    return get_addr(r[1:])[:2]


def want_stats(st, want):
    return {k: (st.get(k), v) for k, v in want.items() if st.get(k) != v}


def scenario(name, listen, chost, want_ip, batch, dst=None):
    t, b = start("--batch", str(batch), listen=listen)
    if dst:
        t.beacon = (dst, b.port)
    try:
        A, B = nodes(t, chost, (0x0a0a0a0a, 0xb0b0b0b0))
        check(A.seen == (want_ip, A.port) and B.seen == (want_ip, B.port),
              f"{name}: REGISTER_OK carries the observed address {A.seen}")
        inner = b"\x12inner frame of some bytes"
        A.relay(B.id, inner)
        got = B.recv()
        check(got == B.delivery(A.id, inner),
              f"{name}: RELAY arrives as RELAY_DELIVER with the sender's "
              f"id and B's tag")

        C = Node(t, 0x0c0c0c0c, chost)              # never registered
        C.k_up = os.urandom(16)
        C.relay(B.id, b"\x12forged")                # unregistered
        A.relay(0x1234, b"\x12x")                   # unknown destination
        A.send(A.relay_msg(B.id, b"")[:13])         # empty
        A.send(b"\x01\x00")                         # short
        A.send(b"\x7f" + bytes(10))                 # unknown type
        check(B.recv(QUIET) is None and A.recv(QUIET) is None and
              C.recv(QUIET) is None,
              f"{name}: forged/unknown/empty/junk datagrams are dropped")
        got = probe_reply(C)
        check(got == (want_ip, C.port),
              f"{name}: the probe (DISCOVER of node id 0) is answered "
              f"{got}")

        A.punch_request(B.id)
        pa, pb = A.punch_command(A.recv()), B.punch_command(B.recv())
        check(pa == (B.id, (want_ip, B.port)) and
              pb == (A.id, (want_ip, A.port)),
              f"{name}: PUNCH_REQUEST commands both ends {pa} {pb}")
        C.punch_request(B.id)
        check(B.recv(QUIET) is None and C.recv(QUIET) is None,
              f"{name}: PUNCH_REQUEST from an unregistered sender dropped")

        # a burst larger than the batch: every datagram gets through
        # (chunks of 50, drained in between, so that B's own receive
        # buffer, not the beacon, is never what overflows)
        n, chunk = 300, 50
        seen = set()
        for base in range(0, n, chunk):
            for i in range(base, base + chunk):
                A.relay(B.id, struct.pack("!I", i) + bytes(12))
            while len(seen) < base + chunk:
                got = B.recv(1.0)
                if got is None:
                    break
                i = struct.unpack("!I", got[13:17])[0]
                if got == B.delivery(A.id, struct.pack("!I", i) +
                                     bytes(12)):
                    seen.add(i)
        check(len(seen) == n, f"{name}: burst of {n} relayed "
              f"with --batch {batch} ({len(seen)} arrived)")

        st, line = b.stats_line()
        print(f"# {line}")
        # in: 2 HELLO, 2 REGISTER, 1 RELAY, 5 dropped, 1 probe, 2 punch
        # requests, the burst; out: 2 COOKIE, 2 REGISTER_OK, 1 delivery,
        # 1 probe reply, 2 PUNCH_COMMANDs, the burst
        bad = want_stats(st, {
            "nodes": 2, "registrations": 2, "relayed": n + 1,
            "punches": 1, "relay_unregistered": 1, "relay_unknown_dst": 1,
            "drop_empty_relay": 1, "drop_short": 1, "drop_unknown_type": 1,
            "punch_refused": 1, "probes": 1, "rx": n + 13, "tx": n + 8})
        check(not bad, f"{name}: SIGUSR1 stats line {bad or ''}")
        time.sleep(0.1)
        with open(b.stats_file) as f:
            js = json.load(f)
        check(js.get("relayed") == n + 1 and js.get("nodes") == 2,
              f"{name}: --stats-file JSON written on SIGUSR1")
        rc = b.stop()
        check(rc == 0, f"{name}: SIGTERM exits 0 (rc={rc})")
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


def gso(name, listen, chost, batch, dst=None):
    """Bursts of RELAYs sent with UDP GSO, from a registered node: each
    datagram's tag checked, each rewritten in place with the receiver's."""
    t, b = start("--batch", str(batch), listen=listen)
    if dst:
        t.beacon = (dst, b.port)
    name = f"{name} GSO --batch {batch}"
    try:
        A, B = nodes(t, chost, (0x0a0a0a0a, 0xb0b0b0b0))
        B.s.setsockopt(SOL_UDP, UDP_GRO, 1)

        # 20 RELAYs of 13 + 28 bytes, the last one 11 bytes shorter
        n = 20
        inner = [struct.pack("!I", i) + bytes([i]) * 24 for i in range(n)]
        inner[-1] = inner[-1][:-11]
        send_gso(A.s, [A.relay_msg(B.id, x) for x in inner], t.beacon)
        got, msgs, merged = [], 0, False
        while len(got) < n:
            r = recv_gro(B.s)
            if r is None:
                break
            got += r[0]
            msgs += 1
            merged |= r[1]
        want = [B.delivery(A.id, x) for x in inner]
        check(got == want, f"{name}: burst of {n} delivered in order as "
              f"RELAY_DELIVERs from the sender's id ({len(got)} arrived)")
        if batch > 1:
            check(msgs == 1 and merged,
                  f"{name}: burst relayed as one GSO buffer ({msgs} msgs)")
        else:
            check(msgs == n and not merged,
                  f"{name}: burst relayed datagram by datagram "
                  f"({msgs} msgs)")

        # one datagram of 10 to an unknown node, one with a bad tag:
        # dropped, the rest pass
        m, unknown, forged = 10, 4, 7
        inner = [struct.pack("!I", i) + bytes(12) for i in range(m)]
        sent = [A.relay_msg(0x1234 if i == unknown else B.id, x,
                            key=A.k_down if i == forged else None)
                for i, x in enumerate(inner)]
        send_gso(A.s, sent, t.beacon)
        got = []
        while len(got) < m - 2:
            r = recv_gro(B.s)
            if r is None:
                break
            got += r[0]
        check(B.recv(QUIET) is None and
              got == [B.delivery(A.id, x) for i, x in enumerate(inner)
                      if i not in (unknown, forged)],
              f"{name}: datagrams to an unknown node or with a bad tag "
              f"dropped, the other {m - 2} delivered in order")

        st, line = b.stats_line()
        print(f"# {line}")
        bad = want_stats(st, {
            "nodes": 2, "relayed": n + m - 2, "relay_unknown_dst": 1,
            "bad_mac": 1, "rx": 4 + n + m, "tx": 4 + n + m - 2,
            "drop_send": 0, "drop_truncated": 0})
        check(not bad, f"{name}: stats count datagrams {bad or ''}")
        check(b.stop() == 0, f"{name}: SIGTERM exits 0")
    finally:
        b.stop()


def gso_many():
    """A GSO burst of PUNCH_REQUESTs (two PUNCH_COMMANDs each if served)
    to twenty peers in turn, through --batch 2's send arrays (132
    entries): the requester's overall budget serves its burst of 8 and
    refuses the rest, however many targets it cycles over; then a GSO
    burst of RELAYs, each delivered in order."""
    t, b = start("--batch", "2")
    name = "GSO --batch 2, long bursts"
    try:
        A, = nodes(t, "127.0.0.1", (1,))
        peers = [Node(t, 2 + i, f"127.0.{1 + i // 10}.{1 + i % 10}")
                 for i in range(20)]
        check(all(p.register() for p in peers), f"{name}: 20 peers "
              f"registered")
        # loopback GSO takes up to 128 segments on new kernels, 64 on old
        for n in (100, 64):
            reqs = []
            for i in range(n):
                A.punch_seq += 1
                m = bytes([PUNCH_REQUEST]) + struct.pack(
                    ">IQ", peers[i % 20].id, A.punch_seq)
                reqs.append(m + siphash(A.k_up, m))
            try:
                send_gso(A.s, reqs, t.beacon)
                break
            except OSError:
                A.punch_seq -= n
        pa = [A.punch_command(d) for d in A.drain(QUIET)]
        pb = [p.punch_command(d) for p in peers for d in p.drain(0.01)]
        st, line = b.stats_line()
        print(f"# {line}")
        k = st.get("punches", 0)
        # the overall budget: burst 8, 4 a second (docs/beacon-auth.md)
        check(len(pa) == len(pb) == k and 8 <= k <= 9 and
              k + st.get("punch_rate_limited", 0) == n and
              all(c and c[1] == ("127.0.0.1" if c[0] == 1 else
                                 f"127.0.{1 + (c[0] - 2) // 10}."
                                 f"{1 + (c[0] - 2) % 10}", c[1][1])
                  for c in pa + pb),
              f"{name}: {n} PUNCH_REQUESTs in one burst, {k} served: "
              f"{len(pa)} + {len(pb)} valid PUNCH_COMMANDs, none lost")
        send_gso(A.s, [A.relay_msg(2, struct.pack("!I", i) + bytes(12))
                       for i in range(n)], t.beacon)
        got = [peers[0].recv() for _ in range(n)]
        check(got == [peers[0].delivery(1, struct.pack("!I", i) + bytes(12))
                      for i in range(n)],
              f"{name}: {n} RELAYs delivered in order")
        st, line = b.stats_line()
        print(f"# {line}")
        bad = want_stats(st, {"rx": 42 + 2 * n, "tx": 42 + 2 * k + n,
                              "drop_send": 0})
        check(not bad, f"{name}: stats count datagrams {bad or ''}")
        check(b.stop() == 0, f"{name}: SIGTERM exits 0")
    finally:
        b.stop()


def expiry():
    t, b = start("--expire", "1")
    try:
        A, = nodes(t, "127.0.0.1", (1,))
        time.sleep(1.6)
        B, = nodes(t, "127.0.0.1", (2,))
        B.relay(1, b"\x12late")
        check(A.recv(QUIET) is None, "expiry: relay to expired node dropped")
        st, line = b.stats_line()
        print(f"# {line}")
        check(st.get("expirations") == 1 and st.get("nodes") == 1 and
              st.get("relay_unknown_dst") == 1,
              "expiry: --expire 1 expires the silent node only")
        b.proc.send_signal(signal.SIGINT)
        rc = b.stop()
        check(rc == 0, f"expiry: SIGINT exits 0 (rc={rc})")
        with open(b.stats_file) as f:
            js = json.load(f)
        check(js.get("expirations") == 1, "expiry: stats file at exit")
    finally:
        b.stop()


def cap():
    """--max-nodes 2: a third registration evicts the stalest."""
    t, b = start("--max-nodes", "2")
    try:
        A, B = nodes(t, "127.0.0.1", (1, 2))
        check(B.refresh() is not None, "cap: B refreshes (A is stalest)")
        C, = nodes(t, "127.0.0.1", (3,))
        C.relay(1, b"\x12to A")
        C.relay(2, b"\x12to B")
        check(A.recv(QUIET) is None and B.deliver() == (3, b"\x12to B"),
              "cap: the stalest (A) went, B still receives")
        st = b.stats()
        check(st.get("evictions") == 1 and st.get("nodes") == 2 and
              st.get("relay_unknown_dst") == 1,
              f"cap: --max-nodes 2, one eviction ({st.get('evictions')})")
        check(b.stop() == 0, "cap: SIGTERM exits 0")
    finally:
        b.stop()


def multi_address(listen, threads):
    """A beacon on a wildcard address, asked on 127.0.0.2 by A and on
    127.0.0.1 by B: whatever goes to A leaves from 127.0.0.2, whatever
    goes to B from 127.0.0.1 (issue 11: nodes drop the rest; so does
    Node.recv())."""
    t, b = start("--threads", str(threads), listen=listen)
    name = f"multi-address {listen} --threads {threads}"
    da, db = ("127.0.0.2", b.port), ("127.0.0.1", b.port)
    try:
        A = Node(t, 1, "127.0.0.1", beacon=da)
        B = Node(t, 2, "127.0.0.1", beacon=db)
        check(A.register() and B.register(),
              f"{name}: COOKIE and REGISTER_OK from the address asked "
              f"({A.last_src}, {B.last_src})")
        check(A.refresh() and B.refresh(),
              f"{name}: DISCOVER_REPLY from the address asked")
        A.relay(2, b"\x12to B")
        got = B.deliver()
        check(got == (1, b"\x12to B"),
              f"{name}: RELAY_DELIVER to B from B's beacon address "
              f"{B.last_src}")
        B.relay(1, b"\x12to A")
        got = A.deliver()
        check(got == (2, b"\x12to A"),
              f"{name}: RELAY_DELIVER to A from A's beacon address "
              f"{A.last_src}")
        A.punch_request(2)
        pa, pb = A.punch_command(A.recv()), B.punch_command(B.recv())
        check(pa and pb,
              f"{name}: PUNCH_COMMANDs from each node's beacon address")
        check(b.stop() == 0, f"{name}: SIGTERM exits 0")
    finally:
        b.stop()


def reload_keeps_table():
    """SIGHUP reloads; the registrations stay and still relay."""
    t, b = start("--threads", "2")
    try:
        A, B = nodes(t, "127.0.0.1", (1, 2))
        b.proc.send_signal(signal.SIGHUP)
        line = b.wait_line("nodes kept")
        check(line is not None and "2 nodes kept" in line and
              b.proc.poll() is None,
              f"SIGHUP: reloaded, still running ({line!r})")
        A.relay(2, b"\x12after")
        B.relay(1, b"\x12after")
        check(B.deliver() == (1, b"\x12after") and
              A.deliver() == (2, b"\x12after"),
              "SIGHUP: registered nodes still relay without registering "
              "again")
        st = b.stats()
        check(st.get("nodes") == 2 and st.get("registrations") == 2,
              "SIGHUP: table kept (nodes=2)")
        check(b.stop() == 0, "SIGHUP: SIGTERM exits 0 afterwards")
    finally:
        b.stop()


def recv_error():
    """recvmmsg() failing (here the first 3 calls, ENOMEM, through the
    test build's --wrap=recvmmsg) is logged and counted; the beacon goes
    on and answers the datagram that was waiting."""
    t, b = start(env={"OVL_BEACON_TEST_RECVMMSG_FAIL": "3"})
    try:
        A = Node(t, 1, "127.0.0.1")
        got = probe_reply(A)
        line = b.wait_line("recvmmsg")
        check(got == ("127.0.0.1", A.port) and b.proc.poll() is None,
              "recvmmsg error: survived, the request answered")
        check(line is not None and "Cannot allocate memory" in line,
              f"recvmmsg error: logged ({line!r})")
        st = b.stats()
        check(st.get("recv_errors") == 3 and st.get("replies") == 1,
              f"recvmmsg error: counted (recv_errors={st.get('recv_errors')})")
        check(b.stop() == 0, "recvmmsg error: SIGTERM exits 0")
    finally:
        b.stop()


def threads():
    """--threads 2: two SO_REUSEPORT sockets on one port, one table:
    eight nodes (the kernel spreads them over both sockets) relay in a
    ring, each to the next, and all of it arrives."""
    t, b = start("--threads", "2")
    try:
        n = 8
        ring = nodes(t, "127.0.0.1", range(1, n + 1))
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
            for i, s in enumerate(ring):
                s.relay(ring[(i + 1) % n].id, struct.pack("!BB", i, rnd))
            for i, s in enumerate(ring):
                frm = (i - 1) % n
                if s.deliver() == (frm + 1, struct.pack("!BB", frm, rnd)):
                    ok += 1
        check(ok == 5 * n, f"--threads 2: {ok}/{5 * n} relays in a ring "
              f"of {n} nodes arrived")
        st = b.stats()
        check(st.get("nodes") == n and st.get("relayed") == 5 * n,
              "--threads 2: one table, counters of both workers added up")
        check(b.stop() == 0, "--threads 2: SIGTERM exits 0")
    finally:
        b.stop()


def stats_file():
    """The stats file is replaced whole, never written through a link
    planted at the old fixed temporary name or at its own name, and no
    temporary file is left behind."""
    t, b = start()
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
        th = threading.Thread(target=reader, daemon=True)
        th.start()
        for _ in range(40):
            b.proc.send_signal(signal.SIGUSR1)
            time.sleep(0.01)
        while b.wait_line("nodes=", 0.5):
            pass
        stop.set()
        th.join()
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


def unprivileged():
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
    t, b = start("--threads", "2", prefix=prefix, stats_dir=d)
    try:
        with open(f"/proc/{b.proc.pid}/status") as f:
            st = dict(ln.split(":", 1) for ln in f)
        uid = int(st["Uid"].split()[1])
        A, = nodes(t, "127.0.0.1", (1,))
        check(uid == pw.pw_uid and int(st["CapEff"], 16) == 0 and
              A.refresh() is not None,
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


def netns_tests():
    """In a private network namespace (run as root): IPv6 on a host with
    two addresses, and a link-local node fe80::2 behind veth v1 talking
    to the beacon's fe80::1 on v0: its replies need its scope id."""
    t, b = start("--threads", "2", listen="[::]:0")
    try:
        da, db = ("fd00::2", b.port), ("fd00::1", b.port)
        A = Node(t, 1, "fd00::1", beacon=da)
        B = Node(t, 2, "fd00::1", beacon=db)
        check(A.register() and B.register(),
              f"netns ipv6 multi-address: replies from the address asked "
              f"({A.last_src}, {B.last_src})")
        idx = socket.if_nametoindex("v1")
        L = Node(t, 3, "fe80::2", bind=("fe80::2", 0, 0, idx),
                 beacon=("fe80::1", b.port, 0, idx))
        check(L.register() and L.seen == ("fe80::2", L.port),
              f"netns link-local: REGISTER_OK reaches fe80::2%v1 "
              f"({L.seen} from {L.last_src})")
        A.relay(3, b"\x12to L")
        check(L.deliver() == (1, b"\x12to L"),
              "netns link-local: RELAY_DELIVER reaches the link-local node")
        L.relay(1, b"\x12to A")
        check(A.deliver() == (3, b"\x12to A"),
              f"netns link-local: its relay reaches A, from A's beacon "
              f"address ({A.last_src})")
        st = b.stats()
        check(st.get("drop_send") == 0, "netns: nothing failed to send")
        check(b.stop() == 0, "netns: SIGTERM exits 0")
    finally:
        b.stop()


def netns():
    """Run netns_tests() in a new network namespace, if root."""
    if os.geteuid() != 0:
        print("ok - netns # SKIP not root")
        return
    cmd = ["unshare", "-n", "sh", "-c",
           NETNS_SETUP + 'exec "$0" "$1" "$2" "$3" --netns',
           sys.executable, os.path.abspath(__file__),
           os.path.abspath(BINARY), os.path.abspath(MKCERT)]
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
            beaconlib.passes += 1
        elif line.startswith("not ok"):
            beaconlib.failures += 1
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
    global BINARY, MKCERT
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    BINARY, MKCERT = sys.argv[1], sys.argv[2]
    if len(sys.argv) > 3 and sys.argv[3] == "--netns":
        print("setup-ok", flush=True)
        netns_tests()
        return 1 if beaconlib.failures else 0
    start_time = time.monotonic()
    scenario("ipv4", "127.0.0.1:0", "127.0.0.1", "127.0.0.1", 32)
    if have_ipv6():
        scenario("ipv6", "[::1]:0", "::1", "::1", 7)
        scenario("dual-stack", "[::ffff:127.0.0.1]:0", "127.0.0.1",
                 "127.0.0.1", 1, dst="127.0.0.1")
    else:
        print("ok - ipv6 # SKIP no IPv6 loopback")
    for batch in (32, 1):
        gso("ipv4", "127.0.0.1:0", "127.0.0.1", batch)
    if have_ipv6():
        gso("ipv6", "[::1]:0", "::1", 7)
        gso("dual-stack", "[::ffff:127.0.0.1]:0", "127.0.0.1", 32,
            dst="127.0.0.1")
    gso_many()
    expiry()
    cap()
    multi_address("0.0.0.0:0", 1)
    multi_address("0.0.0.0:0", 2)
    if have_ipv6():
        multi_address("[::]:0", 2)
    reload_keeps_table()
    recv_error()
    threads()
    stats_file()
    unprivileged()
    netns()
    return beaconlib.summary("integration", start_time)


BINARY = None

if __name__ == "__main__":
    sys.exit(main())
