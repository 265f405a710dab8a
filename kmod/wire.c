// SPDX-License-Identifier: GPL-2.0
/*
 * The address field of beacon messages; see wire.h.
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
 * ovl_wire_addr_ok - may a datagram of ours go to @a?
 * @a: the address
 *
 * True for a unicast IPv4 or IPv6 address with a non-zero port.
 */
bool ovl_wire_addr_ok(const struct ovl_wire_addr *a)
{
	return a->port && !ovl_wire_addr_bad(a);
}

/**
 * ovl_wire_get_field - parse an address field: [iplen u8][ip][port u16]
 * @p: the field
 * @len: its length, which must be exactly what its iplen says (7 or 19)
 * @addr: filled in on success
 *
 * Only the form is checked, not the address.  Returns 0 or -EINVAL.
 */
int ovl_wire_get_field(const u8 *p, unsigned int len,
		       struct ovl_wire_addr *addr)
{
	unsigned int iplen;

	if (len < 1)
		return -EINVAL;
	iplen = p[0];
	if ((iplen != 4 && iplen != 16) || len != 1 + iplen + 2)
		return -EINVAL;
	memset(addr, 0, sizeof(*addr));
	addr->family = iplen == 4 ? AF_INET : AF_INET6;
	memcpy(addr->ip, p + 1, iplen);
	memcpy(&addr->port, p + 1 + iplen, sizeof(addr->port));
	return 0;
}

/**
 * ovl_wire_get_addr - parse an address field that must hold an address
 *	datagrams may go to (ovl_wire_addr_ok())
 * @p: the field
 * @len: its length
 * @addr: filled in on success
 *
 * Returns 0 or -EINVAL.
 */
int ovl_wire_get_addr(const u8 *p, unsigned int len, struct ovl_wire_addr *addr)
{
	if (ovl_wire_get_field(p, len, addr) || !ovl_wire_addr_ok(addr))
		return -EINVAL;
	return 0;
}

/**
 * ovl_wire_put_field - write an address field: [iplen u8][ip][port u16]
 * @p: at least %OVL_WIRE_ADDR_MAX bytes
 * @addr: the address
 *
 * Returns the field's length, 7 or 19.
 */
unsigned int ovl_wire_put_field(u8 *p, const struct ovl_wire_addr *addr)
{
	unsigned int iplen = addr->family == AF_INET ? 4 : 16;

	p[0] = iplen;
	memcpy(p + 1, addr->ip, iplen);
	memcpy(p + 1 + iplen, &addr->port, sizeof(addr->port));
	return 1 + iplen + 2;
}
