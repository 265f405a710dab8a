// SPDX-License-Identifier: GPL-2.0
/*
 * ovl-beacon's protocol logic (docs/man/ovl-beacon.8 has the formats).
 */
#include <string.h>

#include <linux/ovl.h>
#include <sodium.h>

#include "../daemon/cert.h"
#include "msg.h"

_Static_assert(BCN_REGISTER_CERT_MAX == CERT_MAX_LEN, "certificate size");

/*
 * A node's 21-byte [type][id][seq][mac] (refresh, PUNCH_REQUEST): the MAC
 * under @k_up, then a seq above *@last, which it becomes.  Counts
 * bad_mac or replay on failure.
 */
static bool mac_seq_ok(struct bcn_stats *st, const uint8_t *k_up,
		       const uint8_t *pkt, uint64_t *last)
{
	uint64_t seq;

	if (!bcn_mac_ok(k_up, pkt, 13)) {
		st->bad_mac++;
		return false;
	}
	seq = bcn_get_be64(pkt + 5);
	if (seq <= *last) {
		st->replay++;
		return false;
	}
	*last = seq;
	return true;
}

/* A reply to @src from @local, in out->small. */
static struct bcn_out *reply_to(struct bcn_out *out,
				const struct bcn_addr *src,
				const struct bcn_addr *local)
{
	out->dst = *src;
	out->src = *local;
	out->data = NULL;
	return out;
}

/*
 * A probe (DISCOVER of node id 0, at least 32 bytes): the address seen
 * and the nonce, 16 or 28 bytes, never more than came in; nothing kept.
 */
static unsigned int handle_probe(struct bcn_stats *st,
				 const struct bcn_addr *src,
				 const struct bcn_addr *local,
				 const uint8_t *pkt, struct bcn_out *out)
{
	reply_to(out, src, local);
	out->len = bcn_build_probe_reply(out->small, src, pkt + 5);
	st->probes++;
	st->replies++;
	return 1;
}

int bcn_auth_init(struct bcn_auth *a, struct bcn_table *t,
		  const uint8_t ca[BCN_PK_LEN], uint64_t seed)
{
	memset(a, 0, sizeof(*a));
	if (sodium_init() < 0)
		return -1;
	memcpy(a->ca, ca, BCN_PK_LEN);
	a->prefix_quota = BCN_DEFAULT_PREFIX_QUOTA;
	a->relay_pps = BCN_DEFAULT_RELAY_PPS;
	a->relay_bps = BCN_DEFAULT_RELAY_BPS;
	a->hello_rate = BCN_DEFAULT_HELLO_RATE;
	a->register_rate = BCN_DEFAULT_REGISTER_RATE;
	if (bcn_pfx_init(&a->pfx, t->max_nodes, seed ^ 0x5a5a) ||
	    bcn_rl_init(&a->hello_rl, BCN_RL_SLOTS, seed ^ 0xa5a5) ||
	    bcn_rl_init(&a->register_rl, BCN_RL_SLOTS, seed ^ 0x3c3c)) {
		bcn_auth_free(a, NULL);
		return -1;
	}
	t->pfx = &a->pfx;
	t->auth = a;
	return 0;
}

void bcn_auth_free(struct bcn_auth *a, struct bcn_table *t)
{
	if (t) {
		t->pfx = NULL;
		t->auth = NULL;
	}
	bcn_pfx_free(&a->pfx);
	bcn_rl_free(&a->hello_rl);
	bcn_rl_free(&a->register_rl);
	sodium_memzero(a->secret, sizeof(a->secret));
}

/* A new cookie secret every BCN_COOKIE_ROTATE_MS; the last one stays. */
static void rotate_secret(struct bcn_auth *a, uint64_t now)
{
	if (a->secret_at && now - a->secret_at < BCN_COOKIE_ROTATE_MS &&
	    now >= a->secret_at)
		return;
	/* None yet, or the last one too old to be the previous one. */
	if (!a->secret_at || now < a->secret_at ||
	    now - a->secret_at >= 2 * BCN_COOKIE_ROTATE_MS)
		randombytes_buf(a->secret[0], BCN_SECRET_LEN);
	memcpy(a->secret[1], a->secret[0], BCN_SECRET_LEN);
	randombytes_buf(a->secret[0], BCN_SECRET_LEN);
	a->secret_at = now ? now : 1;
}

/* A relay budget's burst: a tenth of a second, and a GRO burst at least. */
static uint64_t burst_of(uint64_t rate, uint64_t floor)
{
	return rate / 10 > floor ? rate / 10 : floor;
}

/* HELLO: a COOKIE (21 bytes for 40 or more), within the prefix's budget. */
static unsigned int v2_hello(struct bcn_auth *a, struct bcn_stats *st,
			     const struct bcn_addr *src,
			     const struct bcn_addr *local, uint32_t id,
			     uint64_t now, struct bcn_out *out)
{
	uint8_t cookie[BCN_COOKIE_LEN];

	if (!id) {
		st->drop_bad_length++;
		return 0;
	}
	if (!bcn_rl_take(&a->hello_rl, src, a->hello_rate,
			 2 * a->hello_rate, now)) {
		st->rate_limited++;
		return 0;
	}
	bcn_cookie(a->secret[0], src, id, cookie);
	reply_to(out, src, local);
	out->len = bcn_build_cookie_msg(out->small, id, cookie);
	st->cookies++;
	st->replies++;
	return 1;
}

static bool cookie_ok(const struct bcn_auth *a, const struct bcn_addr *src,
		      uint32_t id, const uint8_t *cookie)
{
	uint8_t want[BCN_COOKIE_LEN];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		bcn_cookie(a->secret[i], src, id, want);
		if (!sodium_memcmp(want, cookie, BCN_COOKIE_LEN))
			return true;
	}
	return false;
}

static unsigned int register_ok(struct bcn_stats *st, struct bcn_node *n,
				const struct bcn_addr *local,
				struct bcn_out *out)
{
	reply_to(out, &n->addr, local);
	out->len = bcn_build_register_ok(out->small, n->id, n->auth.beph,
					 &n->addr, n->auth.k_down);
	st->replies++;
	return 1;
}

/*
 * REGISTER, checked in the order of docs/beacon-auth.md (Registration):
 * cookie, the prefix's budget, certificate, signature; then the identity
 * rule, the prefix quota, the table's room; then keys and REGISTER_OK.
 */
static unsigned int v2_register(struct bcn_table *t, struct bcn_stats *st,
				const struct bcn_addr *src,
				const struct bcn_addr *local,
				const uint8_t *pkt, size_t len, uint64_t now,
				struct bcn_out *out)
{
	struct bcn_auth *a = t->auth;
	uint8_t b[32], beph[BCN_EPH_LEN], k_up[BCN_KEY_LEN],
		k_down[BCN_KEY_LEN];
	struct bcn_node *n, *other;
	struct bcn_register r;
	struct cert c;
	int64_t used;
	int kerr;

	if (bcn_parse_register(pkt, len, &r)) {
		st->drop_bad_length++;
		return 0;
	}
	if (!cookie_ok(a, src, r.id, r.cookie)) {
		st->bad_cookie++;
		return 0;
	}
	if (!bcn_rl_take(&a->register_rl, src, a->register_rate,
			 2 * a->register_rate, now)) {
		st->rate_limited++;
		return 0;
	}
	if (cert_decode(r.cert, r.cert_len, &c, NULL) != CERT_OK ||
	    cert_verify(&c, a->ca, a->unix_now) != CERT_OK ||
	    c.node_id != r.id) {
		st->bad_cert++;
		return 0;
	}
	if (!bcn_register_sig_ok(pkt, &r, c.public_key)) {
		st->bad_sig++;
		return 0;
	}
	n = bcn_table_by_id(t, r.id);
	if (n && n->last_seen + t->expire_ms <= now) {
		bcn_table_del(t, n);	/* expired, not yet swept */
		st->expirations++;
		n = NULL;
	}
	if (n && sodium_memcmp(n->auth.pk, c.public_key, BCN_PK_LEN)) {
		st->id_conflict++;
		return 0;
	}
	/*
	 * The same REGISTER again (a lost REGISTER_OK): the same answer.
	 * The same cookie with another eph is a new registration of the
	 * same identity (a daemon restarted within the cookie's life: the
	 * cookie of one address and id is the same until the secret turns).
	 */
	if (n && !sodium_memcmp(n->auth.cookie, r.cookie, BCN_COOKIE_LEN) &&
	    !sodium_memcmp(n->auth.eph, r.eph, BCN_EPH_LEN) &&
	    bcn_addr_equal(&n->addr, src))
		return register_ok(st, n, local, out);
	/* Another node id registered at this very address goes. */
	other = bcn_table_by_addr(t, src);
	if (other == n)
		other = NULL;
	used = (int64_t)bcn_pfx_count(&a->pfx, src) - (other ? 1 : 0);
	if (n) {
		uint8_t p1[16], p2[16];

		bcn_prefix(&n->addr, p1);
		bcn_prefix(src, p2);
		if (!memcmp(p1, p2, 16))
			used--;		/* it stays in the prefix */
	}
	if (used >= (int64_t)a->prefix_quota) {
		st->prefix_quota++;
		return 0;
	}
	randombytes_buf(b, sizeof(b));
	crypto_scalarmult_base(beph, b);
	kerr = bcn_derive_keys(b, r.eph, r.eph, beph, r.cookie, k_up, k_down);
	sodium_memzero(b, sizeof(b));
	if (kerr) {
		st->bad_sig++;	/* a signed eph no key agreement works with */
		return 0;
	}
	if (other) {
		bcn_table_del(t, other);
		st->moves++;
	}
	if (n) {
		if (!bcn_addr_equal(&n->addr, src)) {
			bcn_table_set_addr(t, n, src);
			st->rebinds++;
		}
	} else {
		if (t->count >= t->max_nodes && t->lru_head) {
			bcn_table_del(t, t->lru_head);	/* the stalest */
			st->evictions++;
		}
		n = bcn_table_add(t, r.id, src, now);
		if (!n) {
			st->drop_table_full++;
			return 0;
		}
		st->registrations++;
	}
	memset(&n->auth, 0, sizeof(n->auth));
	memcpy(n->auth.pk, c.public_key, BCN_PK_LEN);
	memcpy(n->auth.k_up, k_up, BCN_KEY_LEN);
	memcpy(n->auth.k_down, k_down, BCN_KEY_LEN);
	memcpy(n->auth.eph, r.eph, BCN_EPH_LEN);
	memcpy(n->auth.beph, beph, BCN_EPH_LEN);
	memcpy(n->auth.cookie, r.cookie, BCN_COOKIE_LEN);
	sodium_memzero(k_up, sizeof(k_up));
	sodium_memzero(k_down, sizeof(k_down));
	n->local = *local;
	bcn_table_touch(t, n, now);
	return register_ok(st, n, local, out);
}

/*
 * Refresh: from the registered address, a valid MAC, a newer seq: the
 * authenticated DISCOVER_REPLY.  One the beacon cannot place gets a
 * REREGISTER (5 bytes for 21).
 */
static unsigned int v2_refresh(struct bcn_table *t, struct bcn_stats *st,
			       const struct bcn_addr *src,
			       const struct bcn_addr *local, uint32_t id,
			       const uint8_t *pkt, uint64_t now,
			       struct bcn_out *out)
{
	struct bcn_node *n = bcn_table_by_id(t, id);

	if (!n || !bcn_addr_equal(&n->addr, src)) {
		reply_to(out, src, local);
		out->len = bcn_build_reregister(out->small, id);
		st->reregister_sent++;
		return 1;
	}
	if (!mac_seq_ok(st, n->auth.k_up, pkt, &n->auth.refresh_seq))
		return 0;
	n->local = *local;
	bcn_table_touch(t, n, now);
	reply_to(out, src, local);
	out->len = bcn_build_discover_reply(out->small, n->auth.refresh_seq,
					    src, n->auth.k_down);
	st->replies++;
	return 1;
}

/*
 * The requester's PUNCH_REQUEST budgets: the (requester, target) one, a
 * slot of the requester's, and the requester's over all its targets,
 * which bounds what cycling over many targets gets.  A target new to the
 * requester takes over the least recently asked slot with its bucket as
 * it is: it does not start full.  A request over the overall budget gives
 * its pair's token back.
 */
static bool punch_budget(struct bcn_node *a, uint32_t target, uint64_t now)
{
	struct bcn_punch_slot *s = NULL;
	unsigned int i;

	for (i = 0; i < BCN_PUNCH_SLOTS; i++) {
		struct bcn_punch_slot *p = &a->auth.punch[i];

		if (p->target == target) {
			s = p;
			break;
		}
		if (!s || p->used < s->used)
			s = p;		/* the least recently used so far */
	}
	s->target = target;
	s->used = now;
	if (!bcn_bucket_take(&s->bucket, BCN_PUNCH_RATE, BCN_PUNCH_BURST, 1,
			     now))
		return false;
	if (bcn_bucket_take(&a->auth.punch_all, BCN_PUNCH_ALL_RATE,
			    BCN_PUNCH_ALL_BURST, 1, now))
		return true;
	bcn_bucket_give(&s->bucket, BCN_PUNCH_BURST, 1);
	return false;
}

static void punch_command(struct bcn_node *to, const struct bcn_node *peer,
			  struct bcn_out *out)
{
	out->dst = to->addr;
	out->src = to->local;
	out->data = NULL;
	out->len = bcn_build_punch_command(out->small, peer->id,
					   ++to->auth.cmd_seq, &peer->addr,
					   to->auth.k_down);
}

static unsigned int v2_punch(struct bcn_table *t, struct bcn_stats *st,
			     const struct bcn_addr *src, uint32_t target,
			     const uint8_t *pkt, uint64_t now,
			     struct bcn_out out[BCN_MAX_OUT])
{
	struct bcn_node *a = bcn_table_by_addr(t, src);
	struct bcn_node *b;

	if (!a) {
		st->punch_refused++;
		return 0;
	}
	if (!mac_seq_ok(st, a->auth.k_up, pkt, &a->auth.punch_seq))
		return 0;
	b = target ? bcn_table_by_id(t, target) : NULL;
	if (!b || b == a) {
		st->punch_refused++;
		return 0;
	}
	if (!punch_budget(a, target, now)) {
		st->punch_rate_limited++;
		return 0;
	}
	punch_command(a, b, &out[0]);
	punch_command(b, a, &out[1]);
	st->punches++;
	return 2;
}

/* The sender's relay budgets: packets, bits; their bursts. */
static uint64_t relay_pkt_burst(const struct bcn_auth *au)
{
	return burst_of(au->relay_pps, 64);
}

static uint64_t relay_bit_burst(const struct bcn_auth *au)
{
	return burst_of(au->relay_bps, 64 * 1500 * 8);
}

/*
 * RELAY, the half under the table's lock: from a registered address, to
 * a registered node, within the sender's budget; the tags are
 * bcn_relay_finish()'s.  The budget is taken before the tag is known to
 * be good, so that a RELAY costs one pass under the lock; a bad tag's
 * take is given back (bcn_relay_refund()), so forged RELAYs from a
 * node's address hold its budget only between the two passes.
 */
static unsigned int v2_relay_begin(struct bcn_table *t, struct bcn_stats *st,
				   const struct bcn_addr *src, uint8_t *pkt,
				   size_t len, uint64_t now,
				   struct bcn_out *out, struct bcn_relay *rl)
{
	struct bcn_auth *au = t->auth;
	uint32_t dst_id = bcn_get_be32(pkt + 1);
	struct bcn_node *a, *b;

	a = bcn_table_by_addr(t, src);
	if (!a) {
		st->relay_unregistered++;
		return 0;
	}
	memset(rl, 0, sizeof(*rl));
	rl->pending = true;
	rl->from = a->id;
	memcpy(rl->k_up, a->auth.k_up, BCN_KEY_LEN);
	out->data = pkt;
	out->len = len;
	b = dst_id ? bcn_table_by_id(t, dst_id) : NULL;
	if (!b) {
		rl->no_dst = true;
		return 1;
	}
	rl->bits = (uint64_t)len * 8;
	if (!bcn_bucket_take(&a->auth.relay_pkts, au->relay_pps,
			     relay_pkt_burst(au), 1, now)) {
		rl->over = true;
	} else if (!bcn_bucket_take(&a->auth.relay_bits, au->relay_bps,
				    relay_bit_burst(au), rl->bits, now)) {
		bcn_bucket_give(&a->auth.relay_pkts, relay_pkt_burst(au), 1);
		rl->over = true;
	}
	memcpy(rl->k_down, b->auth.k_down, BCN_KEY_LEN);
	out->dst = b->addr;
	out->src = b->local;
	return 1;
}

bool bcn_relay_finish(struct bcn_relay *rl, struct bcn_stats *st,
		      uint8_t *pkt, size_t len)
{
	uint8_t tag[BCN_MAC_LEN];

	rl->pending = false;
	bcn_relay_tag(rl->k_up, OVL_MSG_RELAY, bcn_get_be32(pkt + 1),
		      pkt + BCN_RELAY2_HDR_LEN, len - BCN_RELAY2_HDR_LEN, tag);
	if (sodium_memcmp(tag, pkt + 5, BCN_MAC_LEN)) {
		st->bad_mac++;
		rl->refund = !rl->no_dst && !rl->over;
		return false;
	}
	if (rl->no_dst) {
		st->relay_unknown_dst++;
		return false;
	}
	if (rl->over) {
		st->relay_rate_limited++;
		return false;
	}
	pkt[0] = OVL_MSG_RELAY_DELIVER;
	bcn_put_be32(pkt + 1, rl->from);
	bcn_relay_tag(rl->k_down, OVL_MSG_RELAY_DELIVER, rl->from,
		      pkt + BCN_RELAY2_HDR_LEN, len - BCN_RELAY2_HDR_LEN,
		      pkt + 5);
	st->relayed++;
	return true;
}

/*
 * Only to the registration that was charged: the same node id at @src
 * with the same key (one registered anew meanwhile has fresh budgets).
 */
void bcn_relay_refund(struct bcn_table *t, const struct bcn_addr *src,
		      const struct bcn_relay *rl)
{
	struct bcn_node *a = bcn_table_by_addr(t, src);

	if (!rl->refund || !t->auth || !a || a->id != rl->from ||
	    sodium_memcmp(a->auth.k_up, rl->k_up, BCN_KEY_LEN))
		return;
	bcn_bucket_give(&a->auth.relay_pkts, relay_pkt_burst(t->auth), 1);
	bcn_bucket_give(&a->auth.relay_bits, relay_bit_burst(t->auth),
			rl->bits);
}

/*
 * Handle one datagram @pkt of @len bytes from @src, received on the
 * beacon's address @local (NULL: unknown), at time @now (ms), by the
 * rules of docs/beacon-auth.md; @t must have its bcn_auth (bcn_auth_init).
 * Fills up to BCN_MAX_OUT entries of @out and returns how many; a RELAY is
 * rewritten in place into the RELAY_DELIVER that @out points at.  Each
 * output's src is the beacon address its destination node talks to.
 * Protocol v1's forms (the 5-byte DISCOVER, PUNCH_REQUEST and RELAY
 * header) are malformed here: counted, never answered.
 */
unsigned int bcn_handle_at(struct bcn_table *t, struct bcn_stats *st,
			   const struct bcn_addr *src,
			   const struct bcn_addr *local, uint8_t *pkt,
			   size_t len, uint64_t now,
			   struct bcn_out out[BCN_MAX_OUT])
{
	struct bcn_relay rl;
	unsigned int k;

	k = bcn_handle_locked(t, st, src, local, pkt, len, now, out, &rl);
	if (rl.pending && !bcn_relay_finish(&rl, st, pkt, len)) {
		bcn_relay_refund(t, src, &rl);
		k = 0;
	}
	return k;
}

unsigned int bcn_handle_locked(struct bcn_table *t, struct bcn_stats *st,
			       const struct bcn_addr *src,
			       const struct bcn_addr *local, uint8_t *pkt,
			       size_t len, uint64_t now,
			       struct bcn_out out[BCN_MAX_OUT],
			       struct bcn_relay *rl)
{
	static const struct bcn_addr none;
	uint32_t id;

	rl->pending = false;

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
	case OVL_MSG_HELLO:
	case OVL_MSG_REGISTER:
		break;
	default:
		st->drop_unknown_type++;
		return 0;
	}
	if (len < BCN_ID_MSG_LEN) {
		st->drop_short++;
		return 0;
	}
	if (!t->auth) {			/* no CA: nothing is accepted */
		st->drop_unknown_type++;
		return 0;
	}
	rotate_secret(t->auth, now);
	id = bcn_get_be32(pkt + 1);
	switch (pkt[0]) {
	case OVL_MSG_DISCOVER:
		if (!id && len >= BCN_PROBE_LEN)
			return handle_probe(st, src, local, pkt, out);
		if (id && len == BCN_REFRESH_LEN)
			return v2_refresh(t, st, src, local, id, pkt, now,
					  out);
		st->drop_bad_length++;	/* v1's 5-byte DISCOVER among them */
		return 0;
	case OVL_MSG_PUNCH_REQUEST:
		if (len != BCN_PUNCH_REQ_LEN) {
			st->drop_bad_length++;
			return 0;
		}
		return v2_punch(t, st, src, id, pkt, now, out);
	case OVL_MSG_RELAY:
		if (len < BCN_RELAY2_HDR_LEN) {
			st->drop_short++;
			return 0;
		}
		if (len == BCN_RELAY2_HDR_LEN) {
			st->drop_empty_relay++;
			return 0;
		}
		return v2_relay_begin(t, st, src, pkt, len, now, out, rl);
	case OVL_MSG_HELLO:
		if (len < BCN_HELLO_LEN) {
			st->drop_bad_length++;
			return 0;
		}
		return v2_hello(t->auth, st, src, local, id, now, out);
	default:
		return v2_register(t, st, src, local, pkt, len, now, out);
	}
}
