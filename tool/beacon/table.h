/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Registration table of ovl-beacon: node id <-> observed address, with
 * expiry and a cap on the number of nodes.  No sockets, no clocks: the
 * caller passes the time, so the unit tests drive it directly.
 */
#ifndef OVL_BEACON_TABLE_H
#define OVL_BEACON_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * struct bcn_addr - an observed UDP address
 * @ip: IPv6 address; IPv4 is stored IPv4-mapped (::ffff:a.b.c.d)
 * @port: UDP port, host order
 * @scope_id: IPv6 scope (interface index) of a link-local address, else 0;
 *	never on the wire, but two link-local addresses on different links
 *	are different addresses, and a reply needs it to leave at all
 */
struct bcn_addr {
	uint8_t		ip[16];
	uint16_t	port;
	uint32_t	scope_id;
};

/**
 * struct bcn_bucket - a token bucket (auth.h's bcn_bucket_take())
 * @milli: tokens held, in thousandths
 * @last: time of the last refill, ms
 * @used: false until the first take (then it starts full)
 */
struct bcn_bucket {
	uint64_t	milli;
	uint64_t	last;
	bool		used;
};

#define BCN_PUNCH_SLOTS	8	/* PUNCH_REQUEST targets rate-limited apart */

/**
 * struct bcn_punch_slot - the PUNCH_REQUEST budget towards one target
 * @target: node id, 0 for a free slot
 * @used: when it was last asked for, ms (the least recent slot is reused)
 * @bucket: once a second, burst 3; a target that takes over a slot takes
 *	over its bucket as it is (a never used slot's is full), so that
 *	cycling over more targets than there are slots refills nothing
 */
struct bcn_punch_slot {
	uint32_t		target;
	uint64_t		used;
	struct bcn_bucket	bucket;
};

/**
 * struct bcn_auth_node - what protocol v2 keeps of a registration
 *	(docs/beacon-auth.md, Registration 4)
 * @pk: the node's identity public key (from its certificate)
 * @k_up: node -> beacon SipHash key
 * @k_down: beacon -> node SipHash key
 * @eph: the daemon's X25519 key of this registration
 * @beph: the beacon's
 * @cookie: the cookie it registered with (a duplicate REGISTER's test)
 * @refresh_seq: last refresh seq accepted
 * @punch_seq: last PUNCH_REQUEST seq accepted
 * @cmd_seq: last PUNCH_COMMAND seq sent to the node
 * @relay_pkts: relay budget, packets
 * @relay_bits: relay budget, bits
 * @punch_all: PUNCH_REQUEST budget over all targets together
 * @punch: PUNCH_REQUEST budgets per target
 */
struct bcn_auth_node {
	uint8_t			pk[32];
	uint8_t			k_up[16];
	uint8_t			k_down[16];
	uint8_t			eph[32];
	uint8_t			beph[32];
	uint8_t			cookie[16];
	uint64_t		refresh_seq;
	uint64_t		punch_seq;
	uint64_t		cmd_seq;
	struct bcn_bucket	relay_pkts;
	struct bcn_bucket	relay_bits;
	struct bcn_bucket	punch_all;
	struct bcn_punch_slot	punch[BCN_PUNCH_SLOTS];
};

struct bcn_hnode {
	struct bcn_hnode	*next;
	struct bcn_hnode	**pprev;
};

/**
 * struct bcn_node - one registration
 * @by_id: chain in the node id hash
 * @by_addr: chain in the address hash
 * @lru_prev: older registration (towards the head of the expiry list)
 * @lru_next: newer registration
 * @last_seen: time of the last registration or refresh, milliseconds
 * @id: node id, never 0
 * @addr: observed address
 * @local: the beacon's address the node talks to (port 0; all zero if
 *	unknown): whatever the beacon sends the node leaves from there,
 *	or the node would drop it as not from its beacon
 * @auth: protocol v2's state of the registration
 */
struct bcn_node {
	struct bcn_hnode	by_id;
	struct bcn_hnode	by_addr;
	struct bcn_node		*lru_prev;
	struct bcn_node		*lru_next;
	uint64_t		last_seen;
	uint32_t		id;
	struct bcn_addr		addr;
	struct bcn_addr		local;
	struct bcn_auth_node	auth;
};

/**
 * struct bcn_table - both hashes and the expiry list
 * @id_buckets: chains keyed by node id
 * @addr_buckets: chains keyed by address
 * @mask: number of buckets - 1 (a power of two)
 * @count: registrations held
 * @max_nodes: cap on @count
 * @expire_ms: a registration not refreshed for this long expires
 * @seed: hash seed, random in the daemon (hash flooding)
 * @lru_head: least recently refreshed registration
 * @lru_tail: most recently refreshed registration
 * @pfx: registrations per source prefix (kept if not NULL)
 * @auth: protocol v2's settings and secrets (msg.h); NULL: none yet,
 *	bcn_handle_at() drops everything
 */
struct bcn_table {
	struct bcn_hnode	**id_buckets;
	struct bcn_hnode	**addr_buckets;
	size_t			mask;
	size_t			count;
	size_t			max_nodes;
	uint64_t		expire_ms;
	uint64_t		seed;
	struct bcn_node		*lru_head;
	struct bcn_node		*lru_tail;
	struct bcn_pfx_map	*pfx;
	struct bcn_auth		*auth;
};

struct bcn_pfx_map;
struct bcn_auth;

int bcn_table_init(struct bcn_table *t, size_t max_nodes, uint64_t expire_ms,
		   uint64_t seed);
void bcn_table_free(struct bcn_table *t);
struct bcn_node *bcn_table_by_id(const struct bcn_table *t, uint32_t id);
struct bcn_node *bcn_table_by_addr(const struct bcn_table *t,
				   const struct bcn_addr *addr);
/* The primitives: the caller applies protocol v2's rules (msg.c). */
struct bcn_node *bcn_table_add(struct bcn_table *t, uint32_t id,
			       const struct bcn_addr *addr, uint64_t now);
void bcn_table_del(struct bcn_table *t, struct bcn_node *n);
void bcn_table_set_addr(struct bcn_table *t, struct bcn_node *n,
			const struct bcn_addr *addr);
void bcn_table_touch(struct bcn_table *t, struct bcn_node *n, uint64_t now);
size_t bcn_table_expire(struct bcn_table *t, uint64_t now);
uint64_t bcn_table_next_expiry(const struct bcn_table *t);

/* Address helpers, in auth.c with the wire form of addresses. */
bool bcn_addr_equal(const struct bcn_addr *a, const struct bcn_addr *b);
bool bcn_addr_is_v4mapped(const struct bcn_addr *a);
void bcn_addr_set_v4(struct bcn_addr *a, const uint8_t ip4[4], uint16_t port);

#endif /* OVL_BEACON_TABLE_H */
