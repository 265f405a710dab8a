// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the key memory (../keymem.c), built in userspace through
 * kshim.h: bytes installed again resume their counters and their replay
 * state, live installs share one entry, released entries are bounded and
 * forgotten least recently released first, and the message limit counts
 * from where the bytes started.  AddressSanitizer checks that every entry
 * and window is freed exactly once.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "keymem.h"

#define NOLIMIT		UINT64_MAX
#define START		(1ULL << 56)	/* about where the wall clock puts it */

static struct ovl_kmem_table table;

static struct ovl_kmem *fresh(u64 id, u64 start, bool rx)
{
	struct ovl_kmem *m = malloc(sizeof(*m));
	struct ovl_replay *r = rx ? malloc(sizeof(*r)) : NULL;

	assert_non_null(m);
	assert_true(!rx || r);
	ovl_kmem_prepare(m, id, start, r);
	return m;
}

static struct ovl_kmem *get_tx(u64 id, u64 start)
{
	return ovl_kmem_acquire(&table, fresh(id, start, false), false);
}

static struct ovl_kmem *get_rx(u64 id, u64 start)
{
	return ovl_kmem_acquire(&table, fresh(id, start, true), true);
}

/* A key whose tx and rx bytes are the same: both roles, one entry. */
static struct ovl_kmem *get(u64 id, u64 start)
{
	struct ovl_kmem *m = get_tx(id, start);

	assert_ptr_equal(get_rx(id, start), m);
	return m;
}

static void put(struct ovl_kmem *m)
{
	ovl_kmem_release(&table, m, false);
	ovl_kmem_release(&table, m, true);
}

static u64 tx_next(struct ovl_kmem *m)
{
	return (u64)atomic64_read(&m->tx_next);
}

/* What the sender does: claim @n counters. */
static void send_n(struct ovl_kmem *m, u64 n)
{
	atomic64_set(&m->tx_next, (s64)(tx_next(m) + n));
}

static int setup(void **state)
{
	(void)state;
	ovl_kmem_table_init(&table, 4);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(ovl_kmem_table_flush(&table), 0);
	return 0;
}

static void test_fresh(void **state)
{
	struct ovl_kmem *m = get(1, START);

	(void)state;
	assert_int_equal(m->tx_users, 1);
	assert_int_equal(m->rx_users, 1);
	assert_int_equal(tx_next(m), START);
	assert_int_equal(m->tx_start, START);
	assert_false(m->rx_seen);
	assert_true(ovl_kmem_rx_check(m, 7, NOLIMIT));
	put(m);
}

/* The same bytes in two live keys: one entry, one counter sequence. */
static void test_shared_while_live(void **state)
{
	struct ovl_kmem *a = get(1, START), *b;

	(void)state;
	send_n(a, 10);
	assert_true(ovl_kmem_rx_check(a, 500, NOLIMIT));
	b = get(1, START + 1000);
	assert_ptr_equal(a, b);
	assert_int_equal(a->tx_users, 2);
	assert_int_equal(a->rx_users, 2);
	assert_int_equal(tx_next(b), START + 10);
	assert_false(ovl_kmem_rx_check(b, 500, NOLIMIT));
	put(a);
	assert_int_equal(table.nr_released, 0);
	assert_non_null(b->rx);
	put(b);
	assert_int_equal(table.nr_released, 1);
	assert_null(b->rx);
}

/* Released, then installed again: both directions resume. */
static void test_resume(void **state)
{
	struct ovl_kmem *m = get(9, START), *again;
	u64 c;

	(void)state;
	send_n(m, 100);
	for (c = START + 3; c < START + 60; c += 2)
		assert_true(ovl_kmem_rx_check(m, c, NOLIMIT));
	put(m);
	assert_int_equal(table.nr_released, 1);

	/* A later install starts later: the memory wins, not the start. */
	again = get(9, START + 5000);
	assert_ptr_equal(again, m);
	assert_int_equal(table.nr_released, 0);
	assert_int_equal(again->tx_users, 1);
	assert_int_equal(tx_next(again), START + 100);
	assert_int_equal(again->tx_start, START);
	/* Everything up to the highest counter accepted is refused now,
	 * even what the old window had not seen. */
	for (c = START; c <= START + 59; c++)
		assert_false(ovl_kmem_rx_check(again, c, NOLIMIT));
	assert_true(ovl_kmem_rx_check(again, START + 60, NOLIMIT));
	assert_false(ovl_kmem_rx_check(again, START + 60, NOLIMIT));
	assert_true(ovl_kmem_rx_check(again, START + 1000, NOLIMIT));
	put(again);

	/* An earlier start (the clock stepped back) changes nothing. */
	again = get(9, 1);
	assert_int_equal(tx_next(again), START + 100);
	assert_false(ovl_kmem_rx_check(again, START + 1000, NOLIMIT));
	put(again);
}

/* Bytes that never received keep an empty window across a release. */
static void test_resume_unseen(void **state)
{
	struct ovl_kmem *m = get(3, START);

	(void)state;
	put(m);
	m = get(3, START);
	assert_false(m->rx_seen);
	assert_true(ovl_kmem_rx_check(m, 0, NOLIMIT));
	put(m);
}

/* At most max_released entries are kept; the least recently released goes. */
static void test_lru_bound(void **state)
{
	struct ovl_kmem *m[6];
	u64 id;

	(void)state;
	for (id = 1; id <= 4; id++) {
		m[id] = get(id, START);
		send_n(m[id], id);
		put(m[id]);
	}
	assert_int_equal(table.nr_released, 4);
	/* Using 1 again makes it the most recently released. */
	put(get(1, START));
	m[5] = get(5, START);
	put(m[5]);
	assert_int_equal(table.nr_released, 4);
	/* 2 was the least recently released: forgotten, starts afresh. */
	m[2] = get(2, START + 77);
	assert_int_equal(tx_next(m[2]), START + 77);
	assert_int_equal(table.nr_released, 4);
	put(m[2]);	/* pushes out 3 */
	m[1] = get(1, START + 77);
	assert_int_equal(tx_next(m[1]), START + 1);
	m[4] = get(4, START + 77);
	assert_int_equal(tx_next(m[4]), START + 4);
	m[3] = get(3, START + 77);
	assert_int_equal(tx_next(m[3]), START + 77);
	put(m[1]);
	put(m[3]);
	put(m[4]);
}

/* Live entries are never pushed out, however many are released. */
static void test_live_kept(void **state)
{
	struct ovl_kmem *live = get(1000, START), *m;
	u64 id;

	(void)state;
	send_n(live, 42);
	for (id = 1; id <= 50; id++)
		put(get(id, START));
	assert_int_equal(table.nr_released, 4);
	m = get(1000, START + 9);
	assert_ptr_equal(m, live);
	assert_int_equal(tx_next(m), START + 42);
	put(m);
	assert_int_equal(ovl_kmem_table_flush(&table), 1);
	put(live);
}

/* The receiving limit counts from the first counter accepted. */
static void test_rx_limit(void **state)
{
	struct ovl_kmem *m = get(1, START);

	(void)state;
	assert_true(ovl_kmem_rx_check(m, START + 1000, 10));
	assert_true(ovl_kmem_rx_check(m, START + 1009, 10));
	assert_false(ovl_kmem_rx_check(m, START + 1010, 10));
	/* Older than the first, still within the window: accepted once. */
	assert_true(ovl_kmem_rx_check(m, START + 995, 10));
	assert_false(ovl_kmem_rx_check(m, START + 995, 10));
	put(m);
	/* The start survives a release. */
	m = get(1, START);
	assert_false(ovl_kmem_rx_check(m, START + 1010, 10));
	put(m);

	/* A limit of 0 accepts nothing; the last counter never. */
	m = get(2, START);
	assert_false(ovl_kmem_rx_check(m, START, 0));
	assert_false(m->rx_seen);
	assert_false(ovl_kmem_rx_check(m, UINT64_MAX, NOLIMIT));
	assert_true(ovl_kmem_rx_check(m, UINT64_MAX - 1, NOLIMIT));
	put(m);
}

/*
 * Sending needs no window; a window given up keeps its highest counter
 * while the bytes still send, and the entry stays off the released list.
 */
static void test_roles(void **state)
{
	struct ovl_kmem *tx = get_tx(5, START), *rx;
	u64 c;

	(void)state;
	assert_null(tx->rx);
	send_n(tx, 3);
	rx = get_rx(5, START + 9);
	assert_ptr_equal(rx, tx);
	assert_non_null(rx->rx);
	assert_int_equal(tx_next(rx), START + 3);
	for (c = 100; c < 110; c++)
		assert_true(ovl_kmem_rx_check(rx, c, NOLIMIT));
	ovl_kmem_release(&table, rx, true);
	assert_null(tx->rx);
	assert_int_equal(table.nr_released, 0);
	rx = get_rx(5, START);
	assert_false(ovl_kmem_rx_check(rx, 105, NOLIMIT));
	assert_true(ovl_kmem_rx_check(rx, 110, NOLIMIT));
	ovl_kmem_release(&table, rx, true);
	ovl_kmem_release(&table, tx, false);
	assert_int_equal(table.nr_released, 1);
}

static void test_end(void **state)
{
	(void)state;
	assert_int_equal(ovl_kmem_end(START, 50), START + 50);
	assert_int_equal(ovl_kmem_end(0, 50), 50);
	assert_int_equal(ovl_kmem_end(START, UINT64_MAX - 8192), UINT64_MAX);
	assert_int_equal(ovl_kmem_end(UINT64_MAX, 1), UINT64_MAX);
	assert_int_equal(ovl_kmem_end(UINT64_MAX - 10, 10), UINT64_MAX);
	assert_int_equal(ovl_kmem_end(UINT64_MAX - 10, 9), UINT64_MAX - 1);
}

static void test_discard(void **state)
{
	(void)state;
	ovl_kmem_discard(fresh(1, START, true));
	ovl_kmem_discard(fresh(2, START, false));
	ovl_kmem_discard(NULL);
	assert_int_equal(table.nr_released, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_while_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_unseen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lru_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_live_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discard, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
