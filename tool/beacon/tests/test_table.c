// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the registration table: lookups, rebinding, expiry, cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "table.h"

static struct bcn_addr v4(uint8_t last, uint16_t port)
{
	const uint8_t ip[4] = { 192, 0, 2, last };
	struct bcn_addr a;

	bcn_addr_set_v4(&a, ip, port);
	return a;
}

static void test_register_lookup(void **state)
{
	struct bcn_table t;
	struct bcn_addr a = v4(1, 1000), b = v4(2, 2000);
	struct bcn_addr c = { .ip = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
			      .port = 3000 };

	(void)state;
	assert_int_equal(bcn_table_init(&t, 10, 1000, 42), 0);
	assert_int_equal(bcn_table_register(&t, 1, &a, 0), BCN_REG_NEW);
	assert_int_equal(bcn_table_register(&t, 2, &b, 0), BCN_REG_NEW);
	assert_int_equal(bcn_table_register(&t, 3, &c, 0), BCN_REG_NEW);
	assert_int_equal(bcn_table_register(&t, 1, &a, 5), BCN_REG_REFRESH);
	assert_int_equal(t.count, 3);
	assert_int_equal(bcn_table_by_id(&t, 1)->last_seen, 5);
	assert_true(bcn_addr_equal(&bcn_table_by_id(&t, 2)->addr, &b));
	assert_int_equal(bcn_table_by_addr(&t, &c)->id, 3);
	assert_true(bcn_addr_is_v4mapped(&a));
	assert_false(bcn_addr_is_v4mapped(&c));
	assert_null(bcn_table_by_id(&t, 4));
	b.port++;
	assert_null(bcn_table_by_addr(&t, &b));
	bcn_table_free(&t);
}

static void test_rebind_and_move(void **state)
{
	struct bcn_table t;
	struct bcn_addr a = v4(1, 1000), a2 = v4(1, 1001), b = v4(2, 2000);

	(void)state;
	assert_int_equal(bcn_table_init(&t, 10, 1000, 7), 0);
	bcn_table_register(&t, 1, &a, 0);
	bcn_table_register(&t, 2, &b, 0);
	/* NAT rebinding: id 1 from a new port */
	assert_int_equal(bcn_table_register(&t, 1, &a2, 1), BCN_REG_REBIND);
	assert_null(bcn_table_by_addr(&t, &a));
	assert_int_equal(bcn_table_by_addr(&t, &a2)->id, 1);
	assert_int_equal(t.count, 2);
	/* address a2 now says it is id 9 */
	assert_int_equal(bcn_table_register(&t, 9, &a2, 2), BCN_REG_MOVED);
	assert_null(bcn_table_by_id(&t, 1));
	assert_int_equal(bcn_table_by_addr(&t, &a2)->id, 9);
	assert_int_equal(t.count, 2);
	/* address b says it is id 9, which is registered at a2 */
	assert_int_equal(bcn_table_register(&t, 9, &b, 3), BCN_REG_REBIND);
	assert_null(bcn_table_by_id(&t, 2));
	assert_null(bcn_table_by_addr(&t, &a2));
	assert_int_equal(bcn_table_by_addr(&t, &b)->id, 9);
	assert_int_equal(t.count, 1);
	bcn_table_free(&t);
}

static void test_expire(void **state)
{
	struct bcn_table t;
	struct bcn_addr a = v4(1, 1), b = v4(2, 2), c = v4(3, 3);

	(void)state;
	assert_int_equal(bcn_table_init(&t, 10, 1000, 1), 0);
	assert_int_equal(bcn_table_next_expiry(&t), UINT64_MAX);
	bcn_table_register(&t, 1, &a, 100);
	bcn_table_register(&t, 2, &b, 200);
	bcn_table_register(&t, 3, &c, 300);
	bcn_table_register(&t, 1, &a, 900);	/* refresh: now newest */
	assert_int_equal(bcn_table_next_expiry(&t), 1200);
	assert_int_equal(bcn_table_expire(&t, 1199), 0);
	assert_int_equal(bcn_table_expire(&t, 1300), 2);
	assert_null(bcn_table_by_id(&t, 2));
	assert_null(bcn_table_by_addr(&t, &c));
	assert_non_null(bcn_table_by_id(&t, 1));
	assert_int_equal(bcn_table_expire(&t, 1900), 1);
	assert_int_equal(t.count, 0);
	assert_null(t.lru_head);
	bcn_table_free(&t);
}

static void test_cap(void **state)
{
	struct bcn_table t;
	struct bcn_addr a;
	uint32_t i;

	(void)state;
	assert_int_equal(bcn_table_init(&t, 100, 1000, 3), 0);
	for (i = 1; i <= 100; i++) {
		a = v4(i, i);
		assert_int_equal(bcn_table_register(&t, i, &a, i),
				 BCN_REG_NEW);
	}
	a = v4(200, 200);
	assert_int_equal(bcn_table_register(&t, 200, &a, 0), BCN_REG_FULL);
	/* known nodes still refresh and rebind at the cap */
	a = v4(5, 5);
	assert_int_equal(bcn_table_register(&t, 5, &a, 1), BCN_REG_REFRESH);
	a = v4(5, 6);
	assert_int_equal(bcn_table_register(&t, 5, &a, 1), BCN_REG_REBIND);
	assert_int_equal(t.count, 100);
	for (i = 1; i <= 100; i++)
		assert_int_equal(bcn_table_by_id(&t, i)->id, i);
	bcn_table_free(&t);
}

/* Many nodes, mixed operations, against a plain array model. */
static void test_many(void **state)
{
	enum { N = 5000 };
	static struct bcn_addr model[N + 1];
	static uint8_t present[N + 1];
	struct bcn_table t;
	uint32_t i, seed = 12345;
	size_t count = 0;

	(void)state;
	assert_int_equal(bcn_table_init(&t, N, 1000000, 99), 0);
	for (i = 0; i < 50000; i++) {
		uint32_t id, r;
		struct bcn_addr a;
		struct bcn_node *n;

		seed = seed * 1103515245 + 12345;
		r = seed >> 8;
		id = r % N + 1;
		memset(&a, 0, sizeof(a));
		a.ip[0] = 0x20;
		a.ip[15] = id & 0xff;
		a.ip[14] = id >> 8;
		a.port = (uint16_t)(r >> 16) % 4;
		if (bcn_table_by_addr(&t, &a))
			continue;	/* keep the model one id per address */
		bcn_table_register(&t, id, &a, i);
		if (!present[id])
			count++;
		present[id] = 1;
		model[id] = a;
		n = bcn_table_by_id(&t, id);
		assert_non_null(n);
		assert_true(bcn_addr_equal(&n->addr, &a));
	}
	assert_int_equal(t.count, count);
	for (i = 1; i <= N; i++) {
		if (!present[i]) {
			assert_null(bcn_table_by_id(&t, i));
			continue;
		}
		assert_int_equal(bcn_table_by_addr(&t, &model[i])->id, i);
	}
	bcn_table_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_lookup),
		cmocka_unit_test(test_rebind_and_move),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests_name("beacon table", tests, NULL, NULL);
}
