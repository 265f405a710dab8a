/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovl-beacon's protocol logic: parse one datagram, update the table, say
 * what to send.  No sockets; the tests call bcn_handle() directly.
 */
#ifndef OVL_BEACON_MSG_H
#define OVL_BEACON_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"
#include "table.h"

#define BCN_ID_MSG_LEN		5	/* type, node id */
#define BCN_ADDR_MSG_MAX	20	/* type, iplen, 16-byte ip, port */

/**
 * struct bcn_out - one datagram to send
 * @dst: where to
 * @src: the beacon's address to send from (IP_PKTINFO/IPV6_PKTINFO), the
 *	one @dst's node talks to; all zero: the kernel picks
 * @data: the payload, or NULL for @small
 * @len: payload length
 * @small: storage for the short replies (DISCOVER_REPLY, PUNCH_COMMAND)
 *
 * A RELAY_DELIVER is as long as the RELAY it came from: its header is
 * rewritten in place and @data points into the receive buffer.
 */
struct bcn_out {
	struct bcn_addr	dst;
	struct bcn_addr	src;
	uint8_t		*data;
	size_t		len;
	uint8_t		small[BCN_ADDR_MSG_MAX];
};

#define BCN_MAX_OUT	2	/* a PUNCH_REQUEST commands both ends */

size_t bcn_put_addr_msg(uint8_t *buf, uint8_t type,
			const struct bcn_addr *addr);
int bcn_parse_addr_msg(const uint8_t *buf, size_t len, uint8_t *type,
		       struct bcn_addr *addr);
unsigned int bcn_handle(struct bcn_table *t, struct bcn_stats *st,
			const struct bcn_addr *src, uint8_t *pkt, size_t len,
			uint64_t now, struct bcn_out out[BCN_MAX_OUT]);
unsigned int bcn_handle_at(struct bcn_table *t, struct bcn_stats *st,
			   const struct bcn_addr *src,
			   const struct bcn_addr *local, uint8_t *pkt,
			   size_t len, uint64_t now,
			   struct bcn_out out[BCN_MAX_OUT]);

static inline const uint8_t *bcn_out_data(const struct bcn_out *o)
{
	return o->data ? o->data : o->small;
}

#endif /* OVL_BEACON_MSG_H */
