// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of beacon protocol v2's kernel half (../bauth.c): the MACs
 * and tags against libsodium's crypto_shorthash_siphash24 and against
 * fixed vectors (the ones selftests/beacon2.py checks too), the refresh's
 * form, every DISCOVER_REPLY and PUNCH_COMMAND form and its forgeries,
 * the sequence rules, the punch target filter and the punch rate.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <sodium.h>

#include "bauth.h"

/* k_up = 00 01 .. 0f, k_down = 10 11 .. 1f */
static void raw_keys(u8 *raw)
{
	unsigned int i;

	for (i = 0; i < OVL_BEACON_KEYS_LEN; i++)
		raw[i] = i;
}

static struct ovl_bauth_keys keys(void)
{
	struct ovl_bauth_keys k;
	u8 raw[OVL_BEACON_KEYS_LEN];

	raw_keys(raw);
	ovl_bauth_keys_load(&k, raw);
	return k;
}

static u64 sodium_mac(const u8 *key16, const u8 *msg, unsigned int len)
{
	u8 out[crypto_shorthash_siphash24_BYTES];

	assert_int_equal(crypto_shorthash_siphash24(out, msg, len, key16), 0);
	return get_unaligned_le64(out);
}

/* The SipHash paper's vectors, and libsodium, for every length to 64. */
static void mac_matches_libsodium(void **state)
{
	struct ovl_bauth_keys k = keys();
	u8 raw[OVL_BEACON_KEYS_LEN], msg[64];
	unsigned int i;

	(void)state;
	raw_keys(raw);
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = i;
	assert_true(ovl_bauth_mac(&k.up, msg, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(ovl_bauth_mac(&k.up, msg, 15) == 0xa129ca6149be45e5ULL);
	for (i = 0; i <= sizeof(msg); i++) {
		assert_true(ovl_bauth_mac(&k.up, msg, i) ==
			    sodium_mac(raw, msg, i));
		assert_true(ovl_bauth_mac(&k.down, msg, i) ==
			    sodium_mac(raw + 16, msg, i));
	}
}

static const u8 refresh_42_1[OVL_REFRESH_LEN] = {
	0x01, 0x00, 0x00, 0x00, 0x2a, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0xad, 0xb3, 0xb2, 0x8b, 0xfb, 0x7d, 0x5f, 0x0a,
};

static void refresh_form(void **state)
{
	struct ovl_bauth_keys k = keys();
	u8 raw[OVL_BEACON_KEYS_LEN], msg[OVL_REFRESH_LEN];

	(void)state;
	raw_keys(raw);
	assert_int_equal(ovl_bauth_put_refresh(msg, &k, 42, 1), 21);
	assert_memory_equal(msg, refresh_42_1, sizeof(msg));
	assert_true(get_unaligned_le64(msg + 13) == sodium_mac(raw, msg, 13));
	/* Pinned: the fake beacon of selftests/beacon2.py checks the same. */
	assert_true(get_unaligned_le64(msg + 13) == 0x0a5f7dfb8bb2b3adULL);
}

/* A DISCOVER_REPLY [02][seq][ADDR][mac] under k_down. */
static unsigned int mk_reply(u8 *msg, u64 seq, int family, const char *ip,
			     u16 port, const u8 *kdown)
{
	struct ovl_wire_addr a;
	__be64 s = cpu_to_be64(seq);
	unsigned int len;

	memset(&a, 0, sizeof(a));
	a.family = family;
	assert_int_equal(inet_pton(family, ip, a.ip), 1);
	a.port = htons(port);
	msg[0] = OVL_MSG_DISCOVER_REPLY;
	memcpy(msg + 1, &s, 8);
	len = 9 + ovl_wire_put_field(msg + 9, &a);
	put_unaligned_le64(sodium_mac(kdown, msg, len), msg + len);
	return len + 8;
}

static void reply_forms(void **state)
{
	struct ovl_bauth_keys k = keys();
	u8 raw[OVL_BEACON_KEYS_LEN], msg[64], bad[64];
	struct ovl_wire_addr a;
	unsigned int len, l, i;
	u64 seq;

	(void)state;
	raw_keys(raw);
	len = mk_reply(msg, 7, AF_INET, "198.51.100.9", 4500, raw + 16);
	assert_int_equal(len, 24);
	assert_int_equal(ovl_bauth_parse_reply(msg, len, &k, &seq, &a), 0);
	assert_true(seq == 7);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(ntohs(a.port), 4500);
	len = mk_reply(msg, 8, AF_INET6, "2001:db8::5", 1, raw + 16);
	assert_int_equal(len, 36);
	assert_int_equal(ovl_bauth_parse_reply(msg, len, &k, &seq, &a), 0);
	assert_int_equal(a.family, AF_INET6);

	/* Every truncation and extension. */
	for (l = 0; l < len + 8; l++)
		if (l != len)
			assert_int_not_equal(ovl_bauth_parse_reply(msg, l, &k, &seq, &a), 0);
	/* Every flipped bit. */
	for (i = 0; i < len * 8; i++) {
		memcpy(bad, msg, len);
		bad[i / 8] ^= 1 << (i % 8);
		assert_int_not_equal(ovl_bauth_parse_reply(bad, len, &k, &seq, &a), 0);
	}
	/* Under the wrong key (k_up), and unauthenticated: [02][ADDR]. */
	len = mk_reply(msg, 9, AF_INET, "198.51.100.9", 4500, raw);
	assert_int_equal(ovl_bauth_parse_reply(msg, len, &k, &seq, &a), -EBADMSG);
	assert_int_not_equal(ovl_bauth_parse_reply(msg, 8, &k, &seq, &a), 0);
	/* A MAC that verifies over an address no datagram may go to. */
	len = mk_reply(msg, 9, AF_INET, "224.0.0.1", 4500, raw + 16);
	assert_int_equal(ovl_bauth_parse_reply(msg, len, &k, &seq, &a), -EINVAL);
}

/* A PUNCH_COMMAND [04][peer][seq][ADDR][mac] under k_down. */
static unsigned int mk_punch(u8 *msg, u32 peer, u64 seq, int family,
			     const char *ip, u16 port, const u8 *kdown)
{
	struct ovl_wire_addr a;
	__be32 id = cpu_to_be32(peer);
	__be64 s = cpu_to_be64(seq);
	unsigned int len;

	memset(&a, 0, sizeof(a));
	a.family = family;
	assert_int_equal(inet_pton(family, ip, a.ip), 1);
	a.port = htons(port);
	msg[0] = OVL_MSG_PUNCH_COMMAND;
	memcpy(msg + 1, &id, 4);
	memcpy(msg + 5, &s, 8);
	len = 13 + ovl_wire_put_field(msg + 13, &a);
	put_unaligned_le64(sodium_mac(kdown, msg, len), msg + len);
	return len + 8;
}

static void punch_forms(void **state)
{
	struct ovl_bauth_keys k = keys();
	u8 raw[OVL_BEACON_KEYS_LEN], msg[64], bad[64];
	struct ovl_bauth_punch p;
	unsigned int len, l, i;

	(void)state;
	raw_keys(raw);
	len = mk_punch(msg, 2, 3, AF_INET, "203.0.113.4", 4501, raw + 16);
	assert_int_equal(len, 28);
	assert_int_equal(ovl_bauth_parse_punch(msg, len, &k, &p), 0);
	assert_int_equal(p.peer_id, 2);
	assert_true(p.seq == 3);
	assert_int_equal(ntohs(p.addr.port), 4501);
	assert_false(ovl_bauth_punch_target_bad(&p.addr));
	len = mk_punch(msg, 2, 4, AF_INET6, "2001:db8::7", 4501, raw + 16);
	assert_int_equal(len, 40);
	assert_int_equal(ovl_bauth_parse_punch(msg, len, &k, &p), 0);
	for (l = 0; l < len + 8; l++)
		if (l != len)
			assert_int_not_equal(ovl_bauth_parse_punch(msg, l, &k, &p), 0);
	for (i = 0; i < len * 8; i++) {
		memcpy(bad, msg, len);
		bad[i / 8] ^= 1 << (i % 8);
		assert_int_not_equal(ovl_bauth_parse_punch(bad, len, &k, &p), 0);
	}
	len = mk_punch(msg, 2, 5, AF_INET, "203.0.113.4", 4501, raw);
	assert_int_equal(ovl_bauth_parse_punch(msg, len, &k, &p), -EBADMSG);
	/* Unauthenticated: [04][ADDR]. */
	assert_int_not_equal(ovl_bauth_parse_punch(msg, 8, &k, &p), 0);
}

static void relay_tags(void **state)
{
	struct ovl_bauth_keys k = keys();
	u8 raw[OVL_BEACON_KEYS_LEN], inner[40], buf[21];
	__be32 id = cpu_to_be32(2);
	unsigned int i, n;

	(void)state;
	raw_keys(raw);
	for (i = 0; i < sizeof(inner); i++)
		inner[i] = 0x80 + i;
	for (i = 0; i <= sizeof(inner); i++) {
		n = i < 16 ? i : 16;
		buf[0] = OVL_MSG_RELAY;
		memcpy(buf + 1, &id, 4);
		memcpy(buf + 5, inner, n);
		assert_true(ovl_bauth_relay_tag(&k.up, OVL_MSG_RELAY, id, inner, i) ==
			    sodium_mac(raw, buf, 5 + n));
		buf[0] = OVL_MSG_RELAY_DELIVER;
		assert_true(ovl_bauth_relay_tag(&k.down, OVL_MSG_RELAY_DELIVER, id,
						inner, i) ==
			    sodium_mac(raw + 16, buf, 5 + n));
	}
	/* Pinned: the fake beacon of selftests/beacon2.py checks the same. */
	assert_true(ovl_bauth_relay_tag(&k.up, OVL_MSG_RELAY, id, inner, 40) ==
		    0x4ff1665c3f7cc522ULL);
}

static void seq_rules(void **state)
{
	(void)state;
	assert_true(ovl_bauth_reply_seq_ok(1, 0, 1));
	assert_false(ovl_bauth_reply_seq_ok(0, 0, 1));
	assert_false(ovl_bauth_reply_seq_ok(2, 0, 1));	/* never sent */
	assert_false(ovl_bauth_reply_seq_ok(3, 3, 5));	/* replay */
	assert_false(ovl_bauth_reply_seq_ok(2, 3, 5));	/* older */
	assert_true(ovl_bauth_reply_seq_ok(5, 3, 5));
	assert_false(ovl_bauth_reply_seq_ok(1, 0, 0));	/* nothing sent */
}

static struct ovl_wire_addr mk(int family, const char *ip, u16 port)
{
	struct ovl_wire_addr a;

	memset(&a, 0, sizeof(a));
	a.family = family;
	assert_int_equal(inet_pton(family, ip, a.ip), 1);
	a.port = htons(port);
	return a;
}

static void punch_targets(void **state)
{
	static const char *const bad4[] = {
		"0.0.0.0", "0.1.2.3", "127.0.0.1", "127.255.0.9", "169.254.1.1",
		"224.0.0.1", "239.255.255.250", "240.0.0.1", "255.255.255.255",
	};
	static const char *const good4[] = {
		"10.0.2.2", "192.0.2.1", "169.253.1.1", "223.255.255.254",
		"128.0.0.1", "1.1.1.1",
	};
	static const char *const bad6[] = {
		"::", "::1", "fe80::1", "febf::1", "ff02::1", "ff0e::5",
		"::ffff:10.0.0.1", "::ffff:127.0.0.1",
	};
	static const char *const good6[] = {
		"2001:db8::1", "fec0::1", "fd00::1", "::2", "64:ff9b::1.2.3.4",
	};
	struct ovl_wire_addr a;
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad4); i++)
		assert_true(ovl_bauth_punch_target_bad((a = mk(AF_INET, bad4[i], 1), &a)));
	for (i = 0; i < ARRAY_SIZE(good4); i++)
		assert_false(ovl_bauth_punch_target_bad((a = mk(AF_INET, good4[i], 1), &a)));
	for (i = 0; i < ARRAY_SIZE(bad6); i++)
		assert_true(ovl_bauth_punch_target_bad((a = mk(AF_INET6, bad6[i], 1), &a)));
	for (i = 0; i < ARRAY_SIZE(good6); i++)
		assert_false(ovl_bauth_punch_target_bad((a = mk(AF_INET6, good6[i], 1), &a)));
	a = mk(AF_INET, "10.0.2.2", 0);
	assert_true(ovl_bauth_punch_target_bad(&a));
}

static void punch_rate(void **state)
{
	struct ovl_bauth_bucket b;
	u64 t = 5 * NSEC_PER_SEC;
	unsigned int i, n = 0;

	(void)state;
	ovl_bauth_bucket_init(&b);
	for (i = 0; i < 100; i++)
		n += ovl_bauth_bucket_take(&b, t);
	assert_int_equal(n, 10);			/* the burst */
	assert_false(ovl_bauth_bucket_take(&b, t + NSEC_PER_SEC / 10 - 1));
	assert_true(ovl_bauth_bucket_take(&b, t + NSEC_PER_SEC / 10));
	/* 10 a second, sustained: 100 over 10 s at 1000 tries a second. */
	n = 0;
	for (i = 1; i <= 10000; i++)
		n += ovl_bauth_bucket_take(&b, t + NSEC_PER_SEC / 10 + i * 1000000ULL);
	assert_int_equal(n, 100);
	/* Backwards: nothing gained. */
	assert_false(ovl_bauth_bucket_take(&b, t));
	/* Idle for ages: a full burst, no more, no overflow. */
	n = 0;
	for (i = 0; i < 100; i++)
		n += ovl_bauth_bucket_take(&b, U64_MAX);
	assert_int_equal(n, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mac_matches_libsodium),
		cmocka_unit_test(refresh_form),
		cmocka_unit_test(reply_forms),
		cmocka_unit_test(punch_forms),
		cmocka_unit_test(relay_tags),
		cmocka_unit_test(seq_rules),
		cmocka_unit_test(punch_targets),
		cmocka_unit_test(punch_rate),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
