// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of protocol v2's primitives (auth.c) and source prefixes
 * (prefix.c): messages built and parsed, the cookie, both sides' keys,
 * MACs and relay tags, token buckets, prefix quotas and rate buckets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/ovl.h>
#include <sodium.h>

#include "auth.h"
#include "limits.h"
#include "prefix.h"

static struct bcn_addr addr4(uint8_t c, uint8_t d, uint16_t port)
{
	const uint8_t ip[4] = { 198, 51, c, d };
	struct bcn_addr a;

	bcn_addr_set_v4(&a, ip, port);
	return a;
}

static struct bcn_addr addr6(uint8_t third, uint8_t last, uint16_t port)
{
	struct bcn_addr a = { .ip = { 0x20, 0x01, 0x0d, 0xb8, 0, third,
				      [15] = last }, .port = port };

	return a;
}

static void test_addr(void **state)
{
	struct bcn_addr a = addr4(100, 7, 3478), b = addr6(1, 9, 443), c;
	uint8_t buf[BCN_ADDR_MAX];

	(void)state;
	assert_int_equal(bcn_put_addr(buf, &a), 7);
	assert_int_equal(buf[0], 4);
	assert_int_equal(bcn_get_addr(buf, 7, &c), 7);
	assert_true(bcn_addr_equal(&a, &c));
	assert_int_equal(bcn_get_addr(buf, 6, &c), -1);
	assert_int_equal(bcn_put_addr(buf, &b), 19);
	assert_int_equal(bcn_get_addr(buf, 19, &c), 19);
	assert_true(bcn_addr_equal(&b, &c));
	buf[0] = 5;
	assert_int_equal(bcn_get_addr(buf, 19, &c), -1);
}

/* SIPHASH as the spec has it: libsodium's SipHash-2-4, 8 bytes LE. */
static void test_mac_vector(void **state)
{
	/*
	 * The SipHash paper's key 00..0f, message 00..0e: 0xa129ca6149be45e5,
	 * written little-endian.
	 */
	static const uint8_t want[8] = {
		0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1,
	};
	uint8_t key[16], msg[15 + BCN_MAC_LEN], mac[8];
	unsigned int i;

	(void)state;
	for (i = 0; i < 16; i++)
		key[i] = i;
	for (i = 0; i < 15; i++)
		msg[i] = i;
	bcn_mac(key, msg, 15, mac);
	assert_memory_equal(mac, want, 8);
	memcpy(msg + 15, mac, 8);
	assert_true(bcn_mac_ok(key, msg, 15));
	msg[3] ^= 1;
	assert_false(bcn_mac_ok(key, msg, 15));
}

static void test_cookie(void **state)
{
	uint8_t s1[32] = { 1 }, s2[32] = { 2 }, c1[16], c2[16];
	struct bcn_addr a = addr4(100, 7, 3478), b = addr4(100, 7, 3479);

	(void)state;
	bcn_cookie(s1, &a, 42, c1);
	bcn_cookie(s1, &a, 42, c2);
	assert_memory_equal(c1, c2, 16);
	bcn_cookie(s2, &a, 42, c2);
	assert_memory_not_equal(c1, c2, 16);
	bcn_cookie(s1, &b, 42, c2);		/* another port */
	assert_memory_not_equal(c1, c2, 16);
	bcn_cookie(s1, &a, 43, c2);		/* another node id */
	assert_memory_not_equal(c1, c2, 16);
}

/* The beacon's and the daemon's derivations agree; a low order point fails. */
static void test_keys(void **state)
{
	uint8_t d[32], eph[32], b[32], beph[32], cookie[16] = { 9 };
	uint8_t up1[16], down1[16], up2[16], down2[16];
	static const uint8_t zero[32];

	(void)state;
	randombytes_buf(d, 32);
	randombytes_buf(b, 32);
	crypto_scalarmult_base(eph, d);
	crypto_scalarmult_base(beph, b);
	assert_int_equal(bcn_derive_keys(b, eph, eph, beph, cookie, up1,
					 down1), 0);
	assert_int_equal(bcn_derive_keys(d, beph, eph, beph, cookie, up2,
					 down2), 0);
	assert_memory_equal(up1, up2, 16);
	assert_memory_equal(down1, down2, 16);
	assert_memory_not_equal(up1, down1, 16);
	cookie[0] = 8;
	assert_int_equal(bcn_derive_keys(b, eph, eph, beph, cookie, up2,
					 down2), 0);
	assert_memory_not_equal(up1, up2, 16);
	assert_int_equal(bcn_derive_keys(b, zero, zero, beph, cookie, up2,
					 down2), -1);
}

static void test_probe(void **state)
{
	uint8_t nonce[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, got[8];
	uint8_t buf[BCN_PROBE_LEN];
	struct bcn_addr a = addr6(0, 1, 5), b;

	(void)state;
	assert_int_equal(bcn_build_probe(buf, nonce), 32);
	assert_int_equal(buf[0], OVL_MSG_DISCOVER);
	assert_memory_equal(buf + 5, nonce, 8);
	assert_int_equal(bcn_build_probe_reply(buf, &a, nonce), 28);
	assert_int_equal(bcn_parse_probe_reply(buf, 28, &b, got), 0);
	assert_true(bcn_addr_equal(&a, &b));
	assert_memory_equal(got, nonce, 8);
	assert_int_equal(bcn_parse_probe_reply(buf, 27, &b, got), -1);
	a = addr4(1, 2, 3);
	assert_int_equal(bcn_build_probe_reply(buf, &a, nonce), 16);
	assert_int_equal(bcn_parse_probe_reply(buf, 16, &b, got), 0);
}

static void test_refresh_punch(void **state)
{
	uint8_t k[16] = { 7 }, other[16] = { 8 }, buf[64];
	struct bcn_addr a = addr4(1, 2, 3), b;
	uint64_t seq;
	uint32_t peer;
	size_t n;

	(void)state;
	assert_int_equal(bcn_build_refresh(buf, 42, 5, k), 21);
	assert_true(bcn_mac_ok(k, buf, 13));
	assert_false(bcn_mac_ok(other, buf, 13));
	n = bcn_build_discover_reply(buf, 5, &a, k);
	assert_int_equal(n, 24);
	assert_int_equal(bcn_parse_discover_reply(buf, n, k, &seq, &b), 0);
	assert_int_equal(seq, 5);
	assert_true(bcn_addr_equal(&a, &b));
	assert_int_equal(bcn_parse_discover_reply(buf, n, other, &seq, &b),
			 -1);
	a = addr6(0, 1, 9);
	assert_int_equal(bcn_build_discover_reply(buf, 5, &a, k), 36);
	assert_int_equal(bcn_build_punch_request(buf, 9, 1, k), 21);
	assert_true(bcn_mac_ok(k, buf, 13));
	n = bcn_build_punch_command(buf, 9, 3, &a, k);
	assert_int_equal(n, 40);
	assert_int_equal(bcn_parse_punch_command(buf, n, k, &peer, &seq, &b),
			 0);
	assert_int_equal(peer, 9);
	assert_int_equal(seq, 3);
	assert_true(bcn_addr_equal(&a, &b));
	buf[n - 1] ^= 1;
	assert_int_equal(bcn_parse_punch_command(buf, n, k, &peer, &seq, &b),
			 -1);
	a = addr4(1, 2, 3);
	assert_int_equal(bcn_build_punch_command(buf, 9, 3, &a, k), 28);
	assert_int_equal(bcn_build_reregister(buf, 42), 5);
	assert_int_equal(buf[0], OVL_MSG_REREGISTER);
}

static void test_register(void **state)
{
	uint8_t pk[32], sk[64], other_pk[32], other_sk[64];
	uint8_t cookie[16] = { 3 }, eph[32] = { 4 }, cert[100];
	uint8_t buf[BCN_REGISTER_FIXED + BCN_REGISTER_CERT_MAX];
	uint8_t beph[32] = { 5 }, k[16] = { 6 }, got_beph[32];
	struct bcn_addr a = addr4(1, 2, 3), b;
	struct bcn_register r;
	uint32_t id;
	size_t n;

	(void)state;
	crypto_sign_keypair(pk, sk);
	crypto_sign_keypair(other_pk, other_sk);
	memset(cert, 0xc5, sizeof(cert));
	n = bcn_build_register(buf, sizeof(buf), 42, cookie, eph, cert,
			       sizeof(cert), sk);
	assert_int_equal(n, BCN_REGISTER_FIXED + sizeof(cert));
	assert_int_equal(bcn_parse_register(buf, n, &r), 0);
	assert_int_equal(r.id, 42);
	assert_memory_equal(r.cookie, cookie, 16);
	assert_memory_equal(r.eph, eph, 32);
	assert_int_equal(r.cert_len, sizeof(cert));
	assert_memory_equal(r.cert, cert, sizeof(cert));
	assert_true(bcn_register_sig_ok(buf, &r, pk));
	assert_false(bcn_register_sig_ok(buf, &r, other_pk));
	buf[60] ^= 1;		/* in the certificate: signed */
	assert_false(bcn_register_sig_ok(buf, &r, pk));
	assert_int_equal(bcn_parse_register(buf, n - 1, &r), -1);
	assert_int_equal(bcn_parse_register(buf, n + 1, &r), -1);
	buf[53] = 0x10;		/* certlen beyond the maximum */
	assert_int_equal(bcn_parse_register(buf, n, &r), -1);
	assert_int_equal(bcn_build_register(buf, 100, 42, cookie, eph, cert,
					    sizeof(cert), sk), 0);
	n = bcn_build_register(buf, sizeof(buf), 0, cookie, eph, cert,
			       sizeof(cert), sk);
	assert_int_equal(bcn_parse_register(buf, n, &r), -1);	/* id 0 */

	n = bcn_build_register_ok(buf, 42, beph, &a, k);
	assert_int_equal(n, 52);
	assert_int_equal(bcn_parse_register_ok(buf, n, &id, got_beph, &b), 0);
	assert_int_equal(id, 42);
	assert_memory_equal(got_beph, beph, 32);
	assert_true(bcn_addr_equal(&a, &b));
	assert_true(bcn_mac_ok(k, buf, n - 8));
	assert_int_equal(bcn_build_hello(buf, 42), 40);
	assert_int_equal(bcn_build_cookie_msg(buf, 42, cookie), 21);
	assert_int_equal(bcn_parse_cookie_msg(buf, 21, &id, got_beph), 0);
	assert_memory_equal(got_beph, cookie, 16);
}

static void test_tag(void **state)
{
	uint8_t k[16] = { 1 }, inner[40], t1[8], t2[8];

	(void)state;
	memset(inner, 0x11, sizeof(inner));
	bcn_relay_tag(k, OVL_MSG_RELAY, 9, inner, sizeof(inner), t1);
	/* bytes past the 16th are not covered */
	inner[30] = 0;
	bcn_relay_tag(k, OVL_MSG_RELAY, 9, inner, sizeof(inner), t2);
	assert_memory_equal(t1, t2, 8);
	inner[15] = 0;
	bcn_relay_tag(k, OVL_MSG_RELAY, 9, inner, sizeof(inner), t2);
	assert_memory_not_equal(t1, t2, 8);
	bcn_relay_tag(k, OVL_MSG_RELAY, 8, inner, sizeof(inner), t1);
	assert_memory_not_equal(t1, t2, 8);		/* another destination */
	bcn_relay_tag(k, OVL_MSG_RELAY_DELIVER, 9, inner, sizeof(inner), t1);
	assert_memory_not_equal(t1, t2, 8);		/* another direction */
	bcn_relay_tag(k, OVL_MSG_RELAY, 9, inner, 3, t1);	/* short */
}

static void test_bucket(void **state)
{
	struct bcn_bucket b = { 0 };
	unsigned int i;

	(void)state;
	for (i = 0; i < 3; i++)		/* starts full: the burst */
		assert_true(bcn_bucket_take(&b, 1, 3, 1, 1000));
	assert_false(bcn_bucket_take(&b, 1, 3, 1, 1000));
	assert_false(bcn_bucket_take(&b, 1, 3, 1, 1999));
	assert_true(bcn_bucket_take(&b, 1, 3, 1, 2000));	/* 1 a second */
	assert_false(bcn_bucket_take(&b, 1, 3, 1, 2000));
	/* a long pause refills to the burst, not beyond */
	for (i = 0; i < 3; i++)
		assert_true(bcn_bucket_take(&b, 1, 3, 1, 1000000));
	assert_false(bcn_bucket_take(&b, 1, 3, 1, 1000000));
	/* bits: a huge rate does not overflow */
	memset(&b, 0, sizeof(b));
	assert_true(bcn_bucket_take(&b, 10000000000ULL, 1000000000ULL,
				    12000, 0));
	assert_true(bcn_bucket_take(&b, 10000000000ULL, 1000000000ULL,
				    1000000000ULL - 12000, 0));
	assert_false(bcn_bucket_take(&b, 10000000000ULL, 1000000000ULL, 1, 0));
	assert_true(bcn_bucket_take(&b, 10000000000ULL, 1000000000ULL,
				    1000000000ULL, UINT64_MAX / 2));
	/* a clock going back takes nothing */
	assert_false(bcn_bucket_take(&b, 10000000000ULL, 1000000000ULL, 1, 5));
}

static void test_prefix(void **state)
{
	struct bcn_addr a = addr4(100, 7, 1), b = addr4(100, 200, 2),
			c = addr4(101, 7, 1), d = addr6(1, 1, 1),
			e = addr6(1, 99, 1), f = addr6(2, 1, 1);
	uint8_t pa[16], pb[16];
	struct bcn_pfx_map m;
	struct bcn_rl rl;
	unsigned int i;

	(void)state;
	bcn_prefix(&a, pa);
	bcn_prefix(&b, pb);
	assert_memory_equal(pa, pb, 16);	/* one /24 */
	bcn_prefix(&c, pb);
	assert_memory_not_equal(pa, pb, 16);
	bcn_prefix(&d, pa);
	bcn_prefix(&e, pb);
	assert_memory_equal(pa, pb, 16);	/* one /48 */
	bcn_prefix(&f, pb);
	assert_memory_not_equal(pa, pb, 16);

	assert_int_equal(bcn_pfx_init(&m, 10, 1), 0);
	assert_int_equal(bcn_pfx_inc(&m, &a), 0);
	assert_int_equal(bcn_pfx_inc(&m, &b), 0);
	assert_int_equal(bcn_pfx_inc(&m, &d), 0);
	assert_int_equal(bcn_pfx_count(&m, &a), 2);
	assert_int_equal(bcn_pfx_count(&m, &c), 0);
	assert_int_equal(bcn_pfx_count(&m, &e), 1);
	assert_int_equal(m.n, 2);
	bcn_pfx_dec(&m, &b);
	bcn_pfx_dec(&m, &a);
	assert_int_equal(bcn_pfx_count(&m, &a), 0);
	assert_int_equal(m.n, 1);
	bcn_pfx_dec(&m, &c);			/* none: nothing happens */
	bcn_pfx_free(&m);

	assert_int_equal(bcn_rl_init(&rl, 100, 7), 0);
	for (i = 0; i < 4; i++)
		assert_true(bcn_rl_take(&rl, &a, 2, 4, 0));
	assert_false(bcn_rl_take(&rl, &b, 2, 4, 0));	/* the same /24 */
	assert_true(bcn_rl_take(&rl, &a, 2, 4, 500));
	bcn_rl_free(&rl);
}

static void test_limits(void **state)
{
	struct bcn_limits l = { 64, 100, 1000000 }, was;
	char err[BCN_LIMITS_ERR_LEN];
	static const char ok[] =
		"# limits\n\n  prefix-quota 8\nrelay-pps = 50\t\r\n"
		"relay-bps=2000";
	static const char *const bad[] = {
		"prefix-quota 0\n", "relay-pps\n", "relay-bps 999\n",
		"relay-pps 5 6\n", "relay-pps -5\n", "speed 5\n",
		"prefix-quota 99999999999999999999999\n", "relay-pps 0x10\n",
		"relay-bps 1000000000001\n",
	};
	unsigned int i;

	(void)state;
	assert_int_equal(bcn_limits_parse(ok, strlen(ok), &l, err), 0);
	assert_int_equal(l.prefix_quota, 8);
	assert_int_equal(l.relay_pps, 50);
	assert_int_equal(l.relay_bps, 2000);
	/* absent keys keep their values; empty is fine */
	assert_int_equal(bcn_limits_parse("relay-pps 7", 11, &l, err), 0);
	assert_int_equal(l.prefix_quota, 8);
	assert_int_equal(l.relay_pps, 7);
	assert_int_equal(bcn_limits_parse("", 0, &l, err), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		was = l;
		err[0] = '\0';
		assert_int_equal(bcn_limits_parse(bad[i], strlen(bad[i]), &l,
						  err), -1);
		assert_memory_equal(&l, &was, sizeof(l));
		assert_non_null(strstr(err, "line 1"));
	}
	/* the line named; too long refused */
	assert_int_equal(bcn_limits_parse("relay-pps 5\nx 1\n", 16, &l, err),
			 -1);
	assert_non_null(strstr(err, "line 2: unknown key"));
	assert_int_equal(bcn_limits_parse(ok, BCN_LIMITS_MAX_LEN + 1, &l, err),
			 -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_mac_vector),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_refresh_punch),
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_bucket),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_limits),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests_name("beacon v2 primitives", tests,
					   NULL, NULL);
}
