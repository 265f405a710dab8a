// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the pure certificate code (daemon/cert.c) and of identity
 * key files (daemon/keyfile.c): round trips, every way a certificate is
 * malformed, tampering, validity, issuer, covers(), armor, times, and the
 * key file loader's permission check.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../daemon/cert.h"
#include "../daemon/keyfile.h"

#define NOW	1800000000ULL	/* 2027-01-15T08:00:00Z */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static struct identity ca, other_ca, node;

static void seeded(struct identity *id, uint8_t fill)
{
	uint8_t seed[KEY_SEED_LEN];

	memset(seed, fill, sizeof(seed));
	crypto_sign_seed_keypair(id->pk, id->sk, seed);
}

static int group_setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	seeded(&ca, 1);
	seeded(&other_ca, 2);
	seeded(&node, 3);
	return 0;
}

static struct cidr pfx(const char *s)
{
	struct cidr c;

	assert_int_equal(parse_cidr(s, &c), 0);
	return c;
}

/* A signed certificate for node 2 with @n of the addresses below. */
static void make_cert(struct cert *c, unsigned int n)
{
	static const char *const addrs[] = {
		"fd00:77::2/128", "10.77.0.2/32", "10.77.1.0/24",
	};
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->node_id = 2;
	c->not_before = NOW - 100;
	c->not_after = NOW + 100;
	memcpy(c->public_key, node.pk, CERT_KEY_LEN);
	for (i = 0; i < n; i++)
		c->addrs[i] = pfx(addrs[i]);
	c->n_addrs = n;
	assert_int_equal(cert_sign(c, ca.sk, NULL), 0);
}

static size_t make_bin(uint8_t *buf, unsigned int n)
{
	struct cert c;
	int len;

	make_cert(&c, n);
	len = cert_encode(&c, buf, CERT_MAX_LEN);
	assert_true(len > 0);
	return len;
}

static void test_round_trip(void **state)
{
	uint8_t buf[CERT_MAX_LEN], again[CERT_MAX_LEN];
	struct cert c, d;
	const char *why = NULL;
	int len;

	(void)state;
	make_cert(&c, 3);
	/* Sorted: IPv4 first, by address. */
	assert_int_equal(c.addrs[0].family, AF_INET);
	assert_int_equal(c.addrs[0].prefix, 32);
	assert_int_equal(c.addrs[1].prefix, 24);
	assert_int_equal(c.addrs[2].family, AF_INET6);
	assert_memory_equal(c.issuer, ca.pk, CERT_KEY_LEN);

	len = cert_encode(&c, buf, sizeof(buf));
	assert_int_equal(len, CERT_HDR_LEN + 6 + 6 + 18 + CERT_SIG_LEN);
	assert_memory_equal(buf, "OVLC\x01\x00\x03\x00\x00\x00\x00\x02", 12);
	assert_int_equal(cert_decode(buf, len, &d, &why), CERT_OK);
	assert_null(why);
	assert_int_equal(d.node_id, 2);
	assert_int_equal(d.flags, 0);
	assert_true(d.not_before == NOW - 100 && d.not_after == NOW + 100);
	assert_memory_equal(d.public_key, node.pk, CERT_KEY_LEN);
	assert_memory_equal(d.issuer, ca.pk, CERT_KEY_LEN);
	assert_int_equal(d.n_addrs, 3);
	assert_int_equal(cidr_cmp(&d.addrs[2], &c.addrs[2]), 0);
	assert_memory_equal(d.signature, c.signature, CERT_SIG_LEN);
	/* Canonical: the decoded certificate encodes to the same bytes. */
	assert_int_equal(cert_encode(&d, again, sizeof(again)), len);
	assert_memory_equal(again, buf, len);
	assert_int_equal(cert_verify(&d, ca.pk, NOW), CERT_OK);

	/* Too small a buffer. */
	assert_int_equal(cert_encode(&c, buf, len - 1), -1);
}

/* Decoding @buf must fail with @reason. */
static void expect_malformed(const uint8_t *buf, size_t len,
			     const char *reason)
{
	const char *why = NULL;
	struct cert c;

	if (cert_decode(buf, len, &c, &why) != CERT_MALFORMED)
		fail_msg("expected '%s', decoded", reason);
	assert_non_null(why);
	if (strcmp(why, reason))
		fail_msg("expected '%s', got '%s'", reason, why);
}

static void test_largest(void **state)
{
	uint8_t buf[CERT_MAX_LEN + 1];
	struct cert c = { .node_id = UINT32_MAX, .flags = CERT_F_RELAY_ONLY,
			  .not_before = 0, .not_after = CERT_TIME_MAX };
	struct cert d;
	unsigned int i;
	int len;

	(void)state;
	for (i = 0; i < CERT_MAX_ADDRS; i++) {
		c.addrs[i].family = AF_INET6;
		c.addrs[i].prefix = 128;
		c.addrs[i].addr.v6.s6_addr[15] = CERT_MAX_ADDRS - i;
	}
	c.n_addrs = CERT_MAX_ADDRS;
	assert_int_equal(cert_sign(&c, ca.sk, NULL), 0);
	len = cert_encode(&c, buf, sizeof(buf));
	assert_int_equal(len, CERT_MAX_LEN);
	assert_int_equal(cert_decode(buf, len, &d, NULL), CERT_OK);
	assert_int_equal(d.flags, CERT_F_RELAY_ONLY);
	assert_int_equal(d.node_id, UINT32_MAX);
	assert_int_equal(cert_verify(&d, ca.pk, CERT_TIME_MAX), CERT_OK);
	assert_int_equal(cert_verify(&d, ca.pk, 0), CERT_OK);
	/* Cut inside the fifth address, or its family and length. */
	expect_malformed(buf, CERT_HDR_LEN + 4 * 18 + 17, "truncated address");
	expect_malformed(buf, CERT_HDR_LEN + 4 * 18 + 1, "truncated address");
	expect_malformed(buf, len - 1, "truncated");

	/* One more address is refused by sign. */
	c.n_addrs = CERT_MAX_ADDRS + 1;
	assert_int_equal(cert_sign(&c, ca.sk, NULL), -1);
	assert_int_equal(cert_encode(&c, buf, sizeof(buf)), -1);
}

static void test_truncated(void **state)
{
	uint8_t buf[CERT_MAX_LEN + 1];
	size_t len, i;
	struct cert c;

	(void)state;
	len = make_bin(buf, 3);
	/* Every proper prefix is refused, and so is one more byte. */
	for (i = 0; i < len; i++)
		assert_int_equal(cert_decode(buf, i, &c, NULL),
				 CERT_MALFORMED);
	expect_malformed(buf, CERT_MIN_LEN - 1, "truncated");
	expect_malformed(buf, len - 1, "truncated");
	buf[len] = 0;
	expect_malformed(buf, len + 1, "trailing bytes");
	assert_int_equal(cert_decode(buf, len, &c, NULL), CERT_OK);
}

/* Set byte @off of a fresh 3-address encoding to @val; expect @reason. */
static void poke(size_t off, uint8_t val, const char *reason)
{
	uint8_t buf[CERT_MAX_LEN];
	size_t len = make_bin(buf, 3);

	buf[off] = val;
	expect_malformed(buf, len, reason);
}

static void test_header_fields(void **state)
{
	(void)state;
	poke(0, 'X', "not a certificate (bad magic)");
	poke(3, 'c', "not a certificate (bad magic)");
	poke(4, 0, "unknown version");
	poke(4, 2, "unknown version");
	poke(5, 0x02, "unknown flags");
	poke(5, 0x80, "unknown flags");
	poke(6, 0, "trailing bytes");
	poke(6, CERT_MAX_ADDRS + 1, "too many addresses");
	poke(6, 0xff, "too many addresses");
	poke(7, 1, "reserved byte not zero");
	/* node id 0: its last byte is 2, the others 0. */
	poke(11, 0, "node id 0");
	/* not-before's top byte: after not-after. */
	poke(12, 0x01, "not-after is not after not-before");
	/* not-after beyond 9999 (and still after not-before). */
	poke(20, 0x01, "not-after beyond year 9999");
}

static void test_no_addresses(void **state)
{
	uint8_t buf[CERT_MAX_LEN];
	struct cert c;

	(void)state;
	make_cert(&c, 1);
	c.n_addrs = 0;
	assert_int_equal(cert_encode(&c, buf, sizeof(buf)), -1);
	/* A body with zero addresses, padded to the minimum length. */
	make_bin(buf, 1);
	buf[6] = 0;
	expect_malformed(buf, CERT_HDR_LEN + CERT_SIG_LEN + 6,
			 "trailing bytes");
	expect_malformed(buf, CERT_HDR_LEN + CERT_SIG_LEN, "truncated");
}

static void test_addresses(void **state)
{
	const size_t a0 = CERT_HDR_LEN, a1 = a0 + 6, a2 = a1 + 6;
	uint8_t buf[CERT_MAX_LEN];
	size_t len;

	(void)state;
	/* 10.77.0.2/32, 10.77.1.0/24, fd00:77::2/128 */
	poke(a0, 5, "unknown address family");
	poke(a0, 0, "unknown address family");
	poke(a0 + 1, 33, "prefix length too long");
	poke(a2 + 1, 129, "prefix length too long");
	poke(a1 + 1, 23, "address with host bits set");	/* 10.77.1.0/23 */
	poke(a1 + 5, 1, "address with host bits set");	/* 10.77.1.1/24 */
	poke(a2 + 1, 126, "address with host bits set");	/* ::2/126 */
	poke(a1 + 4, 0, "addresses repeated or out of order");
	/* IPv4 family byte on the IPv6 address: /128 is too long for it. */
	poke(a2, 4, "prefix length too long");

	/* A duplicate: the second address equal to the first. */
	len = make_bin(buf, 3);
	memcpy(buf + a1, buf + a0, 6);
	expect_malformed(buf, len, "addresses repeated or out of order");
	/* Swapped: /24 before /32 of a later address. */
	len = make_bin(buf, 3);
	memcpy(buf + a0, "\x04\x18\x0a\x4d\x01\x00\x04\x20\x0a\x4d\x00\x02",
	       12);
	expect_malformed(buf, len, "addresses repeated or out of order");
	/* The same address with two lengths is allowed, shorter first. */
	len = make_bin(buf, 3);
	memcpy(buf + a0, "\x04\x18\x0a\x4d\x01\x00\x04\x20\x0a\x4d\x01\x02",
	       12);
	{
		struct cert c;

		assert_int_equal(cert_decode(buf, len, &c, NULL), CERT_OK);
		/* ... but the signature no longer matches. */
		assert_int_equal(cert_verify(&c, ca.pk, NOW),
				 CERT_BAD_SIGNATURE);
	}
}

static void test_sign_checks(void **state)
{
	const char *why = NULL;
	struct cert c;

	(void)state;
	make_cert(&c, 2);
	c.addrs[1] = c.addrs[0];
	assert_int_equal(cert_sign(&c, ca.sk, &why), -1);
	assert_string_equal(why, "addresses repeated or out of order");
	make_cert(&c, 2);
	c.addrs[0] = pfx("10.77.0.2/24");
	assert_int_equal(cert_sign(&c, ca.sk, &why), -1);
	assert_string_equal(why, "address with host bits set");
	make_cert(&c, 1);
	c.node_id = 0;
	assert_int_equal(cert_sign(&c, ca.sk, &why), -1);
	assert_string_equal(why, "node id 0");
	make_cert(&c, 1);
	c.not_after = c.not_before;
	assert_int_equal(cert_sign(&c, ca.sk, &why), -1);
	assert_string_equal(why, "not-after is not after not-before");
	make_cert(&c, 1);
	c.flags = 0x40;
	assert_int_equal(cert_sign(&c, ca.sk, &why), -1);
	assert_string_equal(why, "unknown flags");
}

static void test_tampered(void **state)
{
	uint8_t buf[CERT_MAX_LEN];
	struct cert c;
	size_t len, i;
	enum cert_err err;

	(void)state;
	len = make_bin(buf, 3);
	/* Any one bit flipped anywhere: never accepted. */
	for (i = 0; i < len * 8; i++) {
		buf[i / 8] ^= 1 << (i % 8);
		err = cert_decode(buf, len, &c, NULL);
		if (err == CERT_OK)
			err = cert_verify(&c, ca.pk, NOW);
		assert_int_not_equal(err, CERT_OK);
		/* In the signed fields, short of the issuer: bad signature. */
		if (i / 8 >= 8 && i / 8 < 60)
			assert_true(err == CERT_BAD_SIGNATURE ||
				    err == CERT_MALFORMED);
		if (i / 8 >= len - CERT_SIG_LEN)
			assert_int_equal(err, CERT_BAD_SIGNATURE);
		buf[i / 8] ^= 1 << (i % 8);
	}
	assert_int_equal(cert_decode(buf, len, &c, NULL), CERT_OK);
	assert_int_equal(cert_verify(&c, ca.pk, NOW), CERT_OK);

	/* Flags raised after signing: a relay-only node claiming direct. */
	c.flags = CERT_F_RELAY_ONLY;
	assert_int_equal(cert_verify(&c, ca.pk, NOW), CERT_BAD_SIGNATURE);
	make_cert(&c, 1);
	c.not_after += 1;
	assert_int_equal(cert_verify(&c, ca.pk, NOW), CERT_BAD_SIGNATURE);
	make_cert(&c, 1);
	c.node_id = 3;
	assert_int_equal(cert_verify(&c, ca.pk, NOW), CERT_BAD_SIGNATURE);
}

static void test_validity(void **state)
{
	struct cert c;

	(void)state;
	make_cert(&c, 1);
	assert_int_equal(cert_verify(&c, ca.pk, 0), CERT_NOT_YET_VALID);
	assert_int_equal(cert_verify(&c, ca.pk, NOW - 101),
			 CERT_NOT_YET_VALID);
	assert_int_equal(cert_verify(&c, ca.pk, NOW - 100), CERT_OK);
	assert_int_equal(cert_verify(&c, ca.pk, NOW + 100), CERT_OK);
	assert_int_equal(cert_verify(&c, ca.pk, NOW + 101), CERT_EXPIRED);
	assert_int_equal(cert_verify(&c, ca.pk, UINT64_MAX), CERT_EXPIRED);
	/* Issuer and signature come before the clock. */
	assert_int_equal(cert_verify(&c, other_ca.pk, NOW + 101),
			 CERT_WRONG_ISSUER);
	c.signature[0] ^= 1;
	assert_int_equal(cert_verify(&c, ca.pk, NOW + 101),
			 CERT_BAD_SIGNATURE);
	/* A malformed struct is never valid. */
	make_cert(&c, 1);
	c.n_addrs = 0;
	assert_int_equal(cert_verify(&c, ca.pk, NOW), CERT_MALFORMED);
	assert_string_equal(cert_strerror(CERT_EXPIRED), "expired");
	assert_string_equal(cert_strerror(CERT_NOT_YET_VALID),
			    "not yet valid");
}

static void test_issuer(void **state)
{
	struct cert c;

	(void)state;
	make_cert(&c, 1);
	assert_int_equal(cert_verify(&c, other_ca.pk, NOW), CERT_WRONG_ISSUER);
	/* Signed by another CA: refused by ours. */
	assert_int_equal(cert_sign(&c, other_ca.sk, NULL), 0);
	assert_memory_equal(c.issuer, other_ca.pk, CERT_KEY_LEN);
	assert_int_equal(cert_verify(&c, ca.pk, NOW), CERT_WRONG_ISSUER);
	assert_int_equal(cert_verify(&c, other_ca.pk, NOW), CERT_OK);
	/* ... and relabelled as ours, the signature gives it away. */
	memcpy(c.issuer, ca.pk, CERT_KEY_LEN);
	assert_int_equal(cert_verify(&c, ca.pk, NOW), CERT_BAD_SIGNATURE);
	/* A node signing for itself is not the CA either. */
	assert_int_equal(cert_sign(&c, node.sk, NULL), 0);
	assert_int_equal(cert_verify(&c, ca.pk, NOW), CERT_WRONG_ISSUER);
}

static void test_covers(void **state)
{
	static const struct {
		const char *p;
		bool in;
	} cases[] = {
		{ "10.77.0.2/32", true },
		{ "10.77.0.2", true },
		{ "10.77.0.3/32", false },
		{ "10.77.0.0/24", false },
		{ "10.77.1.0/24", true },
		{ "10.77.1.128/25", true },
		{ "10.77.1.7/32", true },
		{ "10.77.1.7/24", true },	/* host bits beyond /24 ignored */
		{ "10.77.0.0/23", false },
		{ "10.77.2.0/24", false },
		{ "0.0.0.0/0", false },
		{ "fd00:77::2/128", true },
		{ "fd00:77::3/128", false },
		{ "fd00:77::/64", false },
		{ "::/0", false },
		{ "::ffff:10.77.0.2/128", false },	/* families differ */
	};
	struct cidr bad = {};
	struct cert c;
	size_t i;

	(void)state;
	make_cert(&c, 3);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct cidr p = pfx(cases[i].p);

		if (cert_covers(&c, &p) != cases[i].in)
			fail_msg("covers(%s) != %d", cases[i].p, cases[i].in);
	}
	assert_false(cert_covers(&c, &bad));
	/* Odd prefix lengths: 10.64.0.0/10 covers 10.127.255.255. */
	c.addrs[0] = pfx("10.64.0.0/10");
	c.n_addrs = 1;
	assert_true(cert_covers(&c, &(struct cidr){ .family = AF_INET,
		.prefix = 32, .addr.v4.s_addr = htonl(0x0a7fffff) }));
	assert_false(cert_covers(&c, &(struct cidr){ .family = AF_INET,
		.prefix = 32, .addr.v4.s_addr = htonl(0x0a800000) }));
	assert_false(cert_covers(&c, &(struct cidr){ .family = AF_INET,
		.prefix = 9, .addr.v4.s_addr = htonl(0x0a000000) }));
}

static void test_canonical(void **state)
{
	struct cidr p = {};

	(void)state;
	assert_true(cidr_canonical(&(struct cidr){ .family = AF_INET }));
	assert_false(cidr_canonical(&p));
	p = pfx("10.0.0.1/31");
	assert_false(cidr_canonical(&p));
	p = pfx("10.0.0.2/31");
	assert_true(cidr_canonical(&p));
	p = pfx("fd00::1:0/112");
	assert_true(cidr_canonical(&p));
	p = pfx("fd00::1:0/111");
	assert_false(cidr_canonical(&p));
	p.prefix = 129;
	assert_false(cidr_canonical(&p));
	p = pfx("128.0.0.0/1");
	assert_true(cidr_canonical(&p));
	p = pfx("192.0.0.0/1");
	assert_false(cidr_canonical(&p));
}

static void test_armor(void **state)
{
	uint8_t buf[CERT_MAX_LEN], out[CERT_MAX_LEN];
	char text[CERT_ARMOR_MAX], crlf[2 * CERT_ARMOR_MAX], *p, *q;
	const char *why = NULL;
	size_t len, n;
	int tlen;

	(void)state;
	len = make_bin(buf, 3);
	tlen = cert_armor(buf, len, text, sizeof(text));
	assert_int_equal(tlen, (int)strlen(text));
	assert_true(!strncmp(text, CERT_ARMOR_BEGIN "\n", 32));
	assert_string_equal(text + tlen - 30, CERT_ARMOR_END "\n");
	assert_int_equal(cert_dearmor(text, tlen, out, sizeof(out), &n, &why),
			 0);
	assert_int_equal(n, len);
	assert_memory_equal(out, buf, len);

	/* CRLF line ends and blank space around: tolerated. */
	for (p = text, q = crlf; *p; *q++ = *p++)
		if (*p == '\n')
			*q++ = '\r';
	*q = '\0';
	memmove(crlf + 2, crlf, strlen(crlf) + 1);
	memcpy(crlf, "\n ", 2);
	strcat(crlf, "\n\n");
	assert_int_equal(cert_dearmor(crlf, strlen(crlf), out, sizeof(out),
				      &n, &why), 0);
	assert_int_equal(n, len);

	/* No END, junk after it, no BEGIN, bad base64, too long. */
	assert_int_equal(cert_dearmor(text, tlen - 10, out, sizeof(out), &n,
				      &why), -1);
	assert_string_equal(why, "no '" CERT_ARMOR_END "' line");
	strcpy(crlf, text);
	strcat(crlf, "x");
	assert_int_equal(cert_dearmor(crlf, strlen(crlf), out, sizeof(out),
				      &n, &why), -1);
	assert_int_equal(cert_dearmor(text + 1, tlen - 1, out, sizeof(out),
				      &n, &why), -1);
	assert_string_equal(why, "no '" CERT_ARMOR_BEGIN "' line");
	strcpy(crlf, text);
	crlf[40] = '*';
	assert_int_equal(cert_dearmor(crlf, tlen, out, sizeof(out), &n, &why),
			 -1);
	assert_string_equal(why, "not base64, or too long");
	assert_int_equal(cert_dearmor(text, tlen, out, len - 1, &n, &why), -1);
	/* The END text glued to the last base64 line. */
	strcpy(crlf, text);
	p = strstr(crlf, "\n" CERT_ARMOR_END);
	memmove(p, p + 1, strlen(p));
	assert_int_equal(cert_dearmor(crlf, strlen(crlf), out, sizeof(out),
				      &n, &why), -1);
	/* An empty body decodes to nothing, which cert_decode() refuses. */
	/* Too small an output. */
	assert_int_equal(cert_armor(buf, len, crlf, 100), -1);
	assert_int_equal(cert_armor(buf, len, crlf, tlen), -1);
	assert_int_equal(cert_armor(buf, len, crlf, tlen + 1), tlen);
	strcpy(crlf, CERT_ARMOR_BEGIN "\n" CERT_ARMOR_END "\n");
	assert_int_equal(cert_dearmor(crlf, strlen(crlf), out, sizeof(out),
				      &n, &why), 0);
	assert_int_equal(n, 0);
}

static void test_times(void **state)
{
	char buf[CERT_TIME_STRLEN];
	uint64_t t = 42;

	(void)state;
	assert_int_equal(cert_time_parse("1970-01-01T00:00:00Z", &t), 0);
	assert_int_equal(t, 0);
	assert_int_equal(cert_time_parse("2027-01-15T08:00:00Z", &t), 0);
	assert_int_equal(t, NOW);
	assert_string_equal(cert_time_str(NOW, buf), "2027-01-15T08:00:00Z");
	assert_int_equal(cert_time_parse("9999-12-31T23:59:59Z", &t), 0);
	assert_int_equal(t, CERT_TIME_MAX);
	assert_int_equal(cert_time_parse("2024-02-29T00:00:00Z", &t), 0);
	t = 42;
	assert_int_equal(cert_time_parse("2026-02-29T00:00:00Z", &t), -1);
	assert_int_equal(cert_time_parse("2026-02-30T00:00:00Z", &t), -1);
	assert_int_equal(cert_time_parse("2026-13-01T00:00:00Z", &t), -1);
	assert_int_equal(cert_time_parse("2026-01-01T24:00:00Z", &t), -1);
	assert_int_equal(cert_time_parse("2026-01-01T00:00:60Z", &t), -1);
	assert_int_equal(cert_time_parse("2026-01-01T00:00:00z", &t), -1);
	assert_int_equal(cert_time_parse("2026-01-01 00:00:00Z", &t), -1);
	assert_int_equal(cert_time_parse("2026-01-01T00:00:00", &t), -1);
	assert_int_equal(cert_time_parse("2026-01-01T00:00:00+00:00", &t),
			 -1);
	assert_int_equal(cert_time_parse("2026-1-01T00:00:00Z ", &t), -1);
	assert_int_equal(cert_time_parse("2026-01-+1T00:00:00Z", &t), -1);
	assert_int_equal(cert_time_parse("1969-12-31T23:59:59Z", &t), -1);
	assert_int_equal(cert_time_parse("", &t), -1);
	assert_int_equal(t, 42);
}

/* Key files: the format. */
static void test_key_parse(void **state)
{
	char b64[KEY_B64_LEN + 1], text[64];
	struct identity id;
	const char *why;

	(void)state;
	identity_seed_b64(&node, b64);
	assert_int_equal(strlen(b64), KEY_B64_LEN);
	assert_int_equal(identity_parse(b64, KEY_B64_LEN, &id, &why), 0);
	assert_memory_equal(id.pk, node.pk, KEY_PUB_LEN);
	assert_memory_equal(id.sk, node.sk, KEY_SK_LEN);
	snprintf(text, sizeof(text), "%s\r\n\n", b64);
	assert_int_equal(identity_parse(text, strlen(text), &id, &why), 0);

	snprintf(text, sizeof(text), " %s", b64);
	assert_int_equal(identity_parse(text, strlen(text), &id, &why), -1);
	assert_string_equal(why, "not a key (expected 32 bytes in standard base64)");
	snprintf(text, sizeof(text), "%s\nx", b64);
	assert_int_equal(identity_parse(text, strlen(text), &id, &why), -1);
	assert_int_equal(identity_parse(b64, KEY_B64_LEN - 1, &id, &why), -1);
	b64[0] = '*';
	assert_int_equal(identity_parse(b64, KEY_B64_LEN, &id, &why), -1);
	/* 33 bytes in base64 are 44 characters too: refused. */
	assert_int_equal(identity_parse("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g",
					KEY_B64_LEN, &id, &why), -1);
	/* Non-canonical padding bits. */
	assert_int_equal(key_from_b64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9=",
				      id.pk), -1);
	assert_int_equal(key_from_b64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
				      id.pk), 0);
}

static char tmpdir[] = "/tmp/test_cert.XXXXXX";

static const char *tmp_path(const char *name)
{
	static char path[64];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

static void write_file(const char *name, const char *text, mode_t mode)
{
	const char *path = tmp_path(name);
	int fd;

	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void test_key_load(void **state)
{
	char b64[KEY_B64_LEN + 2], err[KEY_ERR_LEN], big[400];
	struct identity id;
	char want[KEY_ERR_LEN];

	(void)state;
	assert_non_null(mkdtemp(tmpdir));
	identity_seed_b64(&node, b64);
	strcat(b64, "\n");

	write_file("ok.key", b64, 0600);
	assert_int_equal(identity_load(tmp_path("ok.key"), &id, err), 0);
	assert_memory_equal(id.pk, node.pk, KEY_PUB_LEN);
	write_file("ro.key", b64, 0400);
	assert_int_equal(identity_load(tmp_path("ro.key"), &id, err), 0);

	write_file("open.key", b64, 0644);
	assert_int_equal(identity_load(tmp_path("open.key"), &id, err), -1);
	snprintf(want, sizeof(want), "%s: key file readable or writable by group or others (mode 0644): chmod 600 it",
		 tmp_path("open.key"));
	assert_string_equal(err, want);
	write_file("g.key", b64, 0640);
	assert_int_equal(identity_load(tmp_path("g.key"), &id, err), -1);
	write_file("o.key", b64, 0604);
	assert_int_equal(identity_load(tmp_path("o.key"), &id, err), -1);
	write_file("gw.key", b64, 0620);
	assert_int_equal(identity_load(tmp_path("gw.key"), &id, err), -1);

	write_file("junk.key", "hello\n", 0600);
	assert_int_equal(identity_load(tmp_path("junk.key"), &id, err), -1);
	snprintf(want, sizeof(want), "%s: not a key (expected 32 bytes in standard base64)",
		 tmp_path("junk.key"));
	assert_string_equal(err, want);
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file("big.key", big, 0600);
	assert_int_equal(identity_load(tmp_path("big.key"), &id, err), -1);
	snprintf(want, sizeof(want), "%s: not a key (too long)",
		 tmp_path("big.key"));
	assert_string_equal(err, want);

	assert_int_equal(identity_load(tmp_path("none.key"), &id, err), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory",
		 tmp_path("none.key"));
	assert_string_equal(err, want);
	assert_int_equal(identity_load(tmpdir, &id, err), -1);
	snprintf(want, sizeof(want), "%s: not a regular file", tmpdir);
	assert_string_equal(err, want);

	identity_wipe(&id);
	assert_true(sodium_is_zero((uint8_t *)&id, sizeof(id)));
}

static void test_cert_load(void **state)
{
	char text[CERT_ARMOR_MAX], err[KEY_ERR_LEN], want[KEY_ERR_LEN];
	char big[5000];
	uint8_t buf[CERT_MAX_LEN];
	struct cert c;
	size_t len;

	(void)state;
	len = make_bin(buf, 3);
	assert_true(cert_armor(buf, len, text, sizeof(text)) > 0);
	write_file("n.crt", text, 0644);
	assert_int_equal(cert_load(tmp_path("n.crt"), &c, err), 0);
	assert_int_equal(c.n_addrs, 3);
	assert_int_equal(cert_verify(&c, ca.pk, NOW), CERT_OK);

	buf[4] = 2;
	assert_true(cert_armor(buf, len, text, sizeof(text)) > 0);
	write_file("v2.crt", text, 0644);
	assert_int_equal(cert_load(tmp_path("v2.crt"), &c, err), -1);
	snprintf(want, sizeof(want), "%s: malformed certificate: unknown version",
		 tmp_path("v2.crt"));
	assert_string_equal(err, want);

	write_file("junk.crt", "junk", 0644);
	assert_int_equal(cert_load(tmp_path("junk.crt"), &c, err), -1);
	snprintf(want, sizeof(want), "%s: malformed certificate: no '"
		 CERT_ARMOR_BEGIN "' line", tmp_path("junk.crt"));
	assert_string_equal(err, want);

	memset(big, '\n', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	write_file("big.crt", big, 0644);
	assert_int_equal(cert_load(tmp_path("big.crt"), &c, err), -1);
	snprintf(want, sizeof(want), "%s: not a certificate (too long)",
		 tmp_path("big.crt"));
	assert_string_equal(err, want);

	assert_int_equal(cert_load(tmp_path("none.crt"), &c, err), -1);
	snprintf(want, sizeof(want), "%s: No such file or directory",
		 tmp_path("none.crt"));
	assert_string_equal(err, want);

	snprintf(want, sizeof(want), "rm -rf %s", tmpdir);
	assert_int_equal(system(want), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_largest),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_header_fields),
		cmocka_unit_test(test_no_addresses),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_sign_checks),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_issuer),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_armor),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_key_load),
		cmocka_unit_test(test_cert_load),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
