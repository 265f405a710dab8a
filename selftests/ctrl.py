#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A control daemon's side of the ovl control channel, for ctrl.sh.

Speaks the "ovl" generic netlink family directly (raw netlink), so that
the test checks the kernel, not a library:

  ctrl.py listen DEV [--count N] [--timeout S] [--rcvbuf B] [--stall S]
                     [--stall-until FILE] [--ready FILE]
      register as DEV's control listener (touch FILE once registered),
      then print each frame that arrives as a JSON line
      {"frame": HEX, "endpoint": "IP:PORT" or null, "node_id": N or null}
      until N frames or S seconds.  --stall S: read nothing for S seconds
      first (a slow daemon), then count what waited; --stall-until FILE:
      read nothing until FILE exists.
  ctrl.py send DEV HEX (--endpoint IP:PORT | --node-id N)
      send one frame; on error print "ERRNO: extack message", exit 1.
  ctrl.py register DEV
      register and print "ok", or "ERRNO: message" and exit 1; then wait
      for stdin to close (so the registration lives that long).
"""
import argparse
import errno
import ipaddress
import json
import os
import select
import socket
import struct
import sys
import time

NETLINK_GENERIC = 16
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR, NLMSG_DONE = 2, 3
GENL_ID_CTRL, CTRL_CMD_GETFAMILY = 0x10, 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
NLMSGERR_ATTR_MSG = 1



def uapi_enums(path):
    """Every enumerator of the uAPI header, by name: the test takes its
    numbers from the header the module was built with."""
    vals, cur = {}, None
    for line in open(path):
        line = line.split("/*")[0].strip()
        if line.startswith("enum ") and line.endswith("{"):
            cur = -1
        elif cur is not None and line.startswith("}"):
            cur = None
        elif cur is not None and line.startswith(("OVL_", "__OVL_")):
            name, _, val = line.rstrip(",").partition("=")
            val = val.strip()
            if val and val.startswith("0x"):
                cur = int(val, 16)
            elif val and val[0].isdigit():
                cur = int(val)
            elif val:
                cur = vals[val.strip("()").split()[0]] - 1 \
                    if "- 1" in val else vals[val]
            else:
                cur += 1
            vals[name.strip()] = cur
    return vals


U = uapi_enums(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            "..", "include", "uapi", "linux", "ovl.h"))
OVL_A_DEV_IFNAME = U["OVL_A_DEV_IFNAME"]
OVL_A_DEV_CTRL = U["OVL_A_DEV_CTRL"]
OVL_A_CTRL_FRAME = U["OVL_A_CTRL_FRAME"]
OVL_A_CTRL_ENDPOINT = U["OVL_A_CTRL_ENDPOINT"]
OVL_A_CTRL_NODE_ID = U["OVL_A_CTRL_NODE_ID"]
OVL_A_EP_IPV4, OVL_A_EP_IPV6 = U["OVL_A_EP_IPV4"], U["OVL_A_EP_IPV6"]
OVL_A_EP_PORT = U["OVL_A_EP_PORT"]
OVL_CMD_CTRL_REGISTER = U["OVL_CMD_CTRL_REGISTER"]
OVL_CMD_CTRL_SEND = U["OVL_CMD_CTRL_SEND"]
OVL_CMD_CTRL_FRAME_NTF = U["OVL_CMD_CTRL_FRAME_NTF"]
NLA_F_NESTED = 0x8000


def attr(kind, data):
    hdr = struct.pack("=HH", 4 + len(data), kind)
    return hdr + data + bytes((4 - len(data) % 4) % 4)


def attrs(buf):
    out, off = {}, 0
    while off + 4 <= len(buf):
        length, kind = struct.unpack_from("=HH", buf, off)
        if length < 4:
            break
        out[kind & 0x3FFF] = buf[off + 4:off + length]
        off += (length + 3) & ~3
    return out


class Genl:
    def __init__(self, rcvbuf=None):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                               NETLINK_GENERIC)
        if rcvbuf:
            self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.s.setsockopt(270, NETLINK_CAP_ACK, 1)
        self.s.setsockopt(270, NETLINK_EXT_ACK, 1)
        self.s.bind((0, 0))
        self.seq = 0
        self.family = None
        reply = self.request(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                             attr(CTRL_ATTR_FAMILY_NAME, b"ovl\0"))
        self.family = struct.unpack("=H", reply[CTRL_ATTR_FAMILY_ID][:2])[0]

    def request(self, family, cmd, payload):
        """Send one request; return the reply's attributes, or {} for an
        ACK.  Raises OSError(errno, extack message) on an error."""
        self.seq += 1
        body = struct.pack("=BBH", cmd, 1, 0) + payload
        flags = NLM_F_REQUEST | NLM_F_ACK
        self.s.send(struct.pack("=IHHII", 16 + len(body), family, flags,
                                self.seq, 0) + body)
        result = {}
        while True:
            data = self.s.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, kind, flags, seq, _ = struct.unpack_from("=IHHII",
                                                                 data, off)
                msg = data[off + 16:off + length]
                off += (length + 3) & ~3
                if seq != self.seq:
                    continue
                if kind == NLMSG_ERROR:
                    err = struct.unpack_from("=i", msg)[0]
                    if err == 0:
                        return result
                    # capped ack: the request's header only, then TLVs
                    ext = attrs(msg[4 + 16:])
                    text = ext.get(NLMSGERR_ATTR_MSG, b"").rstrip(b"\0")
                    raise OSError(-err, text.decode() or os.strerror(-err))
                result = attrs(msg[4:])

    def ovl(self, cmd, dev, extra=b""):
        return self.request(self.family, cmd,
                            attr(OVL_A_DEV_IFNAME, dev.encode() + b"\0") +
                            extra)


def endpoint(nest):
    a = attrs(nest)
    port = struct.unpack("!H", a[OVL_A_EP_PORT])[0]
    if OVL_A_EP_IPV4 in a:
        return "%s:%d" % (ipaddress.IPv4Address(a[OVL_A_EP_IPV4]), port)
    return "[%s]:%d" % (ipaddress.IPv6Address(a[OVL_A_EP_IPV6]), port)


def frames(g, count, deadline):
    """Yield the control frames that reach @g until @count or @deadline."""
    n = 0
    while n < count:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([g.s], [], [], left)[0]:
            return
        try:
            data = g.s.recv(65536)
        except OSError as e:
            if e.errno == errno.ENOBUFS:   # the kernel says frames were lost
                print(json.dumps({"enobufs": True}), flush=True)
                continue
            raise
        off = 0
        while off + 16 <= len(data):
            length, kind = struct.unpack_from("=IH", data, off)
            msg = data[off + 16:off + length]
            off += (length + 3) & ~3
            if kind != g.family or msg[0] != OVL_CMD_CTRL_FRAME_NTF:
                continue
            ctrl = attrs(attrs(msg[4:])[OVL_A_DEV_CTRL])
            node = ctrl.get(OVL_A_CTRL_NODE_ID)
            yield {
                "frame": ctrl[OVL_A_CTRL_FRAME].hex(),
                "endpoint": endpoint(ctrl[OVL_A_CTRL_ENDPOINT])
                if OVL_A_CTRL_ENDPOINT in ctrl else None,
                "node_id": struct.unpack("=I", node)[0] if node else None,
            }
            n += 1


def parse_endpoint(text):
    host, port = text.rsplit(":", 1)
    host = host.strip("[]")
    ip = ipaddress.ip_address(host)
    if ip.version == 4:
        a = attr(OVL_A_EP_IPV4, ip.packed)
    else:
        a = attr(OVL_A_EP_IPV6, ip.packed)
    return a + attr(OVL_A_EP_PORT, struct.pack("!H", int(port)))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["listen", "send", "register"])
    p.add_argument("dev")
    p.add_argument("frame", nargs="?")
    p.add_argument("--count", type=int, default=1 << 30)
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--rcvbuf", type=int)
    p.add_argument("--stall", type=float, default=0)
    p.add_argument("--stall-until")
    p.add_argument("--ready")
    p.add_argument("--endpoint")
    p.add_argument("--node-id", type=int)
    a = p.parse_args()

    g = Genl(a.rcvbuf)
    try:
        if a.mode == "send":
            ctrl = b""
            if a.frame is not None:
                ctrl += attr(OVL_A_CTRL_FRAME, bytes.fromhex(a.frame))
            if a.endpoint:
                ctrl += attr(OVL_A_CTRL_ENDPOINT | NLA_F_NESTED,
                             parse_endpoint(a.endpoint))
            if a.node_id is not None:
                ctrl += attr(OVL_A_CTRL_NODE_ID, struct.pack("=I", a.node_id))
            g.ovl(OVL_CMD_CTRL_SEND, a.dev,
                  attr(OVL_A_DEV_CTRL | NLA_F_NESTED, ctrl))
            return 0
        g.ovl(OVL_CMD_CTRL_REGISTER, a.dev)
    except OSError as e:
        print("%s: %s" % (errno.errorcode.get(e.errno, e.errno), e.strerror))
        return 1
    if a.ready:
        open(a.ready, "w").close()
    if a.mode == "register":
        print("ok", flush=True)
        sys.stdin.read()
        return 0
    if a.stall:
        time.sleep(a.stall)
    while a.stall_until and not os.path.exists(a.stall_until):
        time.sleep(0.05)
    for f in frames(g, a.count, time.monotonic() + a.timeout):
        print(json.dumps(f), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
