// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the daemon's session timers (daemon/session.c): when a
 * handshake starts, is retried and rekeyed, which way it goes, the keys'
 * lifetime and the key id both sides pick.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../daemon/session.h"

#define SEC	SESSION_NS_PER_SEC
#define REKEY	(120 * SEC)

static void test_start_and_retry(void **state)
{
	struct session s = { 0 };
	uint64_t t = 1000 * SEC;

	(void)state;
	assert_false(session_init_due(&s, t, REKEY));
	session_want(&s);
	assert_true(session_init_due(&s, t, REKEY));
	session_sent(&s, t, SEC / 4);
	/* Unanswered: not again before 5 s plus the jitter. */
	assert_false(session_init_due(&s, t + 5 * SEC, REKEY));
	assert_true(session_init_due(&s, t + 5 * SEC + SEC / 4, REKEY));
	session_done(&s, t + 6 * SEC, true);
	assert_false(s.pending);
	assert_false(session_init_due(&s, t + 7 * SEC, REKEY));
}

static void test_slow_retries(void **state)
{
	struct session s = { 0 };
	uint64_t t = 0;
	unsigned int i;

	(void)state;
	session_want(&s);
	for (i = 0; i < SESSION_ATTEMPTS; i++) {
		assert_true(session_init_due(&s, t, REKEY));
		session_sent(&s, t, 0);
		t += SESSION_RETRY;
	}
	/* 90 s of retries: then every 30 s. */
	assert_false(session_init_due(&s, t, REKEY));
	assert_true(session_init_due(&s, t - SESSION_RETRY + SESSION_RETRY_SLOW,
				     REKEY));
}

static void test_rekey(void **state)
{
	struct session i = { 0 }, r = { 0 };
	uint64_t t = 50 * SEC;

	(void)state;
	session_done(&i, t, true);
	session_done(&r, t, false);
	assert_false(session_init_due(&i, t + REKEY - 1, REKEY));
	assert_true(session_init_due(&i, t + REKEY, REKEY));
	/* The responder leaves the initiator time to rekey first. */
	assert_false(session_init_due(&r, t + REKEY, REKEY));
	assert_false(session_init_due(&r, t + REKEY + SESSION_RESPONDER_SLACK - 1,
				      REKEY));
	assert_true(session_init_due(&r, t + REKEY + SESSION_RESPONDER_SLACK,
				     REKEY));
}

static void test_route(void **state)
{
	struct session s = { 0 };

	(void)state;
	/* No beacon: straight, or nowhere. */
	assert_int_equal(session_route(&s, true, false, false, false),
			 SESSION_ROUTE_DIRECT);
	assert_int_equal(session_route(&s, false, false, false, false),
			 SESSION_ROUTE_NONE);
	assert_int_equal(session_route(&s, true, false, false, true),
			 SESSION_ROUTE_NONE);
	/* A beacon: relayed when there is no endpoint, the peer is relayed
	 * or relay-only; else alternating, direct first. */
	assert_int_equal(session_route(&s, false, true, false, false),
			 SESSION_ROUTE_RELAY);
	assert_int_equal(session_route(&s, true, true, true, false),
			 SESSION_ROUTE_RELAY);
	assert_int_equal(session_route(&s, true, true, false, true),
			 SESSION_ROUTE_RELAY);
	session_want(&s);
	assert_int_equal(session_route(&s, true, true, false, false),
			 SESSION_ROUTE_DIRECT);
	session_sent(&s, 0, 0);
	assert_int_equal(session_route(&s, true, true, false, false),
			 SESSION_ROUTE_RELAY);
	session_sent(&s, 0, 0);
	assert_int_equal(session_route(&s, true, true, false, false),
			 SESSION_ROUTE_DIRECT);
}

static void test_lifetime(void **state)
{
	(void)state;
	assert_int_equal(session_lifetime(120), 180);
	assert_int_equal(session_lifetime(5), 35);
	assert_int_equal(session_lifetime(3600), 5400);
}

/* Every free id, each once over as many r, never a taken one. */
static void check_key_ids(int id0, int id1, unsigned int n_free)
{
	bool seen[256] = { false };
	unsigned int r, id;

	for (r = 0; r < n_free; r++) {
		id = session_key_id(r, id0, id1);
		assert_true((int)id != id0 && (int)id != id1);
		assert_false(seen[id]);
		seen[id] = true;
	}
	/* r wraps around the free ids. */
	assert_int_equal(session_key_id(n_free, id0, id1),
			 session_key_id(0, id0, id1));
	assert_int_equal(session_key_id(UINT32_MAX, id0, id1),
			 session_key_id(UINT32_MAX % n_free, id0, id1));
}

static void test_key_id(void **state)
{
	(void)state;
	check_key_ids(-1, -1, 256);
	check_key_ids(7, -1, 255);
	check_key_ids(-1, 7, 255);
	check_key_ids(7, 9, 254);
	check_key_ids(9, 9, 255);
	check_key_ids(0, 255, 254);
	assert_int_equal(session_key_id(0, 0, 1), 2);
	assert_int_equal(session_key_id(5, -1, -1), 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_and_retry),
		cmocka_unit_test(test_slow_retries),
		cmocka_unit_test(test_rekey),
		cmocka_unit_test(test_route),
		cmocka_unit_test(test_lifetime),
		cmocka_unit_test(test_key_id),
	};

	return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
