// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the handshake frames (daemon/handshake.c), as
 * both sides parse them off the network.  Node A (id 1) has sent an INIT
 * to node B (id 2) and waits; the first byte of an input says what the
 * rest is and who reads it:
 *
 *   bits 0-1  0 an INIT read by B
 *             1 a RESP read by A
 *             2 a COOKIE read by A
 *             3 an INIT read by B under load
 *   bit 7     recompute mac1 (anyone can: its key is public), to get past
 *             it to the Noise and cookie checks
 *   bit 6     under load: recompute mac2 under the source's cookie
 *
 * Keys, randomness and time are fixed, so the seed corpus (made by
 * gen_hs_seeds.c, which #includes this file) holds the genuine INIT, RESP
 * and COOKIE to mutate.  Properties checked besides ASan and UBSan: a
 * known result; nothing written past the output buffer nor more than
 * the frame's size sent back as a cookie; a refused frame changes no
 * peer state; an accepted frame is the genuine one (up to mac2 and the
 * RESP's unauthenticated responder index).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "../daemon/handshake.h"

#define FUZZ_NOW	(1000ULL * HS_NSEC_PER_SEC)
#define FUZZ_WALL	(1700000000ULL * HS_NSEC_PER_SEC)
#define FUZZ_CERT_LEN	16

enum { MODE_INIT, MODE_RESP, MODE_COOKIE, MODE_INIT_LOAD };
#define FLAG_MAC1	0x80
#define FLAG_MAC2	0x40

static const uint8_t cert_a[FUZZ_CERT_LEN] = "fuzz cert node A";
static const uint8_t cert_b[FUZZ_CERT_LEN] = "fuzz cert node B";
static const uint8_t fuzz_src[6] = { 192, 0, 2, 1, 0x11, 0x94 };

struct fnode {
	struct hs_local l;
	struct hs_peer peer;
	uint64_t rand_ctr;
};

struct fixture {
	struct fnode a, b;		/* templates: a has its INIT pending */
	uint8_t init[HS_INIT_FIXED_LEN + FUZZ_CERT_LEN];
	uint8_t resp[HS_RESP_FIXED_LEN + FUZZ_CERT_LEN];
	uint8_t cookie[HS_COOKIE_LEN];
	size_t init_len, resp_len, cookie_len;
};

static void check(int cond)
{
	if (!cond)
		abort();
}

static int verify(void *arg, uint32_t node_id, const uint8_t rs[32],
		  const uint8_t *cert, size_t cert_len)
{
	(void)arg;
	(void)rs;
	if (cert_len != FUZZ_CERT_LEN)
		return 1;
	return memcmp(cert, node_id == 1 ? cert_a : cert_b, FUZZ_CERT_LEN) ?
	       2 : 0;
}

static struct hs_peer *by_id(void *arg, uint32_t node_id)
{
	struct fnode *n = arg;

	return n->peer.node_id == node_id ? &n->peer : NULL;
}

static struct hs_peer *by_index(void *arg, uint32_t index)
{
	(void)index;
	return &((struct fnode *)arg)->peer;
}

static void det_rand(void *arg, uint8_t *buf, size_t len)
{
	struct fnode *n = arg;
	uint8_t seed[randombytes_SEEDBYTES] = { 0 };

	memcpy(seed, &n->rand_ctr, sizeof(n->rand_ctr));
	seed[31] = (uint8_t)n->l.node_id;
	n->rand_ctr++;
	randombytes_buf_deterministic(buf, len, seed);
}

static void node(struct fnode *n, uint32_t id, uint8_t fill, uint32_t peer,
		 uint8_t peer_fill, const uint8_t *cert)
{
	uint8_t priv[32], ppriv[32], ppub[32];

	memset(priv, fill, sizeof(priv));
	memset(ppriv, peer_fill, sizeof(ppriv));
	check(!noise_x25519_public(ppub, ppriv));
	check(!hs_local_init(&n->l, id, priv, cert, FUZZ_CERT_LEN));
	check(!hs_peer_init(&n->peer, peer, ppub));
	n->l.verify_cert = verify;
	n->l.peer_by_id = by_id;
	n->l.peer_by_index = by_index;
	n->l.rand = det_rand;
	n->l.arg = n;
	n->rand_ctr = 0;
}

/* The cookie secret B uses under load: fixed, so mac2 can be made. */
static void fix_secret(struct hs_local *l)
{
	memset(l->cookie_secret, 0x5c, sizeof(l->cookie_secret));
	l->cookie_secret_ns = FUZZ_NOW;
	l->cookie_secret_set = true;
}

static void init_fixture(struct fixture *f)
{
	struct fnode b;
	struct hs_session s;
	struct hs_peer *p;

	check(sodium_init() >= 0);
	node(&f->a, 1, 0x11, 2, 0x22, cert_a);
	node(&f->b, 2, 0x22, 1, 0x11, cert_b);
	fix_secret(&f->b.l);
	check(hs_create_init(&f->a.l, &f->a.peer, FUZZ_NOW, FUZZ_WALL, f->init,
			     sizeof(f->init), &f->init_len) == HS_OK);
	memcpy(&b, &f->b, sizeof(b));
	b.l.arg = &b;
	check(hs_consume_init(&b.l, f->init, f->init_len, fuzz_src,
			      sizeof(fuzz_src), false, FUZZ_NOW, f->resp,
			      sizeof(f->resp), &f->resp_len, &s, &p) == HS_OK);
	memcpy(&b, &f->b, sizeof(b));
	b.l.arg = &b;
	check(hs_consume_init(&b.l, f->init, f->init_len, fuzz_src,
			      sizeof(fuzz_src), true, FUZZ_NOW, f->cookie,
			      sizeof(f->cookie), &f->cookie_len, &s, &p) ==
	      HS_R_COOKIE_NEEDED);
	hs_session_wipe(&s);
}

static const struct fixture *fixture(void)
{
	static struct fixture f;
	static int ready;

	if (!ready) {
		init_fixture(&f);
		ready = 1;
	}
	return &f;
}

static void fix_macs(uint8_t *d, size_t n, const struct hs_peer *to,
		     const struct hs_local *secret_of, uint8_t flags)
{
	uint8_t cookie[HS_MAC_LEN];

	if (n < 2 * HS_MAC_LEN)
		return;
	if (flags & FLAG_MAC1)
		crypto_generichash(d + n - 32, HS_MAC_LEN, d, n - 32,
				   to->mac1_key, sizeof(to->mac1_key));
	if (flags & FLAG_MAC2) {
		crypto_generichash(cookie, HS_MAC_LEN, fuzz_src,
				   sizeof(fuzz_src), secret_of->cookie_secret,
				   sizeof(secret_of->cookie_secret));
		crypto_generichash(d + n - 16, HS_MAC_LEN, d, n - 16, cookie,
				   sizeof(cookie));
	}
}

/* The responder's side. */
static void read_init(const struct fixture *f, uint8_t *d, size_t n,
		      uint8_t flags, bool load)
{
	static struct fnode b;
	uint8_t out[HS_RESP_MAX_LEN + 1];
	struct hs_session s;
	struct hs_peer *p;
	enum hs_result r;
	size_t len = 12345;

	memcpy(&b, &f->b, sizeof(b));
	b.l.arg = &b;
	fix_macs(d, n, &f->a.peer, &f->b.l, flags);
	r = hs_consume_init(&b.l, d, n, fuzz_src, sizeof(fuzz_src), load,
			    FUZZ_NOW, out, sizeof(out) - 1, &len, &s, &p);
	check(r < HS_R_COUNT);
	if (r == HS_OK) {
		check(len == HS_RESP_FIXED_LEN + FUZZ_CERT_LEN);
		check(b.peer.have_ts && !s.initiator && s.peer_node_id == 1);
		check(n == f->init_len &&
		      !memcmp(d, f->init, n - HS_MAC_LEN));
	} else if (r == HS_R_COOKIE_NEEDED) {
		check(load && len == HS_COOKIE_LEN && len <= n);
		check(out[0] == HS_MSG_COOKIE);
	} else {
		check(len == 0);
		check(!memcmp(&b.peer, &f->b.peer, sizeof(b.peer)));
	}
	hs_session_wipe(&s);
}

/* The initiator's side: a RESP or a COOKIE to A's pending INIT. */
static void read_resp(const struct fixture *f, uint8_t *d, size_t n,
		      uint8_t flags)
{
	static struct fnode a;
	struct hs_session s;
	struct hs_peer *p;
	enum hs_result r;

	memcpy(&a, &f->a, sizeof(a));
	a.l.arg = &a;
	fix_macs(d, n, &f->b.peer, &f->a.l, flags & FLAG_MAC1);
	r = hs_consume_resp(&a.l, d, n, FUZZ_NOW, &s, &p);
	check(r < HS_R_COUNT);
	if (r == HS_OK) {
		check(!a.peer.pending && s.initiator && s.peer_node_id == 2);
		/*
		 * Bytes 8-11 (the responder's index) and the MACs are not
		 * covered by Noise: mac1 covers the index, and a harness
		 * that recomputes mac1 lets both differ.
		 */
		check(n == f->resp_len && !memcmp(d, f->resp, 8) &&
		      !memcmp(d + 12, f->resp + 12, n - 12 - 2 * HS_MAC_LEN));
	} else {
		check(!memcmp(&a.peer, &f->a.peer, sizeof(a.peer)));
	}
	hs_session_wipe(&s);
}

static void read_cookie(const struct fixture *f, const uint8_t *d, size_t n)
{
	static struct fnode a;
	struct hs_peer *p;
	enum hs_result r;

	memcpy(&a, &f->a, sizeof(a));
	a.l.arg = &a;
	r = hs_consume_cookie(&a.l, d, n, FUZZ_NOW, &p);
	check(r < HS_R_COUNT);
	if (r == HS_OK) {
		check(a.peer.have_cookie && !a.peer.cookie_awaited);
		check(n == f->cookie_len && !memcmp(d, f->cookie, n));
	} else {
		check(!memcmp(&a.peer, &f->a.peer, sizeof(a.peer)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fixture *f = fixture();
	static uint8_t buf[HS_INIT_MAX_LEN + 64];
	size_t n;

	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	n = size - 1;
	memcpy(buf, data + 1, n);	/* the macs may be rewritten */
	switch (data[0] & 3) {
	case MODE_INIT:
		read_init(f, buf, n, data[0] & FLAG_MAC1, false);
		break;
	case MODE_INIT_LOAD:
		read_init(f, buf, n, data[0], true);
		break;
	case MODE_RESP:
		read_resp(f, buf, n, data[0]);
		break;
	default:
		read_cookie(f, buf, n);
		break;
	}
	return 0;
}
