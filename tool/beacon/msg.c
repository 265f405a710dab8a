// SPDX-License-Identifier: GPL-2.0
/*
 * ovl-beacon's protocol logic (docs/man/ovl-beacon.8 has the formats).
 */
#include <string.h>

#include <linux/ovl.h>

#include "msg.h"

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

/* [type][iplen 4|16][ip][port]; IPv4-mapped addresses go out as IPv4. */
size_t bcn_put_addr_msg(uint8_t *buf, uint8_t type,
			const struct bcn_addr *addr)
{
	size_t iplen = bcn_addr_is_v4mapped(addr) ? 4 : 16;

	buf[0] = type;
	buf[1] = iplen;
	memcpy(buf + 2, addr->ip + 16 - iplen, iplen);
	buf[2 + iplen] = addr->port >> 8;
	buf[3 + iplen] = addr->port & 0xff;
	return 4 + iplen;
}

/* The inverse of bcn_put_addr_msg(), for clients and tests. */
int bcn_parse_addr_msg(const uint8_t *buf, size_t len, uint8_t *type,
		       struct bcn_addr *addr)
{
	size_t iplen;

	if (len < 2)
		return -1;
	iplen = buf[1];
	if ((iplen != 4 && iplen != 16) || len != 4 + iplen)
		return -1;
	*type = buf[0];
	if (iplen == 4) {
		bcn_addr_set_v4(addr, buf + 2, 0);
	} else {
		memcpy(addr->ip, buf + 2, 16);
		addr->scope_id = 0;
	}
	addr->port = (uint16_t)(buf[2 + iplen] << 8 | buf[3 + iplen]);
	return 0;
}

static unsigned int handle_discover(struct bcn_table *t, struct bcn_stats *st,
				    const struct bcn_addr *src,
				    const struct bcn_addr *local, uint32_t id,
				    uint64_t now, struct bcn_out *out)
{
	struct bcn_node *n;

	/*
	 * Node id 0 is a probe (an RTT measurement, docs/protocol.md):
	 * answered, nothing registered, so that a node measuring a beacon
	 * from another socket does not move its own registration there.
	 */
	if (!id) {
		st->probes++;
		goto reply;
	}
	switch (bcn_table_register(t, id, src, now)) {
	case BCN_REG_NEW:
		st->registrations++;
		break;
	case BCN_REG_REBIND:
		st->rebinds++;
		break;
	case BCN_REG_MOVED:
		st->moves++;
		break;
	case BCN_REG_REFRESH:
		break;
	case BCN_REG_FULL:
	case BCN_REG_NOMEM:
		st->drop_table_full++;
		return 0;
	}
	/* What the node is sent from now on leaves from where it asked. */
	n = bcn_table_by_id(t, id);
	if (n)
		n->local = *local;
reply:
	out->dst = *src;
	out->src = *local;
	out->data = NULL;
	out->len = bcn_put_addr_msg(out->small, OVL_MSG_DISCOVER_REPLY, src);
	st->replies++;
	return 1;
}

static unsigned int handle_punch(struct bcn_table *t, struct bcn_stats *st,
				 const struct bcn_addr *src, uint32_t target,
				 struct bcn_out out[BCN_MAX_OUT])
{
	struct bcn_node *a = bcn_table_by_addr(t, src);
	struct bcn_node *b;

	if (!a) {
		st->drop_unknown_src++;
		return 0;
	}
	b = target ? bcn_table_by_id(t, target) : NULL;
	if (!b) {
		st->drop_unknown_dst++;
		return 0;
	}
	out[0].dst = a->addr;
	out[0].src = a->local;
	out[0].data = NULL;
	out[0].len = bcn_put_addr_msg(out[0].small, OVL_MSG_PUNCH_COMMAND,
				      &b->addr);
	out[1].dst = b->addr;
	out[1].src = b->local;
	out[1].data = NULL;
	out[1].len = bcn_put_addr_msg(out[1].small, OVL_MSG_PUNCH_COMMAND,
				      &a->addr);
	st->punches++;
	return 2;
}

static unsigned int handle_relay(struct bcn_table *t, struct bcn_stats *st,
				 const struct bcn_addr *src, uint8_t *pkt,
				 size_t len, struct bcn_out *out)
{
	uint32_t dst_id = get_be32(pkt + 1);
	struct bcn_node *a, *b;

	if (len == BCN_ID_MSG_LEN) {
		st->drop_empty_relay++;
		return 0;
	}
	/* The source id is the beacon's own, never the sender's claim. */
	a = bcn_table_by_addr(t, src);
	if (!a) {
		st->drop_unknown_src++;
		return 0;
	}
	b = dst_id ? bcn_table_by_id(t, dst_id) : NULL;
	if (!b) {
		st->drop_unknown_dst++;
		return 0;
	}
	pkt[0] = OVL_MSG_RELAY_DELIVER;
	put_be32(pkt + 1, a->id);
	out->dst = b->addr;
	out->src = b->local;
	out->data = pkt;
	out->len = len;
	st->relayed++;
	return 1;
}

/*
 * Handle one datagram @pkt of @len bytes from @src, received on the
 * beacon's address @local (NULL: unknown), at time @now (ms).  Fills up
 * to BCN_MAX_OUT entries of @out and returns how many; a RELAY is
 * rewritten in place into the RELAY_DELIVER that @out points at.  Each
 * output's src is the beacon address its destination node talks to.
 */
unsigned int bcn_handle_at(struct bcn_table *t, struct bcn_stats *st,
			   const struct bcn_addr *src,
			   const struct bcn_addr *local, uint8_t *pkt,
			   size_t len, uint64_t now,
			   struct bcn_out out[BCN_MAX_OUT])
{
	static const struct bcn_addr none;
	uint32_t id;

	if (!local)
		local = &none;

	if (len < 1) {
		st->drop_short++;
		return 0;
	}
	switch (pkt[0]) {
	case OVL_MSG_DISCOVER:
	case OVL_MSG_PUNCH_REQUEST:
	case OVL_MSG_RELAY:
		break;
	default:
		st->drop_unknown_type++;
		return 0;
	}
	if (len < BCN_ID_MSG_LEN) {
		st->drop_short++;
		return 0;
	}
	id = get_be32(pkt + 1);
	switch (pkt[0]) {
	case OVL_MSG_DISCOVER:
		if (len != BCN_ID_MSG_LEN) {
			st->drop_bad_length++;	/* trailing bytes */
			return 0;
		}
		return handle_discover(t, st, src, local, id, now, out);
	case OVL_MSG_PUNCH_REQUEST:
		if (len != BCN_ID_MSG_LEN) {
			st->drop_bad_length++;
			return 0;
		}
		return handle_punch(t, st, src, id, out);
	default:
		return handle_relay(t, st, src, pkt, len, out);
	}
}

unsigned int bcn_handle(struct bcn_table *t, struct bcn_stats *st,
			const struct bcn_addr *src, uint8_t *pkt, size_t len,
			uint64_t now, struct bcn_out out[BCN_MAX_OUT])
{
	return bcn_handle_at(t, st, src, NULL, pkt, len, now, out);
}
