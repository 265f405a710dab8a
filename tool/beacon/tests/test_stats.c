// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the counter output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "stats.h"

static void test_line(void **state)
{
	struct bcn_stats st = { .rx = 5, .relayed = 2, .drop_send = 7,
				.reregister_sent = 4 };
	char buf[2048], small[10];
	size_t len;

	(void)state;
	len = bcn_stats_line(buf, sizeof(buf), &st, 3);
	assert_int_equal(len, strlen(buf));
	assert_non_null(strstr(buf, "nodes=3 rx=5 tx=0 "));
	assert_non_null(strstr(buf, " relayed=2 "));
	assert_non_null(strstr(buf, " drop_send=7 "));
	/* protocol v2's counters (docs/beacon-auth.md), the last one last */
	assert_non_null(strstr(buf, " bad_cookie=0 bad_cert=0 bad_sig=0 "));
	assert_non_null(strstr(buf, " punch_rate_limited=0 "));
	assert_int_equal(buf[len - 1], '4');
	assert_non_null(strstr(buf, " reregister_sent=4"));
	/* too small: truncated, NUL-terminated, full length reported */
	assert_int_equal(bcn_stats_line(small, sizeof(small), &st, 3), len);
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

static void test_json(void **state)
{
	struct bcn_stats st = { .tx = 9, .expirations = 1 };
	char buf[2048];
	size_t len;

	(void)state;
	len = bcn_stats_json(buf, sizeof(buf), &st, 0);
	assert_int_equal(len, strlen(buf));
	assert_memory_equal(buf, "{\"nodes\": 0, \"rx\": 0, \"tx\": 9, ", 30);
	assert_non_null(strstr(buf, "\"expirations\": 1, "));
	assert_string_equal(buf + len - 3, "0}\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_json),
	};

	return cmocka_run_group_tests_name("beacon stats", tests, NULL, NULL);
}
