/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The address field of the beacon's messages ([iplen u8][ip 4|16][port
 * u16], in DISCOVER_REPLY and PUNCH_COMMAND; bauth.c parses the rest).
 * Pure logic, unit-tested in userspace (tests/test_wire.c).  No address
 * in a datagram is believed until it passed here.
 */
#ifndef _OVL_WIRE_H
#define _OVL_WIRE_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/types.h>
#else
#include "tests/kshim.h"
#endif

/* iplen, 16-byte address, port: the longest address field */
#define OVL_WIRE_ADDR_MAX	19

/**
 * struct ovl_wire_addr - an address carried by a beacon message
 * @family: AF_INET or AF_INET6
 * @ip: the address, network order; 4 or 16 bytes used
 * @port: UDP port, network order, never 0
 */
struct ovl_wire_addr {
	u16 family;
	u8 ip[16];
	__be16 port;
};

bool ovl_wire_addr_ok(const struct ovl_wire_addr *a);
int ovl_wire_get_field(const u8 *p, unsigned int len,
		       struct ovl_wire_addr *addr);
int ovl_wire_get_addr(const u8 *p, unsigned int len, struct ovl_wire_addr *addr);
unsigned int ovl_wire_put_field(u8 *p, const struct ovl_wire_addr *addr);

#endif /* _OVL_WIRE_H */
