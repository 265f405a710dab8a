#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A fake beacon for beacon2.sh (docs/beacon-auth.md), in python with no
third-party module: it speaks the kernel's half of the beacon protocol to
host A's ovl0 and checks what the kernel does.

Runs in A's namespace (ovl-a), talking to ovl0 over raw netlink (ctrl.py's
Genl) and running ovlctl; its beacon sockets live in B's namespace
(ovl-b, opened there with setns()), at the address 192.0.2.2:7000 that A
is given as its beacon.  Each case installs fresh registration keys with
"ovlctl dev set ovl0 beacon 192.0.2.2:7000 beacon-keys HEX".

  beacon2.py keys       OVL_A_DEV_BEACON_KEYS: needs a beacon, exactly 32
                        bytes, never read back, cleared by a new beacon
  beacon2.py nokeys     a beacon without keys: nothing sent to it, its
                        replies, punch commands and relay deliveries
                        dropped as beacon_auth, no relay (a pinned peer's
                        packets dropped as tx_no_beacon, a blackholed peer
                        stays direct, where with keys it goes to relay and
                        comes back when the keys go)
  beacon2.py refresh    the refresh's form, MAC and seq; DISCOVER_REPLY
                        accepted only authenticated, fresh and answering a
                        refresh that was sent; new keys for the same beacon
                        keep the public endpoint, a new beacon clears it
  beacon2.py punch      PUNCH_COMMAND: authenticated, fresh; bad targets
                        refused; the rate limit; a punched address probed
                        for a relayed peer only
  beacon2.py ctrl       HELLO/REGISTER/PUNCH_REQUEST ctrl-send only to the
                        beacon, and without keys; COOKIE/REREGISTER up only
                        from it; nothing relayed without keys
  beacon2.py relay      A's RELAYs carry a correct tag; RELAY_DELIVERs are
                        accepted only with a good tag (B, with keys of its
                        own and pinned to relay through us, is bridged: a
                        ping runs through)

Prints what it checks; exits 1 on the first failure."""

import ctypes
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ctrl as nl  # noqa: E402  (raw netlink of the "ovl" family)

U = nl.U
B_NS = "ovl-b"
A = ("192.0.2.1", 4500)
B = ("192.0.2.2", 4500)
BEACON = ("192.0.2.2", 7000)
OVLCTL = os.environ.get("OVLCTL", "ovlctl")

DISCOVER, DISCOVER_REPLY, PUNCH_COMMAND = 1, 2, 4
RELAY, RELAY_DELIVER, PUNCH, PROBE = 5, 6, 0x14, 0x13

M64 = (1 << 64) - 1


def _rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & M64


def siphash24(key, msg):
    """SipHash-2-4, libsodium's crypto_shorthash_siphash24, as an int."""
    k0, k1 = struct.unpack("<QQ", key)
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D,
         k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rnd():
        v[0] = (v[0] + v[1]) & M64
        v[1] = _rotl(v[1], 13) ^ v[0]
        v[0] = _rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M64
        v[3] = _rotl(v[3], 16) ^ v[2]
        v[0] = (v[0] + v[3]) & M64
        v[3] = _rotl(v[3], 21) ^ v[0]
        v[2] = (v[2] + v[1]) & M64
        v[1] = _rotl(v[1], 17) ^ v[2]
        v[2] = _rotl(v[2], 32)

    n = len(msg) - len(msg) % 8
    for i in range(0, n, 8):
        m, = struct.unpack_from("<Q", msg, i)
        v[3] ^= m
        rnd()
        rnd()
        v[0] ^= m
    b = (len(msg) & 0xff) << 56
    for i, c in enumerate(msg[n:]):
        b |= c << (8 * i)
    v[3] ^= b
    rnd()
    rnd()
    v[0] ^= b
    v[2] ^= 0xff
    for _ in range(4):
        rnd()
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def mac(key, msg):
    return struct.pack("<Q", siphash24(key, msg))


# The vectors kmod/tests/test_bauth.c pins (checked against libsodium).
assert siphash24(bytes(range(16)), bytes(range(15))) == 0xa129ca6149be45e5
assert siphash24(bytes(range(16)), bytes([1]) + struct.pack("!IQ", 42, 1)) \
    == 0x0a5f7dfb8bb2b3ad


class Failed(Exception):
    pass


def check(what, ok, detail=""):
    print(("ok: " if ok else "FAIL: ") + what + (f" ({detail})" if detail else ""),
          flush=True)
    if not ok:
        raise Failed(what)


libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000


def socket_in(ns, bind):
    """A UDP socket of network namespace NS, bound to BIND."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    fd = os.open("/var/run/netns/" + ns, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns " + ns)
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    finally:
        libc.setns(home, CLONE_NEWNET)
        os.close(fd)
        os.close(home)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(bind)
    return s


G = nl.Genl()


def ovlctl(*args, ns=None):
    cmd = ["ip", "netns", "exec", ns, OVLCTL] if ns else [OVLCTL]
    r = subprocess.run([*cmd, *args], capture_output=True, text=True)
    if r.returncode:
        raise Failed(f"ovlctl {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout


def b_ovlctl(*args):
    """ovlctl on host B."""
    return ovlctl(*args, ns=B_NS)


def dev():
    """ovl0's dev-get reply, as attributes."""
    return G.ovl(U["OVL_CMD_DEV_GET"], "ovl0")


def dev_set(extra):
    return G.ovl(U["OVL_CMD_DEV_SET"], "ovl0", extra)


def drops(name):
    d = nl.attrs(dev()[U["OVL_A_DEV_DROPS"]])
    return struct.unpack("=Q", d[U["OVL_A_DROPS_" + name.upper()]])[0]


def public():
    ep = dev().get(U["OVL_A_DEV_PUBLIC_ENDPOINT"])
    return nl.endpoint(ep) if ep else None


def beacon_auth():
    return U["OVL_A_DEV_BEACON_AUTH"] in dev()


def peer(node, field):
    return json.loads(ovlctl("-j", "peer", "show", "ovl0", str(node)))[field]


def addr_field(ip, port):
    packed = socket.inet_pton(socket.AF_INET6 if ":" in ip else socket.AF_INET, ip)
    return bytes([len(packed)]) + packed + struct.pack("!H", port)


class Beacon:
    def __init__(self):
        self.sock = socket_in(B_NS, BEACON)
        self.keys = os.urandom(32)
        self.k_up, self.k_down = self.keys[:16], self.keys[16:]
        self.punch_seq = 0

    def install(self):
        ovlctl("dev", "set", "ovl0", "beacon", "%s:%d" % BEACON,
               "beacon-keys", self.keys.hex())

    def send(self, msg, to=A):
        self.sock.sendto(msg, to)

    def recv(self, timeout, want=None):
        """The next datagram from A (of type WANT), or None."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.sock.settimeout(left)
            try:
                msg, src = self.sock.recvfrom(65535)
            except socket.timeout:
                return None
            if src == A and msg and (want is None or msg[0] == want):
                return msg

    def refresh(self, timeout=3):
        """The next refresh: checks its form and MAC, returns (id, seq)."""
        msg = self.recv(timeout, DISCOVER)
        check("a refresh arrives", msg is not None)
        check("the refresh is 21 bytes", len(msg) == 21, len(msg))
        check("its MAC verifies under k_up",
              msg[13:] == mac(self.k_up, msg[:13]))
        node, seq = struct.unpack("!IQ", msg[1:13])
        return node, seq

    def reply(self, seq, ip, port, key=None):
        body = bytes([DISCOVER_REPLY]) + struct.pack("!Q", seq) + addr_field(ip, port)
        return body + mac(key or self.k_down, body)

    def punch(self, peer_id, ip, port, seq=None, key=None):
        if seq is None:
            self.punch_seq += 1
            seq = self.punch_seq
        body = bytes([PUNCH_COMMAND]) + struct.pack("!IQ", peer_id, seq) + \
            addr_field(ip, port)
        return body + mac(key or self.k_down, body)

    def deliver(self, src, inner, key=None):
        hdr = bytes([RELAY_DELIVER]) + struct.pack("!I", src)
        return hdr + mac(key or self.k_down, hdr + inner[:16]) + inner


def wait_for(cond, timeout=2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def refused(what, extra, pattern):
    """A dev-set or ctrl-send that must fail with PATTERN in its extack."""
    try:
        extra()
    except OSError as e:
        check(what, pattern in e.strerror, e.strerror)
        return
    check(what, False, "accepted")


def beacon_attr(ep):
    return nl.attr(U["OVL_A_DEV_BEACON"] | nl.NLA_F_NESTED,
                   nl.parse_endpoint(ep) if ep else b"")


def keys_attr(keys):
    return nl.attr(U["OVL_A_DEV_BEACON_KEYS"], keys)


def case_keys():
    keys = bytes(range(32))
    r = subprocess.run([OVLCTL, "dev", "set", "ovl0", "beacon-keys", keys.hex()],
                       capture_output=True, text=True)
    check("ovlctl: keys without a beacon refused",
          r.returncode != 0 and "beacon keys need a beacon" in r.stderr, r.stderr.strip())
    dev_set(beacon_attr("192.0.2.2:7000"))
    check("a beacon without keys: no beacon-auth", not beacon_auth())
    for n in (0, 16, 31, 33, 64):
        refused(f"{n}-byte keys refused by the policy",
                lambda: dev_set(keys_attr(bytes(n))), "")
    check("and nothing changed", not beacon_auth())
    ovlctl("dev", "set", "ovl0", "beacon-keys", keys.hex())
    a = dev()
    check("keys set: beacon-auth in dev-get", U["OVL_A_DEV_BEACON_AUTH"] in a)
    check("the keys are never read back", U["OVL_A_DEV_BEACON_KEYS"] not in a and
          keys not in b"".join(a.values()))
    text = ovlctl("dev", "show", "ovl0")
    check("ovlctl dev show says so", "(authenticated)" in text)
    refused("keys with the beacon removed in the same request refused",
            lambda: dev_set(beacon_attr(None) + keys_attr(keys)),
            "beacon keys need a beacon")
    check("and nothing changed", beacon_auth())
    ovlctl("dev", "set", "ovl0", "beacon", "192.0.2.2:7000")
    check("setting the beacon clears the keys", not beacon_auth())
    dev_set(beacon_attr("192.0.2.2:7000") + keys_attr(keys))
    check("beacon and keys in one request", beacon_auth())
    ovlctl("dev", "set", "ovl0", "beacon", "none")


def path_of(node):
    return peer(node, "path")


def blackhole(node, seconds=1.0):
    """Ping NODE's overlay address a while; its endpoint answers nothing."""
    subprocess.run(["ping", "-c", str(int(seconds / 0.05)), "-i", "0.05",
                    "-W", "1", "10.77.0.%d" % node], capture_output=True)


def case_nokeys():
    b = Beacon()
    ovlctl("dev", "set", "ovl0", "beacon", "%s:%d" % BEACON)
    check("a beacon without keys: dev show has beacon, beacon_auth false",
          json.loads(ovlctl("-j", "dev", "show", "ovl0"))["beacon_auth"] is False
          and dev().get(U["OVL_A_DEV_BEACON"]) is not None)
    # Setting the node id used to register at once; now nothing goes out.
    ovlctl("dev", "set", "ovl0", "node-id", "1")
    got = b.recv(1.0)
    check("nothing is sent to the beacon", got is None,
          got.hex() if got else "")

    target = socket_in(B_NS, ("192.0.2.2", 5555))
    target.settimeout(0.3)
    k = os.urandom(16)
    inner = bytes([0x12]) + bytes(40)
    frames = {
        "a keyed reply": b.reply(1, "198.51.100.7", 4444, key=k),
        "an unauthenticated reply": bytes([DISCOVER_REPLY]) +
        addr_field("198.51.100.7", 4444),
        "a keyed punch command": b.punch(2, "192.0.2.2", 5555, key=k),
        "an unauthenticated punch command": bytes([PUNCH_COMMAND]) +
        addr_field("192.0.2.2", 5555),
        "a tagged relay delivery": b.deliver(2, inner, key=k),
        "an untagged relay delivery": bytes([RELAY_DELIVER]) +
        struct.pack("!I", 2) + inner,
    }
    base, rx = drops("beacon_auth"), peer(2, "relay_rx_packets")
    for f in frames.values():
        b.send(f)
    check(f"each of {', '.join(frames)} is counted as beacon_auth",
          wait_for(lambda: drops("beacon_auth") == base + len(frames)),
          f"{drops('beacon_auth') - base} of {len(frames)}")
    check("no public endpoint", public() is None, public())
    try:
        punched = target.recv(64)
    except socket.timeout:
        punched = None
    check("no punch went out", punched is None, punched)
    check("nothing was delivered", peer(2, "relay_rx_packets") == rx)

    # A pinned peer: nothing relayed, its packets dropped as tx_no_beacon.
    ovlctl("peer", "set", "ovl0", "2", "relay", "pinned")
    base = drops("tx_no_beacon")
    subprocess.run(["ping", "-c", "3", "-i", "0.1", "-W", "1", "10.77.0.2"],
                   capture_output=True)
    got = b.recv(0.5, RELAY)
    check("a pinned peer's packets are not relayed", got is None,
          got.hex() if got else "")
    check("they are counted as tx_no_beacon", drops("tx_no_beacon") - base >= 3,
          drops("tx_no_beacon") - base)
    ovlctl("peer", "set", "ovl0", "2", "relay", "on")
    subprocess.run(["ping", "-c", "1", "-W", "1", "10.77.0.2"], capture_output=True)
    check("unpinned, it goes back to direct on its next send", path_of(2) == "direct",
          path_of(2))

    # A peer whose direct path is dead: it stays direct without keys...
    ovlctl("dev", "set", "ovl0", "blackhole-ms", "300")
    ovlctl("peer", "set", "ovl0", "2", "endpoint", "192.0.2.2:4599")
    flips = peer(2, "flips")
    try:
        blackhole(2)
        check("without keys a blackholed peer stays direct",
              path_of(2) == "direct" and peer(2, "flips") == flips,
              f"{path_of(2)}, {peer(2, 'flips') - flips} flips")
        # ...and goes to relay with them (the test can tell the two apart).
        b.install()
        blackhole(2)
        check("with keys the same peer goes to relay", path_of(2) == "relay",
              path_of(2))
        ovlctl("dev", "set", "ovl0", "beacon", "%s:%d" % BEACON)
        check("setting the beacon without keys brings it back to direct",
              path_of(2) == "direct", path_of(2))
    finally:
        ovlctl("peer", "set", "ovl0", "2", "endpoint", "192.0.2.2:4500")
        ovlctl("dev", "set", "ovl0", "blackhole-ms", "8000", "beacon", "none")


def case_refresh():
    b = Beacon()
    b.install()
    node, seq1 = b.refresh()
    check("the first refresh names node 1 with seq 1", (node, seq1) == (1, 1),
          f"{node}/{seq1}")
    # Setting the node id registers again at once: the next refresh.
    ovlctl("dev", "set", "ovl0", "node-id", "1")
    node, seq2 = b.refresh()
    check("the next refresh has the next seq", seq2 == seq1 + 1, seq2)
    check("no public endpoint before an authenticated reply", public() is None)

    base = drops("beacon_auth")
    good = b.reply(seq2, "198.51.100.7", 4444)
    b.send(good)
    check("an authenticated reply sets the public endpoint",
          wait_for(lambda: public() == "198.51.100.7:4444"), public())
    forged = {
        "a bad MAC": good[:-1] + bytes([good[-1] ^ 1]),
        "no seq nor MAC": bytes([DISCOVER_REPLY]) + addr_field("203.0.113.1", 1),
        "a replay of the accepted reply": good,
        "an older seq": b.reply(seq1, "203.0.113.2", 2),
        "a seq never sent": b.reply(seq2 + 5, "203.0.113.3", 3),
        "a MAC under k_up": b.reply(seq2, "203.0.113.4", 4, key=b.k_up),
    }
    for frame in forged.values():
        b.send(frame)
    check(f"each forged reply ({', '.join(forged)}) is counted as beacon_auth",
          wait_for(lambda: drops("beacon_auth") == base + len(forged)),
          f"{drops('beacon_auth') - base} of {len(forged)}")
    check("the public endpoint did not move", public() == "198.51.100.7:4444")
    # A reply from elsewhere than the beacon's address: not_beacon.
    other = socket_in(B_NS, ("192.0.2.2", 7001))
    nb = drops("not_beacon")
    other.sendto(b.reply(seq2, "203.0.113.5", 5), A)
    check("a reply from another address is counted as not_beacon",
          wait_for(lambda: drops("not_beacon") == nb + 1))
    # New keys: a new registration, the seq starts again at 1; the
    # reflected address, authenticated under the old keys, stays.
    b = Beacon()
    b.install()
    check("new keys for the same beacon keep the public endpoint",
          public() == "198.51.100.7:4444", public())
    node, seq = b.refresh()
    check("new keys restart the refresh seq at 1", seq == 1, seq)
    b.keys = os.urandom(32)
    b.k_up, b.k_down = b.keys[:16], b.keys[16:]
    ovlctl("dev", "set", "ovl0", "beacon-keys", b.keys.hex())
    check("and so do keys installed alone", public() == "198.51.100.7:4444",
          public())
    node, seq = b.refresh()
    b.send(b.reply(seq, "198.51.100.8", 4445))
    check("the next authenticated reply moves it",
          wait_for(lambda: public() == "198.51.100.8:4445"), public())
    ovlctl("dev", "set", "ovl0", "beacon", "%s:%d" % BEACON)
    check("the same beacon set again without keys clears it", public() is None,
          public())
    b.install()
    node, seq = b.refresh()
    b.send(b.reply(seq, "198.51.100.9", 4446))
    check("a reply under the keys sets it again",
          wait_for(lambda: public() == "198.51.100.9:4446"), public())
    ovlctl("dev", "set", "ovl0", "beacon", "192.0.2.2:7001", "beacon-keys",
           b.keys.hex())
    check("another beacon, even with keys, clears it", public() is None,
          public())
    ovlctl("dev", "set", "ovl0", "beacon", "none")


def case_punch():
    b = Beacon()
    b.install()
    b.refresh()
    target = socket_in(B_NS, ("192.0.2.2", 5555))
    target.settimeout(0.05)

    def punches(sock, window=0.5):
        got = []
        deadline = time.monotonic() + window
        while time.monotonic() < deadline:
            try:
                got.append(sock.recv(2048))
            except socket.timeout:
                pass
        return got

    bad = ["127.0.0.1", "169.254.1.1", "224.0.0.1", "255.255.255.255",
           "0.0.0.0", "192.0.2.1", "10.77.0.1",
           "::1", "fe80::1", "ff02::1", "2001:db8::1", "::ffff:192.0.2.2"]
    base = drops("punch_target")
    for ip in bad:
        b.send(b.punch(0, ip, 4500))
    check("punches at loopback, link-local, multicast, broadcast, unspecified, "
          "IPv4-mapped and own addresses are refused as punch_target",
          wait_for(lambda: drops("punch_target") == base + len(bad)),
          f"{drops('punch_target') - base} of {len(bad)}")

    good = b.punch(0, "192.0.2.2", 5555)
    b.send(good)
    got = punches(target)
    check("an authenticated punch command makes a PUNCH go out",
          got == [bytes([PUNCH]) + struct.pack("!I", 1)], got)
    base = drops("beacon_auth")
    b.send(good)                                           # replayed seq
    b.send(good[:-1] + bytes([good[-1] ^ 1]))              # bad MAC
    b.send(bytes([PUNCH_COMMAND]) + addr_field("192.0.2.2", 5555))  # no MAC
    b.send(b.punch(0, "192.0.2.2", 5555, key=b.k_up))      # wrong key
    check("replayed, forged, unauthenticated and wrongly keyed punch commands are counted "
          "as beacon_auth", wait_for(lambda: drops("beacon_auth") == base + 4),
          drops("beacon_auth") - base)
    check("and punch nothing", punches(target, 0.2) == [])

    # The rate: 10 a second, a burst of 10.
    time.sleep(1.1)
    n = 30
    base = drops("punch_rate")
    for _ in range(n):
        b.send(b.punch(0, "192.0.2.2", 5555))
    got = punches(target)
    limited = drops("punch_rate") - base
    print(f"{n} punch commands at once: {len(got)} punches, {limited} rate-limited")
    check("a burst of 10 punches goes out, no more", 10 <= len(got) <= 11, len(got))
    check("the rest is counted as punch_rate", limited == n - len(got), limited)

    # A punch naming a peer: a direct, healthy peer is left alone...
    time.sleep(1.1)
    cand = socket_in(B_NS, ("192.0.2.2", 4501))
    cand.settimeout(0.05)
    b.send(b.punch(2, "192.0.2.2", 4501))
    got = punches(cand)
    check("a direct peer: the punch goes out, no probe",
          [m[0] for m in got] == [PUNCH], [m[:1].hex() for m in got])
    # ...a relayed one gets the address probed as its roam candidate.
    ovlctl("peer", "set", "ovl0", "2", "relay", "pinned")
    b.send(b.punch(2, "192.0.2.2", 4501))
    got = punches(cand)
    check("a relayed peer: the punched address is probed",
          sorted(m[0] for m in got) == [PROBE, PUNCH], [m[:1].hex() for m in got])
    check("its endpoint did not move without an answer",
          peer(2, "endpoint") == "192.0.2.2:4500", peer(2, "endpoint"))
    ovlctl("peer", "set", "ovl0", "2", "relay", "on")


def ctrl_send(frame, to=None, node=None):
    c = nl.attr(U["OVL_A_CTRL_FRAME"], frame)
    if to:
        c += nl.attr(U["OVL_A_CTRL_ENDPOINT"] | nl.NLA_F_NESTED, nl.parse_endpoint(to))
    else:
        c += nl.attr(U["OVL_A_CTRL_NODE_ID"], struct.pack("=I", node))
    G.ovl(U["OVL_CMD_CTRL_SEND"], "ovl0", nl.attr(U["OVL_A_DEV_CTRL"] | nl.NLA_F_NESTED, c))


def case_ctrl():
    b = Beacon()
    ovlctl("dev", "set", "ovl0", "beacon", "%s:%d" % BEACON)
    hello = bytes([7]) + struct.pack("!I", 1) + bytes(35)
    register = bytes([9]) + struct.pack("!I", 1) + bytes(126)
    preq = bytes([3]) + struct.pack("!I", 2) + bytes(16)
    only = "to the device's beacon address only"
    refused("HELLO to a peer's address refused", lambda: ctrl_send(hello, "192.0.2.2:4500"), only)
    refused("REGISTER to another port refused", lambda: ctrl_send(register, "192.0.2.2:7001"), only)
    refused("PUNCH_REQUEST elsewhere refused", lambda: ctrl_send(preq, "10.9.9.9:7000"), only)
    refused("HELLO relayed to a node refused", lambda: ctrl_send(hello, node=2), only)
    refused("without keys, a handshake frame relayed to a node refused",
            lambda: ctrl_send(bytes([0x10]) + bytes(40), node=2),
            "no beacon to relay through")
    ctrl_send(hello, "192.0.2.2:7000")
    b.sock.settimeout(3)
    got = None
    while got is None or got[0][:1] != bytes([7]):
        got = b.sock.recvfrom(2048)
    check("a HELLO to the beacon leaves from the device's port, as sent",
          got == (hello, A), got)

    listener = nl.Genl()
    listener.ovl(U["OVL_CMD_CTRL_REGISTER"], "ovl0")
    cookie = bytes([8]) + struct.pack("!I", 1) + bytes([0xcc]) * 16
    ok = bytes([0x0a]) + struct.pack("!I", 1) + bytes(32) + addr_field("192.0.2.1", 4500) + bytes(8)
    rereg = bytes([0x0b]) + struct.pack("!I", 1)
    other = socket_in(B_NS, ("192.0.2.2", 7001))
    nb = drops("not_beacon")
    for f in (cookie, ok, rereg):
        other.sendto(f, A)
        b.send(f)
    up = list(nl.frames(listener, 3, time.monotonic() + 3))
    check("COOKIE, REGISTER_OK and REREGISTER from the beacon reach the listener",
          [(f["frame"], f["endpoint"]) for f in up] ==
          [(f.hex(), "%s:%d" % BEACON) for f in (cookie, ok, rereg)], up)
    check("from another address they are counted as not_beacon",
          wait_for(lambda: drops("not_beacon") == nb + 3), drops("not_beacon") - nb)


def case_relay():
    b = Beacon()
    b.install()
    b.refresh()
    # B relays through us too, under keys of its own; both pin their peer
    # to relay (B's is pinned by beacon2.sh).
    kb = os.urandom(32)
    kb_up, kb_down = kb[:16], kb[16:]
    b_ovlctl("dev", "set", "ovl0", "beacon", "%s:%d" % BEACON,
             "beacon-keys", kb.hex())
    ovlctl("peer", "set", "ovl0", "2", "relay", "pinned")
    stats = {"a_good": 0, "a_bad": 0, "b_good": 0, "b_bad": 0}
    saved = []
    stop = threading.Event()

    def relay():
        b.sock.settimeout(0.1)
        while not stop.is_set():
            try:
                msg, src = b.sock.recvfrom(65535)
            except socket.timeout:
                continue
            if not msg or msg[0] != RELAY:
                continue
            if src == A:
                dst, inner = msg[1:5], msg[13:]
                if len(msg) >= 13 and struct.unpack("!I", dst)[0] == 2 and \
                        msg[5:13] == mac(b.k_up, bytes([RELAY]) + dst + inner[:16]):
                    stats["a_good"] += 1
                else:
                    stats["a_bad"] += 1
                    continue
                b.send(b.deliver(1, inner, key=kb_down), B)
            elif src == B:
                dst, inner = msg[1:5], msg[13:]
                if len(msg) >= 13 and struct.unpack("!I", dst)[0] == 1 and \
                        msg[5:13] == mac(kb_up, bytes([RELAY]) + dst + inner[:16]):
                    stats["b_good"] += 1
                else:
                    stats["b_bad"] += 1
                    continue
                frame = b.deliver(2, inner)
                if not saved:
                    saved.append(frame)
                b.send(frame)

    t = threading.Thread(target=relay)
    t.start()
    try:
        before_rx = peer(2, "relay_rx_packets")
        base = drops("beacon_auth")
        r = subprocess.run(["ping", "-c", "5", "-i", "0.2", "-W", "2", "10.77.0.2"],
                           capture_output=True, text=True)
    finally:
        stop.set()
        t.join()
    print(f"relayed: {stats}")
    check("ping runs through the fake beacon both ways", r.returncode == 0,
          r.stdout.strip().splitlines()[-1] if r.stdout else r.stderr)
    check("every RELAY from A carries a correct tag under k_up",
          stats["a_good"] >= 5 and stats["a_bad"] == 0, stats)
    check("and every RELAY from B under its own",
          stats["b_good"] >= 5 and stats["b_bad"] == 0, stats)
    rx = peer(2, "relay_rx_packets")
    check("A accepted the tagged RELAY_DELIVERs", rx - before_rx >= 5, rx - before_rx)
    check("no beacon_auth drop for them", drops("beacon_auth") == base)

    good = saved[0]
    inner = good[13:]
    forged = [
        good[:5] + bytes([good[5] ^ 0x80]) + good[6:],      # bad tag
        bytes([RELAY_DELIVER]) + struct.pack("!I", 2) + inner,  # untagged
        b.deliver(2, inner, key=b.k_up),                     # wrong key
        good[:4] + bytes([3]) + good[5:],                    # src id moved
        good[:13] + bytes([inner[0] ^ 1]) + inner[1:],       # inner changed
        bytes([RELAY_DELIVER, 0, 0, 0]),                     # short
    ]
    for f in forged:
        b.send(f)
    check("each forged RELAY_DELIVER (bad tag, untagged, wrong key, moved "
          "source, changed inner, short) is counted as beacon_auth",
          wait_for(lambda: drops("beacon_auth") == base + len(forged)),
          f"{drops('beacon_auth') - base} of {len(forged)}")
    check("none of them was delivered", peer(2, "relay_rx_packets") == rx)


def main():
    cases = {"keys": case_keys, "nokeys": case_nokeys,
             "refresh": case_refresh, "punch": case_punch,
             "ctrl": case_ctrl, "relay": case_relay}
    try:
        cases[sys.argv[1]]()
    except Failed:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
