#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The registry suite (issue 10), on the host's loopback, no VM.

Usage: test_registry.py OVL_REGISTRY REGCLI [sqlite|postgresql]...

OVL_REGISTRY serves (a sanitizer build, whose reports fail the suite);
the commands init, token, node run through $OVL_REGISTRY_CLI if set (the
plain build: the same store code, without ASan's start-up cost).

The same cases run against SQLite and against a PostgreSQL server this
script starts itself (initdb and pg_ctl from Debian's postgresql, as the
postgres user when run as root, in a temporary directory on a unix
socket); without PostgreSQL installed that half is reported skipped.
Requests go through REGCLI (tests/regcli.c), the client library the daemon
uses, which signs them (Ed25519 by the node's identity).  Each case says
what a user sees: HTTP statuses, JSON error codes, and that a refused
request stored nothing.
"""

import base64
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

REG = None
REG_CLI = None
CLI = None
FAILED = []
PASSED = []


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def new_key(path):
    with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
        f.write(base64.b64encode(os.urandom(32)).decode() + "\n")
    return path


def run(args, check=True, env=None):
    p = subprocess.run(args, capture_output=True, text=True, timeout=30,
                       env=env)
    if check and p.returncode:
        raise AssertionError("%s: exit %d: %s" % (" ".join(args),
                                                   p.returncode, p.stderr))
    return p


class Fail(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Fail(what)


class Registry:
    """A database, its CA, and the servers serving it."""

    def __init__(self, tmp, db):
        self.tmp = tmp
        self.db = db
        self.servers = []
        self.ca = new_key(os.path.join(tmp, "ca.key"))
        self.ca_pub = run([CLI, "-k", self.ca, "pubkey"]).stdout.strip()
        self.keys = {}

    def cmd(self, *args, check=True):
        # leak checks at exit are slow: the servers keep theirs
        return run([REG_CLI] + list(args), check=check, env=dict(
            os.environ, ASAN_OPTIONS="detect_leaks=0"))

    def serve(self, *extra):
        port = free_port()
        p = subprocess.Popen([REG, "serve", "--listen",
                              "127.0.0.1:%d" % port, "--db", self.db] +
                             list(extra), stderr=subprocess.PIPE, text=True)
        url = "http://127.0.0.1:%d" % port
        for _ in range(100):
            if p.poll() is not None:
                raise AssertionError("serve exited: " + p.stderr.read())
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        self.servers.append(p)
        return url, p

    def stop(self):
        servers, self.servers = self.servers, []
        for p in servers:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
            err = p.stderr.read()
            # ASan's reports end a sanitized server's stderr.
            if "Sanitizer" in err or "runtime error" in err:
                FAILED.append("server sanitizer report: " + err[-2000:])

    def key(self, name):
        if name not in self.keys:
            self.keys[name] = new_key(os.path.join(self.tmp, name + ".key"))
        return self.keys[name]

    def token(self, *args):
        return self.cmd("token", "new", "--db", self.db,
                        *args).stdout.strip()

    def nodes(self):
        return json.loads(self.cmd("-j", "node", "list", "--db",
                                   self.db).stdout)


def cli(urls, *args, key=None, node=None, ts=None, nonce=None, sign=None,
        sfile=None, counter=None, plain=False):
    a = [CLI]
    if sfile:
        a += ["-F", sfile]
    if counter is not None:
        a += ["-K", str(counter)]
    if plain:
        a += ["-P"]
    for u in urls if isinstance(urls, list) else [urls]:
        a += ["-u", u]
    if key:
        a += ["-k", key]
    if node:
        a += ["-n", str(node)]
    if ts is not None:
        a += ["-t", str(ts)]
    if nonce:
        a += ["-N", nonce]
    if sign:
        a += ["-s", sign]
    return run(a + list(args), check=False)


def ok_json(p):
    if p.returncode:
        raise Fail("regcli failed: " + p.stderr.strip())
    return json.loads(p.stdout)


def err_code(p):
    """The error code regcli reports ("error: CODE: message")."""
    expect(p.returncode == 1, "expected an error, got: " + p.stdout)
    return p.stderr.split(":")[1].strip()


def read_session(path):
    sid, key, expires, counter = open(path).read().split()
    return {"id": sid, "key": key, "expires_at": int(expires),
            "counter": int(counter)}


def write_session(path, sess):
    with open(path, "w") as f:
        f.write("%(id)s %(key)s %(expires_at)d %(counter)d\n" % sess)


def raw(url, method, target, body=None, **kw):
    p = cli(url, "raw", method, target, *([body] if body is not None
                                          else []), **kw)
    if p.returncode:
        raise Fail("regcli raw: " + p.stderr)
    status, _, text = p.stdout.partition("\n")
    return int(status), json.loads(text)


def enroll(url, reg, name, token, *extra):
    return cli(url, "-C", reg.ca_pub, "enroll", token, *extra,
               key=reg.key(name), sign="key")


def sync(url, reg, name, node, since):
    return ok_json(cli(url, "sync", str(since), key=reg.key(name),
                       node=node))


def suite(kind, db, tmp):
    """Every case against one backend; returns (passed, failed)."""
    reg = Registry(tmp, db)
    try:
        cases(kind, db, tmp, reg)
    finally:
        reg.stop()


def cases(kind, db, tmp, reg):

    def case(name):
        def wrap(fn):
            t0 = time.time()
            try:
                fn()
                status, why = "ok", ""
            except Exception as e:      # a failed case, not the suite
                status, why = "not ok", "%s: %s" % (type(e).__name__, e)
            print("%s - %s: %s (%.1f s)%s" % (status, kind, name,
                                            time.time() - t0,
                                            ("\n#   " + why) if why
                                            else ""), flush=True)
            (PASSED if status == "ok" else FAILED).append(name)
            return fn
        return wrap

    @case("init: refused twice, bad network refused")
    def _():
        reg.cmd("init", "--db", db, "--ca-key", reg.ca, "--network",
                "10.77.0.0/16")
        p = reg.cmd("init", "--db", db, "--ca-key", reg.ca, "--network",
                    "10.77.0.0/16", check=False)
        expect(p.returncode == 1 and "already" in p.stderr, p.stderr)
        p = reg.cmd("init", "--db", "sqlite:" + tmp + "/x.db", "--ca-key",
                    reg.ca, "--network", "10.77.0.1/16", check=False)
        expect(p.returncode == 2, "host bits accepted")

    url, _ = reg.serve()
    state = {}

    @case("enroll: ids and addresses in order, certificates verify")
    def _():
        t = reg.token("--uses", "3")
        out = os.path.join(tmp, "c.crt")
        for i, name in enumerate(["a", "b", "c"], 1):
            e = ok_json(enroll(url, reg, name, t, *(["out=" + out]
                                                    if name == "c" else [])))
            expect(e["node_id"] == i, "node id %s" % e)
            expect(e["address"] == "10.77.0.%d/32" % i, e["address"])
            expect(e["cert_address"] == e["address"], e)
            # regcli checked it against the CA's key (ca.key's public)
            expect(e["verified"] == "valid", "cert: %s" % e["verified"])
            expect(not e["relay_only"], e)
        # the client saved c's certificate as the daemon will: 0600
        expect(e["saved"] and os.stat(out).st_mode & 0o777 == 0o600, e)
        expect(not os.path.exists(out + ".tmp"), "temporary file left")

    @case("enroll: token uses exhausted, already enrolled, relay-only")
    def _():
        t = reg.token("--uses", "1")
        e = ok_json(enroll(url, reg, "d", t, "relay"))
        expect(e["node_id"] == 4 and e["relay_only"], e)
        expect(err_code(enroll(url, reg, "e", t)) == "token_exhausted",
               "exhausted token accepted")
        t2 = reg.token()
        expect(err_code(enroll(url, reg, "d", t2)) == "enrolled",
               "second enrollment of a key")
        expect(err_code(enroll(url, reg, "e", "00" * 24)) ==
               "token_unknown", "unknown token")
        # the refused enrollment spent nothing: t2 still enrolls e as 5
        expect(ok_json(enroll(url, reg, "e", t2))["node_id"] == 5,
               "refusals changed the token or the ids")

    @case("enroll: expired token refused")
    def _():
        t = reg.token("--valid-for", "0.0003")       # about a second
        time.sleep(1.6)
        expect(err_code(enroll(url, reg, "f", t)) == "token_expired",
               "expired token accepted")
        expect(len(reg.nodes()) == 5, "a node was stored")

    @case("signed requests: wrong signature, stale, replayed, unsigned")
    def _():
        v = sync(url, reg, "a", 1, 0)
        expect(sorted(v["nodes"]) == [1, 2, 3, 4, 5], v)
        # (plain: GET /v1/nodes signed, not through a session)
        # signed by another key than node 1's
        p = cli(url, "sync", "0", key=reg.key("b"), node=1, plain=True)
        expect(err_code(p) == "bad_signature", p.stderr)
        now = int(time.time())
        p = cli(url, "sync", "0", key=reg.key("a"), node=1, ts=now - 3600,
                plain=True)
        expect(err_code(p) == "stale", p.stderr)
        p = cli(url, "sync", "0", key=reg.key("a"), node=1, ts=now + 3600,
                plain=True)
        expect(err_code(p) == "stale", p.stderr)
        nonce = "replay-" + os.urandom(8).hex()
        p = cli(url, "sync", "0", key=reg.key("a"), node=1, nonce=nonce,
                plain=True)
        expect(p.returncode == 0, p.stderr)
        p = cli(url, "sync", "0", key=reg.key("a"), node=1, nonce=nonce,
                plain=True)
        expect(err_code(p) == "replayed", p.stderr)
        st, body = raw(url, "GET", "/v1/nodes?since=0", sign="none")
        expect(st == 401 and body["error"] == "unsigned", body)
        # the signature covers the query: a changed one does not verify
        st, body = raw(url, "GET", "/v1/nodes?since=0", key=reg.key("a"),
                       node=1)
        expect(st == 200, body)
        # enrollment is signed by the enrolling key (proof of possession)
        st, body = raw(url, "POST", "/v1/enroll", json.dumps(
            {"token": reg.token(), "public_key": base64.b64encode(
                os.urandom(32)).decode()}), key=reg.key("g"), sign="key")
        expect(st == 401 and body["error"] == "bad_signature", body)

    @case("unknown node id refused, revoked node refused")
    def _():
        p = cli(url, "sync", "0", key=reg.key("a"), node=99)
        expect(err_code(p) == "unknown_node", p.stderr)
        st, body = raw(url, "POST", "/v1/register", '{"endpoints": []}',
                       key=reg.key("a"), node=99)
        expect(st == 401 and body["error"] == "unknown_node", body)

    @case("malformed JSON and oversize bodies: 400/413, nothing stored")
    def _():
        before = reg.nodes()
        v0 = sync(url, reg, "a", 1, 0)["version"]
        t = reg.token()
        for body in ['{"token": "%s", "public_key": ' % t, '[]', '"x"',
                     '{"token": "%s"}' % t, '{"token": 1}', '{} x',
                     '{"token": "%s", "public_key": "short"}' % t]:
            st, b = raw(url, "POST", "/v1/enroll", body, key=reg.key("h"),
                        sign="key")
            expect(st == 400 and b["error"] == "bad_request",
                   "%r: %s %s" % (body, st, b))
        nonce = "malformed-" + os.urandom(8).hex()
        for body in ['{"endpoints": "1.2.3.4:5"}', '{"endpoints": [5]}',
                     '{"endpoints": ["1.2.3.4"]}', '{"endpoints": [],'
                     ' "relay_only": "yes"}', 'nope',
                     '{"endpoints": ["1.2.3.4:5", "1.2.3.4:5"]}',
                     '{"endpoints": %s}' % json.dumps(
                         ["10.0.0.%d:1" % i for i in range(9)])]:
            st, b = raw(url, "POST", "/v1/register", body, key=reg.key("a"),
                        node=1, nonce=nonce)
            expect(st == 400 and b["error"] == "bad_request",
                   "%r: %s %s" % (body, st, b))
        big = '{"endpoints": [], "pad": "%s"}' % ("x" * 70000)
        st, b = raw(url, "POST", "/v1/register", big, key=reg.key("a"),
                    node=1)
        expect(st == 413 and b["error"] == "too_large", b)
        st, b = raw(url, "POST", "/v1/enroll", big, key=reg.key("h"),
                    sign="key")
        expect(st == 413 and b["error"] == "too_large", b)
        expect(reg.nodes() == before, "the node table changed")
        s = sync(url, reg, "a", 1, v0)
        expect(s["nodes"] == [] and s["removed"] == [], s)
        # neither the token nor the nonce of a refused request was spent
        expect(ok_json(enroll(url, reg, "h", t))["node_id"] == 6,
               "token spent by a refused request")
        st, b = raw(url, "POST", "/v1/register", '{"endpoints": []}',
                    key=reg.key("a"), node=1, nonce=nonce)
        expect(st == 200, "nonce of a refused request was stored: %s" % b)

    @case("incremental sync returns only the changes")
    def _():
        full = sync(url, reg, "b", 2, 0)
        v = full["version"]
        expect(sorted(full["nodes"]) == [1, 2, 3, 4, 5, 6], full)
        expect(not full["more"] and not full["removed"], full)
        s = sync(url, reg, "b", 2, v)
        expect(s["nodes"] == [] and s["removed"] == [] and
               s["version"] == v, s)
        p = cli(url, "register", "192.0.2.2:51820,[2001:db8::2]:51820",
                key=reg.key("b"), node=2)
        expect(p.returncode == 0, p.stderr)
        s = sync(url, reg, "a", 1, v)
        expect(s["nodes"] == [2] and s["removed"] == [], s)
        expect(s["endpoints"]["2"] == ["192.0.2.2:51820",
                                       "[2001:db8::2]:51820"], s)
        expect(s["version"] > v, s)
        v2 = s["version"]
        # the same registration again is a heartbeat: no change to sync
        cli(url, "register", "192.0.2.2:51820,[2001:db8::2]:51820",
            key=reg.key("b"), node=2)
        s = sync(url, reg, "a", 1, v2)
        expect(s["nodes"] == [] and s["version"] == v2, s)
        cli(url, "register", "192.0.2.1:51820", "relay", key=reg.key("a"),
            node=1)
        s = sync(url, reg, "b", 2, v2)
        expect(s["nodes"] == [1], s)
        state["v"] = s["version"]
        # a version from another database: the full list, flagged reset
        s = sync(url, reg, "b", 2, 10 ** 12)
        expect(s["reset"] and len(s["nodes"]) == 6, s)

    @case("sessions: open, MAC'd sync, refusals store nothing")
    def _():
        sf = os.path.join(tmp, "a.session")
        o = ok_json(cli(url, "session", key=reg.key("a"), node=1, sfile=sf))
        sess = read_session(sf)
        expect(o["session"] == sess["id"] and len(sess["id"]) == 32, o)
        expect(abs(o["expires_at"] - time.time() - 3600) < 120, o)
        # the sync with its MAC answers as the signed one does
        signed = ok_json(cli(url, "sync", "0", key=reg.key("a"), node=1,
                             plain=True))
        s = ok_json(cli(url, "sync", "0", key=reg.key("a"), node=1,
                        sfile=sf))
        expect(s == signed, "%s != %s" % (s, signed))
        expect(read_session(sf)["id"] == sess["id"] and
               read_session(sf)["counter"] == 1, "no session used")
        q = "/v1/nodes?since=%d" % s["version"]

        def mac(counter, **kw):
            return raw(url, "GET", q, key=reg.key("a"), node=1,
                       sign="session", sfile=sf, counter=counter, **kw)
        # a wrong key: bad MAC, and the counter is not taken
        write_session(sf, dict(sess, key="00" * 32))
        st, b = mac(5)
        expect(st == 401 and b["error"] == "bad_mac", b)
        write_session(sf, sess)
        st, b = mac(5, ts=int(time.time()) - 3600)
        expect(st == 401 and b["error"] == "stale", b)
        st, b = mac(5)
        expect(st == 200 and b["nodes"] == [], b)
        # the same counter again, or a lower one: a replay
        st, b = mac(5)
        expect(st == 401 and b["error"] == "replayed", b)
        st, b = mac(4)
        expect(st == 401 and b["error"] == "replayed", b)
        st, b = mac(6)
        expect(st == 200, b)
        # a session is for GET /v1/nodes only
        st, b = raw(url, "POST", "/v1/register", '{"endpoints": []}',
                    key=reg.key("a"), node=1, sign="session", sfile=sf,
                    counter=7)
        expect(st == 401 and b["error"] == "unsigned", b)
        # headers missing or malformed
        st, b = raw(url, "GET", q, sign="none")
        expect(st == 401 and b["error"] == "unsigned", b)
        bogus = dict(sess, id=os.urandom(16).hex())
        write_session(sf, bogus)
        st, b = mac(8)
        expect(st == 401 and b["error"] == "unknown_session" and
               "POST /v1/session" in b["message"], b)
        # the client opens a new session on that 401, transparently
        s = ok_json(cli(url, "sync", "0", key=reg.key("a"), node=1,
                        sfile=sf))
        expect(s == signed, s)
        expect(read_session(sf)["id"] not in (sess["id"], bogus["id"]),
               "no new session")
        # opening one is signed: a wrong key, a stale or replayed one
        p = cli(url, "session", key=reg.key("b"), node=1)
        expect(err_code(p) == "bad_signature", p.stderr)
        p = cli(url, "session", key=reg.key("a"), node=1,
                ts=int(time.time()) - 3600)
        expect(err_code(p) == "stale", p.stderr)
        p = cli(url, "session", key=reg.key("a"), node=99)
        expect(err_code(p) == "unknown_node", p.stderr)
        # more sessions than a server keeps per node (8): all still work
        # (the one ending first is read again from the database)
        files = [os.path.join(tmp, "a%d.session" % i) for i in range(10)]
        for f in files:
            ok_json(cli(url, "session", key=reg.key("a"), node=1, sfile=f))
        ids = [read_session(f)["id"] for f in files]
        for f in files + files[:2]:
            ok_json(cli(url, "sync", "0", key=reg.key("a"), node=1,
                        sfile=f))
        expect([read_session(f)["id"] for f in files] == ids and
               [read_session(f)["counter"] for f in files] ==
               [2, 2] + [1] * 8, "a session was refused and replaced")
        nonce = "session-" + os.urandom(8).hex()
        p = cli(url, "session", key=reg.key("a"), node=1, nonce=nonce)
        expect(p.returncode == 0, p.stderr)
        p = cli(url, "session", key=reg.key("a"), node=1, nonce=nonce)
        expect(err_code(p) == "replayed", p.stderr)

    @case("sessions: expiry, and a second server takes the same session")
    def _():
        url_s, _ = reg.serve("--session-ttl", "3")
        url_o = state["url_s"] = url    # another server on the database
        sf = os.path.join(tmp, "b.session")
        ok_json(cli(url_s, "session", key=reg.key("b"), node=2, sfile=sf))
        q = "/v1/nodes?since=0"
        # another server on the same database takes it (counters are per
        # server: 1 was taken by neither yet)
        st, b = raw(url_o, "GET", q, key=reg.key("b"), node=2,
                    sign="session", sfile=sf, counter=1)
        expect(st == 200 and len(b["nodes"]) >= 5, b)
        st, b = raw(url_o, "GET", q, key=reg.key("b"), node=2,
                    sign="session", sfile=sf, counter=1)
        expect(st == 401 and b["error"] == "replayed", b)
        time.sleep(3.1)           # its end: 2 to 3 s after it opened
        st, b = raw(url_s, "GET", q, key=reg.key("b"), node=2,
                    sign="session", sfile=sf, counter=2)
        expect(st == 401 and b["error"] == "session_expired" and
               "POST /v1/session" in b["message"], b)
        st, b = raw(url_o, "GET", q, key=reg.key("b"), node=2,
                    sign="session", sfile=sf, counter=3)
        expect(st == 401 and b["error"] == "session_expired", b)
        old = read_session(sf)["id"]
        s = ok_json(cli(url_s, "sync", "0", key=reg.key("b"), node=2,
                        sfile=sf))
        expect(len(s["nodes"]) >= 5 and read_session(sf)["id"] != old,
               "expired session not renewed: %s" % s)

    @case("revoke shows up in the next sync")
    def _():
        v = state["v"]
        # node 3's session, in use on two servers, stops at once
        url_o = state["url_s"]
        sf = os.path.join(tmp, "c.session")
        for u in (url, url_o):
            ok_json(cli(u, "sync", "0", key=reg.key("c"), node=3, sfile=sf))
        reg.cmd("node", "revoke", "3", "--db", db)
        for u in (url, url_o):
            st, b = raw(u, "GET", "/v1/nodes?since=0", key=reg.key("c"),
                        node=3, sign="session", sfile=sf,
                        counter=read_session(sf)["counter"] + 1)
            expect(st == 403 and b["error"] == "revoked", b)
        p = cli(url, "sync", "0", key=reg.key("c"), node=3, sfile=sf)
        expect(err_code(p) == "revoked", p.stderr)
        s = sync(url, reg, "a", 1, v)
        expect(s["removed"] == [3] and s["nodes"] == [], s)
        expect(3 not in sync(url, reg, "a", 1, 0)["nodes"], "full list")
        p = cli(url, "sync", "0", key=reg.key("c"), node=3)
        expect(err_code(p) == "revoked", p.stderr)
        p = reg.cmd("node", "revoke", "44", "--db", db, check=False)
        expect(p.returncode == 1 and "no node 44" in p.stderr, p.stderr)
        state["v"] = s["version"]

    @case("beacons: announce with a beacon token, list, bad tokens")
    def _():
        bt = reg.token("--beacon", "--valid-for", "1")
        for addr in ["198.51.100.9:3478", "beacon.example.net:3478"]:
            p = cli(url, "beacon", bt, addr)
            expect(p.returncode == 0, p.stderr)
        b = ok_json(cli(url, "beacons"))
        expect(b["beacons"] == ["198.51.100.9:3478",
                                "beacon.example.net:3478"], b)
        p = cli(url, "beacon", reg.token(), "198.51.100.10:3478")
        expect(err_code(p) == "token_unknown", "a join token as beacon's")
        st, body = raw(url, "POST", "/v1/beacons", json.dumps(
            {"token": bt, "address": "not an address"}), sign="none")
        expect(st == 400, body)
        expect(len(ok_json(cli(url, "beacons"))["beacons"]) == 2, "stored")

    @case("addresses: a full network refused, IPv6 networks")
    def _():
        if kind != "sqlite":
            return                      # the same code on either backend
        for net, addrs in [("10.9.0.0/30", ["10.9.0.1/32", "10.9.0.2/32"]),
                           ("fd00:77::/64", ["fd00:77::1/128",
                                             "fd00:77::2/128"])]:
            sub = tempfile.mkdtemp(dir=tmp)
            small = Registry(sub, "sqlite:%s/r.db" % sub)
            small.cmd("init", "--db", small.db, "--ca-key", small.ca,
                      "--network", net)
            u, _ = small.serve()
            try:
                t = small.token("--uses", "3")
                got = [ok_json(enroll(u, small, "n%d" % i, t))
                       for i in range(2)]
                expect([e["address"] for e in got] == addrs, got)
                expect(all(e["verified"] == "valid" for e in got), got)
                if net.startswith("10."):
                    # .3 is the broadcast address: no third node
                    p = enroll(u, small, "n2", t)
                    expect(err_code(p) == "network_full", p.stderr)
                    expect(len(small.nodes()) == 2, "stored")
            finally:
                small.stop()

    @case("HTTP errors: unknown path 404, wrong method 405")
    def _():
        st, body = raw(url, "GET", "/v1/nope", sign="none")
        expect(st == 404 and body["error"] == "not_found", body)
        st, body = raw(url, "DELETE", "/v1/nodes", sign="none")
        expect(st == 405 and body["error"] == "method_not_allowed", body)

    @case("stale nodes expire, a silent beacon leaves the list")
    def _():
        # a second server on the same database, with short lifetimes
        url2, _ = reg.serve("--node-ttl", "2", "--beacon-ttl", "2")
        bt = reg.token("--beacon")
        # nodes 1 and 2 are fresh at v (registered through the first
        # server, whose lifetime is 300 s); then only 1 keeps registering
        cli(url, "register", "192.0.2.1:51820", "relay", key=reg.key("a"),
            node=1)
        cli(url, "register", "192.0.2.3:1", key=reg.key("b"), node=2)
        v = sync(url, reg, "a", 1, state["v"])["version"]
        cli(url2, "beacon", bt, "203.0.113.7:3478")
        cli(url2, "beacon", bt, "203.0.113.8:3478")
        for i in range(4):
            time.sleep(0.7)
            cli(url2, "register", "192.0.2.1:51820", "relay",
                key=reg.key("a"), node=1)
            cli(url2, "beacon", bt, "203.0.113.7:3478")
        b = ok_json(cli(url2, "beacons"))["beacons"]
        expect(b == ["203.0.113.7:3478"], b)
        s = sync(url2, reg, "a", 1, v)
        expect(sorted(s["removed"]) == [2, 4, 5, 6] and
               s["nodes"] == [], s)
        expect(sorted(sync(url2, reg, "a", 1, 0)["nodes"]) == [1],
               "full list")
        # an expired node that registers again is back
        cli(url2, "register", "192.0.2.3:1", key=reg.key("b"), node=2)
        expect(err_code(cli(url2, "register", "192.0.2.3:1",
                            key=reg.key("c"), node=3)) == "revoked",
               "a revoked node registered")
        s = sync(url2, reg, "a", 1, s["version"])
        expect(s["nodes"] == [2] and s["endpoints"]["2"] ==
               ["192.0.2.3:1"], s)
        state["v"] = s["version"]

    @case("sync in pages: more, then the rest from the answer's version")
    def _():
        url3, _ = reg.serve("--sync-page", "1")
        full = sorted(sync(url, reg, "a", 1, 0)["nodes"])
        expect(len(full) >= 2, full)

        def pages(v):
            seen, n = [], 0
            while True:
                s = sync(url3, reg, "a", 1, v)
                expect(len(s["nodes"]) + len(s["removed"]) <= 1, s)
                seen += s["nodes"]
                v, n = s["version"], n + 1
                if not s["more"]:
                    return seen, v, n
                expect(n < 20, "no end")

        seen, v, n = pages(0)
        # (pages after the first may carry removals of nodes never seen)
        expect(sorted(seen) == full and n >= len(full),
               "%s in %d pages != %s" % (seen, n, full))
        # changes since a version come in pages too, oldest change first:
        # node 2 changes, then node 1, then node 2 again
        cli(url, "register", "192.0.2.9:1", key=reg.key("b"), node=2)
        cli(url, "register", "192.0.2.8:1", key=reg.key("a"), node=1)
        cli(url, "register", "192.0.2.9:2", key=reg.key("b"), node=2)
        seen, v2, n = pages(v)
        expect(seen == [1, 2] and n == 2, "%s in %d pages" % (seen, n))
        s = sync(url, reg, "a", 1, v)
        expect(s["endpoints"]["2"] == ["192.0.2.9:2"], s)
        state["v"] = v2

    @case("two servers on one database: concurrent enrollments, kill one,"
          " the other serves")
    def _():
        url_a, pa = reg.serve()
        url_b, pb = reg.serve()
        # 12 enrollments at once through both servers on a 10-use token:
        # exactly 10 enroll, with 10 distinct ids in a row
        t10 = reg.token("--uses", "10")
        ps = [subprocess.Popen([CLI, "-u", (url_a, url_b)[i % 2], "-k",
                                reg.key("p%d" % i), "-s", "key", "enroll",
                                t10], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
              for i in range(12)]
        outs = [p.communicate(timeout=30) for p in ps]
        got = sorted(json.loads(o)["node_id"] for o, _ in outs if o)
        expect(len(got) == 10 and got == list(range(got[0], got[0] + 10)),
               "concurrent enrollments: %s" % got)
        expect(sum("token_exhausted" in e for _, e in outs) == 2,
               [e for _, e in outs])
        v = sync(url_a, reg, "a", 1, state["v"])["version"]
        t = reg.token("--uses", "2")
        e = ok_json(enroll(url_a, reg, "k", t))
        expect(e["node_id"] == got[-1] + 1, e)
        s = sync(url_b, reg, "k", e["node_id"], v)
        expect(s["nodes"] == [e["node_id"]], "B does not see A's: %s" % s)
        pa.kill()
        pa.wait()
        # the client tries the registries in order: A is gone, B answers
        s = ok_json(cli([url_a, url_b], "sync", str(s["version"]),
                        key=reg.key("a"), node=1))
        expect(s["nodes"] == [], s)
        e2 = ok_json(cli([url_a, url_b], "enroll", t, key=reg.key("l"),
                         sign="key"))
        expect(e2["node_id"] == e["node_id"] + 1, e2)
        s = ok_json(cli([url_a, url_b], "sync", str(s["version"]),
                        key=reg.key("a"), node=1))
        expect(s["nodes"] == [e2["node_id"]], s)

    @case("TLS: --tls-cert and --tls-key")
    def _():
        crt, key = os.path.join(tmp, "tls.crt"), os.path.join(tmp, "tls.key")
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj",
             "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", key, "-out", crt])
        url_t, _ = reg.serve("--tls-cert", crt, "--tls-key", key)
        url_t = url_t.replace("http:", "https:")
        b = ok_json(run([CLI, "-u", url_t, "-c", crt, "beacons"],
                        check=False))
        expect("beacons" in b, b)
        p = run([CLI, "-u", url_t, "beacons"], check=False)
        expect(p.returncode == 1, "an unknown CA was trusted")


def pg_bindir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(dirs[-1]) if dirs else None


class Postgres:
    """A throwaway PostgreSQL server on a unix socket in @tmp."""

    def __init__(self, tmp):
        bindir = pg_bindir()
        self.base = tempfile.mkdtemp(prefix="ovl-pg-")
        os.chmod(self.base, 0o755)
        self.data = os.path.join(self.base, "data")
        self.port = free_port()
        self.prefix = []
        if os.geteuid() == 0:           # initdb refuses to run as root
            shutil.chown(self.base, "postgres")
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.pg_ctl = os.path.join(bindir, "pg_ctl")
        run(self.prefix + [os.path.join(bindir, "initdb"), "-D", self.data,
                           "-U", "postgres", "--auth=trust", "-E", "UTF8",
                           "--no-sync"])
        run(self.prefix + [self.pg_ctl, "-D", self.data, "-w", "-l",
                           os.path.join(self.base, "log"), "-o",
                           "-k %s -p %d -c listen_addresses='' -c fsync=off"
                           % (self.base, self.port), "start"])
        self.url = ("postgresql:///postgres?host=%s&port=%d&user=postgres"
                    % (self.base, self.port))

    def stop(self):
        run(self.prefix + [self.pg_ctl, "-D", self.data, "-m", "immediate",
                           "stop"], check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def main():
    global REG, REG_CLI, CLI
    REG, CLI = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    REG_CLI = os.path.abspath(os.environ.get("OVL_REGISTRY_CLI", REG))
    kinds = sys.argv[3:] or ["sqlite", "postgresql"]
    start = time.time()
    skipped = 0
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="ovl-reg-") as tmp:
            if kind == "sqlite":
                suite(kind, "sqlite:" + os.path.join(tmp, "r.db"), tmp)
                continue
            if not pg_bindir():
                print("skip - postgresql: no /usr/lib/postgresql/*/bin "
                      "(apt-get install postgresql)")
                skipped += 1
                continue
            pg = Postgres(tmp)
            try:
                suite(kind, pg.url, tmp)
            finally:
                pg.stop()
    print("# registry: %d passed, %d failed, %d skipped in %.1f s" %
          (len(PASSED), len(FAILED), skipped, time.time() - start))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
