/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ovl-beacon's protocol logic: parse one datagram, update the table, say
 * what to send.  No sockets; the tests call bcn_handle_at() directly.
 * Protocol v2 only (docs/beacon-auth.md): the table needs its bcn_auth.
 */
#ifndef OVL_BEACON_MSG_H
#define OVL_BEACON_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "prefix.h"
#include "stats.h"
#include "table.h"

#define BCN_ID_MSG_LEN		5	/* type, node id: every message's start */
#define BCN_OUT_SMALL		BCN_REGISTER_OK_MAX	/* the longest reply */

#define BCN_COOKIE_ROTATE_MS	120000	/* a cookie lives 120 to 240 s */
#define BCN_PUNCH_RATE		1	/* per (requester, target), a second */
#define BCN_PUNCH_BURST		3
#define BCN_PUNCH_ALL_RATE	4	/* per requester, all targets, a second */
#define BCN_PUNCH_ALL_BURST	8

/**
 * struct bcn_auth - protocol v2's settings and secrets (t->auth); guarded
 *	like the table it hangs from
 * @ca: the CA public key certificates must verify under
 * @secret: cookie secrets, [0] the current one, [1] the previous one
 * @secret_at: when [0] was drawn (ms); 0: none yet
 * @unix_now: the wall clock in seconds, for certificate validity (the
 *	caller sets it before bcn_handle_at())
 * @prefix_quota: registrations per source prefix
 * @relay_pps: relay budget of a node, packets a second
 * @relay_bps: relay budget of a node, bits a second
 * @hello_rate: HELLOs a second per source prefix (burst twice that)
 * @register_rate: REGISTERs a second per source prefix (burst twice that)
 * @hello_rl: HELLO budgets
 * @register_rl: REGISTER budgets
 * @pfx: registrations per prefix (t->pfx points here)
 */
struct bcn_auth {
	uint8_t			ca[BCN_PK_LEN];
	uint8_t			secret[2][BCN_SECRET_LEN];
	uint64_t		secret_at;
	uint64_t		unix_now;
	uint32_t		prefix_quota;
	uint64_t		relay_pps;
	uint64_t		relay_bps;
	uint64_t		hello_rate;
	uint64_t		register_rate;
	struct bcn_rl		hello_rl;
	struct bcn_rl		register_rl;
	struct bcn_pfx_map	pfx;
};

#define BCN_DEFAULT_PREFIX_QUOTA	64
#define BCN_DEFAULT_RELAY_PPS		1000000ULL
#define BCN_DEFAULT_RELAY_BPS		10000000000ULL	/* 10 Gbit/s */
#define BCN_DEFAULT_HELLO_RATE		20
#define BCN_DEFAULT_REGISTER_RATE	10
#define BCN_RL_SLOTS			4096

/*
 * Set up @a with the CA key @ca and the defaults, and hang it from @t
 * (which must be empty); bcn_handle_at() needs it.  Returns 0 or -1.
 */
int bcn_auth_init(struct bcn_auth *a, struct bcn_table *t,
		  const uint8_t ca[BCN_PK_LEN], uint64_t seed);
void bcn_auth_free(struct bcn_auth *a, struct bcn_table *t);

/**
 * struct bcn_out - one datagram to send
 * @dst: where to
 * @src: the beacon's address to send from (IP_PKTINFO/IPV6_PKTINFO), the
 *	one @dst's node talks to; all zero: the kernel picks
 * @data: the payload, or NULL for @small
 * @len: payload length
 * @small: storage for the short replies (all but RELAY_DELIVER)
 *
 * A RELAY_DELIVER is as long as the RELAY it came from: its header is
 * rewritten in place and @data points into the receive buffer.
 */
struct bcn_out {
	struct bcn_addr	dst;
	struct bcn_addr	src;
	uint8_t		*data;
	size_t		len;
	uint8_t		small[BCN_OUT_SMALL];
};

#define BCN_MAX_OUT	2	/* a PUNCH_REQUEST commands both ends */

unsigned int bcn_handle_at(struct bcn_table *t, struct bcn_stats *st,
			   const struct bcn_addr *src,
			   const struct bcn_addr *local, uint8_t *pkt,
			   size_t len, uint64_t now,
			   struct bcn_out out[BCN_MAX_OUT]);

/*
 * The same in halves, for a caller that serializes access to the table
 * (ovl-beacon's workers share one under a lock): what needs the table is
 * done by bcn_handle_locked(), the SipHash tags of a RELAY by
 * bcn_relay_finish(), which needs only what the first half copied out.
 * bcn_handle_at() is exactly the three calls below in a row.
 */

/**
 * struct bcn_relay - a RELAY between the halves of its handling
 * @pending: a RELAY awaits bcn_relay_finish() (then out[0] is its
 *	RELAY_DELIVER to be, if bcn_relay_finish() says so)
 * @refund: bcn_relay_finish() dropped a RELAY whose budget was taken:
 *	bcn_relay_refund() gives it back
 * @no_dst: no node is registered under the destination id
 * @over: over the sender's budget (nothing taken)
 * @from: the sender's node id
 * @k_up: the sender's key, which its tag must verify under
 * @k_down: the destination's key, which the RELAY_DELIVER is tagged with
 * @bits: what was taken of the sender's bit budget
 */
struct bcn_relay {
	bool		pending;
	bool		refund;
	bool		no_dst;
	bool		over;
	uint32_t	from;
	uint8_t		k_up[BCN_KEY_LEN];
	uint8_t		k_down[BCN_KEY_LEN];
	uint64_t	bits;
};

/*
 * With the table's lock: all of bcn_handle_at() but a RELAY's tags.  For
 * a RELAY from a registered address it looks up the destination, takes
 * the sender's budget (before the tag is checked: bcn_relay_refund()
 * gives it back if the tag turns out bad), copies the keys into @rl,
 * fills out[0] as the RELAY_DELIVER would go, sets @rl->pending and
 * returns 1; for anything else @rl->pending is false.
 */
unsigned int bcn_handle_locked(struct bcn_table *t, struct bcn_stats *st,
			       const struct bcn_addr *src,
			       const struct bcn_addr *local, uint8_t *pkt,
			       size_t len, uint64_t now,
			       struct bcn_out out[BCN_MAX_OUT],
			       struct bcn_relay *rl);
/*
 * Without the lock: check the tag of the pending RELAY @pkt of @len bytes,
 * then (in the order of bcn_handle_at()'s counters: bad_mac,
 * relay_unknown_dst, relay_rate_limited) drop it, or rewrite it in place
 * into its RELAY_DELIVER.  Returns true if out[0] is to be sent.
 */
bool bcn_relay_finish(struct bcn_relay *rl, struct bcn_stats *st,
		      uint8_t *pkt, size_t len);
/* With the lock again: give a dropped RELAY's budget back (@rl->refund). */
void bcn_relay_refund(struct bcn_table *t, const struct bcn_addr *src,
		      const struct bcn_relay *rl);

static inline const uint8_t *bcn_out_data(const struct bcn_out *o)
{
	return o->data ? o->data : o->small;
}

#endif /* OVL_BEACON_MSG_H */
