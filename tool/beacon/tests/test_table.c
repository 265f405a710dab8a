// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the registration table: lookups, rebinding, expiry, LRU. */
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

static void test_add_lookup(void **state)
{
	struct bcn_table t;
	struct bcn_addr a = v4(1, 1000), b = v4(2, 2000);
	struct bcn_addr c = { .ip = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 },
			      .port = 3000 };

	(void)state;
	assert_int_equal(bcn_table_init(&t, 10, 1000, 42), 0);
	assert_non_null(bcn_table_add(&t, 1, &a, 0));
	assert_non_null(bcn_table_add(&t, 2, &b, 0));
	assert_non_null(bcn_table_add(&t, 3, &c, 0));
	bcn_table_touch(&t, bcn_table_by_id(&t, 1), 5);
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

static void test_set_addr_and_del(void **state)
{
	struct bcn_table t;
	struct bcn_addr a = v4(1, 1000), a2 = v4(1, 1001), b = v4(2, 2000);

	(void)state;
	assert_int_equal(bcn_table_init(&t, 10, 1000, 7), 0);
	bcn_table_add(&t, 1, &a, 0);
	bcn_table_add(&t, 2, &b, 0);
	/* NAT rebinding: id 1 from a new port */
	bcn_table_set_addr(&t, bcn_table_by_id(&t, 1), &a2);
	assert_null(bcn_table_by_addr(&t, &a));
	assert_int_equal(bcn_table_by_addr(&t, &a2)->id, 1);
	assert_int_equal(t.count, 2);
	bcn_table_del(&t, bcn_table_by_id(&t, 1));
	assert_null(bcn_table_by_id(&t, 1));
	assert_null(bcn_table_by_addr(&t, &a2));
	assert_int_equal(bcn_table_by_addr(&t, &b)->id, 2);
	assert_int_equal(t.count, 1);
	assert_true(t.lru_head == bcn_table_by_id(&t, 2) &&
		    t.lru_tail == t.lru_head);
	bcn_table_free(&t);
}

static void test_expire(void **state)
{
	struct bcn_table t;
	struct bcn_addr a = v4(1, 1), b = v4(2, 2), c = v4(3, 3);

	(void)state;
	assert_int_equal(bcn_table_init(&t, 10, 1000, 1), 0);
	assert_int_equal(bcn_table_next_expiry(&t), UINT64_MAX);
	bcn_table_add(&t, 1, &a, 100);
	bcn_table_add(&t, 2, &b, 200);
	bcn_table_add(&t, 3, &c, 300);
	bcn_table_touch(&t, bcn_table_by_id(&t, 1), 900); /* now newest */
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

/* The stalest first: what the caller evicts at the cap (t->lru_head). */
static void test_lru(void **state)
{
	struct bcn_table t;
	struct bcn_addr a;
	uint32_t i;

	(void)state;
	assert_int_equal(bcn_table_init(&t, 100, 1000, 3), 0);
	for (i = 1; i <= 100; i++) {
		a = v4(i, i);
		assert_non_null(bcn_table_add(&t, i, &a, i));
	}
	assert_int_equal(t.lru_head->id, 1);
	bcn_table_touch(&t, bcn_table_by_id(&t, 1), 200);
	assert_int_equal(t.lru_head->id, 2);
	assert_int_equal(t.lru_tail->id, 1);
	bcn_table_del(&t, t.lru_head);
	assert_int_equal(t.count, 99);
	assert_null(bcn_table_by_id(&t, 2));
	for (i = 3; i <= 100; i++)
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
		n = bcn_table_by_id(&t, id);
		if (n) {
			bcn_table_set_addr(&t, n, &a);
			bcn_table_touch(&t, n, i);
		} else {
			assert_non_null(bcn_table_add(&t, id, &a, i));
			count++;
		}
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
		cmocka_unit_test(test_add_lookup),
		cmocka_unit_test(test_set_addr_and_del),
		cmocka_unit_test(test_expire),
		cmocka_unit_test(test_lru),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests_name("beacon table", tests, NULL, NULL);
}
