// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of daemon/handshake.c: whole handshakes both ways; tampered,
 * truncated and oversized frames; replayed and old initiations; mac1;
 * cookies under load; simultaneous initiations in every order of arrival,
 * through the daemon's key slot rule; certificate refusals;
 * the per-peer and per-source rate limits.  Two nodes, A (node id 1) and
 * B (node id 2), each with the other as its one peer.  The fake
 * certificate is "CERT" || node id || static key, so that the callback
 * really checks what the handshake hands it.
 */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "../daemon/handshake.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SEC	1000000000ULL
#define MS	1000000ULL
#define T0	(100 * SEC)		/* monotonic start */
#define W0	(1700000000ULL * SEC)	/* wall clock start */
#define CERT_LEN 40
#define BAD_CERT_REASON 7

struct node {
	struct hs_local l;
	struct hs_peer peer;		/* the other node */
	uint8_t priv[32], pub[32];
	uint8_t cert[CERT_LEN];
	int refuse_cert;		/* the callback refuses everything */
	int cert_calls;
	uint8_t rand_seed[32];		/* with_rand(): deterministic */
	uint64_t rand_ctr;
	int key_id;			/* what the key id callback says */
	int key_id_calls;
};

static const uint8_t src_a[] = { 192, 0, 2, 1, 0x11, 0x94 };	/* ip:port */
static const uint8_t src_x[] = { 198, 51, 100, 7, 0x11, 0x94 };

static void make_cert(uint8_t *cert, uint32_t node_id, const uint8_t *pub)
{
	memcpy(cert, "CERT", 4);
	cert[4] = node_id >> 24;
	cert[5] = node_id >> 16;
	cert[6] = node_id >> 8;
	cert[7] = node_id;
	memcpy(cert + 8, pub, 32);
}

static int verify(void *arg, uint32_t node_id, const uint8_t rs[32],
		  const uint8_t *cert, size_t cert_len)
{
	struct node *n = arg;
	uint8_t want[CERT_LEN];

	n->cert_calls++;
	if (n->refuse_cert)
		return BAD_CERT_REASON;
	make_cert(want, node_id, rs);
	if (cert_len != CERT_LEN || memcmp(cert, want, CERT_LEN))
		return BAD_CERT_REASON + 1;
	return 0;
}

static int key_id_cb(void *arg, struct hs_peer *p)
{
	struct node *n = arg;

	assert_ptr_equal(p, &n->peer);
	n->key_id_calls++;
	return n->key_id;
}

static struct hs_peer *by_id(void *arg, uint32_t node_id)
{
	struct node *n = arg;

	return n->peer.node_id == node_id ? &n->peer : NULL;
}

static struct hs_peer *by_index(void *arg, uint32_t index)
{
	struct node *n = arg;

	(void)index;
	return &n->peer;	/* handshake.c checks pending and the index */
}

static void det_rand(void *arg, uint8_t *buf, size_t len)
{
	struct node *n = arg;
	uint8_t seed[32];

	memcpy(seed, n->rand_seed, 32);
	memcpy(seed, &n->rand_ctr, sizeof(n->rand_ctr));
	n->rand_ctr++;
	randombytes_buf_deterministic(buf, len, seed);
}

static void node_keys(struct node *n, uint8_t fill)
{
	memset(n->priv, fill, 32);
	assert_int_equal(noise_x25519_public(n->pub, n->priv), 0);
}

static void node_setup(struct node *n, uint32_t id, const struct node *other,
		       uint32_t other_id)
{
	make_cert(n->cert, id, n->pub);
	assert_int_equal(hs_local_init(&n->l, id, n->priv, n->cert,
				       CERT_LEN), 0);
	n->l.verify_cert = verify;
	n->l.peer_by_id = by_id;
	n->l.peer_by_index = by_index;
	n->l.arg = n;
	assert_int_equal(hs_peer_init(&n->peer, other_id, other->pub), 0);
}

/* A (1) and B (2), each with the other as peer. */
static void pair(struct node *a, struct node *b)
{
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	node_keys(a, 0x11);
	node_keys(b, 0x22);
	node_setup(a, 1, b, 2);
	node_setup(b, 2, a, 1);
}

static int setup(void **state)
{
	struct node *n = calloc(2, sizeof(*n));

	if (!n)
		return -1;
	pair(&n[0], &n[1]);
	*state = n;
	return 0;
}

static int teardown(void **state)
{
	struct node *n = *state;

	hs_local_wipe(&n[0].l);
	hs_local_wipe(&n[1].l);
	hs_peer_wipe(&n[0].peer);
	hs_peer_wipe(&n[1].peer);
	free(n);
	return 0;
}

struct frame {
	uint8_t b[HS_INIT_MAX_LEN + 64];
	size_t len;
};

static void init_of(struct node *from, uint64_t now, uint64_t wall,
		    struct frame *f)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(hs_create_init(&from->l, &from->peer, now, wall, f->b,
					sizeof(f->b), &f->len), HS_OK);
	assert_int_equal(f->len, HS_INIT_FIXED_LEN + CERT_LEN);
	assert_true(from->peer.pending);
}

static enum hs_result take_init(struct node *to, const struct frame *f,
				bool load, uint64_t now, struct frame *out,
				struct hs_session *s)
{
	struct hs_peer *p;

	return hs_consume_init(&to->l, f->b, f->len, src_a, sizeof(src_a),
			       load, now, out->b, sizeof(out->b), &out->len, s,
			       &p);
}

static enum hs_result take_resp(struct node *to, const struct frame *f,
				uint64_t now, struct hs_session *s)
{
	struct hs_peer *p;

	return hs_consume_resp(&to->l, f->b, f->len, now, s, &p);
}

static void same_session(const struct hs_session *i,
			 const struct hs_session *r, uint32_t i_id,
			 uint32_t r_id)
{
	static const uint8_t zero[32];

	assert_true(i->initiator);
	assert_false(r->initiator);
	assert_memory_equal(i->tx_key, r->rx_key, 32);
	assert_memory_equal(i->rx_key, r->tx_key, 32);
	assert_memory_not_equal(i->tx_key, i->rx_key, 32);
	assert_memory_not_equal(i->tx_key, zero, 32);
	assert_memory_equal(i->hash, r->hash, NOISE_HASH_LEN);
	assert_int_equal(i->peer_node_id, r_id);
	assert_int_equal(r->peer_node_id, i_id);
	assert_int_equal(i->local_index, r->remote_index);
	assert_int_equal(i->remote_index, r->local_index);
	assert_int_equal(i->key_id, r->key_id);
}

/* from initiates, to answers; both sessions returned, checked to agree. */
static void handshake(struct node *from, struct node *to, uint64_t now,
		      uint64_t wall, struct hs_session *si,
		      struct hs_session *sr)
{
	struct frame init, resp;

	init_of(from, now, wall, &init);
	assert_int_equal(take_init(to, &init, false, now, &resp, sr), HS_OK);
	assert_int_equal(resp.len, HS_RESP_FIXED_LEN + CERT_LEN);
	assert_int_equal(take_resp(from, &resp, now, si), HS_OK);
	assert_false(from->peer.pending);
	same_session(si, sr, from->l.node_id, to->l.node_id);
}

static void test_handshake_both_ways(void **state)
{
	struct node *n = *state;
	struct hs_session si, sr, si2, sr2;

	handshake(&n[0], &n[1], T0, W0, &si, &sr);
	assert_int_equal(n[0].cert_calls, 1);
	assert_int_equal(n[1].cert_calls, 1);
	handshake(&n[1], &n[0], T0 + SEC, W0 + SEC, &si2, &sr2);
	/* Each handshake has fresh keys. */
	assert_memory_not_equal(si.tx_key, sr2.tx_key, 32);
	assert_memory_not_equal(si.hash, si2.hash, NOISE_HASH_LEN);
	/* A rekey the same way round. */
	handshake(&n[0], &n[1], T0 + 2 * SEC, W0 + 2 * SEC, &si2, &sr2);
	assert_memory_not_equal(si.tx_key, si2.tx_key, 32);
}

/*
 * The responder picks the session's key id (its callback, or a random
 * one without it) and the initiator's session has the same; a callback
 * that refuses makes no RESP and no session, and leaves the INIT's
 * timestamp unused.
 */
static void test_key_id(void **state)
{
	struct node *n = *state;
	struct hs_session si, sr;
	struct frame init, resp;
	unsigned int i, distinct = 0;
	bool seen[256] = { false };

	n[1].l.key_id = key_id_cb;
	n[1].key_id = 77;
	handshake(&n[0], &n[1], T0, W0, &si, &sr);
	assert_int_equal(si.key_id, 77);
	assert_int_equal(n[1].key_id_calls, 1);
	n[1].key_id = 0;
	handshake(&n[0], &n[1], T0 + SEC, W0 + SEC, &si, &sr);
	assert_int_equal(si.key_id, 0);

	n[1].key_id = -1;
	init_of(&n[0], T0 + 2 * SEC, W0 + 2 * SEC, &init);
	assert_int_equal(take_init(&n[1], &init, false, T0 + 2 * SEC, &resp,
				   &sr), HS_R_ERROR);
	assert_int_equal(resp.len, 0);
	n[1].key_id = 255;
	assert_int_equal(take_init(&n[1], &init, false, T0 + 2 * SEC, &resp,
				   &sr), HS_OK);
	assert_int_equal(take_resp(&n[0], &resp, T0 + 2 * SEC, &si), HS_OK);
	assert_int_equal(si.key_id, 255);

	/* No callback: random ids, agreed. */
	n[1].l.key_id = NULL;
	for (i = 0; i < 16; i++) {
		handshake(&n[0], &n[1], T0 + (3 + i) * SEC,
			  W0 + (3 + i) * SEC, &si, &sr);
		distinct += !seen[si.key_id];
		seen[si.key_id] = true;
	}
	assert_true(distinct > 8);
}

static void test_frame_layout(void **state)
{
	struct node *n = *state;
	struct frame init, resp;
	struct hs_session s;
	uint8_t key[32], m[16];
	crypto_generichash_state st;

	init_of(&n[0], T0, W0, &init);
	assert_int_equal(init.b[0], 0x10);
	assert_int_equal(init.b[1] | init.b[2] | init.b[3], 0);
	assert_int_equal(init.b[7], 1);		/* sender node id, BE */
	/* mac1: BLAKE2b-128 under BLAKE2b-256("ovl-mac1" || B's key). */
	crypto_generichash_init(&st, NULL, 0, 32);
	crypto_generichash_update(&st, (const uint8_t *)"ovl-mac1", 8);
	crypto_generichash_update(&st, n[1].pub, 32);
	crypto_generichash_final(&st, key, 32);
	crypto_generichash(m, 16, init.b, init.len - 32, key, 32);
	assert_memory_equal(m, init.b + init.len - 32, 16);
	assert_memory_equal(m, n[0].peer.last_mac1, 16);
	/* No cookie: mac2 is zero. */
	memset(m, 0, 16);
	assert_memory_equal(m, init.b + init.len - 16, 16);

	assert_int_equal(take_init(&n[1], &init, false, T0, &resp, &s), HS_OK);
	assert_int_equal(resp.b[0], 0x11);
	assert_int_equal(resp.b[7], 2);
	/* The receiver index is the INIT's sender index. */
	assert_memory_equal(resp.b + 12, init.b + 8, 4);
	assert_memory_equal(m, resp.b + resp.len - 16, 16);
}

static void test_deterministic_rand(void **state)
{
	struct node *n = *state;
	struct frame f1, f2;

	n[0].l.rand = det_rand;
	init_of(&n[0], T0, W0, &f1);
	n[0].rand_ctr = 0;
	init_of(&n[0], T0, W0, &f2);
	assert_int_equal(f1.len, f2.len);
	assert_memory_equal(f1.b, f2.b, f1.len);
	n[0].rand_ctr = 5;
	init_of(&n[0], T0, W0, &f2);
	assert_memory_not_equal(f1.b + 8, f2.b + 8, 4 + 32);
}

/* Recompute a frame's mac1 as anyone who knows the recipient's key can. */
static void fix_mac1(struct frame *f, const struct hs_peer *to)
{
	crypto_generichash(f->b + f->len - 32, 16, f->b, f->len - 32,
			   to->mac1_key, 32);
}

static void test_tampered_init(void **state)
{
	struct node *n = *state;
	struct frame init, t, resp;
	struct hs_session s;
	enum hs_result r;
	size_t i;

	init_of(&n[0], T0, W0, &init);
	/* Every byte but mac2, which only counts under load. */
	for (i = 0; i < init.len - 16; i++) {
		t = init;
		t.b[i] ^= 0x04;
		r = take_init(&n[1], &t, false, T0, &resp, &s);
		assert_int_equal(r, i < 4 ? HS_R_MALFORMED : HS_R_BAD_MAC1);
		assert_int_equal(resp.len, 0);
		/* With mac1 made good, Noise refuses it (the header too). */
		if (i < 4 || i >= init.len - 32)
			continue;
		fix_mac1(&t, &n[0].peer);
		r = take_init(&n[1], &t, false, T0, &resp, &s);
		if (i < 8)
			assert_int_equal(r, HS_R_UNKNOWN_PEER);
		else
			assert_int_equal(r, HS_R_DECRYPT);
	}
	assert_false(n[1].peer.have_ts);
	assert_int_equal(n[1].cert_calls, 0);
	/* The genuine one still goes through. */
	assert_int_equal(take_init(&n[1], &init, false, T0, &resp, &s), HS_OK);
}

static void test_tampered_resp(void **state)
{
	struct node *n = *state;
	struct frame init, resp, t;
	struct hs_session si, sr;
	size_t i;

	init_of(&n[0], T0, W0, &init);
	assert_int_equal(take_init(&n[1], &init, false, T0, &resp, &sr), HS_OK);
	for (i = 0; i < resp.len - 16; i++) {
		t = resp;
		t.b[i] ^= 0x80;
		assert_int_equal(take_resp(&n[0], &t, T0, &si),
				 i < 4 ? HS_R_MALFORMED : HS_R_BAD_MAC1);
		if (i < 4 || i >= resp.len - 32)
			continue;
		fix_mac1(&t, &n[1].peer);
		if (i < 8)
			assert_int_equal(take_resp(&n[0], &t, T0, &si),
					 HS_R_UNKNOWN_PEER);
		else if (i >= 12 && i < 16)
			assert_int_equal(take_resp(&n[0], &t, T0, &si),
					 HS_R_NO_HANDSHAKE);
		else if (i >= 16)
			assert_int_equal(take_resp(&n[0], &t, T0, &si),
					 HS_R_DECRYPT);
		/*
		 * 8..11, the responder's index, is a routing handle that only
		 * mac1 covers (as in WireGuard): not checked here.
		 */
	}
	assert_true(n[0].peer.pending);
	assert_int_equal(take_resp(&n[0], &resp, T0, &si), HS_OK);
	same_session(&si, &sr, 1, 2);
	/* Delivered again: there is nothing pending any more. */
	assert_int_equal(take_resp(&n[0], &resp, T0, &si), HS_R_NO_HANDSHAKE);
}

static void test_truncated_oversized(void **state)
{
	struct node *n = *state;
	struct frame init, resp, t;
	struct hs_session s;
	struct hs_peer *p;
	size_t i;

	init_of(&n[0], T0, W0, &init);
	for (i = 0; i < init.len; i++) {
		t = init;
		t.len = i;
		assert_int_equal(take_init(&n[1], &t, false, T0, &resp, &s),
				 i < HS_INIT_FIXED_LEN ? HS_R_MALFORMED :
				 HS_R_BAD_MAC1);
	}
	/* One byte more: the macs are read from the wrong place. */
	t = init;
	t.len++;
	assert_int_equal(take_init(&n[1], &t, false, T0, &resp, &s),
			 HS_R_BAD_MAC1);
	/* Over the bound, even with a good mac1. */
	t.len = HS_INIT_MAX_LEN + 1;
	fix_mac1(&t, &n[0].peer);
	assert_int_equal(take_init(&n[1], &t, false, T0, &resp, &s),
			 HS_R_MALFORMED);
	assert_int_equal(take_init(&n[1], &init, false, T0, &resp, &s), HS_OK);

	for (i = 0; i < resp.len; i++) {
		t = resp;
		t.len = i;
		assert_int_equal(take_resp(&n[0], &t, T0, &s),
				 i < HS_RESP_FIXED_LEN ? HS_R_MALFORMED :
				 HS_R_BAD_MAC1);
	}
	t.len = HS_RESP_MAX_LEN + 1;
	assert_int_equal(take_resp(&n[0], &t, T0, &s), HS_R_MALFORMED);
	/* A cookie reply of any other length. */
	for (i = 0; i < sizeof(t.b); i++) {
		memset(t.b, 0, sizeof(t.b));
		t.b[0] = HS_MSG_COOKIE;
		assert_int_equal(hs_consume_cookie(&n[0].l, t.b, i, T0, &p),
				 i == HS_COOKIE_LEN ? HS_R_NO_HANDSHAKE :
				 HS_R_MALFORMED);
	}
	/* Wrong types. */
	t = init;
	t.b[0] = HS_MSG_RESP;
	assert_int_equal(take_init(&n[1], &t, false, T0, &resp, &s),
			 HS_R_MALFORMED);
	assert_int_equal(take_resp(&n[0], &init, T0, &s), HS_R_MALFORMED);
}

static void test_replay(void **state)
{
	struct node *n = *state;
	struct frame init, resp;
	struct hs_session s;

	init_of(&n[0], T0, W0, &init);
	assert_int_equal(take_init(&n[1], &init, false, T0, &resp, &s), HS_OK);
	/* The same frame later, when no rate limit stands in the way. */
	assert_int_equal(take_init(&n[1], &init, false, T0 + 10 * SEC, &resp,
				   &s), HS_R_REPLAY);
	assert_int_equal(resp.len, 0);
	assert_int_equal(n[1].cert_calls, 1);
}

static void test_old_timestamp(void **state)
{
	struct node *n = *state;
	struct frame old, new, same, resp;
	struct hs_session s;

	init_of(&n[0], T0, W0 - 5 * SEC, &old);
	init_of(&n[0], T0, W0 + 3 * MS, &same);	/* same whitened TAI64N */
	init_of(&n[0], T0, W0, &new);
	assert_int_equal(take_init(&n[1], &new, false, T0, &resp, &s), HS_OK);
	assert_int_equal(take_init(&n[1], &old, false, T0 + SEC, &resp, &s),
			 HS_R_REPLAY);
	assert_int_equal(take_init(&n[1], &same, false, T0 + SEC, &resp, &s),
			 HS_R_REPLAY);
	/* A newer one is fine. */
	init_of(&n[0], T0, W0 + 20 * MS, &new);
	assert_int_equal(take_init(&n[1], &new, false, T0 + SEC, &resp, &s),
			 HS_OK);
}

static void test_tai64n(void **state)
{
	uint8_t a[12], b[12];
	static const uint8_t want[12] = {
		0x40, 0, 0, 0, 0x65, 0x53, 0xf1, 0x0a,	/* 2^62 + 10 + s */
		0x01, 0, 0, 0,				/* whitened ns */
	};

	(void)state;
	hs_tai64n(a, W0 + 16777216 + 5);
	assert_memory_equal(a, want, 12);
	hs_tai64n(b, W0 + SEC - 1);
	assert_true(memcmp(a, b, 12) < 0);
	hs_tai64n(a, W0 + SEC);
	assert_true(memcmp(b, a, 12) < 0);
}

static void test_rate_limited(void **state)
{
	struct node *n = *state;
	struct frame i1, i2, i3, resp;
	struct hs_session s;

	init_of(&n[0], T0, W0, &i1);
	init_of(&n[0], T0, W0 + 100 * MS, &i2);
	init_of(&n[0], T0, W0 + 200 * MS, &i3);
	assert_int_equal(take_init(&n[1], &i1, false, T0, &resp, &s), HS_OK);
	assert_int_equal(take_init(&n[1], &i2, false, T0 + 19 * MS, &resp,
				   &s), HS_R_RATE_LIMITED);
	/* Refused ones do not count: 20 ms after the accepted one is fine. */
	assert_int_equal(take_init(&n[1], &i2, false, T0 + 20 * MS, &resp,
				   &s), HS_OK);
	assert_int_equal(take_init(&n[1], &i3, false, T0 + 21 * MS, &resp,
				   &s), HS_R_RATE_LIMITED);
}

static void test_mac1(void **state)
{
	struct node *n = *state;
	struct node c;
	struct frame init, resp;
	struct hs_session s;

	/* An INIT for another responder's key fails mac1 at B, no DH. */
	memset(&c, 0, sizeof(c));
	node_keys(&c, 0x33);
	assert_int_equal(hs_peer_init(&n[0].peer, 2, c.pub), 0);
	init_of(&n[0], T0, W0, &init);
	assert_int_equal(take_init(&n[1], &init, false, T0, &resp, &s),
			 HS_R_BAD_MAC1);
	/* Under load too: no cookie for a frame that fails mac1. */
	assert_int_equal(take_init(&n[1], &init, true, T0, &resp, &s),
			 HS_R_BAD_MAC1);
	assert_int_equal(resp.len, 0);
	assert_int_equal(n[1].cert_calls, 0);
}

static void test_unknown_peer_wrong_key(void **state)
{
	struct node *n = *state;
	struct node c;
	struct frame init, resp;
	struct hs_session s;
	struct hs_peer *p;

	/* C (node 3), whom B does not know, with B's right key. */
	memset(&c, 0, sizeof(c));
	node_keys(&c, 0x33);
	node_setup(&c, 3, &n[1], 2);
	init_of(&c, T0, W0, &init);
	assert_int_equal(hs_consume_init(&n[1].l, init.b, init.len, src_a,
					 sizeof(src_a), false, T0, resp.b,
					 sizeof(resp.b), &resp.len, &s, &p),
			 HS_R_UNKNOWN_PEER);
	assert_null(p);
	/* C claiming A's node id: Noise authenticates C's own key. */
	node_setup(&c, 1, &n[1], 2);
	init_of(&c, T0, W0, &init);
	assert_int_equal(take_init(&n[1], &init, false, T0, &resp, &s),
			 HS_R_WRONG_KEY);
	/* Claiming B's own id. */
	node_setup(&c, 2, &n[1], 2);
	init_of(&c, T0, W0, &init);
	assert_int_equal(take_init(&n[1], &init, false, T0, &resp, &s),
			 HS_R_UNKNOWN_PEER);
	assert_false(n[1].peer.have_ts);
	assert_int_equal(n[1].cert_calls, 0);
	hs_local_wipe(&c.l);
}

static void test_bad_cert(void **state)
{
	struct node *n = *state;
	struct frame init, resp;
	struct hs_session si, sr;

	init_of(&n[0], T0, W0, &init);
	n[1].refuse_cert = 1;
	assert_int_equal(take_init(&n[1], &init, false, T0, &resp, &sr),
			 HS_R_BAD_CERT);
	assert_int_equal(sr.cert_reason, BAD_CERT_REASON);
	assert_int_equal(resp.len, 0);
	assert_false(n[1].peer.have_ts);	/* no state change */
	n[1].refuse_cert = 0;
	assert_int_equal(take_init(&n[1], &init, false, T0, &resp, &sr), HS_OK);

	/* The initiator's check of the responder's certificate. */
	n[0].refuse_cert = 1;
	assert_int_equal(take_resp(&n[0], &resp, T0, &si), HS_R_BAD_CERT);
	assert_int_equal(si.cert_reason, BAD_CERT_REASON);
	assert_true(n[0].peer.pending);
	n[0].refuse_cert = 0;
	assert_int_equal(take_resp(&n[0], &resp, T0, &si), HS_OK);
	same_session(&si, &sr, 1, 2);

	/* A certificate for another node id (B's cert says 2, not 5). */
	make_cert(n[1].cert, 5, n[1].pub);
	init_of(&n[0], T0, W0 + SEC, &init);
	assert_int_equal(take_init(&n[1], &init, false, T0 + SEC, &resp, &sr),
			 HS_OK);
	assert_int_equal(take_resp(&n[0], &resp, T0, &si), HS_R_BAD_CERT);
	assert_int_equal(si.cert_reason, BAD_CERT_REASON + 1);
}

static void test_cookie(void **state)
{
	struct node *n = *state;
	struct frame init, resp, cookie, stale;
	struct hs_session si, sr;
	struct hs_peer *p;
	static const uint8_t zero[16];

	init_of(&n[0], T0, W0, &init);
	/* Under load, no mac2: a cookie reply, no DH, no state. */
	assert_int_equal(take_init(&n[1], &init, true, T0, &cookie, &sr),
			 HS_R_COOKIE_NEEDED);
	assert_int_equal(cookie.len, HS_COOKIE_LEN);
	assert_true(cookie.len <= init.len);
	assert_int_equal(cookie.b[0], 0x15);
	assert_memory_equal(cookie.b + 4, init.b + 8, 4);
	assert_false(n[1].peer.have_ts);
	assert_int_equal(n[1].cert_calls, 0);
	/* The cookie reply, tampered, then genuine, then again. */
	stale = cookie;
	stale.b[40] ^= 1;
	assert_int_equal(hs_consume_cookie(&n[0].l, stale.b, stale.len, T0,
					   &p), HS_R_DECRYPT);
	assert_int_equal(hs_consume_cookie(&n[0].l, cookie.b, cookie.len, T0,
					   &p), HS_OK);
	assert_ptr_equal(p, &n[0].peer);
	assert_int_equal(hs_consume_cookie(&n[0].l, cookie.b, cookie.len, T0,
					   &p), HS_R_NO_HANDSHAKE);

	/* The retry carries mac2 and goes through under load. */
	init_of(&n[0], T0 + 10 * MS, W0 + 50 * MS, &init);
	assert_memory_not_equal(init.b + init.len - 16, zero, 16);
	stale = init;
	stale.b[stale.len - 1] ^= 1;
	assert_int_equal(take_init(&n[1], &stale, true, T0 + 10 * MS, &resp,
				   &sr), HS_R_COOKIE_NEEDED);
	/* From another source, the cookie is no good. */
	assert_int_equal(hs_consume_init(&n[1].l, init.b, init.len, src_x,
					 sizeof(src_x), true, T0 + 10 * MS,
					 resp.b, sizeof(resp.b), &resp.len,
					 &sr, &p), HS_R_COOKIE_NEEDED);
	assert_int_equal(take_init(&n[1], &init, true, T0 + 10 * MS, &resp,
				   &sr), HS_OK);
	assert_int_equal(take_resp(&n[0], &resp, T0 + 10 * MS, &si), HS_OK);
	same_session(&si, &sr, 1, 2);
}

static void test_cookie_for_other_init(void **state)
{
	struct node *n = *state;
	struct frame i1, i2, cookie;
	struct hs_session s;
	struct hs_peer *p;

	/* A cookie reply binds the mac1 of the INIT it answers. */
	init_of(&n[0], T0, W0, &i1);
	assert_int_equal(take_init(&n[1], &i1, true, T0, &cookie, &s),
			 HS_R_COOKIE_NEEDED);
	init_of(&n[0], T0, W0 + SEC, &i2);
	assert_int_equal(hs_consume_cookie(&n[0].l, cookie.b, cookie.len, T0,
					   &p), HS_R_NO_HANDSHAKE);
	memcpy(cookie.b + 4, i2.b + 8, 4);	/* aimed at the new index */
	assert_int_equal(hs_consume_cookie(&n[0].l, cookie.b, cookie.len, T0,
					   &p), HS_R_DECRYPT);
	assert_false(n[0].peer.have_cookie);
}

static void test_cookie_expiry(void **state)
{
	struct node *n = *state;
	struct frame init, cookie, resp;
	struct hs_session s;
	struct hs_peer *p;
	static const uint8_t zero[16];
	uint64_t t = T0;

	init_of(&n[0], t, W0, &init);
	assert_int_equal(take_init(&n[1], &init, true, t, &cookie, &s),
			 HS_R_COOKIE_NEEDED);
	assert_int_equal(hs_consume_cookie(&n[0].l, cookie.b, cookie.len, t,
					   &p), HS_OK);
	/* 114 s on: still used, and still good at B. */
	t += 114 * SEC;
	init_of(&n[0], t, W0 + 114 * SEC, &init);
	assert_memory_not_equal(init.b + init.len - 16, zero, 16);
	assert_int_equal(take_init(&n[1], &init, true, t, &resp, &s), HS_OK);
	/* 115 s: A stops using it. */
	init_of(&n[0], T0 + 115 * SEC, W0 + 115 * SEC, &init);
	assert_memory_equal(init.b + init.len - 16, zero, 16);
	/* B's secret rotates at 120 s: an old mac2 asks for a new cookie. */
	init_of(&n[0], T0 + 114 * SEC, W0 + 116 * SEC, &init);
	assert_int_equal(take_init(&n[1], &init, true, T0 + 121 * SEC, &cookie,
				   &s), HS_R_COOKIE_NEEDED);
}

static void test_cookie_small_buffer(void **state)
{
	struct node *n = *state;
	struct frame init;
	uint8_t out[HS_COOKIE_LEN - 1];
	struct hs_session s;
	struct hs_peer *p;
	size_t len = 99;

	init_of(&n[0], T0, W0, &init);
	assert_int_equal(hs_consume_init(&n[1].l, init.b, init.len, src_a,
					 sizeof(src_a), true, T0, out,
					 sizeof(out), &len, &s, &p),
			 HS_R_ERROR);
	assert_int_equal(len, 0);
	assert_int_equal(hs_consume_init(&n[1].l, init.b, init.len, src_a,
					 sizeof(src_a), false, T0, out,
					 sizeof(out), &len, &s, &p),
			 HS_R_ERROR);
	assert_int_equal(len, 0);
	assert_false(n[1].peer.have_ts);
}

static void test_source_limit(void **state)
{
	struct node *n = *state;
	struct hs_ratelimit *rl = calloc(1, sizeof(*rl));
	struct frame init, cookie, resp;
	struct hs_session s;
	struct hs_peer *p;
	int i;

	assert_non_null(rl);
	assert_int_equal(hs_rl_init(rl, HS_RL_RATE, HS_RL_BURST, NULL), 0);
	n[1].l.rl = rl;
	init_of(&n[0], T0, W0, &init);
	assert_int_equal(take_init(&n[1], &init, true, T0, &cookie, &s),
			 HS_R_COOKIE_NEEDED);
	assert_int_equal(hs_consume_cookie(&n[0].l, cookie.b, cookie.len, T0,
					   &p), HS_OK);
	init_of(&n[0], T0, W0, &init);
	/* A burst of 5 passes the source limit (then replays, of course). */
	for (i = 0; i < HS_RL_BURST; i++)
		assert_int_equal(take_init(&n[1], &init, true, T0, &resp, &s),
				 i ? HS_R_REPLAY : HS_OK);
	assert_int_equal(take_init(&n[1], &init, true, T0, &resp, &s),
			 HS_R_SOURCE_LIMITED);
	/* Not under load, the limit does not apply. */
	assert_int_equal(take_init(&n[1], &init, false, T0, &resp, &s),
			 HS_R_REPLAY);
	/* 1/20 s later, one more token. */
	assert_int_equal(take_init(&n[1], &init, true, T0 + 50 * MS, &resp,
				   &s), HS_R_REPLAY);
	assert_int_equal(take_init(&n[1], &init, true, T0 + 50 * MS, &resp,
				   &s), HS_R_SOURCE_LIMITED);
	n[1].l.rl = NULL;
	free(rl);
}

/*
 * A flood of INITs with a good mac1 (anyone can make one) from many
 * spoofed sources, under load: each gets a cookie reply no larger than
 * itself and costs no Diffie-Hellman; one source that does receive its
 * cookies is held to its bucket.  A's handshake still goes through.
 */
static void test_flood(void **state)
{
	struct node *n = *state;
	struct hs_ratelimit *rl = calloc(1, sizeof(*rl));
	struct frame junk, init, out, cookie;
	uint8_t src[6], ck[16], secret[32];
	struct hs_session s, si;
	struct hs_peer *p;
	int i, counts[HS_R_COUNT] = { 0 };

	assert_non_null(rl);
	assert_int_equal(hs_rl_init(rl, HS_RL_RATE, HS_RL_BURST, NULL), 0);
	n[1].l.rl = rl;
	for (i = 0; i < 2000; i++) {
		junk.len = HS_INIT_FIXED_LEN + (i % 64);
		randombytes_buf(junk.b, junk.len);
		memset(junk.b, 0, 8);
		junk.b[0] = HS_MSG_INIT;
		junk.b[7] = 1;		/* claims to be A */
		fix_mac1(&junk, &n[0].peer);
		memcpy(src, &i, sizeof(i));
		src[4] = 0x11;
		src[5] = 0x94;
		assert_int_equal(hs_consume_init(&n[1].l, junk.b, junk.len,
						 src, sizeof(src), true, T0,
						 out.b, sizeof(out.b),
						 &out.len, &s, &p),
				 HS_R_COOKIE_NEEDED);
		assert_true(out.len <= junk.len);
	}
	/*
	 * One source that gets its cookies (a real address): mac2 is good,
	 * so its INITs reach the bucket, and most are stopped there.
	 */
	memcpy(secret, n[1].l.cookie_secret, 32);
	crypto_generichash(ck, 16, src_x, sizeof(src_x), secret, 32);
	for (i = 0; i < 200; i++) {
		randombytes_buf(junk.b + 12, junk.len - 12 - 32);
		fix_mac1(&junk, &n[0].peer);
		crypto_generichash(junk.b + junk.len - 16, 16, junk.b,
				   junk.len - 16, ck, 16);
		counts[hs_consume_init(&n[1].l, junk.b, junk.len, src_x,
				       sizeof(src_x), true, T0 + i * MS, out.b,
				       sizeof(out.b), &out.len, &s, &p)]++;
	}
	/* 5 at once, then one per 50 ms over 199 ms: 8 or 9 get to Noise. */
	assert_int_equal(counts[HS_R_DECRYPT] + counts[HS_R_SOURCE_LIMITED],
			 200);
	assert_in_range(counts[HS_R_DECRYPT], 8, 9);
	assert_false(n[1].peer.have_ts);
	assert_int_equal(n[1].cert_calls, 0);

	/* A, from its own address, with a cookie. */
	init_of(&n[0], T0 + SEC, W0, &init);
	assert_int_equal(take_init(&n[1], &init, true, T0 + SEC, &cookie, &s),
			 HS_R_COOKIE_NEEDED);
	assert_int_equal(hs_consume_cookie(&n[0].l, cookie.b, cookie.len,
					   T0 + SEC, &p), HS_OK);
	init_of(&n[0], T0 + SEC, W0 + SEC, &init);
	assert_int_equal(take_init(&n[1], &init, true, T0 + SEC, &out, &s),
			 HS_OK);
	assert_int_equal(take_resp(&n[0], &out, T0 + SEC, &si), HS_OK);
	same_session(&si, &s, 1, 2);
	n[1].l.rl = NULL;
	free(rl);
}

/*
 * The daemon's use of sessions (handshake.h): an initiator's session is
 * used at once, a responder's waits until the peer sends under it, and a
 * newer session replaces the waiting one.
 */
struct slots {
	struct hs_session primary, waiting;
	bool has_primary, has_waiting;
};

static void slot_add(struct slots *s, const struct hs_session *x)
{
	if (x->initiator) {
		s->primary = *x;
		s->has_primary = true;
		s->has_waiting = false;
	} else {
		s->waiting = *x;
		s->has_waiting = true;
	}
}

/* One packet from one side to the other, under its primary key if any. */
static void slot_send(const struct slots *from, struct slots *to)
{
	if (!from->has_primary || !to->has_waiting ||
	    memcmp(to->waiting.rx_key, from->primary.tx_key, 32))
		return;
	to->primary = to->waiting;
	to->has_primary = true;
	to->has_waiting = false;
}

enum { EV_INIT_TO_B, EV_INIT_TO_A, EV_RESP_TO_A, EV_RESP_TO_B };

/*
 * A (node 1) and B (node 2) both initiate; the four frames arrive in the
 * order given (a frame not listed is lost), each side sending a packet
 * under its primary key after every arrival.  Both must end up using the
 * same session: its hash is returned, and those of A's and B's own
 * handshakes where they completed.
 */
static void play(struct node *n, const int *ev, int nev,
		 uint8_t hash[NOISE_HASH_LEN], uint8_t a_hash[NOISE_HASH_LEN],
		 uint8_t b_hash[NOISE_HASH_LEN])
{
	struct frame ia, ib, ra, rb;
	struct slots sa = { 0 }, sb = { 0 };
	struct hs_session s;
	enum hs_result r;
	bool was;
	int i;

	memset(a_hash, 0, NOISE_HASH_LEN);
	memset(b_hash, 0, NOISE_HASH_LEN);
	pair(&n[0], &n[1]);
	init_of(&n[0], T0, W0, &ia);
	init_of(&n[1], T0, W0, &ib);
	for (i = 0; i < nev; i++) {
		switch (ev[i]) {
		case EV_INIT_TO_B:	/* B answers A's, drops its own */
			assert_int_equal(take_init(&n[1], &ia, false, T0, &ra,
						   &s), HS_OK);
			assert_false(n[1].peer.pending);
			slot_add(&sb, &s);
			break;
		case EV_INIT_TO_A:	/* A answers B's, keeps its own */
			was = n[0].peer.pending;
			assert_int_equal(take_init(&n[0], &ib, false, T0, &rb,
						   &s), HS_OK);
			assert_int_equal(n[0].peer.pending, was);
			slot_add(&sa, &s);
			break;
		case EV_RESP_TO_A:	/* A's handshake completes */
			assert_int_equal(take_resp(&n[0], &ra, T0, &s), HS_OK);
			memcpy(a_hash, s.hash, NOISE_HASH_LEN);
			slot_add(&sa, &s);
			break;
		case EV_RESP_TO_B:	/* only if B still waits for it */
			r = take_resp(&n[1], &rb, T0, &s);
			assert_true(r == HS_OK || r == HS_R_NO_HANDSHAKE);
			if (r == HS_OK) {
				memcpy(b_hash, s.hash, NOISE_HASH_LEN);
				slot_add(&sb, &s);
			}
			break;
		}
		slot_send(&sa, &sb);
		slot_send(&sb, &sa);
	}
	assert_true(sa.has_primary);
	assert_true(sb.has_primary);
	assert_memory_equal(sa.primary.tx_key, sb.primary.rx_key, 32);
	assert_memory_equal(sa.primary.rx_key, sb.primary.tx_key, 32);
	assert_memory_equal(sa.primary.hash, sb.primary.hash, NOISE_HASH_LEN);
	memcpy(hash, sa.primary.hash, NOISE_HASH_LEN);
}

/* Both initiate at once: every order of arrival agrees on A's handshake. */
static void test_simultaneous(void **state)
{
	static const int orders[][4] = {	/* RESP_TO_A after INIT_TO_B */
		{ EV_INIT_TO_B, EV_RESP_TO_A, EV_INIT_TO_A, EV_RESP_TO_B },
		{ EV_INIT_TO_B, EV_INIT_TO_A, EV_RESP_TO_A, EV_RESP_TO_B },
		{ EV_INIT_TO_B, EV_INIT_TO_A, EV_RESP_TO_B, EV_RESP_TO_A },
		{ EV_INIT_TO_A, EV_INIT_TO_B, EV_RESP_TO_A, EV_RESP_TO_B },
		{ EV_INIT_TO_A, EV_INIT_TO_B, EV_RESP_TO_B, EV_RESP_TO_A },
		{ EV_INIT_TO_A, EV_RESP_TO_B, EV_INIT_TO_B, EV_RESP_TO_A },
	};
	static const int lost_a[] = { EV_INIT_TO_A, EV_RESP_TO_B };
	static const int lost_b[] = { EV_INIT_TO_B, EV_RESP_TO_A };
	uint8_t h[NOISE_HASH_LEN], ha[NOISE_HASH_LEN], hb[NOISE_HASH_LEN];
	struct node *n = *state;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(orders); i++) {
		play(n, orders[i], 4, h, ha, hb);
		assert_memory_equal(h, ha, NOISE_HASH_LEN);
	}
	/* One INIT lost: the other's handshake, whichever it is. */
	play(n, lost_a, 2, h, ha, hb);
	assert_memory_equal(h, hb, NOISE_HASH_LEN);
	play(n, lost_b, 2, h, ha, hb);
	assert_memory_equal(h, ha, NOISE_HASH_LEN);
}

static void test_ratelimit(void **state)
{
	struct hs_ratelimit *rl = calloc(1, sizeof(*rl));
	static const uint8_t key[16] = "0123456789abcdef";
	uint8_t src[HS_SRC_MAX + 1];
	uint32_t i;
	int ok;

	(void)state;
	assert_non_null(rl);
	assert_int_equal(hs_rl_init(rl, 0, 5, key), -EINVAL);
	assert_int_equal(hs_rl_init(rl, 10, 0, key), -EINVAL);
	assert_int_equal(hs_rl_init(rl, 10, 3, key), 0);	/* 100 ms each */
	for (i = 0; i < 3; i++)
		assert_true(hs_rl_allow(rl, src_a, sizeof(src_a), T0));
	assert_false(hs_rl_allow(rl, src_a, sizeof(src_a), T0));
	/* Another source has its own bucket. */
	assert_true(hs_rl_allow(rl, src_x, sizeof(src_x), T0));
	/* A prefix of a source is another source. */
	assert_true(hs_rl_allow(rl, src_a, 4, T0));
	/* Refill: one token per 100 ms, never more than the burst. */
	assert_false(hs_rl_allow(rl, src_a, sizeof(src_a), T0 + 99 * MS));
	assert_true(hs_rl_allow(rl, src_a, sizeof(src_a), T0 + 100 * MS));
	assert_false(hs_rl_allow(rl, src_a, sizeof(src_a), T0 + 100 * MS));
	for (ok = 0, i = 0; i < 10; i++)
		ok += hs_rl_allow(rl, src_a, sizeof(src_a), T0 + 100 * SEC);
	assert_int_equal(ok, 3);
	/* A clock that goes back gives nothing. */
	assert_false(hs_rl_allow(rl, src_a, sizeof(src_a), T0));
	/* Bounds. */
	memset(src, 1, sizeof(src));
	assert_false(hs_rl_allow(rl, src, 0, T0));
	assert_false(hs_rl_allow(rl, src, sizeof(src), T0));
	assert_true(hs_rl_allow(rl, src, HS_SRC_MAX, T0));

	/*
	 * A flood of distinct sources, four times the table: each is let in
	 * once (a new bucket), the table stays bounded, and src_a, evicted
	 * or not, gets exactly one burst.
	 */
	for (i = 0; i < 4 * HS_RL_SLOTS; i++) {
		memcpy(src, &i, sizeof(i));
		assert_true(hs_rl_allow(rl, src, 4, T0 + 200 * SEC));
	}
	for (ok = 0, i = 0; i < 100; i++)
		ok += hs_rl_allow(rl, src_a, sizeof(src_a), T0 + 200 * SEC);
	assert_int_equal(ok, 3);	/* refilled, or a new bucket: 3 */
	free(rl);
}

static void test_result_names(void **state)
{
	int r;

	(void)state;
	for (r = 0; r < HS_R_COUNT; r++)
		assert_string_not_equal(hs_result_name(r), "unknown");
	assert_string_equal(hs_result_name(HS_R_COUNT), "unknown");
	assert_string_equal(hs_result_name(HS_R_REPLAY), "replay");
}

static void test_misuse(void **state)
{
	struct node *n = *state;
	struct frame f;
	uint8_t big[HS_CERT_MAX + 1] = { 0 };
	struct hs_local l;

	assert_int_equal(hs_local_init(&l, 1, n[0].priv, big, sizeof(big)),
			 -EINVAL);
	assert_int_equal(hs_local_init(&l, 1, n[0].priv, NULL, 1), -EINVAL);
	/* Too small an output buffer. */
	assert_int_equal(hs_create_init(&n[0].l, &n[0].peer, T0, W0, f.b,
					HS_INIT_FIXED_LEN + CERT_LEN - 1,
					&f.len), HS_R_ERROR);
	assert_int_equal(f.len, 0);
	assert_false(n[0].peer.pending);
	/* Callbacks are required. */
	n[0].l.peer_by_index = NULL;
	assert_int_equal(hs_create_init(&n[0].l, &n[0].peer, T0, W0, f.b,
					sizeof(f.b), &f.len), HS_R_ERROR);
	n[0].l.peer_by_index = by_index;
	hs_local_wipe(&l);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_handshake_both_ways),
		T(test_key_id),
		T(test_frame_layout),
		T(test_deterministic_rand),
		T(test_tampered_init),
		T(test_tampered_resp),
		T(test_truncated_oversized),
		T(test_replay),
		T(test_old_timestamp),
		cmocka_unit_test(test_tai64n),
		T(test_rate_limited),
		T(test_mac1),
		T(test_unknown_peer_wrong_key),
		T(test_bad_cert),
		T(test_cookie),
		T(test_cookie_for_other_init),
		T(test_cookie_expiry),
		T(test_cookie_small_buffer),
		T(test_source_limit),
		T(test_flood),
		T(test_simultaneous),
		T(test_ratelimit),
		cmocka_unit_test(test_result_names),
		T(test_misuse),
	};
#undef T

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
