#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The attacks of issue 11 on a v2 ovl-beacon, from an attacker's namespace.

Usage: beacon_attack.py BEACON-HOST:PORT SRC1 SRC2 OVLCTL CA-KEY-FILE
                        VICTIM-ID VICTIM-CERT-FILE

Run by selftests/nat.sh while two real nodes (the victims) relay through
the beacon.  The attacker holds addresses SRC1 and SRC2 and, as an
insider would, certificates of the network's CA for node ids of its own
(9 and 100..); it knows the victim's id and certificate (public data).
It tries, in turn: to take the victim's id over (a REGISTER for it with
the attacker's certificate, one with the victim's certificate and the
attacker's key, refreshes claiming it), a registration with a cookie
got at another address, relaying from an unregistered address, punch
requests from an unregistered address (reflection) and for a range of
ids (address enumeration), a HELLO flood and more registrations from
one prefix than its quota.  None of it may work: no REGISTER_OK for the
victim's id, no address of anyone, no relayed delivery; and nothing an
unverified source sends gets more than one datagram back, nor one
bigger than what it sent.  Prints one JSON object of what it saw; exit 1
on a violation.  The beacon's counters are the caller's to check.

The node side comes from tool/beacon/tests/test_v2.py (written from the
specification, libsodium through ctypes).
"""
import base64
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tool", "beacon", "tests"))
import test_v2 as v2  # noqa: E402

BEACON, SRC1, SRC2, OVLCTL, CA_KEY, VICTIM, VICTIM_CERT = sys.argv[1:8]
VICTIM = int(VICTIM)


def unarmor(text):
    lines = [l.strip() for l in text.strip().splitlines()]
    return base64.b64decode("".join(lines[1:-1]))


class Test(v2.Test):
    """test_v2's bookkeeping, certificates from ovlctl with the real CA."""

    def __init__(self):
        super().__init__(None)
        host, port = BEACON.rsplit(":", 1)
        self.beacon = (host, int(port))

    def mkcert(self, ca_seed, node_id, pk):
        out = subprocess.run(
            [OVLCTL, "cert", "sign", "--ca-key", CA_KEY, "--node-id",
             str(node_id), "--pubkey", base64.b64encode(pk).decode(),
             "--address", f"10.99.{node_id // 256}.{node_id % 256}/32"],
            capture_output=True, text=True, check=True).stdout
        return unarmor(out)


seen = {"violations": []}


def violation(what):
    seen["violations"].append(what)


def main():
    t = Test()
    victim_cert = unarmor(open(VICTIM_CERT).read())

    # Id takeover 1: a REGISTER for the victim's id with our certificate
    # (for id 9) and our key: the certificate names another id.
    a = t.attacker(SRC1, node_id=9)
    if a.register(node_id=VICTIM):
        violation("registered the victim's id with another certificate")
    # Id takeover 2: the victim's (public) certificate, our signature.
    a2 = t.attacker(SRC1, node_id=VICTIM)
    a2.cert = victim_cert
    if a2.register():
        violation("registered the victim's id with its certificate")
    # Id takeover 3: refreshes claiming the victim's id, with made-up keys:
    # nothing but at most a 5-byte REREGISTER comes back.
    a2.k_up = os.urandom(16)
    a2.k_down = os.urandom(16)
    for _ in range(2):
        if a2.refresh() is not None:
            violation("a refresh claiming the victim's id was answered")
    a2.send(bytes([v2.DISCOVER]) + VICTIM.to_bytes(4, "big"))  # v1 form
    a2.drain()

    # Forged-source registration: a cookie got at SRC1, used from SRC2.
    got = t.attacker(SRC1, node_id=9)
    other = t.attacker(SRC2, node_id=9)
    cookie = got.hello()
    seen["cookie"] = cookie is not None
    if cookie and got.register(cookie=cookie, via=other) is not False:
        violation("a cookie of another address was accepted")
    if other.drain():
        violation("a REGISTER with another address's cookie got an answer")

    # Open relay: RELAYs from an unregistered address to the victim.
    for _ in range(20):
        a.relay(VICTIM, b"\x12" + os.urandom(60), key=os.urandom(16))
    if a.drain():
        violation("an unregistered RELAY got an answer")

    # Punch reflection and address enumeration: punch requests from an
    # unregistered address, for the victim and a range of ids.
    e = t.attacker(SRC2, node_id=9)
    e.k_up = os.urandom(16)
    for target in list(range(1, 20)) + [VICTIM]:
        e.punch_request(target)
    if e.drain(0.5):
        violation("an unregistered punch request got an answer")

    # Table flood: an insider registers more ids from one prefix than its
    # quota allows (the caller starts the beacon with --prefix-quota 4);
    # the rest get no REGISTER_OK.  Before the HELLO flood, which spends
    # the prefix's HELLO budget.
    ok = 0
    for i in range(8):
        n = v2.Node(t, 100 + i, SRC1)
        if n.register():
            ok += 1
    seen["flood_registered"] = ok

    # A HELLO flood from one address: the prefix's budget answers some
    # (one COOKIE each, smaller than the HELLO), the rest nothing.
    f = t.attacker(SRC1, node_id=9)
    for _ in range(300):
        f.send(bytes([v2.HELLO]) + (9).to_bytes(4, "big") + bytes(35))
    cookies = f.drain(0.5)
    seen["hello_flood_cookies"] = len(cookies)
    if len(cookies) >= 300:
        violation("every HELLO of a flood got a cookie")

    # The reply-size rule on every unverified exchange above.
    for key, (n_sent, biggest, got_back) in t.watch.items():
        if len(got_back) > n_sent or any(g > biggest for g in got_back):
            violation(f"an unverified source got {got_back} for {n_sent} "
                      f"datagrams of at most {biggest} bytes")
    print(json.dumps(seen))
    return 1 if seen["violations"] else 0


if __name__ == "__main__":
    sys.exit(main())
