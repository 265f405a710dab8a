// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of protocol v2's rules (docs/beacon-auth.md): bcn_handle_at()
 * on a table with a CA, fed by nodes holding real certificates.  Every
 * check of the spec's order, the identity rule, quotas, refresh, relay,
 * punch; and the reply-size rule for whatever an unverified source sends.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <linux/ovl.h>
#include <sodium.h>

#include "../daemon/cert.h"
#include "msg.h"

#define NOW_UNIX	1800000000ULL

struct node {
	uint32_t	id;
	uint8_t		pk[32], sk[64];
	uint8_t		cert[CERT_MAX_LEN];
	size_t		cert_len;
	struct bcn_addr	addr;
	uint8_t		k_up[16], k_down[16];
	uint64_t	seq, punch_seq;
	struct bcn_addr	seen;		/* REGISTER_OK's address */
};

struct ctx {
	struct bcn_table	t;
	struct bcn_auth		a;
	struct bcn_stats	st;
	struct bcn_out		out[BCN_MAX_OUT];
	uint8_t			ca_pk[32], ca_sk[64];
	uint64_t		now;
	const struct bcn_addr	*local;	/* the beacon's address asked */
};

static struct bcn_addr addr4(uint8_t c, uint8_t d, uint16_t port)
{
	const uint8_t ip[4] = { 198, 51, c, d };
	struct bcn_addr a;

	bcn_addr_set_v4(&a, ip, port);
	return a;
}

static void make_node(struct ctx *c, struct node *n, uint32_t id,
		      struct bcn_addr addr, const uint8_t *ca_sk)
{
	struct cert ct;
	char pfx[32];
	int len;

	memset(n, 0, sizeof(*n));
	n->id = id;
	n->addr = addr;
	crypto_sign_keypair(n->pk, n->sk);
	memset(&ct, 0, sizeof(ct));
	ct.node_id = id;
	ct.not_before = NOW_UNIX - 100;
	ct.not_after = NOW_UNIX + 100;
	memcpy(ct.public_key, n->pk, 32);
	snprintf(pfx, sizeof(pfx), "10.77.%u.%u/32", (id >> 8) & 0xff,
		 id & 0xff);
	assert_int_equal(parse_cidr(pfx, &ct.addrs[0]), 0);
	ct.n_addrs = 1;
	assert_int_equal(cert_sign(&ct, ca_sk ? ca_sk : c->ca_sk, NULL), 0);
	len = cert_encode(&ct, n->cert, sizeof(n->cert));
	assert_true(len > 0);
	n->cert_len = len;
}

static int setup(void **state)
{
	static struct ctx c;

	memset(&c, 0, sizeof(c));
	if (sodium_init() < 0 || bcn_table_init(&c.t, 8, 30000, 5))
		return -1;
	crypto_sign_keypair(c.ca_pk, c.ca_sk);
	if (bcn_auth_init(&c.a, &c.t, c.ca_pk, 9))
		return -1;
	c.a.unix_now = NOW_UNIX;
	c.now = 1000;
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;

	bcn_auth_free(&c->a, &c->t);
	bcn_table_free(&c->t);
	return 0;
}

/*
 * Hand @pkt from @src to the beacon.  The reply-size rule is checked for
 * every message the caller marks @unverified: at most one datagram,
 * never more bytes than received.
 */
static unsigned int feed(struct ctx *c, const struct bcn_addr *src,
			 uint8_t *pkt, size_t len, bool unverified)
{
	unsigned int k = bcn_handle_at(&c->t, &c->st, src, c->local, pkt, len,
				       c->now, c->out);

	if (unverified) {
		assert_true(k <= 1);
		if (k)
			assert_true(c->out[0].len <= len);
	}
	return k;
}

/* HELLO from @from for @n's id: the cookie, or 0 if none came. */
static int get_cookie(struct ctx *c, const struct node *n,
		      const struct bcn_addr *from, uint8_t cookie[16])
{
	uint8_t pkt[BCN_HELLO_LEN];
	uint32_t id;

	bcn_build_hello(pkt, n->id);
	if (feed(c, from, pkt, sizeof(pkt), true) != 1)
		return -1;
	assert_true(bcn_addr_equal(&c->out[0].dst, from));
	assert_int_equal(bcn_parse_cookie_msg(bcn_out_data(&c->out[0]),
					      c->out[0].len, &id, cookie), 0);
	assert_int_equal(id, n->id);
	return 0;
}

/* REGISTER of @n from @from with @cookie; 0 and keys if REGISTER_OK. */
static int do_register(struct ctx *c, struct node *n,
		       const struct bcn_addr *from, const uint8_t cookie[16],
		       const uint8_t *sk)
{
	uint8_t pkt[BCN_REGISTER_FIXED + CERT_MAX_LEN], d[32], eph[32];
	uint8_t beph[32];
	size_t len;
	uint32_t id;

	randombytes_buf(d, 32);
	crypto_scalarmult_base(eph, d);
	len = bcn_build_register(pkt, sizeof(pkt), n->id, cookie, eph,
				 n->cert, n->cert_len, sk ? sk : n->sk);
	if (feed(c, from, pkt, len, true) != 1)
		return -1;
	assert_true(bcn_addr_equal(&c->out[0].dst, from));
	assert_int_equal(bcn_parse_register_ok(bcn_out_data(&c->out[0]),
					       c->out[0].len, &id, beph,
					       &n->seen), 0);
	assert_int_equal(id, n->id);
	assert_int_equal(bcn_derive_keys(d, beph, eph, beph, cookie, n->k_up,
					 n->k_down), 0);
	assert_true(bcn_mac_ok(n->k_down, bcn_out_data(&c->out[0]),
			       c->out[0].len - 8));
	n->seq = n->punch_seq = 0;
	return 0;
}

static int reg(struct ctx *c, struct node *n)
{
	uint8_t cookie[16];

	if (get_cookie(c, n, &n->addr, cookie))
		return -1;
	return do_register(c, n, &n->addr, cookie, NULL);
}

/* Nodes 42 (@a) and 43 (@b), each registered at an address of its own. */
static void reg_pair(struct ctx *c, struct node *a, struct node *b)
{
	make_node(c, a, 42, addr4(1, 1, 1000), NULL);
	make_node(c, b, 43, addr4(1, 2, 1000), NULL);
	assert_int_equal(reg(c, a), 0);
	assert_int_equal(reg(c, b), 0);
}

/* Relay @len inner bytes from @a to @b's id, tagged with @key. */
static unsigned int relay(struct ctx *c, const struct bcn_addr *from,
			  const uint8_t key[16], uint32_t dst, uint8_t *pkt,
			  size_t len)
{
	pkt[0] = OVL_MSG_RELAY;
	pkt[1] = dst >> 24;
	pkt[2] = dst >> 16;
	pkt[3] = dst >> 8;
	pkt[4] = dst;
	memset(pkt + 13, 0x42, len);
	pkt[20] = (uint8_t)len;		/* unique-ish header */
	bcn_relay_tag(key, OVL_MSG_RELAY, dst, pkt + 13, len, pkt + 5);
	return feed(c, from, pkt, 13 + len, false);
}

static void test_probe(void **state)
{
	struct ctx *c = *state;
	struct bcn_addr src = addr4(1, 1, 1000), seen;
	uint8_t pkt[64], nonce[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, got[8];
	uint8_t v1[5] = { OVL_MSG_DISCOVER };

	bcn_build_probe(pkt, nonce);
	assert_int_equal(feed(c, &src, pkt, 32, true), 1);
	assert_int_equal(c->out[0].len, 16);
	assert_int_equal(bcn_parse_probe_reply(bcn_out_data(&c->out[0]), 16,
					       &seen, got), 0);
	assert_memory_equal(got, nonce, 8);
	assert_true(bcn_addr_equal(&seen, &src));
	assert_int_equal(feed(c, &src, pkt, 64, true), 1);	/* longer */
	/* v1's 5-byte probe: no answer from v2 (8 bytes for 5) */
	assert_int_equal(feed(c, &src, v1, 5, true), 0);
	assert_int_equal(c->st.probes, 2);
	assert_int_equal(c->t.count, 0);
}

static void test_register_ok(void **state)
{
	struct ctx *c = *state;
	struct node a;

	make_node(c, &a, 42, addr4(1, 1, 1000), NULL);
	assert_int_equal(reg(c, &a), 0);
	assert_true(bcn_addr_equal(&a.seen, &a.addr));
	assert_int_equal(c->t.count, 1);
	assert_int_equal(c->st.registrations, 1);
	assert_int_equal(c->st.cookies, 1);
}

/* Each check of the order, each counted, nothing registered. */
static void test_register_refused(void **state)
{
	struct ctx *c = *state;
	struct bcn_addr other = addr4(2, 2, 2000);
	uint8_t cookie[16], ca2_pk[32], ca2_sk[64];
	struct node a, b, d;

	make_node(c, &a, 42, addr4(1, 1, 1000), NULL);
	/* a cookie for another address: forged source */
	assert_int_equal(get_cookie(c, &a, &other, cookie), 0);
	assert_int_equal(do_register(c, &a, &a.addr, cookie, NULL), -1);
	assert_int_equal(c->st.bad_cookie, 1);
	/* a cookie for another node id */
	make_node(c, &b, 43, a.addr, NULL);
	assert_int_equal(get_cookie(c, &b, &a.addr, cookie), 0);
	assert_int_equal(do_register(c, &a, &a.addr, cookie, NULL), -1);
	assert_int_equal(c->st.bad_cookie, 2);
	/* a certificate of another CA */
	crypto_sign_keypair(ca2_pk, ca2_sk);
	make_node(c, &d, 42, a.addr, ca2_sk);
	assert_int_equal(get_cookie(c, &d, &d.addr, cookie), 0);
	assert_int_equal(do_register(c, &d, &d.addr, cookie, NULL), -1);
	assert_int_equal(c->st.bad_cert, 1);
	/* a certificate of another node id (b's, registering as 42) */
	memcpy(d.cert, b.cert, b.cert_len);
	d.cert_len = b.cert_len;
	assert_int_equal(do_register(c, &d, &d.addr, cookie, b.sk), -1);
	assert_int_equal(c->st.bad_cert, 2);
	/* an expired certificate */
	c->a.unix_now = NOW_UNIX + 1000;
	assert_int_equal(get_cookie(c, &a, &a.addr, cookie), 0);
	assert_int_equal(do_register(c, &a, &a.addr, cookie, NULL), -1);
	assert_int_equal(c->st.bad_cert, 3);
	c->a.unix_now = NOW_UNIX;
	/* a signature by another key */
	assert_int_equal(do_register(c, &a, &a.addr, cookie, b.sk), -1);
	assert_int_equal(c->st.bad_sig, 1);
	assert_int_equal(c->t.count, 0);
	/* the cookie outlives one rotation, not two */
	c->now += BCN_COOKIE_ROTATE_MS;
	assert_int_equal(do_register(c, &a, &a.addr, cookie, NULL), 0);
	assert_int_equal(get_cookie(c, &a, &a.addr, cookie), 0);
	c->now += 2 * BCN_COOKIE_ROTATE_MS;
	a.addr.port++;	/* a fresh entry is not needed: bad cookie first */
	assert_int_equal(do_register(c, &a, &a.addr, cookie, NULL), -1);
	assert_int_equal(c->st.bad_cookie, 3);
	/* nothing for a long time: the secret of then is not the previous */
	a.addr.port--;
	assert_int_equal(get_cookie(c, &a, &a.addr, cookie), 0);
	c->now += 10 * BCN_COOKIE_ROTATE_MS;
	assert_int_equal(do_register(c, &a, &a.addr, cookie, NULL), -1);
	assert_int_equal(c->st.bad_cookie, 4);
}

/* Only the same key replaces a live registration; from any address. */
static void test_identity(void **state)
{
	struct ctx *c = *state;
	struct node a, evil, a2;
	uint8_t pkt[21];

	make_node(c, &a, 42, addr4(1, 1, 1000), NULL);
	assert_int_equal(reg(c, &a), 0);
	make_node(c, &evil, 42, addr4(9, 9, 9000), NULL);	/* same CA! */
	assert_int_equal(reg(c, &evil), -1);
	assert_int_equal(c->st.id_conflict, 1);
	assert_true(bcn_addr_equal(&bcn_table_by_id(&c->t, 42)->addr,
				   &a.addr));
	/* the same identity from a new address (NAT rebinding) */
	a2 = a;
	a2.addr = addr4(3, 3, 3000);
	assert_int_equal(reg(c, &a2), 0);
	assert_int_equal(c->st.rebinds, 1);
	assert_int_equal(c->t.count, 1);
	/* the old address's refresh, under the old keys: REREGISTER */
	bcn_build_refresh(pkt, 42, 1, a.k_up);
	assert_int_equal(feed(c, &a.addr, pkt, 21, true), 1);
	assert_int_equal(c->out[0].len, 5);
	assert_int_equal(bcn_out_data(&c->out[0])[0], OVL_MSG_REREGISTER);
	assert_int_equal(c->st.reregister_sent, 1);
	/* once expired, another key may have the id */
	c->now += 30000;
	assert_int_equal(reg(c, &evil), 0);
}

static void test_duplicate_register(void **state)
{
	struct ctx *c = *state;
	uint8_t pkt[BCN_REGISTER_FIXED + CERT_MAX_LEN], cookie[16], eph[32];
	uint8_t first[BCN_OUT_SMALL];
	size_t len, flen;
	struct node a;

	make_node(c, &a, 42, addr4(1, 1, 1000), NULL);
	assert_int_equal(get_cookie(c, &a, &a.addr, cookie), 0);
	randombytes_buf(eph, 32);
	len = bcn_build_register(pkt, sizeof(pkt), 42, cookie, eph, a.cert,
				 a.cert_len, a.sk);
	assert_int_equal(feed(c, &a.addr, pkt, len, true), 1);
	flen = c->out[0].len;
	memcpy(first, bcn_out_data(&c->out[0]), flen);
	assert_int_equal(feed(c, &a.addr, pkt, len, true), 1);
	assert_int_equal(c->out[0].len, flen);
	assert_memory_equal(bcn_out_data(&c->out[0]), first, flen);
	/* the same cookie, another eph: new keys (a restarted daemon) */
	eph[0] ^= 1;
	len = bcn_build_register(pkt, sizeof(pkt), 42, cookie, eph, a.cert,
				 a.cert_len, a.sk);
	assert_int_equal(feed(c, &a.addr, pkt, len, true), 1);
	assert_memory_not_equal(bcn_out_data(&c->out[0]), first, flen);
	assert_memory_equal(bcn_table_by_id(&c->t, 42)->auth.eph, eph, 32);
	assert_int_equal(c->st.registrations, 1);
	assert_int_equal(c->t.count, 1);
}

static void test_refresh(void **state)
{
	struct ctx *c = *state;
	struct bcn_addr seen, spoof = addr4(7, 7, 7000);
	uint8_t pkt[21];
	struct node a;
	uint64_t seq;

	make_node(c, &a, 42, addr4(1, 1, 1000), NULL);
	assert_int_equal(reg(c, &a), 0);
	bcn_build_refresh(pkt, 42, 1, a.k_up);
	assert_int_equal(feed(c, &a.addr, pkt, 21, false), 1);
	assert_int_equal(c->out[0].len, 24);
	assert_int_equal(bcn_parse_discover_reply(bcn_out_data(&c->out[0]),
						  24, a.k_down, &seq, &seen),
			 0);
	assert_int_equal(seq, 1);
	assert_true(bcn_addr_equal(&seen, &a.addr));
	/* replayed */
	assert_int_equal(feed(c, &a.addr, pkt, 21, true), 0);
	assert_int_equal(c->st.replay, 1);
	/* a bad MAC */
	bcn_build_refresh(pkt, 42, 2, a.k_down);
	assert_int_equal(feed(c, &a.addr, pkt, 21, true), 0);
	assert_int_equal(c->st.bad_mac, 1);
	/* the claim of the id from elsewhere moves nothing */
	assert_int_equal(feed(c, &spoof, pkt, 21, true), 1);
	assert_int_equal(c->out[0].len, 5);
	assert_true(bcn_addr_equal(&bcn_table_by_id(&c->t, 42)->addr,
				   &a.addr));
	/* an unknown id: REREGISTER */
	bcn_build_refresh(pkt, 77, 1, a.k_up);
	assert_int_equal(feed(c, &a.addr, pkt, 21, true), 1);
	assert_int_equal(c->st.reregister_sent, 2);
	/* a v1 DISCOVER claiming the id: dropped */
	assert_int_equal(feed(c, &spoof, pkt, 5, true), 0);
	assert_int_equal(c->t.count, 1);
	/* the refresh keeps it alive past the expiry */
	c->now += 20000;
	bcn_build_refresh(pkt, 42, 5, a.k_up);
	assert_int_equal(feed(c, &a.addr, pkt, 21, false), 1);
	c->now += 20000;
	assert_int_equal(bcn_table_expire(&c->t, c->now), 0);
}

static void test_relay(void **state)
{
	struct ctx *c = *state;
	uint8_t pkt[13 + 100], tag[8];
	struct node a, b;

	reg_pair(c, &a, &b);
	assert_int_equal(relay(c, &a.addr, a.k_up, 43, pkt, 100), 1);
	assert_true(bcn_addr_equal(&c->out[0].dst, &b.addr));
	assert_int_equal(c->out[0].len, 113);
	assert_ptr_equal(c->out[0].data, pkt);		/* in place */
	assert_int_equal(pkt[0], OVL_MSG_RELAY_DELIVER);
	assert_int_equal(pkt[4], 42);			/* the source's id */
	bcn_relay_tag(b.k_down, OVL_MSG_RELAY_DELIVER, 42, pkt + 13, 100,
		      tag);
	assert_memory_equal(pkt + 5, tag, 8);
	/* from an unregistered address */
	assert_int_equal(relay(c, &(struct bcn_addr){ .port = 1 }, a.k_up,
			       43, pkt, 100), 0);
	assert_int_equal(c->st.relay_unregistered, 1);
	/* a bad tag (another key) */
	assert_int_equal(relay(c, &a.addr, a.k_down, 43, pkt, 100), 0);
	assert_int_equal(c->st.bad_mac, 1);
	/* an unknown destination */
	assert_int_equal(relay(c, &a.addr, a.k_up, 44, pkt, 100), 0);
	assert_int_equal(c->st.relay_unknown_dst, 1);
	/* empty */
	assert_int_equal(relay(c, &a.addr, a.k_up, 43, pkt, 0), 0);
	assert_int_equal(c->st.drop_empty_relay, 1);
}

static void test_relay_budget(void **state)
{
	struct ctx *c = *state;
	uint8_t pkt[13 + 1400];
	unsigned int i, ok = 0;
	struct node a, b;

	c->a.relay_pps = 100;		/* burst 64 */
	reg_pair(c, &a, &b);
	for (i = 0; i < 100; i++)
		ok += relay(c, &a.addr, a.k_up, 43, pkt, 10);
	assert_int_equal(ok, 64);
	assert_int_equal(c->st.relay_rate_limited, 36);
	c->now += 100;			/* 10 more */
	for (i = ok = 0; i < 20; i++)
		ok += relay(c, &a.addr, a.k_up, 43, pkt, 10);
	assert_int_equal(ok, 10);
	/* bits: 1 Mbit/s, burst 768000 bits = 68 datagrams of 1413 bytes */
	c->a.relay_pps = 1000000;
	c->a.relay_bps = 1000000;
	c->now += 100000;
	for (i = ok = 0; i < 100; i++)
		ok += relay(c, &b.addr, b.k_up, 42, pkt, 1400);
	assert_int_equal(ok, 768000 / (1413 * 8));
}

/*
 * The halves the workers use (bcn_handle_locked(), then
 * bcn_relay_finish() outside the lock): a forged RELAY from a node's
 * address holds the node's budget only until its tag is found bad, then
 * bcn_relay_refund() gives it back; with bcn_handle_at() it costs none.
 */
static void test_relay_halves(void **state)
{
	struct ctx *c = *state;
	static uint8_t pkts[64][13 + 10];
	struct bcn_out outs[64][BCN_MAX_OUT];
	struct bcn_relay rl[64];
	uint8_t pkt[13 + 10];
	unsigned int i, ok = 0;
	struct node a, b;

	c->a.relay_pps = 100;		/* burst 64 */
	reg_pair(c, &a, &b);
	/* 200 forged RELAYs through bcn_handle_at(): no budget spent */
	for (i = 0; i < 200; i++)
		assert_int_equal(relay(c, &a.addr, a.k_down, 43, pkt, 10), 0);
	assert_int_equal(c->st.bad_mac, 200);
	assert_int_equal(c->st.relay_rate_limited, 0);
	/* 64 forged ones in flight between the halves take the burst... */
	for (i = 0; i < 64; i++) {
		pkts[i][0] = OVL_MSG_RELAY;
		bcn_put_be32(pkts[i] + 1, 43);
		memset(pkts[i] + 5, 0xee, 18);
		assert_int_equal(bcn_handle_locked(&c->t, &c->st, &a.addr,
						   NULL, pkts[i], 23, c->now,
						   outs[i], &rl[i]), 1);
		assert_true(rl[i].pending);
		assert_true(bcn_addr_equal(&outs[i][0].dst, &b.addr));
	}
	assert_int_equal(relay(c, &a.addr, a.k_up, 43, pkt, 10), 0);
	assert_int_equal(c->st.relay_rate_limited, 1);
	/* ...and give it back once their tags are found bad */
	for (i = 0; i < 64; i++) {
		assert_false(bcn_relay_finish(&rl[i], &c->st, pkts[i], 23));
		assert_true(rl[i].refund);
		bcn_relay_refund(&c->t, &a.addr, &rl[i]);
	}
	assert_int_equal(c->st.bad_mac, 264);
	for (i = 0; i < 100; i++)
		ok += relay(c, &a.addr, a.k_up, 43, pkt, 10);
	assert_int_equal(ok, 64);
	/* a refund for a registration since replaced is not given */
	c->now += 1000;
	memset(pkts[0] + 5, 0xee, 18);
	assert_int_equal(bcn_handle_locked(&c->t, &c->st, &a.addr, NULL,
					   pkts[0], 23, c->now, outs[0],
					   &rl[0]), 1);
	assert_int_equal(reg(c, &a), 0);	/* new keys, fresh budgets */
	for (i = ok = 0; i < 100; i++)
		ok += relay(c, &a.addr, a.k_up, 43, pkt, 10);
	assert_int_equal(ok, 64);
	assert_false(bcn_relay_finish(&rl[0], &c->st, pkts[0], 23));
	assert_true(rl[0].refund);
	bcn_relay_refund(&c->t, &a.addr, &rl[0]);
	assert_int_equal(relay(c, &a.addr, a.k_up, 43, pkt, 10), 0);
}

static void test_punch(void **state)
{
	struct ctx *c = *state;
	struct bcn_addr seen;
	uint8_t pkt[21];
	struct node a, b;
	uint64_t seq;
	uint32_t peer;
	unsigned int i;

	reg_pair(c, &a, &b);
	bcn_build_punch_request(pkt, 43, 1, a.k_up);
	assert_int_equal(feed(c, &a.addr, pkt, 21, false), 2);
	assert_true(bcn_addr_equal(&c->out[0].dst, &a.addr));
	assert_int_equal(bcn_parse_punch_command(bcn_out_data(&c->out[0]),
						 c->out[0].len, a.k_down,
						 &peer, &seq, &seen), 0);
	assert_int_equal(peer, 43);
	assert_int_equal(seq, 1);
	assert_true(bcn_addr_equal(&seen, &b.addr));
	assert_true(bcn_addr_equal(&c->out[1].dst, &b.addr));
	assert_int_equal(bcn_parse_punch_command(bcn_out_data(&c->out[1]),
						 c->out[1].len, b.k_down,
						 &peer, &seq, &seen), 0);
	assert_int_equal(peer, 42);
	assert_int_equal(seq, 1);
	assert_true(bcn_addr_equal(&seen, &a.addr));
	/* replayed; from elsewhere (spoofed); a bad MAC: nothing */
	assert_int_equal(feed(c, &a.addr, pkt, 21, true), 0);
	assert_int_equal(c->st.replay, 1);
	bcn_build_punch_request(pkt, 43, 2, a.k_up);
	assert_int_equal(feed(c, &(struct bcn_addr){ .port = 9 }, pkt, 21,
			      true), 0);
	assert_int_equal(c->st.punch_refused, 1);
	bcn_build_punch_request(pkt, 43, 2, b.k_up);
	assert_int_equal(feed(c, &a.addr, pkt, 21, true), 0);
	assert_int_equal(c->st.bad_mac, 1);
	/* an unregistered target, oneself */
	bcn_build_punch_request(pkt, 44, 3, a.k_up);
	assert_int_equal(feed(c, &a.addr, pkt, 21, true), 0);
	bcn_build_punch_request(pkt, 42, 4, a.k_up);
	assert_int_equal(feed(c, &a.addr, pkt, 21, true), 0);
	assert_int_equal(c->st.punch_refused, 3);
	/* burst 3 per pair (one used), then once a second */
	for (i = 5; i < 9; i++) {
		bcn_build_punch_request(pkt, 43, i, a.k_up);
		assert_int_equal(feed(c, &a.addr, pkt, 21, false),
				 i < 7 ? 2 : 0);
	}
	assert_int_equal(c->st.punch_rate_limited, 2);
	c->now += 1000;
	bcn_build_punch_request(pkt, 43, 9, a.k_up);
	assert_int_equal(feed(c, &a.addr, pkt, 21, false), 2);
	/* the other way is its own pair */
	bcn_build_punch_request(pkt, 42, 1, b.k_up);
	assert_int_equal(feed(c, &b.addr, pkt, 21, false), 2);
	assert_int_equal(c->st.punches, 5);
}

/*
 * A requester cycling over more targets than it has budget slots (12 for
 * 8) gets no more than its overall budget: a burst of
 * BCN_PUNCH_ALL_BURST, then BCN_PUNCH_ALL_RATE a second; the pair's
 * budget still holds for one target.
 */
static void test_punch_cycling(void **state)
{
	struct ctx *c = *state;
	struct node a, tg[12];
	uint64_t seq = 0;
	unsigned int i, served;
	uint8_t pkt[21];

	/* room for 13 registrations */
	bcn_auth_free(&c->a, &c->t);
	bcn_table_free(&c->t);
	assert_int_equal(bcn_table_init(&c->t, 32, 30000, 5), 0);
	assert_int_equal(bcn_auth_init(&c->a, &c->t, c->ca_pk, 9), 0);
	c->a.unix_now = NOW_UNIX;
	make_node(c, &a, 42, addr4(1, 1, 1000), NULL);
	assert_int_equal(reg(c, &a), 0);
	for (i = 0; i < 12; i++) {
		make_node(c, &tg[i], 100 + i, addr4(2, 1 + i, 1000), NULL);
		assert_int_equal(reg(c, &tg[i]), 0);
	}
	for (i = served = 0; i < 100; i++) {
		bcn_build_punch_request(pkt, 100 + i % 12, ++seq, a.k_up);
		served += feed(c, &a.addr, pkt, 21, false) / 2;
	}
	assert_int_equal(served, BCN_PUNCH_ALL_BURST);
	assert_int_equal(c->st.punch_rate_limited, 100 - BCN_PUNCH_ALL_BURST);
	/* a second later, a second's worth, over ten seconds ten's */
	c->now += 1000;
	for (i = served = 0; i < 100; i++) {
		bcn_build_punch_request(pkt, 100 + i % 12, ++seq, a.k_up);
		served += feed(c, &a.addr, pkt, 21, false) / 2;
	}
	assert_int_equal(served, BCN_PUNCH_ALL_RATE);
	for (i = served = 0; i < 100; i++) {
		c->now += 100;
		bcn_build_punch_request(pkt, 100 + i % 12, ++seq, a.k_up);
		served += feed(c, &a.addr, pkt, 21, false) / 2;
	}
	assert_int_equal(served, 10 * BCN_PUNCH_ALL_RATE);
	/* all full again: one target gets its pair's burst, no more */
	c->now += 100000;
	for (i = served = 0; i < 10; i++) {
		bcn_build_punch_request(pkt, 100, ++seq, a.k_up);
		served += feed(c, &a.addr, pkt, 21, false) / 2;
	}
	assert_int_equal(served, BCN_PUNCH_BURST);
}

static void test_quota_and_full(void **state)
{
	struct ctx *c = *state;
	struct node n[10];
	unsigned int i;

	c->a.prefix_quota = 2;
	for (i = 0; i < 3; i++) {
		make_node(c, &n[i], 100 + i, addr4(1, 1 + i, 1000), NULL);
		c->now++;
		assert_int_equal(reg(c, &n[i]), i < 2 ? 0 : -1);
	}
	assert_int_equal(c->st.prefix_quota, 1);
	/* re-registering in place does not count twice */
	assert_int_equal(reg(c, &n[0]), 0);
	/* the table (8) full: the stalest goes (n[1], n[0] re-registered) */
	for (i = 3; i < 10; i++) {
		make_node(c, &n[i], 100 + i, addr4(10 + i, 1, 1000), NULL);
		c->now++;
		assert_int_equal(reg(c, &n[i]), 0);
	}
	assert_int_equal(c->t.count, 8);
	assert_int_equal(c->st.evictions, 1);
	assert_null(bcn_table_by_id(&c->t, 101));
	assert_non_null(bcn_table_by_id(&c->t, 100));
	/* the quota freed by the eviction */
	assert_int_equal(reg(c, &n[2]), 0);
}

static void test_hello_budget(void **state)
{
	struct ctx *c = *state;
	struct bcn_addr src = addr4(5, 5, 5000);
	uint8_t pkt[BCN_HELLO_LEN];
	unsigned int i, ok = 0;

	bcn_build_hello(pkt, 42);
	for (i = 0; i < 100; i++) {
		src.ip[15] = i;		/* the whole /24 shares it */
		ok += feed(c, &src, pkt, sizeof(pkt), true);
	}
	assert_int_equal(ok, 2 * BCN_DEFAULT_HELLO_RATE);
	assert_int_equal(c->st.rate_limited, 100 - ok);
	src.ip[14]++;			/* another /24 */
	assert_int_equal(feed(c, &src, pkt, sizeof(pkt), true), 1);
	/* short HELLO, id 0 */
	assert_int_equal(feed(c, &src, pkt, 39, true), 0);
	bcn_build_hello(pkt, 0);
	assert_int_equal(feed(c, &src, pkt, sizeof(pkt), true), 0);
}

/* Whatever an unverified source sends: at most one datagram, no bigger. */
static void test_reply_size(void **state)
{
	struct ctx *c = *state;
	struct bcn_addr src = addr4(6, 6, 6000);
	uint8_t pkt[BCN_REGISTER_FIXED + CERT_MAX_LEN];
	unsigned int i, len, type;
	struct node a, b;

	reg_pair(c, &a, &b);
	for (i = 0; i < 20000; i++) {
		randombytes_buf(pkt, sizeof(pkt));
		type = pkt[0] % 13;
		pkt[0] = type;
		if (pkt[1] & 1) {	/* ids of registered nodes too */
			pkt[1] = pkt[2] = pkt[3] = 0;
			pkt[4] = 42 + (pkt[4] & 1);
		}
		len = 1 + (pkt[5] | pkt[6] << 8) % sizeof(pkt);
		if (type == OVL_MSG_DISCOVER && (pkt[7] & 1))
			len = (pkt[7] & 2) ? 21 : 32;
		feed(c, &src, pkt, len, true);
	}
	assert_int_equal(c->t.count, 2);
}

/*
 * Protocol v1's forms are malformed messages now: the 5-byte DISCOVER
 * (registration), the 5-byte PUNCH_REQUEST, a RELAY with v1's 5-byte
 * header, from anyone, registered or not: never answered, never
 * registered, counted.
 */
static void test_v1_forms(void **state)
{
	struct ctx *c = *state;
	struct bcn_addr x = addr4(9, 9, 9);
	uint8_t disc[5] = { OVL_MSG_DISCOVER, 0, 0, 0, 42 };
	uint8_t punch[5] = { OVL_MSG_PUNCH_REQUEST, 0, 0, 0, 43 };
	uint8_t relay1[12] = { OVL_MSG_RELAY, 0, 0, 0, 43, 'h', 'i' };
	uint8_t relay2[40] = { OVL_MSG_RELAY, 0, 0, 0, 43, 'h', 'i' };
	uint8_t unk[8] = { 0x7f };
	struct node a, b;

	make_node(c, &a, 42, addr4(1, 1, 1000), NULL);
	make_node(c, &b, 43, addr4(1, 2, 1000), NULL);
	assert_int_equal(feed(c, &x, disc, sizeof(disc), true), 0);
	assert_int_equal(c->t.count, 0);
	assert_int_equal(reg(c, &a), 0);
	assert_int_equal(reg(c, &b), 0);
	/* from a registered node's own address too */
	assert_int_equal(feed(c, &a.addr, disc, sizeof(disc), true), 0);
	assert_int_equal(feed(c, &a.addr, punch, sizeof(punch), true), 0);
	assert_int_equal(feed(c, &a.addr, relay1, sizeof(relay1), true), 0);
	assert_int_equal(feed(c, &a.addr, relay2, sizeof(relay2), true), 0);
	assert_int_equal(feed(c, &x, disc, 1, true), 0);
	assert_int_equal(feed(c, &x, unk, sizeof(unk), true), 0);
	assert_int_equal(c->st.drop_bad_length, 3);	/* 2 DISCOVERs, punch */
	assert_int_equal(c->st.drop_short, 2);		/* relay1, 1 byte */
	assert_int_equal(c->st.bad_mac, 1);		/* relay2 */
	assert_int_equal(c->st.drop_unknown_type, 1);
	assert_int_equal(c->st.relayed + c->st.punches, 0);
	assert_int_equal(c->t.count, 2);
	assert_true(bcn_addr_equal(&bcn_table_by_id(&c->t, 42)->addr,
				   &a.addr));
}

/* A table without its bcn_auth accepts nothing (no insecure mode). */
static void test_no_auth(void **state)
{
	struct bcn_addr src = addr4(1, 1, 1000);
	struct bcn_out out[BCN_MAX_OUT];
	uint8_t pkt[32], nonce[8] = { 9 };
	uint8_t disc[5] = { OVL_MSG_DISCOVER, 0, 0, 0, 42 };
	struct bcn_stats st = { 0 };
	struct bcn_table t;

	(void)state;
	assert_int_equal(bcn_table_init(&t, 4, 1000, 1), 0);
	bcn_build_probe(pkt, nonce);
	assert_int_equal(bcn_handle_at(&t, &st, &src, NULL, pkt, 32, 1, out),
			 0);
	assert_int_equal(bcn_handle_at(&t, &st, &src, NULL, disc, 5, 1, out),
			 0);
	assert_int_equal(t.count, 0);
	bcn_table_free(&t);
}

/*
 * Each output leaves from the beacon address its destination node talks
 * to: A asked on l1, B on l2, so whatever goes to B leaves from l2; B
 * refreshing on l1 moves it.
 */
static void test_local_address(void **state)
{
	struct ctx *c = *state;
	struct bcn_addr l1 = addr4(201, 1, 0);
	struct bcn_addr l2 = { .ip = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 } };
	uint8_t pkt[13 + 16];
	struct node a, b;

	make_node(c, &a, 42, addr4(1, 1, 1000), NULL);
	make_node(c, &b, 43, addr4(1, 2, 1000), NULL);
	c->local = &l1;
	assert_int_equal(reg(c, &a), 0);
	assert_true(bcn_addr_equal(&c->out[0].src, &l1));
	c->local = &l2;
	assert_int_equal(reg(c, &b), 0);
	assert_true(bcn_addr_equal(&c->out[0].src, &l2));
	c->local = &l1;
	assert_int_equal(relay(c, &a.addr, a.k_up, 43, pkt, 16), 1);
	assert_true(bcn_addr_equal(&c->out[0].dst, &b.addr));
	assert_true(bcn_addr_equal(&c->out[0].src, &l2));
	bcn_build_punch_request(pkt, 43, 1, a.k_up);
	assert_int_equal(feed(c, &a.addr, pkt, 21, false), 2);
	assert_true(bcn_addr_equal(&c->out[0].src, &l1));
	assert_true(bcn_addr_equal(&c->out[1].src, &l2));
	/* B refreshes on l1: from now on it is sent from l1 */
	bcn_build_refresh(pkt, 43, 1, b.k_up);
	assert_int_equal(feed(c, &b.addr, pkt, 21, false), 1);
	assert_true(bcn_addr_equal(&c->out[0].src, &l1));
	assert_int_equal(relay(c, &a.addr, a.k_up, 43, pkt, 16), 1);
	assert_true(bcn_addr_equal(&c->out[0].src, &l1));
}

/*
 * fe80::1 on link 2 and fe80::1 on link 3 are two nodes; replies carry
 * the scope id back (without it a link-local reply cannot be sent), the
 * reflected address does not (the wire has no scope).
 */
static void test_scope_id(void **state)
{
	struct ctx *c = *state;
	struct bcn_addr la = { .ip = { 0xfe, 0x80, [15] = 1 }, .port = 7,
			       .scope_id = 2 };
	struct bcn_addr lb = la;
	uint8_t pkt[13 + 16];
	struct node a, b;

	lb.scope_id = 3;
	assert_false(bcn_addr_equal(&la, &lb));
	make_node(c, &a, 42, la, NULL);
	make_node(c, &b, 43, lb, NULL);
	assert_int_equal(reg(c, &a), 0);
	assert_int_equal(c->out[0].dst.scope_id, 2);
	assert_int_equal(reg(c, &b), 0);
	assert_int_equal(c->out[0].dst.scope_id, 3);
	assert_int_equal(c->t.count, 2);
	assert_int_equal(b.seen.scope_id, 0);
	assert_memory_equal(b.seen.ip, lb.ip, 16);
	/* B relays to A: delivered on A's link */
	assert_int_equal(relay(c, &b.addr, b.k_up, 42, pkt, 16), 1);
	assert_true(bcn_addr_equal(&c->out[0].dst, &la));
	assert_non_null(bcn_table_by_addr(&c->t, &la));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_probe),
		T(test_v1_forms),
		cmocka_unit_test(test_no_auth),
		T(test_local_address),
		T(test_scope_id),
		T(test_register_ok),
		T(test_register_refused),
		T(test_identity),
		T(test_duplicate_register),
		T(test_refresh),
		T(test_relay),
		T(test_relay_budget),
		T(test_relay_halves),
		T(test_punch),
		T(test_punch_cycling),
		T(test_quota_and_full),
		T(test_hello_budget),
		T(test_reply_size),
	};
#undef T

	return cmocka_run_group_tests_name("beacon v2 rules", tests, NULL,
					   NULL);
}
