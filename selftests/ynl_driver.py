#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The kernel's generic YNL client, driven by requests on stdin, for ynl.sh.

Every request goes through YnlFamily, the class behind the kernel's
tools/net/ynl/cli.py, built from the YAML spec alone: this is cli.py
kept running, so that ynl.sh pays for one python start instead of one
per request (several seconds each in an emulated VM).

  ynl_driver.py YNL_DIR SPEC

YNL_DIR holds cli.py and its lib/.  A request is NUL-terminated fields:
the network namespace (a name under /run/netns, or "" for the driver's
own), the number of arguments, then the arguments:

  --do OP [--json ATTRS] [--output-json]      as cli.py
  --dump OP [--json ATTRS] [--output-json]    as cli.py
  --subscribe GROUP    a subscriber of GROUP with a socket of its own (as
                       another process would be), listening from now on
  --ntf GROUP          the notifications that subscriber has received so
                       far, as cli.py --subscribe prints them

The answer is a line "RC N" then N lines of output: what cli.py would
print (a reply, or on RC 1 the netlink error with its extack, or the
exception).  Each namespace gets its own sockets, opened when a request
names it first (or names a new namespace of the same name); the family
object and its parsed spec are built anew then, as cli.py would.
"""
import argparse
import contextlib
import ctypes
import io
import json
import os
import sys
import traceback

CLONE_NEWNET = 0x40000000


class YnlEncoder(json.JSONEncoder):
    """cli.py's JSON output: bytes as hex, sets as lists."""

    def default(self, o):
        if isinstance(o, bytes):
            return o.hex()
        if isinstance(o, set):
            return list(o)
        return json.JSONEncoder.default(self, o)


class UsageError(Exception):
    pass


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def parser():
    p = Parser(prog='ynl', add_help=False)
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument('--do', metavar='OP')
    g.add_argument('--dump', metavar='OP')
    g.add_argument('--subscribe', metavar='GROUP')
    g.add_argument('--ntf', metavar='GROUP')
    p.add_argument('--json', dest='json_text')
    p.add_argument('--output-json', action='store_true')
    return p


class Driver:
    def __init__(self, spec, ynl_family, nl_error):
        self.spec = spec
        self.YnlFamily = ynl_family
        self.NlError = nl_error
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.home = os.open('/proc/self/ns/net', os.O_RDONLY)
        self.netns = None   # (name, st_dev, st_ino) the sockets live in
        self.ynl = None
        self.subs = {}
        self.args = parser()

    def _setns(self, fd):
        if self.libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, os.strerror(err))

    def _family(self):
        """A YnlFamily whose socket is in the current namespace."""
        if not self.netns[0]:
            return self.YnlFamily(self.spec, '')
        fd = os.open('/run/netns/' + self.netns[0], os.O_RDONLY)
        try:
            self._setns(fd)
            return self.YnlFamily(self.spec, '')
        finally:
            os.close(fd)
            self._setns(self.home)

    def close(self):
        for f in [self.ynl] + list(self.subs.values()):
            if f is not None:
                f.sock.close()
        self.ynl, self.subs = None, {}

    def enter(self, name):
        key = (name, None, None)
        if name:
            st = os.stat('/run/netns/' + name)
            key = (name, st.st_dev, st.st_ino)
        if key != self.netns:
            # The sockets hold their namespace: let a deleted one go.
            self.close()
            self.netns = key
        if self.ynl is None:
            self.ynl = self._family()

    def output(self, msg, as_json):
        if as_json:
            print(json.dumps(msg, cls=YnlEncoder))
        else:
            print(repr(msg))

    def request(self, netns, argv):
        """Run one request; returns its exit code (cli.py's)."""
        args = self.args.parse_args(argv)
        attrs = json.loads(args.json_text) if args.json_text else {}
        self.enter(netns)
        if args.subscribe:
            sub = self._family()
            sub.ntf_subscribe(args.subscribe)
            old = self.subs.pop(args.subscribe, None)
            if old is not None:
                old.sock.close()
            self.subs[args.subscribe] = sub
            return 0
        if args.ntf:
            sub = self.subs.get(args.ntf)
            if sub is None:
                raise UsageError(f'not subscribed to {args.ntf}')
            sub.check_ntf()
            self.output(sub.async_msg_queue, args.output_json)
            return 0
        try:
            if args.do:
                reply = self.ynl.do(args.do, attrs)
            else:
                reply = self.ynl.dump(args.dump, attrs)
        except self.NlError as e:
            print(e)
            return 1
        self.output(reply, args.output_json)
        return 0

    def serve(self, inp, out):
        for netns, argv in requests(inp):
            text = io.StringIO()
            with contextlib.redirect_stdout(text):
                try:
                    rc = self.request(netns, argv)
                except UsageError as e:
                    print(f'ynl_driver: {e}')
                    rc = 2
                except Exception:   # what would end cli.py with a traceback
                    print(traceback.format_exc(), end='')
                    rc = 1
            lines = text.getvalue().splitlines()
            out.write(f'{rc} {len(lines)}\n')
            for line in lines:
                out.write(line + '\n')
            out.flush()
        self.close()


def requests(fd):
    """(netns, argv) for each request read from fd, until end of file."""
    buf = b''
    fields = []
    while True:
        data = os.read(fd, 65536)
        if not data:
            return
        buf += data
        *done, buf = buf.split(b'\0')
        fields += [f.decode() for f in done]
        while len(fields) >= 2 and len(fields) >= 2 + int(fields[1]):
            n = int(fields[1])
            yield fields[0], fields[2:2 + n]
            fields = fields[2 + n:]


def main():
    ynl_dir, spec = sys.argv[1:3]
    sys.path.insert(0, ynl_dir)
    from lib import YnlFamily, NlError  # pylint: disable=import-outside-toplevel
    Driver(spec, YnlFamily, NlError).serve(sys.stdin.fileno(), sys.stdout)


if __name__ == '__main__':
    main()
