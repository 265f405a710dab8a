// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the node's side of beacon protocol v2 (daemon/bcnreg.c)
 * against a beacon written here from docs/beacon-auth.md alone: the
 * layouts, the signature, the key agreement, the MACs, the retry
 * schedule and what an attacker's REREGISTER or forged REGISTER_OK can do.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>
#include <sodium.h>

#include "../beacon/auth.h"
#include "../daemon/bcnreg.h"

#define SEC	BCN_NS_PER_SEC
#define NODE	4242u

struct fixture {
	uint8_t pk[crypto_sign_PUBLICKEYBYTES];
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	uint8_t cert[200];
	struct bcnreg r;
};

static struct fixture fx;

static int setup(void **state)
{
	(void)state;
	crypto_sign_keypair(fx.pk, fx.sk);
	randombytes_buf(fx.cert, sizeof(fx.cert));
	bcnreg_init(&fx.r, NODE, fx.sk, fx.cert, sizeof(fx.cert));
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* The SipHash-2-4 reference vector (key 00..0f, message 00..0e). */
static void test_siphash_vector(void **state)
{
	static const uint8_t want[8] = {
		0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1,
	};
	uint8_t key[16], m[15], mac[8];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(key); i++)
		key[i] = i;
	for (i = 0; i < sizeof(m); i++)
		m[i] = i;
	bcn_mac(key, m, sizeof(m), mac);
	assert_memory_equal(mac, want, sizeof(want));
}

static void test_hello_and_retries(void **state)
{
	uint8_t out[BCN_MSG_MAX_LEN];
	uint64_t t = 100 * SEC;
	size_t len;

	(void)state;
	assert_int_equal(bcnreg_tick(&fx.r, t, out, sizeof(out)), 0);
	bcnreg_start(&fx.r, t);
	len = bcnreg_tick(&fx.r, t, out, sizeof(out));
	assert_int_equal(len, OVL_HELLO_LEN);
	assert_int_equal(out[0], OVL_MSG_HELLO);
	assert_int_equal(be32(out + 1), NODE);
	assert_true(sodium_is_zero(out + 5, OVL_HELLO_LEN - 5));
	/* Unanswered: 1 s, 2 s, 4 s ... at most a minute apart. */
	assert_int_equal(bcnreg_tick(&fx.r, t + SEC - 1, out, sizeof(out)), 0);
	assert_int_equal(bcnreg_tick(&fx.r, t + SEC, out, sizeof(out)),
			 OVL_HELLO_LEN);
	assert_int_equal(bcnreg_next(&fx.r), t + 3 * SEC);
	for (t += 3 * SEC; fx.r.retry_ns < BCN_RETRY_MAX_NS;
	     t = bcnreg_next(&fx.r))
		assert_int_equal(bcnreg_tick(&fx.r, t, out, sizeof(out)),
				 OVL_HELLO_LEN);
	t = bcnreg_next(&fx.r);
	assert_int_equal(bcnreg_tick(&fx.r, t, out, sizeof(out)),
			 OVL_HELLO_LEN);
	assert_int_equal(bcnreg_next(&fx.r) - t, BCN_RETRY_MAX_NS);
	bcnreg_stop(&fx.r);
	assert_int_equal(bcnreg_next(&fx.r), UINT64_MAX);
}

/* The beacon's half, from the specification. */
struct beacon {
	uint8_t cookie[OVL_COOKIE_LEN];
	uint8_t keys[OVL_BEACON_KEYS_LEN];
	uint8_t beph[32];
	struct sockaddr_in seen;
};

static size_t beacon_cookie(struct beacon *b, uint8_t *out)
{
	b->seen.sin_family = AF_INET;
	b->seen.sin_port = htons(40123);
	inet_pton(AF_INET, "203.0.113.7", &b->seen.sin_addr);
	out[0] = OVL_MSG_COOKIE;
	out[1] = NODE >> 24;
	out[2] = NODE >> 16;
	out[3] = NODE >> 8;
	out[4] = NODE & 0xff;
	randombytes_buf(b->cookie, sizeof(b->cookie));
	memcpy(out + 5, b->cookie, OVL_COOKIE_LEN);
	return 5 + OVL_COOKIE_LEN;
}

/* Check a REGISTER as the beacon does; build its REGISTER_OK. */
static size_t beacon_register(struct beacon *b, const uint8_t *reg,
			      size_t len, uint8_t *out)
{
	static const char ctx[] = "ovl-register-v1";
	uint8_t msg[sizeof(ctx) - 1 + BCN_MSG_MAX_LEN], bsk[32];
	size_t certlen, n;

	assert_int_equal(reg[0], OVL_MSG_REGISTER);
	assert_int_equal(be32(reg + 1), NODE);
	assert_memory_equal(reg + 5, b->cookie, OVL_COOKIE_LEN);
	certlen = (size_t)reg[53] << 8 | reg[54];
	assert_int_equal(certlen, sizeof(fx.cert));
	assert_int_equal(len, 119 + certlen);
	assert_memory_equal(reg + 55, fx.cert, certlen);
	memcpy(msg, ctx, sizeof(ctx) - 1);
	memcpy(msg + sizeof(ctx) - 1, reg, len - 64);
	assert_int_equal(crypto_sign_verify_detached(reg + len - 64, msg,
						     sizeof(ctx) - 1 + len - 64,
						     fx.pk), 0);

	crypto_box_keypair(b->beph, bsk);
	assert_int_equal(bcn_derive_keys(bsk, reg + 21, reg + 21, b->beph,
					 b->cookie, b->keys,
					 b->keys + OVL_BEACON_KEY_LEN), 0);
	out[0] = OVL_MSG_REGISTER_OK;
	memcpy(out + 1, reg + 1, 4);
	memcpy(out + 5, b->beph, 32);
	out[37] = 4;
	memcpy(out + 38, &b->seen.sin_addr, 4);
	memcpy(out + 42, &b->seen.sin_port, 2);
	n = 44;
	bcn_mac(b->keys + OVL_BEACON_KEY_LEN, out, n, out + n);
	return n + OVL_BEACON_MAC_LEN;
}

static void register_once(struct beacon *b, uint64_t t)
{
	uint8_t out[BCN_MSG_MAX_LEN], in[128];
	size_t len, n;

	bcnreg_start(&fx.r, t);
	assert_int_equal(bcnreg_tick(&fx.r, t, out, sizeof(out)),
			 OVL_HELLO_LEN);
	n = beacon_cookie(b, in);
	assert_int_equal(bcnreg_input(&fx.r, in, n, t, out, sizeof(out), &len),
			 BCNREG_R_SEND);
	assert_int_equal(fx.r.state, BCNREG_REGISTER);
	n = beacon_register(b, out, len, in);
	assert_int_equal(bcnreg_input(&fx.r, in, n, t, out, sizeof(out), &len),
			 BCNREG_R_KEYS);
}

static void test_register(void **state)
{
	struct sockaddr_in *ep = (struct sockaddr_in *)&fx.r.public_ep;
	struct beacon b = { 0 };

	(void)state;
	register_once(&b, 10 * SEC);
	assert_int_equal(fx.r.state, BCNREG_DONE);
	assert_memory_equal(fx.r.keys, b.keys, sizeof(b.keys));
	assert_int_equal(ep->sin_family, AF_INET);
	assert_int_equal(ep->sin_port, htons(40123));
	assert_int_equal(ep->sin_addr.s_addr, b.seen.sin_addr.s_addr);
	assert_int_equal(bcnreg_next(&fx.r), UINT64_MAX);
	assert_int_equal(fx.r.registrations, 1);
	assert_true(sodium_is_zero(fx.r.eph_sk, sizeof(fx.r.eph_sk)));
}

/* A REGISTER_OK that is not the beacon's changes nothing. */
static void test_forged_register_ok(void **state)
{
	uint8_t out[BCN_MSG_MAX_LEN], in[128], saved[64];
	struct beacon b = { 0 };
	size_t len, n;

	(void)state;
	bcnreg_start(&fx.r, 0);
	bcnreg_tick(&fx.r, 0, out, sizeof(out));
	n = beacon_cookie(&b, in);
	bcnreg_input(&fx.r, in, n, 0, out, sizeof(out), &len);
	n = beacon_register(&b, out, len, in);
	memcpy(saved, in, n);

	in[n - 1] ^= 1;				/* bad MAC */
	assert_int_equal(bcnreg_input(&fx.r, in, n, 0, out, sizeof(out), &len),
			 BCNREG_R_IGNORED);
	memcpy(in, saved, n);
	in[40] ^= 1;				/* another address */
	assert_int_equal(bcnreg_input(&fx.r, in, n, 0, out, sizeof(out), &len),
			 BCNREG_R_IGNORED);
	memcpy(in, saved, n);
	in[4] ^= 1;				/* another node id */
	assert_int_equal(bcnreg_input(&fx.r, in, n, 0, out, sizeof(out), &len),
			 BCNREG_R_IGNORED);
	assert_int_equal(bcnreg_input(&fx.r, saved, n - 1, 0, out, sizeof(out),
				      &len), BCNREG_R_IGNORED);
	assert_int_equal(fx.r.state, BCNREG_REGISTER);
	assert_true(sodium_is_zero(fx.r.keys, sizeof(fx.r.keys)));
	/* The real one still works. */
	assert_int_equal(bcnreg_input(&fx.r, saved, n, 0, out, sizeof(out),
				      &len), BCNREG_R_KEYS);
	/* Once registered, a replayed REGISTER_OK or COOKIE does nothing. */
	assert_int_equal(bcnreg_input(&fx.r, saved, n, 0, out, sizeof(out),
				      &len), BCNREG_R_IGNORED);
	n = beacon_cookie(&b, in);
	assert_int_equal(bcnreg_input(&fx.r, in, n, 0, out, sizeof(out), &len),
			 BCNREG_R_IGNORED);
	assert_int_equal(fx.r.state, BCNREG_DONE);
}

/* An unanswered REGISTER is retried, then a fresh cookie is asked for. */
static void test_register_retries(void **state)
{
	uint8_t out[BCN_MSG_MAX_LEN], in[64];
	struct beacon b = { 0 };
	unsigned int i;
	uint64_t t = 0;
	size_t len, n;

	(void)state;
	bcnreg_start(&fx.r, t);
	bcnreg_tick(&fx.r, t, out, sizeof(out));
	n = beacon_cookie(&b, in);
	bcnreg_input(&fx.r, in, n, t, out, sizeof(out), &len);
	for (i = 1; i < BCN_REGISTER_TRIES; i++) {
		t = bcnreg_next(&fx.r);
		assert_int_equal(bcnreg_tick(&fx.r, t, out, sizeof(out)),
				 119 + sizeof(fx.cert));
		assert_int_equal(out[0], OVL_MSG_REGISTER);
	}
	t = bcnreg_next(&fx.r);
	assert_int_equal(bcnreg_tick(&fx.r, t, out, sizeof(out)),
			 OVL_HELLO_LEN);
	assert_int_equal(fx.r.state, BCNREG_HELLO);
}

static void test_reregister(void **state)
{
	uint8_t out[BCN_MSG_MAX_LEN], in[5] = { OVL_MSG_REREGISTER };
	struct beacon b = { 0 };
	uint64_t t = 50 * SEC;
	size_t len;

	(void)state;
	in[1] = NODE >> 24;
	in[2] = NODE >> 16;
	in[3] = NODE >> 8;
	in[4] = NODE & 0xff;
	/* Not registered yet: a registration under way goes on. */
	bcnreg_start(&fx.r, t);
	assert_int_equal(bcnreg_input(&fx.r, in, 5, t, out, sizeof(out), &len),
			 BCNREG_R_IGNORED);
	register_once(&b, t);
	assert_int_equal(bcnreg_input(&fx.r, in, 4, t, out, sizeof(out), &len),
			 BCNREG_R_IGNORED);
	assert_int_equal(bcnreg_input(&fx.r, in, 5, t, out, sizeof(out), &len),
			 BCNREG_R_RESTART);
	assert_int_equal(fx.r.state, BCNREG_HELLO);
	assert_true(sodium_is_zero(fx.r.keys, sizeof(fx.r.keys)));
	assert_int_equal(bcnreg_next(&fx.r), t);
	/* A flood of them: obeyed once per BCN_REREGISTER_NS. */
	register_once(&b, t + SEC);
	assert_int_equal(bcnreg_input(&fx.r, in, 5, t + 2 * SEC, out,
				      sizeof(out), &len), BCNREG_R_IGNORED);
	assert_int_equal(fx.r.state, BCNREG_DONE);
	assert_int_equal(bcnreg_input(&fx.r, in, 5, t + BCN_REREGISTER_NS, out,
				      sizeof(out), &len), BCNREG_R_RESTART);
	assert_int_equal(fx.r.rereg_requests, 2);
}

static void test_punch_request(void **state)
{
	uint8_t out[64], mac[8];
	struct beacon b = { 0 };

	(void)state;
	bcnreg_start(&fx.r, 0);
	assert_int_equal(bcnreg_punch_request(&fx.r, 7, out, sizeof(out)), 0);
	register_once(&b, 0);
	assert_int_equal(bcnreg_punch_request(&fx.r, 7, out, sizeof(out)),
			 OVL_PUNCH_REQUEST_LEN);
	assert_int_equal(out[0], OVL_MSG_PUNCH_REQUEST);
	assert_int_equal(be32(out + 1), 7);
	assert_int_equal(be32(out + 5), 0);
	assert_int_equal(be32(out + 9), 1);
	bcn_mac(b.keys, out, 13, mac);		/* k_up */
	assert_memory_equal(out + 13, mac, 8);
	bcnreg_punch_request(&fx.r, 7, out, sizeof(out));
	assert_int_equal(be32(out + 9), 2);
}

static void test_punch_pacing(void **state)
{
	struct bcn_punches ps = { 0 };
	uint32_t relayed[4], due[4];
	uint64_t t = 1000 * SEC;

	(void)state;
	/* Found relayed: at once; again after 10 s, then 20 s. */
	relayed[0] = 9;
	relayed[1] = 3;
	relayed[2] = 9;				/* repeated */
	assert_int_equal(bcn_punches_due(&ps, relayed, 3, t, due), 2);
	assert_int_equal(due[0], 3);
	assert_int_equal(due[1], 9);
	relayed[0] = 3;
	relayed[1] = 9;
	assert_int_equal(bcn_punches_due(&ps, relayed, 2, t + 9 * SEC, due), 0);
	assert_int_equal(bcn_punches_due(&ps, relayed, 2, t + 10 * SEC, due), 2);
	assert_int_equal(bcn_punches_due(&ps, relayed, 2, t + 29 * SEC, due), 0);
	/* 3 went direct and came back: at once; 9 waits its 20 s. */
	relayed[0] = 9;
	assert_int_equal(bcn_punches_due(&ps, relayed, 1, t + 29 * SEC, due), 0);
	relayed[0] = 9;
	relayed[1] = 3;
	assert_int_equal(bcn_punches_due(&ps, relayed, 2, t + 29 * SEC, due), 1);
	assert_int_equal(due[0], 3);
	assert_int_equal(bcn_punches_due(&ps, relayed, 2, t + 30 * SEC, due), 1);
	assert_int_equal(due[0], 9);
	/* Never more often than every 5 min, however long it stays. */
	t += 30 * SEC;
	do {
		relayed[0] = 9;
		t = ps.v[ps.n - 1].next_ns;
		assert_int_equal(bcn_punches_due(&ps, relayed, 1, t, due), 1);
	} while (ps.v[0].interval_ns < BCN_PUNCH_MAX_NS);
	relayed[0] = 9;
	assert_int_equal(bcn_punches_due(&ps, relayed, 1, ps.v[0].next_ns, due),
			 1);
	assert_int_equal(ps.v[0].interval_ns, BCN_PUNCH_MAX_NS);
	assert_int_equal(bcn_punches_due(&ps, relayed, 0, t, due), 0);
	assert_int_equal(ps.n, 0);
	bcn_punches_free(&ps);
}

/*
 * More relayed peers than the beacon serves punch requests at once: 8 a
 * call; the others stay due and go at the next call, none twice.
 */
static void test_punch_per_call(void **state)
{
	struct bcn_punches ps = { 0 };
	uint32_t relayed[12], due[12], seen[13] = { 0 };
	uint64_t t = 1000 * SEC;
	long n, i;

	(void)state;
	for (i = 0; i < 12; i++)
		relayed[i] = i + 1;
	n = bcn_punches_due(&ps, relayed, 12, t, due);
	assert_int_equal(n, BCN_PUNCH_PER_CALL);
	for (i = 0; i < n; i++)
		seen[due[i]]++;
	for (i = 0; i < 12; i++)
		relayed[i] = i + 1;
	n = bcn_punches_due(&ps, relayed, 12, t + 5 * SEC, due);
	assert_int_equal(n, 12 - BCN_PUNCH_PER_CALL);
	for (i = 0; i < n; i++)
		seen[due[i]]++;
	for (i = 1; i <= 12; i++)
		assert_int_equal(seen[i], 1);
	for (i = 0; i < 12; i++)
		relayed[i] = i + 1;
	assert_int_equal(bcn_punches_due(&ps, relayed, 12, t + 6 * SEC, due),
			 0);
	bcn_punches_free(&ps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vector),
		cmocka_unit_test_setup(test_hello_and_retries, setup),
		cmocka_unit_test_setup(test_register, setup),
		cmocka_unit_test_setup(test_forged_register_ok, setup),
		cmocka_unit_test_setup(test_register_retries, setup),
		cmocka_unit_test_setup(test_reregister, setup),
		cmocka_unit_test_setup(test_punch_request, setup),
		cmocka_unit_test(test_punch_pacing),
		cmocka_unit_test(test_punch_per_call),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
