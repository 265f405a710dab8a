// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the per-source rate limit of control frames
 * (../ctrl_rl.c), built in userspace through kshim.h: the burst, the
 * refill rate, independent sources, IPv6 sources grouped by /64, relayed
 * frames keyed by node id, a table that stays bounded and never denies a
 * new source, and time that goes backwards.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "ctrl_rl.h"

#define NS	1000000000ULL
#define T0	(1000 * NS)	/* some boot time */

static const siphash_key_t test_key = {
	{ 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL }
};

static struct ovl_ctrl_rl *new_rl(void)
{
	struct ovl_ctrl_rl *rl = malloc(sizeof(*rl));

	assert_non_null(rl);
	memset(rl, 0xa5, sizeof(*rl));	/* init must not rely on zeroes */
	ovl_ctrl_rl_init(rl, &test_key);
	return rl;
}

static struct ovl_ctrl_rl_src ip4(const char *a)
{
	struct in_addr in;

	assert_int_equal(inet_pton(AF_INET, a, &in), 1);
	return ovl_ctrl_rl_src_ip4(in.s_addr);
}

static struct ovl_ctrl_rl_src ip6(const char *a)
{
	struct in6_addr in6;

	assert_int_equal(inet_pton(AF_INET6, a, &in6), 1);
	return ovl_ctrl_rl_src_ip6(&in6);
}

/* How many of @n frames from @src at @now pass. */
static unsigned int pass(struct ovl_ctrl_rl *rl, struct ovl_ctrl_rl_src src,
			 unsigned int n, u64 now)
{
	unsigned int ok = 0;

	while (n--)
		ok += ovl_ctrl_rl_allow(rl, &src, now);
	return ok;
}

/* The shim's SipHash is SipHash-2-4: the reference vector of 16 bytes. */
static void test_siphash_vector(void **state)
{
	(void)state;
	assert_true(siphash_2u64(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL,
				 &test_key) == 0x3f2acc7f57c29bdbULL);
}

static void test_burst_then_rate(void **state)
{
	struct ovl_ctrl_rl *rl = new_rl();
	struct ovl_ctrl_rl_src a = ip4("198.51.100.7");
	u64 t = T0;
	unsigned int ok = 0, i;

	(void)state;
	/* A burst of 5 at once, not one more. */
	assert_int_equal(pass(rl, a, 200, t), OVL_CTRL_RL_BURST);
	/* Nothing until a frame's worth of time passed. */
	assert_int_equal(pass(rl, a, 1, t + NS / 20 - 1), 0);
	assert_int_equal(pass(rl, a, 1, t + NS / 20), 1);
	assert_int_equal(pass(rl, a, 1, t + NS / 20), 0);
	/* A sustained flood, 3000 frames a second for 10 s: 20 a second. */
	t += NS / 20;
	for (i = 0; i < 30000; i++)
		ok += pass(rl, a, 1, t + (u64)i * NS / 3000);
	print_message("10 s of 3000/s from one source: %u passed\n", ok);
	assert_in_range(ok, 199, 201);
	/* Quiet for long: the bucket is full again, and no fuller. */
	t += 3600 * NS;
	assert_int_equal(pass(rl, a, 200, t), OVL_CTRL_RL_BURST);
	free(rl);
}

static void test_independent_sources(void **state)
{
	struct ovl_ctrl_rl *rl = new_rl();
	struct ovl_ctrl_rl_src a = ip4("198.51.100.7");
	struct ovl_ctrl_rl_src b = ip4("198.51.100.8");

	(void)state;
	assert_int_equal(pass(rl, a, 100, T0), OVL_CTRL_RL_BURST);
	/* B, in the same moment, has its own whole burst. */
	assert_int_equal(pass(rl, b, 5, T0), 5);
	assert_int_equal(pass(rl, a, 1, T0 + 1), 0);
	assert_int_equal(pass(rl, b, 1, T0 + 1), 0);
	free(rl);
}

static void test_ipv6_prefix(void **state)
{
	struct ovl_ctrl_rl *rl = new_rl();

	(void)state;
	/* One /64, any interface ids: one bucket. */
	assert_int_equal(pass(rl, ip6("2001:db8:1:2::1"), 3, T0), 3);
	assert_int_equal(pass(rl, ip6("2001:db8:1:2:ffff::9"), 10, T0), 2);
	assert_int_equal(pass(rl, ip6("2001:db8:1:2:1234:5678:9abc:def0"), 1,
			      T0), 0);
	/* The next /64 is another source. */
	assert_int_equal(pass(rl, ip6("2001:db8:1:3::1"), 10, T0), 5);
	/* An IPv4 address that equals a prefix's bits is still another. */
	assert_int_equal(pass(rl, ovl_ctrl_rl_src_ip4(0), 10, T0), 5);
	assert_int_equal(pass(rl, ip6("::1"), 10, T0), 5);
	free(rl);
}

static void test_relayed_node_ids(void **state)
{
	struct ovl_ctrl_rl *rl = new_rl();
	struct ovl_ctrl_rl_src n7 = ovl_ctrl_rl_src_node(7);
	struct ovl_ctrl_rl_src n9 = ovl_ctrl_rl_src_node(9);

	(void)state;
	/* Two nodes behind the same beacon: one bucket each. */
	assert_int_equal(pass(rl, n7, 50, T0), 5);
	assert_int_equal(pass(rl, n9, 50, T0), 5);
	/* Node id 7 and the IPv4 address 0.0.0.7 are not one source. */
	assert_int_equal(pass(rl, ovl_ctrl_rl_src_ip4(htonl(7)), 50, T0), 5);
	assert_int_equal(pass(rl, n7, 1, T0 + NS / 20), 1);
	free(rl);
}

/*
 * Many more sources than slots: every new source gets its burst (the
 * table full never denies one), a source flooding all along stays limited
 * whenever it keeps its slot, and the table is the same size after.
 */
static void test_bounded_table(void **state)
{
	struct ovl_ctrl_rl *rl = new_rl();
	struct ovl_ctrl_rl_src flooder = ip4("203.0.113.1");
	unsigned int i, used = 0, flood_ok = 0;
	u64 t = T0;

	(void)state;
	for (i = 0; i < 4 * OVL_CTRL_RL_SLOTS; i++) {
		struct ovl_ctrl_rl_src s = ovl_ctrl_rl_src_ip4(htonl(0x0a000000 + i));

		t += 1000;
		assert_int_equal(pass(rl, s, 1, t), 1);
		flood_ok += pass(rl, flooder, 1, t);
	}
	for (i = 0; i < OVL_CTRL_RL_SLOTS; i++)
		used += rl->slots[i].kind != OVL_CTRL_RL_NONE;
	assert_int_equal(used, OVL_CTRL_RL_SLOTS);
	/*
	 * 16 ms of flood: the flooder is the most recently used in its
	 * group every time, so it never lost its slot: 5 + nothing.
	 */
	assert_int_equal(flood_ok, 5);

	/* A full group: a new source takes the stalest slot, with a burst. */
	for (i = 0; i < 10000; i++) {
		struct ovl_ctrl_rl_src s = ovl_ctrl_rl_src_node(100000 + i);

		assert_int_equal(pass(rl, s, 5, t), 5);
		assert_int_equal(pass(rl, s, 1, t), 0);
	}
	free(rl);
}

/* An evicted source comes back with a full bucket: in sooner, never later. */
static void test_eviction_lets_in_sooner(void **state)
{
	struct ovl_ctrl_rl *rl = new_rl();
	struct ovl_ctrl_rl_src a = ip4("198.51.100.7");
	unsigned int i;
	u64 t = T0;

	(void)state;
	assert_int_equal(pass(rl, a, 5, t), 5);
	assert_int_equal(pass(rl, a, 1, t), 0);
	/* Enough newer sources to push it out of its group. */
	for (i = 0; i < 8 * OVL_CTRL_RL_SLOTS; i++) {
		struct ovl_ctrl_rl_src s = ovl_ctrl_rl_src_node(i + 1);

		assert_true(ovl_ctrl_rl_allow(rl, &s, ++t));
	}
	assert_int_equal(pass(rl, a, 10, t), 5);
	free(rl);
}

static void test_time_backwards(void **state)
{
	struct ovl_ctrl_rl *rl = new_rl();
	struct ovl_ctrl_rl_src a = ip4("198.51.100.7");

	(void)state;
	assert_int_equal(pass(rl, a, 5, T0), 5);
	/* Back in time: nothing gained, nothing underflows. */
	assert_int_equal(pass(rl, a, 5, T0 - 10 * NS), 0);
	assert_int_equal(pass(rl, a, 5, 0), 0);
	/* From the new time on, the bucket refills at the rate again. */
	assert_int_equal(pass(rl, a, 5, NS / 20 - 1), 0);
	assert_int_equal(pass(rl, a, 5, NS / 20), 1);
	assert_int_equal(pass(rl, a, 5, NS / 20 + NS), 5);
	free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash_vector),
		cmocka_unit_test(test_burst_then_rate),
		cmocka_unit_test(test_independent_sources),
		cmocka_unit_test(test_ipv6_prefix),
		cmocka_unit_test(test_relayed_node_ids),
		cmocka_unit_test(test_bounded_table),
		cmocka_unit_test(test_eviction_lets_in_sooner),
		cmocka_unit_test(test_time_backwards),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
