// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of key lifetimes (../keylife.h), built in userspace through
 * kshim.h: when a key stops working, when it starts asking for a new one
 * (an eighth of its lifetime before, at most 15 s), what is left of it,
 * keys without a lifetime, and a clock that wraps in between.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "keylife.h"

#define HZ	250UL

static void test_no_lifetime(void **state)
{
	struct ovl_keylife l;

	(void)state;
	ovl_keylife_set(&l, 0, 12345, HZ);
	assert_int_equal(l.expires, 0);
	/* A manual key never expires nor asks for a new key, whenever. */
	assert_false(ovl_keylife_expired(&l, 0));
	assert_false(ovl_keylife_expired(&l, ULONG_MAX));
	assert_false(ovl_keylife_aging(&l, 12345 + 1000 * HZ));
	assert_int_equal(ovl_keylife_left(&l, 12345), 0);
}

static void test_expiry(void **state)
{
	unsigned long now = 1000;
	struct ovl_keylife l;

	(void)state;
	ovl_keylife_set(&l, 3, now, HZ);
	assert_int_equal(l.expires, now + 3 * HZ);
	assert_false(ovl_keylife_expired(&l, now));
	assert_false(ovl_keylife_expired(&l, now + 3 * HZ - 1));
	/* Past install time + lifetime: never used again. */
	assert_true(ovl_keylife_expired(&l, now + 3 * HZ));
	assert_true(ovl_keylife_expired(&l, now + 3 * HZ + 100000));
	assert_int_equal(ovl_keylife_left(&l, now), 3 * HZ);
	assert_int_equal(ovl_keylife_left(&l, now + HZ), 2 * HZ);
	assert_int_equal(ovl_keylife_left(&l, now + 3 * HZ), 0);
	assert_int_equal(ovl_keylife_left(&l, now + 4 * HZ), 0);
}

static void test_rekey_margin(void **state)
{
	unsigned long now = 5;
	struct ovl_keylife l;

	(void)state;
	/* Short lifetime: an eighth of it. 8 s -> asks 1 s before. */
	ovl_keylife_set(&l, 8, now, HZ);
	assert_int_equal(l.expires - l.rekey_at, HZ);
	assert_false(ovl_keylife_aging(&l, now + 7 * HZ - 1));
	assert_true(ovl_keylife_aging(&l, now + 7 * HZ));
	assert_false(ovl_keylife_expired(&l, now + 7 * HZ));

	/* 180 s (WireGuard's reject-after): 1/8 is 22.5 s, 15 s is less. */
	ovl_keylife_set(&l, 180, now, HZ);
	assert_int_equal(l.expires - l.rekey_at, 15 * HZ);
	assert_false(ovl_keylife_aging(&l, now + 165 * HZ - 1));
	assert_true(ovl_keylife_aging(&l, now + 165 * HZ));

	/* 120 s: 1/8 is exactly 15 s. */
	ovl_keylife_set(&l, 120, now, HZ);
	assert_int_equal(l.expires - l.rekey_at, 15 * HZ);

	/* A day, the longest: still 15 s. */
	ovl_keylife_set(&l, OVL_KEY_LIFETIME_MAX, now, HZ);
	assert_int_equal(l.expires - l.rekey_at, 15 * HZ);
	assert_int_equal(l.expires, now + OVL_KEY_LIFETIME_MAX * HZ);

	/* 1 s: an eighth of a second. */
	ovl_keylife_set(&l, 1, now, HZ);
	assert_int_equal(l.expires - l.rekey_at, HZ / 8);
}

static void test_wrap(void **state)
{
	unsigned long now = ULONG_MAX - HZ;	/* the clock wraps in 1 s */
	struct ovl_keylife l;

	(void)state;
	ovl_keylife_set(&l, 3, now, HZ);
	assert_true(l.expires < now);		/* wrapped */
	assert_false(ovl_keylife_expired(&l, now));
	assert_false(ovl_keylife_expired(&l, now + HZ + 1));	/* wrapped too */
	assert_int_equal(ovl_keylife_left(&l, now + HZ + 1), 2 * HZ - 1);
	assert_true(ovl_keylife_aging(&l, now + 3 * HZ - HZ * 3 / 8));
	assert_true(ovl_keylife_expired(&l, now + 3 * HZ));

	/* An end that falls on 0, which means "none", moves by a tick. */
	ovl_keylife_set(&l, 1, 0UL - HZ, HZ);
	assert_int_equal(l.expires, 1);
	assert_false(ovl_keylife_expired(&l, 0));
	assert_true(ovl_keylife_expired(&l, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_lifetime),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_rekey_margin),
		cmocka_unit_test(test_wrap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
