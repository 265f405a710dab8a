// SPDX-License-Identifier: GPL-2.0
/*
 * Beacon address messages; see wire.h.
 */

#include "wire.h"

/* Addresses no datagram of ours may be sent to. */
static bool ovl_wire_addr_bad(const struct ovl_wire_addr *a)
{
	static const u8 zero[16];

	if (a->family == AF_INET)
		return !memcmp(a->ip, zero, 4) ||		/* 0.0.0.0 */
		       (a->ip[0] & 0xf0) == 0xe0 ||		/* multicast */
		       (a->ip[0] & 0xf0) == 0xf0;		/* class E, bcast */
	return !memcmp(a->ip, zero, 16) ||			/* :: */
	       a->ip[0] == 0xff;				/* multicast */
}

/**
 * ovl_wire_parse_addr - parse a DISCOVER_REPLY or PUNCH_COMMAND
 * @msg: the message, from its type byte on
 * @len: its length
 * @addr: filled in on success
 *
 * The message must be exactly as long as its address length says, carry an
 * IPv4 or IPv6 address that is a unicast one and a non-zero port.
 * Returns 0 or -EINVAL.
 */
int ovl_wire_parse_addr(const u8 *msg, unsigned int len,
			struct ovl_wire_addr *addr)
{
	unsigned int iplen;

	if (len < 2)
		return -EINVAL;
	iplen = msg[1];
	if ((iplen != 4 && iplen != 16) || len != 2 + iplen + 2)
		return -EINVAL;
	memset(addr, 0, sizeof(*addr));
	addr->family = iplen == 4 ? AF_INET : AF_INET6;
	memcpy(addr->ip, msg + 2, iplen);
	memcpy(&addr->port, msg + 2 + iplen, sizeof(addr->port));
	if (!addr->port || ovl_wire_addr_bad(addr))
		return -EINVAL;
	return 0;
}

/**
 * ovl_wire_put_addr - write an address message
 * @msg: at least %OVL_WIRE_ADDR_MSG_MAX bytes
 * @type: the message type
 * @addr: the address
 *
 * Returns the message's length.
 */
unsigned int ovl_wire_put_addr(u8 *msg, u8 type,
			       const struct ovl_wire_addr *addr)
{
	unsigned int iplen = addr->family == AF_INET ? 4 : 16;

	msg[0] = type;
	msg[1] = iplen;
	memcpy(msg + 2, addr->ip, iplen);
	memcpy(msg + 2 + iplen, &addr->port, sizeof(addr->port));
	return 2 + iplen + 2;
}
