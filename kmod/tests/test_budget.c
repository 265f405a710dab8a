// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of a peer's receive budget and tag-failure debt
 * (../budget.c), built in userspace through kshim.h: the byte bound, the
 * one-message exception, the debt's weight, cap and decay, and a simulated
 * flood of junk against the rate of junk that still gets decrypted.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "budget.h"

#define B	OVL_RX_BUDGET_BYTES

static void test_bound_in_bytes(void **state)
{
	struct ovl_rx_budget b;
	unsigned int i;

	(void)state;
	ovl_rx_budget_init(&b, 1000);
	/* 1 KiB messages: exactly the budget fits, not one byte more. */
	for (i = 0; i < B / 1024; i++)
		assert_true(ovl_rx_budget_charge(&b, 1024, 1000));
	assert_int_equal(b.queued, B);
	assert_false(ovl_rx_budget_charge(&b, 1, 1000));
	/* Tiny messages are no way around it: the bound is in bytes. */
	ovl_rx_budget_release(&b, 1024, false, 1000);
	assert_true(ovl_rx_budget_charge(&b, 1000, 1000));
	assert_true(ovl_rx_budget_charge(&b, 24, 1000));
	assert_false(ovl_rx_budget_charge(&b, 1, 1000));
	/* Authentic messages leave no debt. */
	for (i = 0; i < B / 1024; i++)
		ovl_rx_budget_release(&b, 1024, false, 1000);
	assert_int_equal(b.queued, 0);
	assert_int_equal(b.debt, 0);
	assert_int_equal(ovl_rx_budget_limit(&b, 1000), B);
}

static void test_one_large_message(void **state)
{
	struct ovl_rx_budget b;

	(void)state;
	ovl_rx_budget_init(&b, 0);
	/* Debt leaves 64 KiB; a 200 KiB datagram still gets in, alone. */
	ovl_rx_budget_release(&b, (B - 65536) / OVL_RX_DEBT_WEIGHT, true, 0);
	assert_int_equal(ovl_rx_budget_limit(&b, 0), 65536);
	assert_true(ovl_rx_budget_charge(&b, 200 << 10, 0));
	assert_false(ovl_rx_budget_charge(&b, 1, 0));
	ovl_rx_budget_release(&b, 200 << 10, false, 0);
	assert_int_equal(b.queued, 0);
}

static void test_debt_weight_cap_decay(void **state)
{
	struct ovl_rx_budget b;
	u64 t = 5000;

	(void)state;
	ovl_rx_budget_init(&b, t);
	assert_true(ovl_rx_budget_charge(&b, 1000, t));
	ovl_rx_budget_release(&b, 1000, true, t);
	assert_int_equal(b.queued, 0);
	assert_int_equal(b.debt, 1000 * OVL_RX_DEBT_WEIGHT);
	assert_int_equal(ovl_rx_budget_limit(&b, t), B - 1000 * OVL_RX_DEBT_WEIGHT);

	/* Capped. */
	ovl_rx_budget_release(&b, 10 * B, true, t);
	assert_int_equal(b.debt, OVL_RX_DEBT_MAX);
	assert_int_equal(ovl_rx_budget_limit(&b, t), 0);
	assert_false(ovl_rx_budget_charge(&b, 1, t));

	/* A second forgives 1000 * OVL_RX_DEBT_DECAY. */
	assert_int_equal(ovl_rx_budget_limit(&b, t + 1000), 0);
	assert_int_equal(b.debt, OVL_RX_DEBT_MAX - 1000 * OVL_RX_DEBT_DECAY);

	/*
	 * Asked every tenth of a millisecond (the same ms many times), the
	 * debt still decays at the full rate.
	 */
	for (unsigned int i = 0; i < 5000; i++)
		ovl_rx_budget_limit(&b, t + 1000 + i / 10);
	assert_int_equal(b.debt, OVL_RX_DEBT_MAX - 1499 * OVL_RX_DEBT_DECAY);

	/* Gone OVL_RX_DEBT_MAX / OVL_RX_DEBT_DECAY ms after it peaked. */
	assert_int_equal(ovl_rx_budget_limit(&b, t + OVL_RX_DEBT_MAX /
					     OVL_RX_DEBT_DECAY - 1),
			 B - OVL_RX_DEBT_DECAY);
	assert_int_equal(ovl_rx_budget_limit(&b, t + OVL_RX_DEBT_MAX /
					     OVL_RX_DEBT_DECAY), B);
	assert_int_equal(b.debt, 0);

	/* A clock that went back, or a long silence, never underflows. */
	ovl_rx_budget_release(&b, 100, true, t + 100000);
	assert_int_equal(ovl_rx_budget_limit(&b, t), B - 100 * OVL_RX_DEBT_WEIGHT);
	assert_int_equal(ovl_rx_budget_limit(&b, UINT64_MAX), B);
}

/*
 * A flood of junk, one 1 KiB message every 10 us, for 20 s: each admitted
 * message fails authentication 1 ms after it was queued.  After the first
 * second, what is admitted (what the crypt workers would decrypt) stays
 * within the decay rate divided by the weight; two seconds after the
 * flood the whole budget is back.
 */
static void test_flood(void **state)
{
	enum { SIZE = 1024, LAT_US = 1000, STEP_US = 10 };
	u64 admitted_late = 0, sent = 0, inflight_until[256];
	unsigned int head = 0, tail = 0;
	struct ovl_rx_budget b;
	u64 us, bound;

	(void)state;
	ovl_rx_budget_init(&b, 0);
	for (us = 0; us < 20000000; us += STEP_US) {
		/* Release what was "decrypted" by now. */
		while (head != tail && inflight_until[head % 256] <= us) {
			ovl_rx_budget_release(&b, SIZE, true, us / 1000);
			head++;
		}
		sent++;
		if (tail - head < 256 && ovl_rx_budget_charge(&b, SIZE, us / 1000)) {
			inflight_until[tail++ % 256] = us + LAT_US;
			if (us >= 1000000)
				admitted_late += SIZE;
		}
	}
	/* 19 s of flood after the first second. */
	bound = 19000ULL * OVL_RX_DEBT_DECAY / OVL_RX_DEBT_WEIGHT + B;
	print_message("flood: %llu of %llu junk bytes admitted after 1 s (bound %llu)\n",
		      (unsigned long long)admitted_late,
		      (unsigned long long)sent * SIZE, (unsigned long long)bound);
	assert_true(admitted_late <= bound);
	/* And not nothing: the peer's own messages still have a way in. */
	assert_true(admitted_late >= 19000ULL * OVL_RX_DEBT_DECAY /
		    OVL_RX_DEBT_WEIGHT / 2);

	while (head != tail) {
		ovl_rx_budget_release(&b, SIZE, true, us / 1000);
		head++;
	}
	assert_true(ovl_rx_budget_limit(&b, us / 1000) < B / 2);
	assert_int_equal(ovl_rx_budget_limit(&b, us / 1000 + OVL_RX_DEBT_MAX /
					     OVL_RX_DEBT_DECAY), B);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bound_in_bytes),
		cmocka_unit_test(test_one_large_message),
		cmocka_unit_test(test_debt_weight_cap_decay),
		cmocka_unit_test(test_flood),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
