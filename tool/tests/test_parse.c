// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the command-line value parsers (parse.c).
 */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../parse.h"

#define POISON32	0xdeadbeefu

static void expect_u32(const char *s, uint32_t want)
{
	uint32_t v = POISON32;

	assert_int_equal(parse_u32(s, &v), 0);
	assert_int_equal(v, want);
}

static void reject_u32(const char *s)
{
	uint32_t v = POISON32;

	assert_int_equal(parse_u32(s, &v), -1);
	assert_int_equal(v, POISON32);
}

static void test_u32_valid(void **state)
{
	(void)state;
	expect_u32("0", 0);
	expect_u32("1", 1);
	expect_u32("4500", 4500);
	expect_u32("4294967294", 4294967294u);
	expect_u32("4294967295", UINT32_MAX);
}

static void test_u32_leading_zeros(void **state)
{
	(void)state;
	expect_u32("00", 0);
	expect_u32("007", 7);
	expect_u32("010", 10);		/* decimal, not octal */
	expect_u32("0004294967295", UINT32_MAX);
}

static void test_u32_overflow(void **state)
{
	(void)state;
	reject_u32("4294967296");
	reject_u32("4294967300");
	reject_u32("9999999999");
	reject_u32("42949672950");
	reject_u32("18446744073709551616");	/* 2^64: no wrap to 0 */
	reject_u32("18446744073709551617");
}

static void test_u64(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(parse_u64("0", &v), 0);
	assert_true(v == 0);
	assert_int_equal(parse_u64("253402300799", &v), 0);
	assert_true(v == 253402300799ULL);
	assert_int_equal(parse_u64("18446744073709551615", &v), 0);
	assert_true(v == UINT64_MAX);
	v = 7;
	assert_int_equal(parse_u64("18446744073709551616", &v), -1);
	assert_int_equal(parse_u64("", &v), -1);
	assert_int_equal(parse_u64("-1", &v), -1);
	assert_int_equal(parse_u64("1x", &v), -1);
	assert_true(v == 7);
}

static void test_u32_junk(void **state)
{
	(void)state;
	reject_u32("");
	reject_u32("-1");
	reject_u32("-0");
	reject_u32("+1");
	reject_u32(" 1");
	reject_u32("1 ");
	reject_u32("\t1");
	reject_u32("1\n");
	reject_u32("1x");
	reject_u32("x1");
	reject_u32("abc");
	reject_u32("0x10");
	reject_u32("1e3");
	reject_u32("1.0");
	reject_u32("1,000");
	reject_u32("1_000");
}

static void test_u16(void **state)
{
	uint16_t v = 0xbeef;

	(void)state;
	assert_int_equal(parse_u16("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_u16("4500", &v), 0);
	assert_int_equal(v, 4500);
	assert_int_equal(parse_u16("65535", &v), 0);
	assert_int_equal(v, 65535);
	assert_int_equal(parse_u16("0065535", &v), 0);
	assert_int_equal(v, 65535);

	v = 0xbeef;
	assert_int_equal(parse_u16("65536", &v), -1);
	assert_int_equal(parse_u16("100000", &v), -1);
	assert_int_equal(parse_u16("4294967296", &v), -1);
	assert_int_equal(parse_u16("-1", &v), -1);
	assert_int_equal(parse_u16("", &v), -1);
	assert_int_equal(parse_u16("80 ", &v), -1);
	assert_int_equal(v, 0xbeef);
}

static void test_ifname(void **state)
{
	(void)state;
	assert_int_equal(parse_ifname("ovl0"), 0);
	assert_int_equal(parse_ifname("a"), 0);
	assert_int_equal(parse_ifname("0123456789abcde"), 0);	/* 15 */
	assert_int_equal(parse_ifname(""), -1);
	assert_int_equal(parse_ifname("0123456789abcdef"), -1);	/* 16 */
	assert_int_equal(parse_ifname("a-much-too-long-interface-name"), -1);
}

static void expect_ep4(const char *s, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
	struct in_addr want;

	memset(&ss, 0xa5, sizeof(ss));
	assert_int_equal(parse_endpoint(s, &ss), 0);
	assert_int_equal(inet_pton(AF_INET, addr, &want), 1);
	assert_int_equal(sin->sin_family, AF_INET);
	assert_int_equal(ntohs(sin->sin_port), port);
	assert_memory_equal(&sin->sin_addr, &want, sizeof(want));
}

static void expect_ep6(const char *s, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
	struct in6_addr want;

	memset(&ss, 0xa5, sizeof(ss));
	assert_int_equal(parse_endpoint(s, &ss), 0);
	assert_int_equal(inet_pton(AF_INET6, addr, &want), 1);
	assert_int_equal(sin6->sin6_family, AF_INET6);
	assert_int_equal(ntohs(sin6->sin6_port), port);
	assert_memory_equal(&sin6->sin6_addr, &want, sizeof(want));
	assert_int_equal(sin6->sin6_flowinfo, 0);
	assert_int_equal(sin6->sin6_scope_id, 0);
}

static void reject_ep(const char *s)
{
	struct sockaddr_storage ss, orig;

	memset(&ss, 0xa5, sizeof(ss));
	memcpy(&orig, &ss, sizeof(ss));
	assert_int_equal(parse_endpoint(s, &ss), -1);
	assert_memory_equal(&ss, &orig, sizeof(ss));
}

static void test_endpoint_v4(void **state)
{
	(void)state;
	expect_ep4("192.0.2.1:4500", "192.0.2.1", 4500);
	expect_ep4("0.0.0.0:1", "0.0.0.0", 1);
	expect_ep4("255.255.255.255:65535", "255.255.255.255", 65535);
	expect_ep4("198.51.100.7:051820", "198.51.100.7", 51820);
}

static void test_endpoint_v6(void **state)
{
	(void)state;
	expect_ep6("[2001:db8::1]:51820", "2001:db8::1", 51820);
	expect_ep6("[::1]:1", "::1", 1);
	expect_ep6("[::]:65535", "::", 65535);
	expect_ep6("[::ffff:192.0.2.1]:4500", "::ffff:192.0.2.1", 4500);
	expect_ep6("[2001:db8:1:2:3:4:5:6]:80", "2001:db8:1:2:3:4:5:6", 80);
}

static void test_endpoint_port(void **state)
{
	(void)state;
	reject_ep("192.0.2.1");
	reject_ep("192.0.2.1:");
	reject_ep("192.0.2.1:0");
	reject_ep("192.0.2.1:65536");
	reject_ep("192.0.2.1:4294967296");
	reject_ep("192.0.2.1:-1");
	reject_ep("192.0.2.1:+80");
	reject_ep("192.0.2.1: 80");
	reject_ep("192.0.2.1:80 ");
	reject_ep("192.0.2.1:80x");
	reject_ep("192.0.2.1:0x50");
	reject_ep("192.0.2.1:80:80");
	reject_ep("[2001:db8::1]");
	reject_ep("[2001:db8::1]:");
	reject_ep("[2001:db8::1]:0");
	reject_ep("[2001:db8::1]:65536");
	reject_ep("[2001:db8::1]80");
	reject_ep("[2001:db8::1] :80");
}

static void test_endpoint_addr(void **state)
{
	(void)state;
	reject_ep("");
	reject_ep(":80");
	reject_ep("[]:80");
	reject_ep("2001:db8::1:80");		/* IPv6 needs brackets */
	reject_ep("::1:80");
	reject_ep("[192.0.2.1]:80");		/* brackets are for IPv6 */
	reject_ep("[2001:db8::1:80");
	reject_ep("2001:db8::1]:80");
	reject_ep("[[::1]]:80");
	reject_ep("[::1]]:80");
	reject_ep("[fe80::1%eth0]:80");		/* no scope ids */
	reject_ep("[2001:db8::g]:80");
	reject_ep("256.0.0.1:80");
	reject_ep("192.0.2:80");
	reject_ep("192.0.2.1.5:80");
	reject_ep(" 192.0.2.1:80");
	reject_ep("localhost:80");		/* numeric only: no DNS */
	reject_ep("host.example:80");
	reject_ep("[0000:0000:0000:0000:0000:0000:0000:0000:0000:0000]:80");
}

static void expect_cidr(const char *s, int family, const char *addr,
			unsigned int prefix)
{
	struct cidr c;
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} want;

	memset(&c, 0xa5, sizeof(c));
	assert_int_equal(parse_cidr(s, &c), 0);
	assert_int_equal(c.family, family);
	assert_int_equal(c.prefix, prefix);
	assert_int_equal(inet_pton(family, addr, &want), 1);
	if (family == AF_INET)
		assert_memory_equal(&c.addr.v4, &want.v4, sizeof(want.v4));
	else
		assert_memory_equal(&c.addr.v6, &want.v6, sizeof(want.v6));
}

static void reject_cidr(const char *s)
{
	struct cidr c, orig;

	memset(&c, 0xa5, sizeof(c));
	memcpy(&orig, &c, sizeof(c));
	assert_int_equal(parse_cidr(s, &c), -1);
	assert_memory_equal(&c, &orig, sizeof(c));
}

static void test_cidr_v4(void **state)
{
	(void)state;
	expect_cidr("10.0.0.0/8", AF_INET, "10.0.0.0", 8);
	expect_cidr("0.0.0.0/0", AF_INET, "0.0.0.0", 0);
	expect_cidr("192.0.2.1/32", AF_INET, "192.0.2.1", 32);
	expect_cidr("192.0.2.1", AF_INET, "192.0.2.1", 32);
	expect_cidr("10.0.0.0/08", AF_INET, "10.0.0.0", 8);
	expect_cidr("10.1.2.3/8", AF_INET, "10.1.2.3", 8);	/* not masked */
}

static void test_cidr_v6(void **state)
{
	(void)state;
	expect_cidr("2001:db8::/32", AF_INET6, "2001:db8::", 32);
	expect_cidr("::/0", AF_INET6, "::", 0);
	expect_cidr("::1/128", AF_INET6, "::1", 128);
	expect_cidr("::1", AF_INET6, "::1", 128);
	expect_cidr("fd00::/64", AF_INET6, "fd00::", 64);
	expect_cidr("::ffff:10.0.0.0/104", AF_INET6, "::ffff:10.0.0.0", 104);
}

static void test_cidr_prefix(void **state)
{
	(void)state;
	reject_cidr("10.0.0.0/33");
	reject_cidr("10.0.0.0/128");
	reject_cidr("2001:db8::/129");
	reject_cidr("2001:db8::/256");
	reject_cidr("10.0.0.0/4294967296");
	reject_cidr("10.0.0.0/4294967304");	/* 8 after a u32 wrap */
	reject_cidr("10.0.0.0/");
	reject_cidr("10.0.0.0/-1");
	reject_cidr("10.0.0.0/+8");
	reject_cidr("10.0.0.0/ 8");
	reject_cidr("10.0.0.0/8 ");
	reject_cidr("10.0.0.0/8x");
	reject_cidr("10.0.0.0/8/8");
	reject_cidr("10.0.0.0/0x8");
}

static void test_cidr_addr(void **state)
{
	(void)state;
	reject_cidr("");
	reject_cidr("/8");
	reject_cidr("10.0.0/8");
	reject_cidr("10.0.0.256/32");
	reject_cidr(" 10.0.0.0/8");
	reject_cidr("[2001:db8::]/32");
	reject_cidr("fe80::1%eth0/64");
	reject_cidr("2001:db8:::/32");
	reject_cidr("host.example/24");
	reject_cidr("0000:0000:0000:0000:0000:0000:0000:0000:0000:0000/64");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u32_valid),
		cmocka_unit_test(test_u32_leading_zeros),
		cmocka_unit_test(test_u32_overflow),
		cmocka_unit_test(test_u32_junk),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_u16),
		cmocka_unit_test(test_ifname),
		cmocka_unit_test(test_endpoint_v4),
		cmocka_unit_test(test_endpoint_v6),
		cmocka_unit_test(test_endpoint_port),
		cmocka_unit_test(test_endpoint_addr),
		cmocka_unit_test(test_cidr_v4),
		cmocka_unit_test(test_cidr_v6),
		cmocka_unit_test(test_cidr_prefix),
		cmocka_unit_test(test_cidr_addr),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
