// SPDX-License-Identifier: GPL-2.0
/*
 * Handshakes per second on one core, in userspace: two nodes with real
 * identities and CA-signed certificates run the daemon's handshake
 * (tool/daemon/handshake.c) against each other, certificates decoded and
 * verified as the daemon does.  Prints full handshakes per second (both
 * sides' work), the responder's INIT cost alone (what a flood of valid
 * initiations costs a node), and the cost of refusing an INIT at mac1
 * (what a flood of junk costs), and their ratios.
 *
 * Usage: bench/handshake [SECONDS]   (default 3 per measurement)
 */

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tool/daemon/cert.h"
#include "../tool/daemon/handshake.h"

struct node {
	struct hs_local l;
	struct hs_peer peer;
	uint8_t ed_sk[crypto_sign_SECRETKEYBYTES];
	uint8_t ed_pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t cert[CERT_MAX_LEN];
	size_t cert_len;
	const uint8_t *ca;
};

static int verify(void *arg, uint32_t node_id, const uint8_t rs[32],
		  const uint8_t *buf, size_t len)
{
	struct node *n = arg;
	uint8_t x[32];
	struct cert c;

	if (cert_decode(buf, len, &c, NULL) ||
	    cert_verify(&c, n->ca, time(NULL)) || c.node_id != node_id ||
	    noise_x25519_from_ed25519_pk(x, c.public_key) ||
	    !noise_key_equal(x, rs))
		return 1;
	return 0;
}

static struct hs_peer *by_id(void *arg, uint32_t id)
{
	struct node *n = arg;

	return n->peer.node_id == id ? &n->peer : NULL;
}

static struct hs_peer *by_index(void *arg, uint32_t index)
{
	struct node *n = arg;

	(void)index;
	return &n->peer;
}

static void node_init(struct node *n, uint32_t id, const uint8_t *ca_sk,
		      const uint8_t *ca_pk)
{
	uint8_t x_priv[32];
	struct cert c = { 0 };
	int len;

	crypto_sign_keypair(n->ed_pk, n->ed_sk);
	c.node_id = id;
	c.not_before = time(NULL) - 60;
	c.not_after = time(NULL) + 86400;
	memcpy(c.public_key, n->ed_pk, 32);
	c.n_addrs = 1;
	c.addrs[0].family = 2;	/* AF_INET */
	c.addrs[0].prefix = 32;
	c.addrs[0].addr.v4.s_addr = htonl(0x0a4d0000 | id);
	if (cert_sign(&c, ca_sk, NULL))
		exit(1);
	len = cert_encode(&c, n->cert, sizeof(n->cert));
	if (len < 0)
		exit(1);
	n->cert_len = len;
	n->ca = ca_pk;
	noise_x25519_from_ed25519_sk(x_priv, n->ed_sk);
	if (hs_local_init(&n->l, id, x_priv, n->cert, n->cert_len))
		exit(1);
	n->l.verify_cert = verify;
	n->l.peer_by_id = by_id;
	n->l.peer_by_index = by_index;
	n->l.arg = n;
}

static void peer_of(struct node *n, const struct node *other)
{
	uint8_t x_pub[32];

	noise_x25519_from_ed25519_pk(x_pub, other->ed_pk);
	hs_peer_init(&n->peer, other->l.node_id, x_pub);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t mono_ns(void)
{
	return (uint64_t)(now_s() * 1e9);
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

enum mode { FULL, RESPONDER, JUNK };

static double run(struct node *a, struct node *b, enum mode mode, double secs)
{
	uint8_t init[HS_INIT_MAX_LEN], resp[HS_RESP_MAX_LEN], src[7] = { 4 };
	struct hs_session sa, sb;
	struct hs_peer *p;
	size_t il, rl;
	double start = now_s(), t;
	unsigned long n = 0;
	enum hs_result r;

	if (hs_create_init(&a->l, &a->peer, mono_ns(), wall_ns(), init,
			   sizeof(init), &il) != HS_OK)
		exit(1);
	if (mode == JUNK)
		init[il - 20] ^= 1;	/* breaks mac1 */
	do {
		for (int i = 0; i < 64; i++, n++) {
			if (mode == FULL &&
			    hs_create_init(&a->l, &a->peer, mono_ns(), wall_ns(),
					   init, sizeof(init), &il) != HS_OK)
				exit(1);
			/* A fresh peer each time: no replay, no rate limit. */
			if (mode != JUNK) {
				b->peer.have_ts = false;
				b->peer.last_init_ns = 0;
			}
			r = hs_consume_init(&b->l, init, il, src, sizeof(src),
					    false, mono_ns(), resp,
					    sizeof(resp), &rl, &sb, &p);
			if (r != (mode == JUNK ? HS_R_BAD_MAC1 : HS_OK)) {
				fprintf(stderr, "unexpected %s\n",
					hs_result_name(r));
				exit(1);
			}
			if (mode == FULL &&
			    hs_consume_resp(&a->l, resp, rl, mono_ns(), &sa,
					    &p) != HS_OK)
				exit(1);
		}
		t = now_s() - start;
	} while (t < secs);
	return n / t;
}

int main(int argc, char **argv)
{
	uint8_t ca_sk[crypto_sign_SECRETKEYBYTES], ca_pk[crypto_sign_PUBLICKEYBYTES];
	double secs = argc > 1 ? atof(argv[1]) : 3, full, resp, junk;
	static struct node a, b;

	if (sodium_init() < 0 || secs <= 0)
		return 1;
	crypto_sign_keypair(ca_pk, ca_sk);
	node_init(&a, 1, ca_sk, ca_pk);
	node_init(&b, 2, ca_sk, ca_pk);
	peer_of(&a, &b);
	peer_of(&b, &a);
	full = run(&a, &b, FULL, secs);
	resp = run(&a, &b, RESPONDER, secs);
	junk = run(&a, &b, JUNK, secs);
	printf("handshake bench, one core, %.0f s each:\n", secs);
	printf("  full handshakes/s (both sides' work): %.0f\n", full);
	printf("  INITs answered/s (responder alone):   %.0f\n", resp);
	printf("  junk INITs refused at mac1/s:         %.0f\n", junk);
	printf("  ratio junk refused / INIT answered:   %.1f\n", junk / resp);
	return 0;
}
