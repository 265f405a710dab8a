# SPDX-License-Identifier: GPL-2.0
"""The UDP payloads crossing an interface, for the selftests that capture
ovl's datagrams to forge from them (forge.py, relay_forge.py)."""

import socket
import struct
import time

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800


def udp_payloads(iface, dst, port=None, timeout=10):
    """Start capturing on IFACE now; return an iterator over the payloads
    of the IPv4 UDP datagrams to DST (and PORT, if given) seen in the next
    TIMEOUT seconds."""
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.bind((iface, 0))
    sock.settimeout(1)
    return _payloads(sock, dst, port, time.time() + timeout)


def _payloads(sock, dst, port, deadline):
    with sock:
        while time.time() < deadline:
            try:
                frame = sock.recv(65535)
            except socket.timeout:
                continue
            if struct.unpack("!H", frame[12:14])[0] != ETH_P_IP:
                continue
            ip = frame[14:]
            if ip[9] != socket.IPPROTO_UDP or socket.inet_ntoa(ip[16:20]) != dst:
                continue
            udp = ip[(ip[0] & 0x0f) * 4:]
            if port is not None and struct.unpack("!H", udp[2:4])[0] != port:
                continue
            yield udp[8:struct.unpack("!H", udp[4:6])[0]]
